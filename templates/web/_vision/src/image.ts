// Image sources and preprocessing shared by the vision apps: draw a frame into an H x W canvas
// (the model's input size) and turn its pixels into the model input the binding describes.
import type { ImageBinding } from "./contract";
import type { TensorData } from "./runtime";

export type FrameSource = HTMLVideoElement | HTMLImageElement | HTMLCanvasElement | ImageBitmap;

/** The natural size of a frame source (a video's frame, not its element's box). */
export function frameSize(source: FrameSource): { width: number; height: number } {
  if (source instanceof HTMLVideoElement) return { width: source.videoWidth, height: source.videoHeight };
  if (source instanceof HTMLImageElement) return { width: source.naturalWidth, height: source.naturalHeight };
  return { width: source.width, height: source.height };
}

/** A frame's RGBA pixels at its natural size. */
export interface FramePixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * The frame's RGBA pixels at its natural size, read through `canvas` (no resampling: the crops that
 * follow do that, with the arithmetic edgekit's golden step uses).
 */
export function framePixels(frame: FrameSource, canvas: HTMLCanvasElement): FramePixels {
  const { width, height } = frameSize(frame);
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new Error("this browser has no 2D canvas");
  context.drawImage(frame, 0, 0, width, height);
  return { data: context.getImageData(0, 0, width, height).data, width, height };
}

/** Decodes an image file or URL without colour management, so PNG pixels arrive unchanged. */
export async function decodeImage(from: Blob | string): Promise<ImageBitmap> {
  const blob = typeof from === "string" ? await fetchBlob(from) : from;
  return createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
}

async function fetchBlob(url: string): Promise<Blob> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  return response.blob();
}

/**
 * Resizes frames to the model's input (stretching, so coordinates normalised to the input are
 * normalised to the frame too) and converts RGB to the input's values: low + p / 255 * (high - low)
 * as float32 when the binding normalises, the raw 0..255 integers otherwise.
 */
export class Preprocessor {
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;

  constructor(private readonly image: ImageBinding) {
    this.canvas = document.createElement("canvas");
    this.canvas.width = image.width;
    this.canvas.height = image.height;
    const context = this.canvas.getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("this browser has no 2D canvas");
    this.context = context;
  }

  /** The model input [1, H, W, 3] for one frame. */
  toInput(source: FrameSource): TensorData {
    const { width, height, normalize, tensor } = this.image;
    const size = frameSize(source);
    this.context.imageSmoothingEnabled = true;
    this.context.imageSmoothingQuality = "high";
    this.context.drawImage(source, 0, 0, size.width, size.height, 0, 0, width, height);
    const rgba = this.context.getImageData(0, 0, width, height).data;
    const pixels = width * height;
    let data: Float32Array | Int32Array | Uint8Array;
    if (normalize) {
      const [low, high] = normalize;
      const values = new Float32Array(pixels * 3);
      for (let p = 0, i = 0; p < pixels; p++, i += 4) {
        values[p * 3] = low + (rgba[i] / 255) * (high - low);
        values[p * 3 + 1] = low + (rgba[i + 1] / 255) * (high - low);
        values[p * 3 + 2] = low + (rgba[i + 2] / 255) * (high - low);
      }
      data = values;
    } else {
      const values = tensor.dtype === "uint8" ? new Uint8Array(pixels * 3) : new Int32Array(pixels * 3);
      for (let p = 0, i = 0; p < pixels; p++, i += 4) {
        values[p * 3] = rgba[i];
        values[p * 3 + 1] = rgba[i + 1];
        values[p * 3 + 2] = rgba[i + 2];
      }
      data = values;
    }
    return { data, shape: [1, height, width, 3] };
  }
}

/** Starts the user-facing camera; rejects with a readable reason when there is none or it is refused. */
export async function startCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error("this browser offers no camera API (a secure origin — https or localhost — is needed)");
  }
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play();
  return stream;
}

export function stopCamera(stream: MediaStream | null): void {
  stream?.getTracks().forEach((track) => track.stop());
}

/** Keeps the last `size` latencies and reports their median. */
export class LatencyWindow {
  private samples: number[] = [];
  constructor(private readonly size = 30) {}

  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > this.size) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  get median(): number {
    if (this.samples.length === 0) return NaN;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}

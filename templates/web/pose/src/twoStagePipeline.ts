// Two-stage pose pipeline for BlazePose landmark models, which expect a person crop: find the
// person with the detector, crop the rotated region around them, run the landmark model on the
// crop, map its landmarks back onto the frame. The next frame reuses the region its auxiliary
// landmarks give for as long as the pose-presence score stays high; then the detector runs again.
import { BINDING, GOLDEN } from "./contract";
import { loadDetector, type Detector } from "./detector";
import { framePixels, type FrameSource } from "./image";
import type { Keypoint } from "./pipeline";
import type { Runner } from "./runtime";
import {
  alignmentRegion, cropRegion, decodeBestDetection, letterboxRegion, project, sigmoid, ssdAnchors,
  type Detection, type DetectorSpec, type Region,
} from "./twoStage";

/** What the scaffold wrote into GOLDEN for a two-stage app (see src/contract.ts). */
interface TwoStageConfig {
  detector: DetectorSpec & { url_path: string };
  landmarks: { presence_key: string; count: number; aux_hips: number; aux_scale: number;
    presence_threshold: number; region_scale: number };
}

export const TWO_STAGE = GOLDEN as unknown as TwoStageConfig;

export interface TwoStageResult {
  keypoints: Keypoint[];
  /** The first count x stride landmark values, as the model gave them (crop pixels, logits). */
  raw: Float32Array;
  /** "detect" when the detector placed this frame's region, "track" when the last frame did. */
  stage: "detect" | "track";
  detection: Detection | null;
  region: Region | null;
  presence: number;
  nextRegion: Region | null;
}

export class TwoStagePosePipeline {
  private readonly anchors = ssdAnchors(TWO_STAGE.detector);
  private readonly canvas = document.createElement("canvas");
  private tracked: Region | null = null;

  private constructor(private readonly runner: Runner, private readonly detector: Detector) {}

  static async create(runner: Runner): Promise<TwoStagePosePipeline> {
    const spec = TWO_STAGE.detector;
    const detector = await loadDetector(`${import.meta.env.BASE_URL}${spec.url_path}`, spec.input_size);
    return new TwoStagePosePipeline(runner, detector);
  }

  /** Forget the tracked person: the next frame runs the detector. */
  reset(): void {
    this.tracked = null;
  }

  async run(frame: FrameSource): Promise<TwoStageResult> {
    const pixels = framePixels(frame, this.canvas);
    const { width, height } = pixels;
    const spec = TWO_STAGE.detector;
    const stage = this.tracked ? "track" : "detect";
    let region = this.tracked;
    let detection: Detection | null = null;
    if (!region) {
      const letterbox = letterboxRegion(width, height);
      const [low, high] = spec.normalize;
      const input = cropRegion(pixels, letterbox, spec.input_size, spec.input_size, low, high);
      detection = decodeBestDetection(await this.detector.run(input, spec.input_size), this.anchors, letterbox,
        width, height, spec);
      if (!detection) {
        return { keypoints: [], raw: new Float32Array(0), stage, detection, region: null, presence: 0, nextRegion: null };
      }
      region = alignmentRegion(detection.keypoints[0], detection.keypoints[1], width, height,
        TWO_STAGE.landmarks.region_scale);
    }
    const image = BINDING.image;
    const [low, high] = image.normalize ?? [0, 1];
    const input = cropRegion(pixels, region, image.width, image.height, low, high);
    const outputs = await this.runner.run({ [image.tensor.key]: { data: input, shape: [1, image.height, image.width, 3] } });
    const landmarks = TWO_STAGE.landmarks;
    const values = outputs[BINDING.keypoints.tensor.key].data;
    const presence = outputs[landmarks.presence_key].data[0];
    const stride = BINDING.keypoints.stride;
    const points: [number, number][] = [];
    for (let i = 0; i < landmarks.count; i++) {
      points.push([values[i * stride] / image.width, values[i * stride + 1] / image.height]);
    }
    const framed = project(points, region, width, height);
    const keypoints: Keypoint[] = [];
    for (let i = 0; i < BINDING.keypoints.count; i++) {
      keypoints.push({ x: framed[i][0], y: framed[i][1], score: sigmoid(values[i * stride + BINDING.keypoints.score_index]) });
    }
    const nextRegion = presence >= landmarks.presence_threshold
      ? alignmentRegion(framed[landmarks.aux_hips], framed[landmarks.aux_scale], width, height, landmarks.region_scale)
      : null;
    this.tracked = nextRegion;
    const raw = Float32Array.from(values.subarray(0, BINDING.keypoints.count * stride));
    return { keypoints, raw, stage, detection, region, presence, nextRegion };
  }
}

/** Region as [xCenter, yCenter, width, height, rotation], as the golden file writes it. */
export function regionList(region: Region | null): number[] | null {
  return region ? [region.xCenter, region.yCenter, region.width, region.height, region.rotation] : null;
}

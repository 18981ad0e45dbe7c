// The BlazePose person detector's math, shared by the pose apps (two stages: detector -> landmarks)
// and the body-segmentation apps (is anyone there?): SSD anchors and the detector's best detection,
// the rotated region around the person (MediaPipe's alignment-point rectangle, scaled 1.25), the crop
// of a region with bilinear sampling, and the mapping of landmarks back onto the frame. edgekit
// computes the golden vectors with the same arithmetic in the same order
// (edgekit/scaffold/golden/pose_two_stage.py), so both sides feed the models the same values: on
// edgekit's photos the crops agree bit for bit.
import type { FramePixels } from "./image";

/** Centre and size as fractions of the frame, rotation in radians (clockwise on screen). */
export interface Region {
  xCenter: number;
  yCenter: number;
  width: number;
  height: number;
  rotation: number;
}

/** How the detector's output is decoded (the golden file carries the same numbers). */
export interface DetectorSpec {
  input_size: number;
  normalize: [number, number];
  strides: number[];
  anchors_per_layer: number;
  values: number;
  keypoints: number;
  score_clip: number;
  min_score: number;
}

/** The best anchor: score, box [xMin, yMin, xMax, yMax] and alignment keypoints, in frame fractions. */
export interface Detection {
  anchor: number;
  score: number;
  box: [number, number, number, number];
  keypoints: [number, number][];
}

export type { FramePixels };

export const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** Anchor centres (x, y as input fractions) in the detector's output order, flattened. */
export function ssdAnchors(spec: DetectorSpec): Float64Array {
  const centres: number[] = [];
  let layer = 0;
  while (layer < spec.strides.length) {
    const stride = spec.strides[layer];
    let same = 0; // consecutive layers of one stride share a feature map: their anchors interleave per cell
    while (layer < spec.strides.length && spec.strides[layer] === stride) {
      same++;
      layer++;
    }
    const cells = Math.ceil(spec.input_size / stride);
    for (let row = 0; row < cells; row++) {
      for (let col = 0; col < cells; col++) {
        for (let k = 0; k < same * spec.anchors_per_layer; k++) centres.push((col + 0.5) / cells, (row + 0.5) / cells);
      }
    }
  }
  return Float64Array.from(centres);
}

/** The square around the whole frame (its long side), unrotated: what the detector sees. */
export function letterboxRegion(width: number, height: number): Region {
  const side = Math.max(width, height);
  return { xCenter: 0.5, yCenter: 0.5, width: side / width, height: side / height, rotation: 0 };
}

/** Points given as fractions of the region's crop -> fractions of the frame. */
export function project(points: [number, number][], region: Region, width: number, height: number): [number, number][] {
  const c = Math.cos(region.rotation);
  const s = Math.sin(region.rotation);
  const widthPx = region.width * width;
  const heightPx = region.height * height;
  const cx = region.xCenter * width;
  const cy = region.yCenter * height;
  return points.map(([u, v]) => {
    const a = (u - 0.5) * widthPx;
    const b = (v - 0.5) * heightPx;
    return [(cx + a * c - b * s) / width, (cy + a * s + b * c) / height];
  });
}

/** The best anchor's score (clipped logit, then sigmoid): how sure the detector is that someone is there. */
export function bestScore(raw: ArrayLike<number>, spec: DetectorSpec): number {
  let best = -Infinity;
  for (let i = 0; i < raw.length; i += spec.values) {
    best = Math.max(best, Math.min(Math.max(raw[i], -spec.score_clip), spec.score_clip));
  }
  return sigmoid(best);
}

/** The highest-scoring anchor (ties: the first), or null when its score is below min_score. */
export function decodeBestDetection(raw: ArrayLike<number>, anchors: Float64Array, letterbox: Region,
                                    width: number, height: number, spec: DetectorSpec): Detection | null {
  const count = anchors.length / 2;
  if (raw.length < count * spec.values) {
    throw new Error(`detector output has ${raw.length} values; ${count} anchors of ${spec.values} need ${count * spec.values}`);
  }
  let best = 0;
  let bestLogit = -Infinity;
  for (let i = 0; i < count; i++) {
    const logit = Math.min(Math.max(raw[i * spec.values], -spec.score_clip), spec.score_clip);
    if (logit > bestLogit) {
      bestLogit = logit;
      best = i;
    }
  }
  const score = sigmoid(bestLogit);
  if (score < spec.min_score) return null;
  const base = best * spec.values;
  const size = spec.input_size;
  const ax = anchors[2 * best];
  const ay = anchors[2 * best + 1];
  const cx = raw[base + 1] / size + ax;
  const cy = raw[base + 2] / size + ay;
  const w = raw[base + 3] / size;
  const h = raw[base + 4] / size;
  const corners = project([[cx - w / 2, cy - h / 2], [cx + w / 2, cy + h / 2]], letterbox, width, height);
  const points: [number, number][] = [];
  for (let k = 0; k < spec.keypoints; k++) {
    points.push([raw[base + 5 + 2 * k] / size + ax, raw[base + 6 + 2 * k] / size + ay]);
  }
  return {
    anchor: best, score, box: [corners[0][0], corners[0][1], corners[1][0], corners[1][1]],
    keypoints: project(points, letterbox, width, height),
  };
}

/**
 * MediaPipe's alignment-point rectangle: centred on `centre`, side 2 x the pixel distance to
 * `scalePoint` x `scale`, rotated so that centre -> scale point is straight up.
 */
export function alignmentRegion(centre: [number, number], scalePoint: [number, number], width: number,
                                height: number, scale: number): Region {
  const x0 = centre[0] * width;
  const y0 = centre[1] * height;
  const x1 = scalePoint[0] * width;
  const y1 = scalePoint[1] * height;
  const side = Math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2) * 2.0 * scale;
  const angle = Math.PI / 2 - Math.atan2(-(y1 - y0), x1 - x0);
  const rotation = angle - 2 * Math.PI * Math.floor((angle + Math.PI) / (2 * Math.PI));
  return { xCenter: centre[0], yCenter: centre[1], width: side / width, height: side / height, rotation };
}

/**
 * The region resampled to outWidth x outHeight and normalised: low + p / 255 * (high - low).
 * Output pixel (u, v) samples the frame at region point ((u + 0.5) / outWidth, (v + 0.5) / outHeight),
 * bilinearly between pixel centres; pixels outside the frame count as 0.
 */
export function cropRegion(frame: FramePixels, region: Region, outWidth: number, outHeight: number,
                           low: number, high: number): Float32Array {
  const { data, width, height } = frame;
  const c = Math.cos(region.rotation);
  const s = Math.sin(region.rotation);
  const widthPx = region.width * width;
  const heightPx = region.height * height;
  const cx = region.xCenter * width;
  const cy = region.yCenter * height;
  const out = new Float32Array(outWidth * outHeight * 3);
  const pixel = (x: number, y: number, channel: number): number =>
    x < 0 || x >= width || y < 0 || y >= height ? 0 : data[(y * width + x) * 4 + channel];
  for (let v = 0; v < outHeight; v++) {
    const b = ((v + 0.5) / outHeight - 0.5) * heightPx;
    for (let u = 0; u < outWidth; u++) {
      const a = ((u + 0.5) / outWidth - 0.5) * widthPx;
      const fx = (cx + a * c - b * s) - 0.5;
      const fy = (cy + a * s + b * c) - 0.5;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const tx = fx - x0;
      const ty = fy - y0;
      for (let channel = 0; channel < 3; channel++) {
        const p00 = pixel(x0, y0, channel);
        const p01 = pixel(x0 + 1, y0, channel);
        const p10 = pixel(x0, y0 + 1, channel);
        const p11 = pixel(x0 + 1, y0 + 1, channel);
        const value = (1 - ty) * ((1 - tx) * p00 + tx * p01) + ty * ((1 - tx) * p10 + tx * p11);
        out[(v * outWidth + u) * 3 + channel] = low + (value / 255) * (high - low);
      }
    }
  }
  return out;
}

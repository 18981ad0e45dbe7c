// Pose pipeline: frame -> model input -> keypoints normalised to the frame (x, y in 0..1, score 0..1).
import { BINDING, type ImageBinding, type KeypointBinding } from "./contract";
import { Preprocessor, type FrameSource } from "./image";
import type { Runner } from "./runtime";

export interface Keypoint {
  x: number;
  y: number;
  score: number;
}

export interface PoseResult {
  keypoints: Keypoint[];
  /** The first count x stride values of the bound output, as the model gave them. */
  raw: Float32Array;
}

const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/**
 * Reads `count` rows of `stride` values: x and y at the bound indices (divided by the input size
 * when the model gives input pixels), the score after the bound activation.
 */
export function decodeKeypoints(values: ArrayLike<number>, keypoints: KeypointBinding,
                                image: ImageBinding): Keypoint[] {
  const needed = keypoints.count * keypoints.stride;
  if (values.length < needed) {
    throw new Error(`output ${keypoints.tensor.key} has ${values.length} values; ${keypoints.count} keypoints ` +
      `of ${keypoints.stride} need ${needed}`);
  }
  const result: Keypoint[] = [];
  for (let i = 0; i < keypoints.count; i++) {
    const base = i * keypoints.stride;
    let x = values[base + keypoints.x_index];
    let y = values[base + keypoints.y_index];
    let score = values[base + keypoints.score_index];
    if (keypoints.coords === "pixels") {
      x /= image.width;
      y /= image.height;
    }
    if (keypoints.score_activation === "sigmoid") score = sigmoid(score);
    result.push({ x, y, score });
  }
  return result;
}

export class PosePipeline {
  private readonly preprocessor = new Preprocessor(BINDING.image);

  constructor(private readonly runner: Runner) {}

  async run(frame: FrameSource): Promise<PoseResult> {
    const input = this.preprocessor.toInput(frame);
    const outputs = await this.runner.run({ [BINDING.image.tensor.key]: input });
    const output = outputs[BINDING.keypoints.tensor.key];
    const raw = Float32Array.from(output.data.subarray(0, BINDING.keypoints.count * BINDING.keypoints.stride));
    return { keypoints: decodeKeypoints(raw, BINDING.keypoints, BINDING.image), raw };
  }
}

// Body-segmentation pipeline: frame -> model input -> P(person) per mask pixel (row-major H x W).
import { BINDING, type MaskBinding } from "./contract";
import { Preprocessor, type FrameSource } from "./image";
import type { Runner } from "./runtime";

export interface MaskResult {
  /** P(person) for each of height x width mask pixels, row-major. */
  probability: Float32Array;
  height: number;
  width: number;
}

/** Applies the bound activation to the person channel of a [1, H, W, C] output. */
export function personProbability(values: ArrayLike<number>, mask: MaskBinding): Float32Array {
  const { height, width, channels, person_channel: person, activation } = mask;
  const pixels = height * width;
  if (values.length !== pixels * channels) {
    throw new Error(`output ${mask.tensor.key} has ${values.length} values; [1, ${height}, ${width}, ${channels}] ` +
      `needs ${pixels * channels}`);
  }
  const probability = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const base = p * channels;
    const v = values[base + person];
    if (activation === "sigmoid") {
      probability[p] = 1 / (1 + Math.exp(-v));
    } else if (activation === "softmax") {
      let max = -Infinity;
      for (let c = 0; c < channels; c++) max = Math.max(max, values[base + c]);
      let total = 0;
      for (let c = 0; c < channels; c++) total += Math.exp(values[base + c] - max);
      probability[p] = Math.exp(v - max) / total;
    } else {
      probability[p] = v;
    }
  }
  return probability;
}

export class MaskPipeline {
  private readonly preprocessor = new Preprocessor(BINDING.image);

  constructor(private readonly runner: Runner) {}

  async run(frame: FrameSource): Promise<MaskResult> {
    const input = this.preprocessor.toInput(frame);
    const outputs = await this.runner.run({ [BINDING.image.tensor.key]: input });
    const probability = personProbability(outputs[BINDING.mask.tensor.key].data, BINDING.mask);
    return { probability, height: BINDING.mask.height, width: BINDING.mask.width };
  }
}

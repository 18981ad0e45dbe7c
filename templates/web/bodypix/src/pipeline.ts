// Body-segmentation pipeline: frame -> is anyone there? -> model input -> P(person) per mask pixel.
// A segmenter alone paints a "person" on anything (MediaPipe's selfie segmenter marks most of a
// cat), so the BlazePose person detector looks at the whole frame first; below its threshold the
// frame has nobody in it and no mask is computed.
import { BINDING, GOLDEN, type MaskBinding } from "./contract";
import { loadDetector, type Detector } from "./detector";
import { framePixels, Preprocessor, type FrameSource } from "./image";
import type { Runner } from "./runtime";
import { bestScore, cropRegion, letterboxRegion, type DetectorSpec } from "./twoStage";

export interface MaskResult {
  /** The person detector's best score on the frame, and whether it reaches the threshold. */
  personScore: number;
  present: boolean;
  /** P(person) for each of height x width mask pixels, row-major; null when nobody is there. */
  probability: Float32Array | null;
  height: number;
  width: number;
}

/** What the scaffold wrote into GOLDEN about the detector and the presence threshold. */
interface PresenceConfig {
  detector: DetectorSpec & { url_path: string };
  presence_threshold: number;
}

const PRESENCE = GOLDEN as unknown as PresenceConfig;

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
  private readonly canvas = document.createElement("canvas");

  private constructor(private readonly runner: Runner, private readonly detector: Detector) {}

  static async create(runner: Runner): Promise<MaskPipeline> {
    const spec = PRESENCE.detector;
    const detector = await loadDetector(`${import.meta.env.BASE_URL}${spec.url_path}`, spec.input_size);
    return new MaskPipeline(runner, detector);
  }

  /** The person detector's best score on the whole frame, letterboxed as edgekit letterboxes it. */
  async personScore(frame: FrameSource): Promise<number> {
    const pixels = framePixels(frame, this.canvas);
    const spec = PRESENCE.detector;
    const [low, high] = spec.normalize;
    const input = cropRegion(pixels, letterboxRegion(pixels.width, pixels.height), spec.input_size, spec.input_size,
      low, high);
    return bestScore(await this.detector.run(input, spec.input_size), spec);
  }

  async run(frame: FrameSource): Promise<MaskResult> {
    const { height, width } = BINDING.mask;
    const personScore = await this.personScore(frame);
    if (personScore < PRESENCE.presence_threshold) {
      return { personScore, present: false, probability: null, height, width };
    }
    const input = this.preprocessor.toInput(frame);
    const outputs = await this.runner.run({ [BINDING.image.tensor.key]: input });
    const probability = personProbability(outputs[BINDING.mask.tensor.key].data, BINDING.mask);
    return { personScore, present: true, probability, height, width };
  }
}

// Question answering: [CLS] question [SEP] passage [SEP] -> start/end logits -> the best passage span.
// The same steps edgekit ran in Python for public/golden/expected.json (edgekit.scaffold.golden.text_qa).
import { BINDING } from "./contract";
import type { Runner, TensorData } from "./runtime";
import { textInputs } from "./textmodel";
import type { Encoded, WordPieceTokenizer } from "./tokenizer";

export interface QaInput {
  question: string;
  passage: string;
}

export interface Span {
  /** Token positions in the encoded sequence, inclusive. */
  start: number;
  end: number;
  /** start_logits[start] + end_logits[end]. */
  score: number;
}

export interface QaResult {
  encoded: Encoded;
  startLogits: Float32Array;
  endLogits: Float32Array;
  span: Span;
  answer: string;
  /** UTF-16 offsets of the answer in the passage. */
  answerStart: number;
  answerEnd: number;
  /** Passage pieces that did not fit into the sequence. */
  droppedPieces: number;
}

/**
 * The span (s, e) with the largest start[s] + end[e] such that first <= s <= e <= last and
 * e - s + 1 <= maxAnswerLen. Ties go to the smaller s, then the smaller e.
 */
export function bestSpan(start: ArrayLike<number>, end: ArrayLike<number>, first: number, last: number,
                         maxAnswerLen: number): Span {
  if (last < first) throw new Error("the passage left no tokens to answer from");
  let best: Span | null = null;
  for (let s = first; s <= last; s++) {
    const stop = Math.min(last, s + maxAnswerLen - 1);
    for (let e = s; e <= stop; e++) {
      const score = start[s] + end[e];
      if (best === null || score > best.score) best = { start: s, end: e, score };
    }
  }
  return best!;
}

/** Start and end logits per token from the bound outputs (two [1, L], or one [1, L, 2]). */
export function spanLogits(outputs: Record<string, TensorData>): [Float32Array, Float32Array] {
  const { start, end, combined } = BINDING.span;
  if (combined) {
    const both = outputs[start.key].data;
    const length = both.length / 2;
    const s = new Float32Array(length);
    const e = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      s[i] = both[2 * i];
      e[i] = both[2 * i + 1];
    }
    return [s, e];
  }
  return [Float32Array.from(outputs[start.key].data), Float32Array.from(outputs[end.key].data)];
}

export class QaPipeline {
  constructor(private readonly runner: Runner, private readonly tokenizer: WordPieceTokenizer) {}

  async run({ question, passage }: QaInput): Promise<QaResult> {
    const passagePieces = this.tokenizer.tokenize(passage);
    const encoded = this.tokenizer.encode(this.tokenizer.tokenize(question), BINDING.text.seq_len, passagePieces);
    const outputs = await this.runner.run(textInputs(encoded));
    const [startLogits, endLogits] = spanLogits(outputs);
    const first = encoded.secondOffset;
    const last = first + encoded.second.length - 1;
    const span = bestSpan(startLogits, endLogits, first, last, BINDING.span.max_answer_len);
    const answerStart = encoded.second[span.start - first].start;
    const answerEnd = encoded.second[span.end - first].end;
    return {
      encoded, startLogits, endLogits, span, answer: passage.slice(answerStart, answerEnd), answerStart, answerEnd,
      droppedPieces: passagePieces.length - encoded.second.length,
    };
  }
}

// Smart scroll: transcript -> sections -> TF-IDF keywords and embeddings -> key sections.
// The same steps edgekit ran in Python for public/golden/expected.json
// (edgekit.scaffold.golden.text_scroll); the constants below are in its "rules".
import { BINDING } from "./contract";
import type { Runner } from "./runtime";
import { textInputs } from "./textmodel";
import type { Encoded, WordPieceTokenizer } from "./tokenizer";

export const RULES = {
  /** A transcript without blank lines is cut into groups of this many sentences. */
  sentences_per_section: 4,
  /** Shorter terms are not keywords. */
  min_term_chars: 3,
  keywords_per_section: 3,
  /** ceil(sections x key_fraction) sections are marked as key sections. */
  key_fraction: 0.25,
};

export interface Keyword {
  term: string;
  score: number;
}

export interface Section {
  text: string;
  ids: Int32Array;
  keywords: Keyword[];
  /** Cosine similarity of the section's embedding to the mean of all sections' embeddings. */
  score: number;
  embedding: Float64Array;
  /** Pieces that did not fit into the model's sequence (the embedding reads the rest). */
  droppedPieces: number;
}

export interface ScrollResult {
  sections: Section[];
  /** Positions of the key sections, best first. */
  keySections: number[];
}

const PARAGRAPH_BREAK = /\r?\n[ \t]*\r?\n/;
const SENTENCE_BREAK = /(?<=[.!?])[ \t\r\n]+/;
const TERM = /[\p{L}\p{N}]+/gu;
const ONLY_DIGITS = /^\p{N}+$/u;

const trim = (text: string): string => text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
const trimmed = (parts: string[]): string[] => parts.map(trim).filter((part) => part.length > 0);

/** Stop words: one a line; blank lines and lines starting with # are skipped. */
export function parseStopWords(text: string): Set<string> {
  return new Set(text.split("\n").map(trim).filter((line) => line && !line.startsWith("#")));
}

/** Paragraphs (split at blank lines), or groups of sentences when there is only one paragraph. */
export function splitSections(transcript: string): string[] {
  const paragraphs = trimmed(transcript.split(PARAGRAPH_BREAK));
  if (paragraphs.length !== 1) return paragraphs;
  const sentences = trimmed(paragraphs[0].split(SENTENCE_BREAK));
  const sections: string[] = [];
  for (let i = 0; i < sentences.length; i += RULES.sentences_per_section) {
    sections.push(sentences.slice(i, i + RULES.sentences_per_section).join(" "));
  }
  return sections;
}

/** Lowercased runs of letters and digits; short, numeric and stop-word terms are left out. */
export function terms(section: string, stop: Set<string>): string[] {
  return (section.toLowerCase().match(TERM) ?? []).filter((term) =>
    [...term].length >= RULES.min_term_chars && !stop.has(term) && !ONLY_DIGITS.test(term));
}

/** Orders strings by code point (as Python does), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** TF-IDF: tf = count / terms in section, idf = ln((1 + N) / (1 + df)) + 1; best first, then by term. */
export function keywords(sectionTerms: string[][], perSection = RULES.keywords_per_section): Keyword[][] {
  const total = sectionTerms.length;
  const documentFrequency = new Map<string, number>();
  for (const section of sectionTerms) {
    for (const term of new Set(section)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  return sectionTerms.map((section) => {
    const counts = new Map<string, number>();
    for (const term of section) counts.set(term, (counts.get(term) ?? 0) + 1);
    const scored = [...counts].map(([term, count]) => ({
      term, score: (count / section.length) * (Math.log((1 + total) / (1 + documentFrequency.get(term)!)) + 1),
    }));
    scored.sort((a, b) => b.score - a.score || compareCodePoints(a.term, b.term));
    return scored.slice(0, perSection);
  });
}

/** Cosine similarity of each (L2-normalised) embedding to the mean of all; 0 when the mean is 0. */
export function centrality(embeddings: Float64Array[]): number[] {
  if (embeddings.length === 0) return [];
  const mean = new Float64Array(embeddings[0].length);
  for (const row of embeddings) row.forEach((v, i) => (mean[i] += v));
  mean.forEach((v, i) => (mean[i] = v / embeddings.length));
  const norm = Math.sqrt(mean.reduce((sum, v) => sum + v * v, 0));
  if (norm === 0) return embeddings.map(() => 0);
  return embeddings.map((row) => row.reduce((sum, v, i) => sum + v * mean[i], 0) / norm);
}

/** The ceil(N x fraction) best scores' positions, best first; ties go to the earlier section. */
export function keySections(scores: number[], fraction = RULES.key_fraction): number[] {
  const count = Math.ceil(scores.length * fraction);
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, count);
}

export class ScrollPipeline {
  constructor(private readonly runner: Runner, private readonly tokenizer: WordPieceTokenizer,
              private readonly stopWords: Set<string>) {}

  async run(transcript: string): Promise<ScrollResult> {
    const texts = splitSections(transcript);
    const sectionKeywords = keywords(texts.map((text) => terms(text, this.stopWords)));
    const sections: Section[] = [];
    for (const [i, text] of texts.entries()) {
      const pieces = this.tokenizer.tokenize(text);
      const encoded = this.tokenizer.encode(pieces, BINDING.text.seq_len);
      const embedding = await this.embed(encoded);
      sections.push({ text, ids: encoded.ids, keywords: sectionKeywords[i], score: 0, embedding,
                      droppedPieces: pieces.length - encoded.first.length });
    }
    const scores = centrality(sections.map((s) => s.embedding));
    sections.forEach((section, i) => (section.score = scores[i]));
    return { sections, keySections: keySections(scores) };
  }

  /** The bound embedding, mean-pooled over the mask when it is per token, L2-normalised. */
  private async embed(encoded: Encoded): Promise<Float64Array> {
    const output = (await this.runner.run(textInputs(encoded)))[BINDING.embedding.tensor.key].data;
    const dim = BINDING.embedding.dim;
    const vector = new Float64Array(dim);
    if (BINDING.embedding.pooled) {
      for (let d = 0; d < dim; d++) vector[d] = output[d];
    } else {
      let count = 0;
      encoded.mask.forEach((m, t) => {
        if (!m) return;
        count += 1;
        for (let d = 0; d < dim; d++) vector[d] += output[t * dim + d];
      });
      vector.forEach((v, d) => (vector[d] = v / Math.max(count, 1e-9)));
    }
    const norm = Math.max(Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)), 1e-12);
    return vector.map((v) => v / norm);
  }
}

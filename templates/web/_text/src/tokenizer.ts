// BERT WordPiece tokenizer with character offsets, the same rules edgekit's golden vectors use
// (edgekit.scaffold.golden.text_common), so the ids match the ones computed in Python exactly:
//   normalise each character: drop NUL, U+FFFD and control characters (category C*, except tab,
//   newline, carriage return); whitespace (those three and Zs) -> space; space around CJK
//   ideographs; for an uncased vocabulary NFD-decompose, drop combining marks (Mn), then lowercase
//   the whole string (so Greek final sigma follows its context);
//   split on spaces, U+2028, U+2029; every punctuation character (ASCII symbols, P*) is a word;
//   WordPiece: greedy longest match with "##" continuations; a word over 100 code points, or with
//   a piece that matches nothing, is one [UNK].

/** One word piece and the [start, end) UTF-16 offsets of the original text it came from. */
export interface Piece {
  text: string;
  id: number;
  start: number;
  end: number;
}

/** Model inputs for one sequence ([1, seqLen] each) and the pieces that survived truncation. */
export interface Encoded {
  ids: Int32Array;
  mask: Int32Array;
  types: Int32Array;
  first: Piece[];
  second: Piece[];
  /** Position of the second part's first piece (after [CLS] first [SEP]). */
  secondOffset: number;
}

interface Char {
  text: string; // one code point
  start: number;
  end: number;
}

const MAX_WORD_CHARS = 100;
const CONTROL = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const COMBINING_MARK = /^\p{Mn}$/u;
const PUNCTUATION = /^\p{P}$/u;
const SPLITS = new Set([" ", "\u2028", "\u2029"]);
const CJK_RANGES: [number, number][] = [
  [0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f], [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f],
];

const isWhitespace = (ch: string): boolean =>
  ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || SPACE_SEPARATOR.test(ch);
const isControl = (ch: string): boolean => ch !== "\t" && ch !== "\n" && ch !== "\r" && CONTROL.test(ch);
const isCjk = (code: number): boolean => CJK_RANGES.some(([low, high]) => low <= code && code <= high);

/** BERT counts every non-alphanumeric ASCII symbol ($, +, ^, ...) as punctuation. */
function isPunctuation(ch: string): boolean {
  const code = ch.codePointAt(0)!;
  if ((code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) ||
      (code >= 123 && code <= 126)) return true;
  return PUNCTUATION.test(ch);
}

/** vocab.txt: one token a line (any line ending), the id is the line number from 0. */
export function parseVocab(text: string): Map<string, number> {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((token, index) => vocab.set(token, index));
  return vocab;
}

export class WordPieceTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;

  constructor(private readonly vocab: Map<string, number>, readonly lowercase: boolean) {
    const special = (token: string): number => {
      const id = vocab.get(token);
      if (id === undefined) throw new Error(`the vocabulary lacks ${token}; the app needs a BERT WordPiece vocab.txt`);
      return id;
    };
    this.clsId = special("[CLS]");
    this.sepId = special("[SEP]");
    this.padId = special("[PAD]");
    this.unkId = special("[UNK]");
  }

  /** The tokenizer for the vocab.txt at `url`. */
  static async load(url: string, lowercase: boolean): Promise<WordPieceTokenizer> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load the vocabulary ${url}: HTTP ${response.status}`);
    return new WordPieceTokenizer(parseVocab(await response.text()), lowercase);
  }

  /** The word pieces of `text`, without special tokens. */
  tokenize(text: string): Piece[] {
    return splitWords(normalize(text, this.lowercase)).flatMap((word) => this.wordPieces(word));
  }

  /** Piece ids only: what the parity tests compare with the golden tokenizer cases. */
  ids(text: string): number[] {
    return this.tokenize(text).map((piece) => piece.id);
  }

  /**
   * [CLS] first [SEP] (or [CLS] first [SEP] second [SEP], segment ids 1 from second on), padded
   * to seqLen. Too long input loses pieces from the end of the longer part (second on a tie).
   */
  encode(firstPieces: Piece[], seqLen: number, secondPieces?: Piece[]): Encoded {
    const budget = seqLen - (secondPieces ? 3 : 2);
    if (budget < 0) throw new Error(`sequence length ${seqLen} leaves no room for the special tokens`);
    const first = firstPieces.slice();
    const second = secondPieces ? secondPieces.slice() : [];
    if (!secondPieces) {
      first.length = Math.min(first.length, budget);
    } else {
      while (first.length + second.length > budget) (first.length > second.length ? first : second).pop();
    }
    const ids = [this.clsId, ...first.map((p) => p.id), this.sepId];
    const types = ids.map(() => 0);
    if (secondPieces) {
      ids.push(...second.map((p) => p.id), this.sepId);
      second.forEach(() => types.push(1));
      types.push(1);
    }
    const encoded: Encoded = {
      ids: new Int32Array(seqLen).fill(this.padId), mask: new Int32Array(seqLen), types: new Int32Array(seqLen),
      first, second, secondOffset: first.length + 2,
    };
    encoded.ids.set(ids);
    encoded.mask.fill(1, 0, ids.length);
    encoded.types.set(types);
    return encoded;
  }

  private wordPieces(word: Char[]): Piece[] {
    const whole: Piece = { text: "[UNK]", id: this.unkId, start: word[0].start, end: word[word.length - 1].end };
    if (word.length > MAX_WORD_CHARS) return [whole];
    const pieces: Piece[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let found: string | null = null;
      while (end > start) {
        const candidate = (start === 0 ? "" : "##") + word.slice(start, end).map((c) => c.text).join("");
        if (this.vocab.has(candidate)) {
          found = candidate;
          break;
        }
        end -= 1;
      }
      if (found === null) return [whole];
      pieces.push({ text: found, id: this.vocab.get(found)!, start: word[start].start, end: word[end - 1].end });
      start = end;
    }
    return pieces;
  }
}

/** Normalised code points, each with the original character's offsets. */
function normalize(text: string, lowercase: boolean): Char[] {
  const chars: Char[] = [];
  for (let i = 0; i < text.length;) {
    const code = text.codePointAt(i)!;
    const ch = String.fromCodePoint(code);
    const start = i;
    const end = (i += ch.length);
    if (code === 0 || code === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) {
      chars.push({ text: " ", start, end });
    } else if (isCjk(code)) {
      chars.push({ text: " ", start, end }, { text: ch, start, end }, { text: " ", start, end });
    } else {
      chars.push({ text: ch, start, end });
    }
  }
  if (!lowercase) return chars;
  const stripped: Char[] = [];
  for (const char of chars) {
    for (const part of char.text.normalize("NFD")) {
      if (!COMBINING_MARK.test(part)) stripped.push({ text: part, start: char.start, end: char.end });
    }
  }
  // Lowercase the whole string (final sigma depends on its neighbours) and give each character the
  // slice its own lowercase form has: context changes a letter, never a length.
  const lowered = stripped.map((c) => c.text).join("").toLowerCase();
  const out: Char[] = [];
  let position = 0;
  for (const char of stripped) {
    const width = char.text.toLowerCase().length;
    for (const letter of lowered.slice(position, position + width)) out.push({ text: letter, start: char.start, end: char.end });
    position += width;
  }
  return out;
}

/** Splits on whitespace; every punctuation character is a word of its own. */
function splitWords(chars: Char[]): Char[][] {
  const words: Char[][] = [];
  let current: Char[] = [];
  for (const char of chars) {
    const split = SPLITS.has(char.text);
    if (split || isPunctuation(char.text)) {
      if (current.length > 0) words.push(current);
      current = [];
      if (!split) words.push([char]);
    } else {
      current.push(char);
    }
  }
  if (current.length > 0) words.push(current);
  return words;
}

declare global {
  interface Window {
    /** The app's tokenizer, for tests: ids of a text without special tokens. */
    edgekitTokenizer?: { ids(text: string): number[] };
  }
}

/** Lets the parity test check the tokenizer on the golden strings (window.edgekitTokenizer). */
export function exposeTokenizer(tokenizer: WordPieceTokenizer): void {
  window.edgekitTokenizer = { ids: (text) => tokenizer.ids(text) };
}

// Summaries of a P(person) map that the parity test compares with public/golden/expected.json.
// No imports: the Playwright spec runs this file in Node as well as the app in the browser.

export interface MaskSummary {
  pooled: { rows: number; cols: number; values: number[] };
  mean: number;
  foreground: number;
  /** P >= threshold per pixel, row-major. */
  bits: Uint8Array;
}

export const THRESHOLD = 0.5;
export const GRID = 32;

/** Block means over a rows x cols grid; block (i, j) spans rows floor(i*H/rows)..floor((i+1)*H/rows)-1. */
export function poolMask(probability: ArrayLike<number>, height: number, width: number,
                         rows: number, cols: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < rows; i++) {
    const r0 = Math.floor((i * height) / rows), r1 = Math.floor(((i + 1) * height) / rows);
    for (let j = 0; j < cols; j++) {
      const c0 = Math.floor((j * width) / cols), c1 = Math.floor(((j + 1) * width) / cols);
      let sum = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) sum += probability[r * width + c];
      values.push(sum / ((r1 - r0) * (c1 - c0)));
    }
  }
  return values;
}

export function summarizeMask(probability: ArrayLike<number>, height: number, width: number): MaskSummary {
  const rows = Math.min(GRID, height), cols = Math.min(GRID, width);
  let sum = 0, above = 0;
  const bits = new Uint8Array(probability.length);
  for (let i = 0; i < probability.length; i++) {
    sum += probability[i];
    if (probability[i] >= THRESHOLD) { above++; bits[i] = 1; }
  }
  return { pooled: { rows, cols, values: poolMask(probability, height, width, rows, cols) },
    mean: sum / probability.length, foreground: above / probability.length, bits };
}

/** Unpacks base64 of bits packed 8 per byte, most significant first (numpy packbits), to 0/1 values. */
export function unpackBits(base64: string, count: number): Uint8Array {
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const bits = new Uint8Array(count);
  for (let i = 0; i < count; i++) bits[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
  return bits;
}

// Shared by the text apps' parity specs: the app's tokenizer on the golden strings.
import type { Page } from "@playwright/test";

export interface TokenizerCase {
  text: string;
  ids: number[];
}

/** One problem line per golden string whose ids the app's tokenizer does not reproduce exactly. */
export async function tokenizerProblems(page: Page, cases: TokenizerCase[]): Promise<string[]> {
  const actual = await page.evaluate((texts) => {
    const tokenizer = (window as unknown as { edgekitTokenizer: { ids(text: string): number[] } }).edgekitTokenizer;
    return texts.map((text) => tokenizer.ids(text));
  }, cases.map((c) => c.text));
  return cases.flatMap((c, i) => (JSON.stringify(actual[i]) === JSON.stringify(c.ids) ? [] :
    [`tokenizer on ${JSON.stringify(c.text)}: ${JSON.stringify(actual[i])}, expected ${JSON.stringify(c.ids)}`]));
}

/** Problem lines for integer arrays that must be equal. */
export function sameInts(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>): string[] {
  const a = Array.from(actual);
  const b = Array.from(expected);
  if (a.length !== b.length) return [`${what}: ${a.length} values, expected ${b.length}`];
  const first = a.findIndex((v, i) => v !== b[i]);
  return first < 0 ? [] : [`${what}[${first}]: ${a[first]}, expected ${b[first]}`];
}

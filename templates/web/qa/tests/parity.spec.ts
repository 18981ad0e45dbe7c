// The app's pipeline on public/golden/input.json must give the tokens, logits and answer edgekit
// computed in Python at scaffold time (public/golden/expected.json), within the tolerance stated there.
import { expect, test } from "@playwright/test";
import { maxAbsDiff, printLatency, readGolden, runSelfTest, saveScreenshot } from "./support";
import { sameInts, tokenizerProblems, type TokenizerCase } from "./text";

interface Span {
  start: number;
  end: number;
  score: number;
}

interface Expected {
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
  passage_tokens: [number, number];
  start_logits: number[];
  end_logits: number[];
  max_answer_len: number;
  span: Span;
  span_margin: number | null;
  answer: string;
  tokenizer_cases: TokenizerCase[];
  tolerance: { logits_abs: number };
}

type QaReport = Omit<Expected, "tokenizer_cases" | "tolerance" | "span_margin" | "max_answer_len">;

test("tokens, logits and answer match the golden vectors", async ({ page }, testInfo) => {
  const expected = readGolden<Expected>();
  const report = await runSelfTest<QaReport>(page, testInfo);
  printLatency(report);
  await saveScreenshot(page, report);
  const got = report.result;
  const tolerance = expected.tolerance.logits_abs;

  const problems = [
    ...sameInts("input_ids", got.input_ids, expected.input_ids),
    ...sameInts("attention_mask", got.attention_mask, expected.attention_mask),
    ...sameInts("token_type_ids", got.token_type_ids, expected.token_type_ids),
    ...sameInts("passage_tokens", got.passage_tokens, expected.passage_tokens),
    ...(await tokenizerProblems(page, expected.tokenizer_cases)),
  ];
  for (const name of ["start_logits", "end_logits"] as const) {
    const { max, index } = maxAbsDiff(got[name], expected[name]);
    if (!(max <= tolerance)) problems.push(`${name}[${index}]: ${got[name][index]}, expected ${expected[name][index]}`);
  }
  // The same span when the golden best span beats every other by more than twice the tolerance;
  // otherwise logits within tolerance may legitimately pick a near-tie, scored on the golden logits.
  const clearWinner = expected.span_margin === null || expected.span_margin > 2 * tolerance;
  const { start, end } = got.span;
  const [first, last] = expected.passage_tokens;
  const valid = first <= start && start <= end && end <= last && end - start + 1 <= expected.max_answer_len;
  if (!valid) problems.push(`span ${start}-${end} is not a valid answer span`);
  if (clearWinner) {
    if (start !== expected.span.start || end !== expected.span.end) {
      problems.push(`span ${start}-${end}, expected ${expected.span.start}-${expected.span.end}`);
    } else if (got.answer !== expected.answer) {
      problems.push(`answer ${JSON.stringify(got.answer)}, expected ${JSON.stringify(expected.answer)}`);
    }
  } else {
    const score = expected.start_logits[start] + expected.end_logits[end];
    if (!(expected.span.score - score <= 2 * tolerance)) problems.push(`span ${start}-${end} scores ${score} on the golden logits, best ${expected.span.score}`);
  }
  expect(problems, problems.slice(0, 10).join("\n")).toEqual([]);
  if (clearWinner) await expect(page.locator("#passage-view mark")).toHaveText(expected.answer);
});

// The app's pipeline on public/golden/transcript.txt must give the sections, keywords, embeddings
// and key sections edgekit computed in Python at scaffold time (public/golden/expected.json).
import { expect, test } from "@playwright/test";
import { maxAbsDiff, printLatency, readGolden, runSelfTest, saveScreenshot } from "./support";
import { sameInts, tokenizerProblems, type TokenizerCase } from "./text";

interface Keyword {
  term: string;
  score: number;
}

interface Section {
  text: string;
  input_ids: number[];
  keywords: Keyword[];
  score: number;
  embedding: number[];
}

interface Expected {
  rules: Record<string, number>;
  sections: Section[];
  key_sections: number[];
  score_margin: number | null;
  tokenizer_cases: TokenizerCase[];
  tolerance: { embedding_abs: number; score_abs: number; keyword_score_abs: number };
}

type ScrollReport = Pick<Expected, "rules" | "sections" | "key_sections">;

test("sections, keywords, embeddings and key sections match the golden vectors", async ({ page }, testInfo) => {
  const expected = readGolden<Expected>();
  const report = await runSelfTest<ScrollReport>(page, testInfo);
  printLatency(report);
  await saveScreenshot(page, report);
  const got = report.result;
  const tolerance = expected.tolerance;

  expect(got.rules, "the app's constants differ from the ones the golden vectors used").toEqual(expected.rules);
  expect(got.sections.map((s) => s.text)).toEqual(expected.sections.map((s) => s.text));
  const problems = await tokenizerProblems(page, expected.tokenizer_cases);
  expected.sections.forEach((want, i) => {
    const section = got.sections[i];
    problems.push(...sameInts(`section ${i} input_ids`, section.input_ids, want.input_ids));
    const terms = section.keywords.map((k) => k.term);
    if (JSON.stringify(terms) !== JSON.stringify(want.keywords.map((k) => k.term))) {
      problems.push(`section ${i} keywords ${terms.join(", ")}, expected ${want.keywords.map((k) => k.term).join(", ")}`);
    } else {
      const { max } = maxAbsDiff(section.keywords.map((k) => k.score), want.keywords.map((k) => k.score));
      if (!(max <= tolerance.keyword_score_abs)) problems.push(`section ${i} keyword scores differ by ${max}`);
    }
    const { max, index } = maxAbsDiff(section.embedding, want.embedding);
    if (!(max <= tolerance.embedding_abs)) problems.push(`section ${i} embedding[${index}] differs by ${max}`);
    if (!(Math.abs(section.score - want.score) <= tolerance.score_abs)) {
      problems.push(`section ${i} score ${section.score}, expected ${want.score}`);
    }
  });
  // Scores within tolerance can swap sections whose golden scores are closer than that.
  if (expected.score_margin === null || expected.score_margin > 2 * tolerance.score_abs) {
    problems.push(...sameInts("key_sections", got.key_sections, expected.key_sections));
  }
  expect(problems, problems.slice(0, 10).join("\n")).toEqual([]);
  await expect(page.locator("#rail .mark")).toHaveCount(expected.sections.length);
  await expect(page.locator("#sections .section.key")).toHaveCount(expected.key_sections.length);
});

// The app's own pipeline on public/golden/input.png must give the person mask edgekit computed in
// Python at scaffold time (public/golden/expected.json), summarised the same way, within tolerance.
import { expect, test } from "@playwright/test";
import { summarizeMask, unpackBits } from "../src/mask-summary";
import { printLatency, readGolden, runSelfTest, saveScreenshot } from "./support";

interface Expected {
  output: { height: number; width: number };
  pooled: { rows: number; cols: number; values: number[] };
  mean: number;
  foreground: number;
  binary: { threshold: number; bits: string };
  tolerance: { pooled: number; mean: number; binary: number };
}

interface MaskReport {
  height: number;
  width: number;
  probability: number[];
}

test("person mask matches the golden mask", async ({ page }, testInfo) => {
  const expected = readGolden<Expected>();
  const report = await runSelfTest<MaskReport>(page, testInfo);
  printLatency(report);
  await saveScreenshot(page, report);

  const { height, width, probability } = report.result;
  expect([height, width]).toEqual([expected.output.height, expected.output.width]);
  const summary = summarizeMask(probability, height, width);
  expect([summary.pooled.rows, summary.pooled.cols]).toEqual([expected.pooled.rows, expected.pooled.cols]);
  const problems: string[] = [];
  summary.pooled.values.forEach((value, i) => {
    if (!(Math.abs(value - expected.pooled.values[i]) <= expected.tolerance.pooled)) {
      const row = Math.floor(i / expected.pooled.cols), col = i % expected.pooled.cols;
      problems.push(`pooled block (${row}, ${col}): ${value.toFixed(4)}, expected ${expected.pooled.values[i].toFixed(4)}`);
    }
  });
  if (!(Math.abs(summary.mean - expected.mean) <= expected.tolerance.mean)) {
    problems.push(`mean P(person) ${summary.mean.toFixed(5)}, expected ${expected.mean.toFixed(5)}`);
  }
  const bits = unpackBits(expected.binary.bits, height * width);
  let differing = 0;
  for (let i = 0; i < bits.length; i++) if (bits[i] !== summary.bits[i]) differing++;
  if (!(differing / bits.length <= expected.tolerance.binary)) {
    problems.push(`${differing} of ${bits.length} pixels on the other side of ${expected.binary.threshold}`);
  }
  console.log(`mask: mean ${summary.mean.toFixed(5)} (expected ${expected.mean.toFixed(5)}), ` +
    `${differing} pixels differ in the binary mask`);
  expect(problems, problems.slice(0, 10).join("\n")).toEqual([]);
});

// The app's own pipeline on every golden image (public/golden/: the drawn figure and photographs)
// must decide, as edgekit did in Python at scaffold time (public/golden/expected.json), whether a
// person is there, with the person detector's score within tolerance; and where one is, give the
// person mask edgekit computed, summarised the same way, within the tolerances stated there.
import { expect, test } from "@playwright/test";
import { summarizeMask, unpackBits } from "../src/mask-summary";
import { printLatency, readGolden, runSelfTest, saveScreenshot } from "./support";

interface MaskSummaryJSON {
  pooled: { rows: number; cols: number; values: number[] };
  mean: number;
  foreground: number;
  binary: { threshold: number; bits: string };
}

interface GoldenImage extends Partial<MaskSummaryJSON> {
  file: string;
  label: string;
  person: { score: number; present: boolean };
}

interface Expected {
  output: { height: number; width: number };
  images: GoldenImage[];
  tolerance: { pooled: number; mean: number; binary: number; person_score: number };
}

interface MaskReport {
  height: number;
  width: number;
  person_score: number;
  present: boolean;
  probability: number[] | null;
}

/** The largest differences seen, per quantity, printed so a run shows how close it came. */
const largest: Record<string, number> = {};
/** The same for the image being compared: one EDGEKIT_PARITY line per image (the tolerances' basis). */
let imageLargest: Record<string, number> = {};
function note(what: string, difference: number): void {
  largest[what] = Math.max(largest[what] ?? 0, difference);
  imageLargest[what] = Math.max(imageLargest[what] ?? 0, difference);
}

function compareMask(where: string, report: MaskReport, want: MaskSummaryJSON, tolerance: Expected["tolerance"],
                     problems: string[]): void {
  const { height, width } = report;
  const summary = summarizeMask(report.probability!, height, width);
  if (summary.pooled.rows !== want.pooled.rows || summary.pooled.cols !== want.pooled.cols) {
    problems.push(`${where}pooled grid ${summary.pooled.rows}x${summary.pooled.cols}, expected ` +
      `${want.pooled.rows}x${want.pooled.cols}`);
    return;
  }
  summary.pooled.values.forEach((value, i) => {
    note("pooled", Math.abs(value - want.pooled.values[i]));
    if (!(Math.abs(value - want.pooled.values[i]) <= tolerance.pooled)) {
      const row = Math.floor(i / want.pooled.cols), col = i % want.pooled.cols;
      problems.push(`${where}pooled block (${row}, ${col}): ${value.toFixed(4)}, expected ${want.pooled.values[i].toFixed(4)}`);
    }
  });
  note("mean", Math.abs(summary.mean - want.mean));
  if (!(Math.abs(summary.mean - want.mean) <= tolerance.mean)) {
    problems.push(`${where}mean P(person) ${summary.mean.toFixed(5)}, expected ${want.mean.toFixed(5)}`);
  }
  const bits = unpackBits(want.binary.bits, height * width);
  let differing = 0;
  for (let i = 0; i < bits.length; i++) if (bits[i] !== summary.bits[i]) differing++;
  note("binary", differing / bits.length);
  if (!(differing / bits.length <= tolerance.binary)) {
    problems.push(`${where}${differing} of ${bits.length} pixels on the other side of ${want.binary.threshold}`);
  }
  console.log(`${where}mask: mean ${summary.mean.toFixed(5)} (expected ${want.mean.toFixed(5)}), ` +
    `${differing} pixels differ in the binary mask`);
}

test("person presence and mask match the golden ones on every golden image", async ({ page }, testInfo) => {
  const expected = readGolden<Expected>();
  const report = await runSelfTest<MaskReport>(page, testInfo);
  printLatency(report);
  await saveScreenshot(page, report);
  expect([report.result.height, report.result.width]).toEqual([expected.output.height, expected.output.width]);

  const problems: string[] = [];
  const decisions: string[] = [];
  for (const want of expected.images) {
    const where = `${want.file}: `;
    imageLargest = {};
    const got = await page.evaluate((file) => window.edgekitVision.run(file), want.file) as MaskReport;
    decisions.push(`${want.file} ${got.present ? "person" : "no person"} ${got.person_score.toFixed(3)}`);
    note("person_score", Math.abs(got.person_score - want.person.score));
    if (!(Math.abs(got.person_score - want.person.score) <= expected.tolerance.person_score)) {
      problems.push(`${where}person detector score ${got.person_score.toFixed(4)}, expected ${want.person.score.toFixed(4)}`);
    }
    if (got.present !== want.person.present) {
      problems.push(`${where}${got.present ? "a person" : "no person"}, expected ${want.person.present ? "a person" : "no person"}`);
      continue;
    }
    if (got.present !== (got.probability !== null)) problems.push(`${where}a mask where there is no person, or none where there is`);
    if (want.person.present && got.probability) compareMask(where, got, want as MaskSummaryJSON, expected.tolerance, problems);
    console.log(`EDGEKIT_PARITY ${JSON.stringify({ image: want.file, backend: testInfo.project.name, largest: imageLargest })}`);
  }
  console.log(`EDGEKIT_MASK_IMAGES ${expected.images.length} images, ${problems.length} problems; ` +
    `${decisions.join("; ")}; largest differences ${JSON.stringify(largest)}`);
  expect(problems, problems.slice(0, 20).join("\n")).toEqual([]);
});

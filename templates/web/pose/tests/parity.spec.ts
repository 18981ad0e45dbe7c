// The app's own pipeline on public/golden/input.png must give the keypoints edgekit computed in
// Python at scaffold time (public/golden/expected.json), within the tolerances stated there.
import { expect, test } from "@playwright/test";
import { printLatency, readGolden, runSelfTest, saveScreenshot } from "./support";

interface Expected {
  keypoints: number[][];
  raw: number[];
  tolerance: { xy: number; score: number; raw: number };
}

interface PoseReport {
  keypoints: number[][];
  raw: number[];
}

test("keypoints match the golden vectors", async ({ page }, testInfo) => {
  const expected = readGolden<Expected>();
  const report = await runSelfTest<PoseReport>(page, testInfo);
  printLatency(report);
  await saveScreenshot(page, report);

  const { keypoints, raw } = report.result;
  expect(keypoints.length).toBe(expected.keypoints.length);
  expect(raw.length).toBe(expected.raw.length);
  const problems: string[] = [];
  expected.keypoints.forEach(([x, y, score], i) => {
    const [bx, by, bscore] = keypoints[i];
    const dxy = Math.max(Math.abs(bx - x), Math.abs(by - y));
    if (!(dxy <= expected.tolerance.xy)) {
      problems.push(`keypoint ${i}: browser (${bx.toFixed(4)}, ${by.toFixed(4)}), expected (${x.toFixed(4)}, ${y.toFixed(4)})`);
    }
    if (!(Math.abs(bscore - score) <= expected.tolerance.score)) {
      problems.push(`keypoint ${i}: score ${bscore.toFixed(4)}, expected ${score.toFixed(4)}`);
    }
  });
  expected.raw.forEach((value, i) => {
    if (!(Math.abs(raw[i] - value) <= expected.tolerance.raw * Math.max(1, Math.abs(value)))) {
      problems.push(`raw value ${i}: ${raw[i]}, expected ${value}`);
    }
  });
  expect(problems, problems.slice(0, 10).join("\n")).toEqual([]);
});

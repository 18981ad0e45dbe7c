// The app's own pipeline on every golden image (public/golden/: the drawn figure and photographs)
// must give the keypoints edgekit computed in Python at scaffold time (public/golden/expected.json),
// within the tolerances stated there (and the measurements they rest on, `tolerance_basis`).
// Two-stage apps (BlazePose: detector -> region -> landmarks) are checked stage by stage on every
// golden image, for a detect frame and the frame after it (tracked, or detected again when nobody
// was found), and their keypoints must land on the person: on a drawn figure inside its box (give
// or take a margin) and near its face, shoulders, wrists, hips and ankles; on a photograph near the
// person's nose and shoulders. Where nobody is, the detector must find nobody.
import { expect, test } from "@playwright/test";
import { printLatency, readGolden, runSelfTest, saveScreenshot } from "./support";

interface Tolerance {
  xy: number;
  score: number;
  raw: number;
  region?: number;
  rotation?: number;
  detection?: number;
}

interface Frame {
  image: string;
  stage: string;
  figure_box?: [number, number, number, number];
  figure_points?: Record<string, [number, number]>;
  figure_radius?: number;
  figure_margin?: number;
  person_points?: Record<string, [number, number]>;
  person_radius?: number;
  detection: { anchor: number; score: number; box: number[]; keypoints: number[][] } | null;
  region: number[] | null;
  raw: number[];
  keypoints: number[][];
  presence: number;
  next_region: number[] | null;
}

interface GoldenImage {
  file: string;
  keypoints: number[][];
  raw: number[];
}

interface Expected {
  pipeline?: string;
  keypoints: number[][];
  raw: number[];
  frames?: Frame[];
  images?: GoldenImage[];
  tolerance: Tolerance;
}

interface PoseReport {
  keypoints: number[][];
  raw: number[];
}

type BrowserFrame = Omit<Frame, "image" | "figure_box" | "figure_points" | "figure_radius" | "figure_margin" |
  "person_points" | "person_radius">;

/** The largest differences seen, per quantity, printed so a run shows how close it came. */
const largest: Record<string, number> = {};
/** The same for the frame being compared: one EDGEKIT_PARITY line per frame (the tolerances' basis). */
let frameLargest: Record<string, number> = {};
function note(what: string, difference: number): void {
  largest[what] = Math.max(largest[what] ?? 0, difference);
  frameLargest[what] = Math.max(frameLargest[what] ?? 0, difference);
}

function printFrame(where: Record<string, string>): void {
  console.log(`EDGEKIT_PARITY ${JSON.stringify({ ...where, largest: frameLargest })}`);
  frameLargest = {};
}

const expected = readGolden<Expected>();

/** Keypoints and raw values against the golden ones; problems are prefixed with `where`. */
function compareKeypoints(where: string, keypoints: number[][], raw: number[], want: { keypoints: number[][]; raw: number[] },
                          tolerance: Tolerance, problems: string[]): void {
  if (keypoints.length !== want.keypoints.length || raw.length !== want.raw.length) {
    problems.push(`${where}${keypoints.length} keypoints and ${raw.length} raw values, expected ` +
      `${want.keypoints.length} and ${want.raw.length}`);
    return;
  }
  want.keypoints.forEach(([x, y, score], i) => {
    const [bx, by, bscore] = keypoints[i];
    const dxy = Math.max(Math.abs(bx - x), Math.abs(by - y));
    note("xy", dxy);
    note("score", Math.abs(bscore - score));
    if (!(dxy <= tolerance.xy)) {
      problems.push(`${where}keypoint ${i}: browser (${bx.toFixed(4)}, ${by.toFixed(4)}), expected (${x.toFixed(4)}, ${y.toFixed(4)})`);
    }
    if (!(Math.abs(bscore - score) <= tolerance.score)) {
      problems.push(`${where}keypoint ${i}: score ${bscore.toFixed(4)}, expected ${score.toFixed(4)}`);
    }
  });
  want.raw.forEach((value, i) => {
    note("raw", Math.abs(raw[i] - value) / Math.max(1, Math.abs(value)));
    if (!(Math.abs(raw[i] - value) <= tolerance.raw * Math.max(1, Math.abs(value)))) {
      problems.push(`${where}raw value ${i}: ${raw[i]}, expected ${value}`);
    }
  });
}

function compareRegion(where: string, got: number[] | null, want: number[] | null, tolerance: Tolerance,
                       problems: string[]): void {
  if (!got || !want) {
    if (got !== want) problems.push(`${where}${got ? "a region" : "no region"}, expected ${want ? "one" : "none"}`);
    return;
  }
  const dcentre = Math.max(...[0, 1, 2, 3].map((i) => Math.abs(got[i] - want[i])));
  note("region", dcentre);
  note("rotation", Math.abs(got[4] - want[4]));
  if (!(dcentre <= tolerance.region!)) {
    problems.push(`${where}[${got.map((v) => v.toFixed(4))}], expected [${want.map((v) => v.toFixed(4))}]`);
  }
  if (!(Math.abs(got[4] - want[4]) <= tolerance.rotation!)) {
    problems.push(`${where}rotation ${got[4].toFixed(4)}, expected ${want[4].toFixed(4)}`);
  }
}

function compareFrame(got: BrowserFrame, want: Frame, tolerance: Tolerance, problems: string[]): void {
  const where = `${want.image} ${want.stage}: `;
  if (got.stage !== want.stage) problems.push(`${where}stage ${got.stage}`);
  if (want.detection && got.detection) {
    const d = want.detection;
    if (got.detection.anchor !== d.anchor) problems.push(`${where}detector anchor ${got.detection.anchor}, expected ${d.anchor}`);
    if (!(Math.abs(got.detection.score - d.score) <= tolerance.score)) {
      problems.push(`${where}detector score ${got.detection.score.toFixed(4)}, expected ${d.score.toFixed(4)}`);
    }
    const points = [...got.detection.box, ...got.detection.keypoints.flat()];
    const wanted = [...d.box, ...d.keypoints.flat()];
    note("detector_score", Math.abs(got.detection.score - d.score));
    wanted.forEach((value, i) => {
      note("detection", Math.abs(points[i] - value));
      if (!(Math.abs(points[i] - value) <= tolerance.detection!)) {
        problems.push(`${where}detector value ${i} (box, then keypoints): ${points[i].toFixed(4)}, expected ${value.toFixed(4)}`);
      }
    });
  } else if (want.detection !== got.detection) {
    problems.push(`${where}detection ${JSON.stringify(got.detection)}, expected ${JSON.stringify(want.detection)}`);
  }
  compareRegion(`${where}region `, got.region, want.region, tolerance, problems);
  compareKeypoints(where, got.keypoints, got.raw, want, tolerance, problems);
  if (!(Math.abs(got.presence - want.presence) <= tolerance.score)) {
    problems.push(`${where}pose presence ${got.presence.toFixed(4)}, expected ${want.presence.toFixed(4)}`);
  }
  compareRegion(`${where}next region `, got.next_region, want.next_region, tolerance, problems);
}

/** Why the browser's keypoints do not lie on the person (the golden frame says where they are). */
function offPerson(got: BrowserFrame, want: Frame): string[] {
  const where = `${want.image} ${want.stage}: `;
  if (want.person_points) {
    return Object.entries(want.person_points).flatMap(([index, [px, py]]) => {
      const point = got.keypoints[Number(index)];
      if (!point) return [`${where}no keypoint ${index}`];
      const distance = Math.hypot(point[0] - px, point[1] - py);
      return distance <= want.person_radius! ? [] :
        [`${where}keypoint ${index} is ${distance.toFixed(3)} from the person's, at most ${want.person_radius!.toFixed(3)}`];
    });
  }
  if (!want.figure_box) return [];  // nobody in the picture: compareFrame checked that nobody was found
  const [left, top, right, bottom] = want.figure_box;
  const margin = want.figure_margin! * Math.max(right - left, bottom - top);
  const [xMin, yMin, xMax, yMax] = [left - margin, top - margin, right + margin, bottom + margin];
  const problems = got.keypoints.flatMap(([x, y], i) =>
    x >= xMin && x <= xMax && y >= yMin && y <= yMax ? [] : [`${where}keypoint ${i} (${x.toFixed(3)}, ${y.toFixed(3)}) is off the figure's box`]);
  for (const [index, [fx, fy]] of Object.entries(want.figure_points!)) {
    const [x, y] = got.keypoints[Number(index)];
    const distance = Math.hypot(x - fx, y - fy);
    if (!(distance <= want.figure_radius!)) {
      problems.push(`${where}keypoint ${index} is ${distance.toFixed(3)} from the figure's, at most ${want.figure_radius!.toFixed(3)}`);
    }
  }
  return problems;
}

if (expected.pipeline === "two-stage") {
  test("detector, region and landmarks match the golden vectors on every golden image", async ({ page }, testInfo) => {
    const report = await runSelfTest<PoseReport>(page, testInfo);
    printLatency(report);
    await saveScreenshot(page, report);

    const frames = expected.frames!;
    const images = [...new Set(frames.map((frame) => frame.image))];
    const problems: string[] = [];
    for (const image of images) {
      const want = frames.filter((frame) => frame.image === image);
      const got = await page.evaluate(([file, n]) => window.edgekitPose.sequence(file, n),
        [image, want.length] as [string, number]) as BrowserFrame[];
      want.forEach((frame, i) => {
        compareFrame(got[i], frame, expected.tolerance, problems);
        problems.push(...offPerson(got[i], frame));
        printFrame({ image, stage: frame.stage, backend: testInfo.project.name });
      });
    }
    console.log(`EDGEKIT_POSE_FRAMES ${frames.length} frames on ${images.length} images, ${problems.length} problems; ` +
      `largest differences ${JSON.stringify(largest)}`);
    expect(problems, problems.slice(0, 20).join("\n")).toEqual([]);
  });
} else {
  test("keypoints match the golden vectors on every golden image", async ({ page }, testInfo) => {
    const report = await runSelfTest<PoseReport>(page, testInfo);
    printLatency(report);
    await saveScreenshot(page, report);

    const { keypoints, raw } = report.result;
    expect(keypoints.length).toBe(expected.keypoints.length);
    expect(raw.length).toBe(expected.raw.length);
    const problems: string[] = [];
    compareKeypoints("input: ", keypoints, raw, expected, expected.tolerance, problems);
    printFrame({ image: "input", backend: testInfo.project.name });
    const images = expected.images ?? [];
    for (const want of images) {
      const got = await page.evaluate((file) => window.edgekitVision.run(file), want.file) as PoseReport;
      compareKeypoints(`${want.file}: `, got.keypoints, got.raw, want, expected.tolerance, problems);
      printFrame({ image: want.file, backend: testInfo.project.name });
    }
    console.log(`EDGEKIT_POSE_IMAGES ${images.length} images, ${problems.length} problems; ` +
      `largest differences ${JSON.stringify(largest)}`);
    expect(problems, problems.slice(0, 20).join("\n")).toEqual([]);
  });
}

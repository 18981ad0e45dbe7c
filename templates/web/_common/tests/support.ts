// Shared by the parity specs: open the app on the Playwright project's backend, run its self-test,
// read the golden expectations from disk, print the latency line benchmarks parse.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, type TestInfo } from "@playwright/test";

export interface SelfTestReport<T> {
  app: string;
  backend: string;
  detail: string;
  result: T;
  latency: { runs: number; median_ms: number; samples_ms: number[] };
}

/** public/golden/<name>, parsed. */
export function readGolden<T = any>(name = "expected.json"): T {
  return JSON.parse(readFileSync(join(process.cwd(), "public", "golden", name), "utf-8")) as T;
}

/** Opens the app on this project's backend and runs `window.edgekit.selfTest(runs)`. */
export async function runSelfTest<T>(page: Page, testInfo: TestInfo, runs = Number(process.env.EDGEKIT_RUNS ?? 10)): Promise<SelfTestReport<T>> {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(`/?backend=${encodeURIComponent(testInfo.project.name)}`);
  await page.waitForFunction(() => "edgekit" in window);
  const report = await page.evaluate(async (n) => {
    await window.edgekit.ready;
    return window.edgekit.selfTest(n);
  }, runs) as SelfTestReport<T>;
  expect(errors, "errors thrown in the page").toEqual([]);
  expect(report.backend).toBe(testInfo.project.name);
  return report;
}

/** One line benchmarks parse: EDGEKIT_LATENCY {"app":…,"backend":…,"median_ms":…,"runs":…}. */
export function printLatency(report: SelfTestReport<unknown>): void {
  const line = { app: report.app, backend: report.backend, detail: report.detail,
    median_ms: Number(report.latency.median_ms.toFixed(3)), runs: report.latency.runs,
    samples_ms: report.latency.samples_ms.map((s) => Number(s.toFixed(3))) };
  console.log(`EDGEKIT_LATENCY ${JSON.stringify(line)}`);
}

/** Largest |a[i] - b[i]| and where; lengths must match. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; index: number } {
  expect(a.length, "compared arrays differ in length").toBe(b.length);
  let max = 0;
  let index = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return { max: Infinity, index: i };
    if (d > max) { max = d; index = i; }
  }
  return { max, index };
}

/** With $EDGEKIT_SCREENSHOT_DIR set, saves the page as <dir>/<app>-<backend>.png. */
export async function saveScreenshot(page: Page, report: SelfTestReport<unknown>): Promise<void> {
  const dir = process.env.EDGEKIT_SCREENSHOT_DIR;
  if (!dir) return;
  await page.screenshot({ path: join(dir, `${report.app}-${report.backend}.png`), fullPage: true });
}

// window.edgekit: how tests and benchmarks drive the app without clicking through it.
//   await window.edgekit.ready;              // model loaded on window.edgekit.backend
//   await window.edgekit.selfTest(runs);     // the app's own pipeline on the golden input
// selfTest runs the pipeline once for the result (this run also warms the runtime up), then
// `runs` more times for latency; every sample is returned, the median is derived from them.

export interface LatencyReport {
  runs: number;
  median_ms: number;
  samples_ms: number[];
}

export interface SelfTestReport<T = unknown> {
  app: string;
  backend: string;
  detail: string;
  result: T;
  latency: LatencyReport;
}

export interface EdgekitHarness {
  ready: Promise<void>;
  backend: string;
  detail: string;
  selfTest(runs?: number): Promise<SelfTestReport>;
}

declare global {
  interface Window {
    edgekit: EdgekitHarness;
  }
}

export interface HarnessOptions<I, T> {
  app: string;
  /** Resolves once the model is loaded, with the backend running it. */
  start: () => Promise<{ backend: string; detail: string }>;
  /** Fetches and decodes the golden input (not timed). */
  loadGoldenInput: () => Promise<I>;
  /** The app's pipeline: preprocessing, inference, decoding (timed). */
  run: (input: I) => Promise<T>;
  /** The result as plain JSON (typed arrays as arrays); the result itself when omitted. */
  toJSON?: (result: T) => unknown;
}

/** The median of `samples` (mean of the middle two for an even count). */
export function median(samples: number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Installs window.edgekit for this app; returns it so the page can await `ready` too. */
export function exposeHarness<I, T>(options: HarnessOptions<I, T>): EdgekitHarness {
  const harness: EdgekitHarness = {
    backend: "",
    detail: "",
    ready: options.start().then(({ backend, detail }) => {
      harness.backend = backend;
      harness.detail = detail;
    }),
    async selfTest(runs = 10) {
      await harness.ready;
      const input = await options.loadGoldenInput();
      const result = await options.run(input);
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await options.run(input);
        samples.push(performance.now() - start);
      }
      return {
        app: options.app, backend: harness.backend, detail: harness.detail,
        result: options.toJSON ? options.toJSON(result) : result,
        latency: { runs, median_ms: median(samples), samples_ms: samples },
      };
    },
  };
  window.edgekit = harness;
  return harness;
}

/** The backend asked for in the page URL (`?backend=webgl`), if any. */
export function requestedBackend(): string | undefined {
  return new URLSearchParams(window.location.search).get("backend") ?? undefined;
}

// The page around a vision pipeline: backend picker, camera / image file / golden image inputs,
// the drawn result and its latency, and window.edgekit for tests. Each app supplies a VisionTask.
import { APP, GOLDEN, MODEL } from "./contract";
import { exposeHarness, requestedBackend } from "./harness";
import { decodeImage, startCamera, stopCamera, LatencyWindow, type FrameSource } from "./image";
import { BACKENDS, loadRunner, type Runner } from "./runtime";

export interface VisionTask<R> {
  /** The app's pipeline on one frame: preprocessing, inference, decoding. */
  run(frame: FrameSource): Promise<R>;
  /** Draws the frame and the result onto the canvas (already sized to the frame). */
  draw(canvas: HTMLCanvasElement, frame: FrameSource, result: R): void;
  /** One line about the result for the status bar. */
  describe(result: R): string;
  /** The result as plain JSON for window.edgekit.selfTest (typed arrays become arrays). */
  toJSON(result: R): unknown;
}

const GOLDEN_URL = `${import.meta.env.BASE_URL}golden/${GOLDEN.input}`;

declare global {
  interface Window {
    /** Runs the app's pipeline on public/golden/<file> and returns the result as JSON (tests). */
    edgekitVision: { run(file: string): Promise<unknown> };
  }
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found as T;
}

/** Wires the page to `makeTask` (called once the model is loaded) and exposes window.edgekit. */
export function startVisionApp<R>(makeTask: (runner: Runner) => VisionTask<R>): void {
  const canvas = element<HTMLCanvasElement>("view");
  const video = element<HTMLVideoElement>("camera");
  const status = element<HTMLElement>("status");
  const latencyText = element<HTMLElement>("latency");
  const backendPicker = element<HTMLSelectElement>("backend");
  const cameraButton = element<HTMLButtonElement>("camera-toggle");
  const fileInput = element<HTMLInputElement>("file");
  const goldenButton = element<HTMLButtonElement>("golden");
  element<HTMLElement>("model").textContent = `${MODEL.displayName} (${MODEL.file})`;

  const backend = requestedBackend() ?? BACKENDS[0];
  for (const name of BACKENDS) backendPicker.add(new Option(name, name, name === backend, name === backend));
  backendPicker.disabled = BACKENDS.length < 2;
  backendPicker.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("backend", backendPicker.value);
    window.location.assign(url.toString());  // a clean page per backend: runtimes do not unload
  });

  let task: VisionTask<R> | null = null;
  let stream: MediaStream | null = null;
  const latency = new LatencyWindow();

  async function show(frame: FrameSource): Promise<void> {
    if (!task) return;
    const start = performance.now();
    const result = await task.run(frame);
    latency.add(performance.now() - start);
    const size = frame instanceof HTMLVideoElement ? { w: frame.videoWidth, h: frame.videoHeight } : { w: frame.width, h: frame.height };
    if (canvas.width !== size.w || canvas.height !== size.h) {
      canvas.width = size.w;
      canvas.height = size.h;
    }
    task.draw(canvas, frame, result);
    status.textContent = task.describe(result);
    latencyText.textContent = `${latency.median.toFixed(1)} ms`;
  }

  function fail(error: unknown): void {
    status.textContent = `Error: ${error instanceof Error ? error.message : String(error)}`;
    status.classList.add("error");
    console.error(error);
  }

  async function cameraLoop(): Promise<void> {
    while (stream) {
      await show(video);
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }

  cameraButton.addEventListener("click", async () => {
    if (stream) {
      stopCamera(stream);
      stream = null;
      cameraButton.textContent = "Start camera";
      return;
    }
    try {
      stream = await startCamera(video);
      cameraButton.textContent = "Stop camera";
      void cameraLoop().catch(fail);
    } catch (error) {
      fail(error);
    }
  });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    stopCamera(stream);
    stream = null;
    await show(await decodeImage(file)).catch(fail);
  });
  goldenButton.addEventListener("click", async () => {
    stopCamera(stream);
    stream = null;
    await show(await decodeImage(GOLDEN_URL)).catch(fail);
  });

  const harness = exposeHarness({
    app: APP.name,
    async start() {
      status.textContent = `Loading ${MODEL.displayName} on ${backend}…`;
      const runner = await loadRunner(backend);
      task = makeTask(runner);
      const golden = await decodeImage(GOLDEN_URL);
      await show(golden);  // the first inference warms the runtime up: keep it out of the latency shown
      latency.reset();
      await show(golden);
      element<HTMLElement>("runtime").textContent = runner.detail;
      return { backend: runner.backend, detail: runner.detail };
    },
    loadGoldenInput: () => decodeImage(GOLDEN_URL),
    run: async (frame: FrameSource) => {
      // Self-test runs count in the latency shown, so the page reports warm figures afterwards too.
      const start = performance.now();
      const result = await (task as VisionTask<R>).run(frame);
      latency.add(performance.now() - start);
      latencyText.textContent = `${latency.median.toFixed(1)} ms`;
      return result;
    },
    toJSON: (result: R) => (task as VisionTask<R>).toJSON(result),
  });
  window.edgekitVision = {
    async run(file: string) {
      await harness.ready;
      const frame = await decodeImage(`${import.meta.env.BASE_URL}golden/${file}`);
      return (task as VisionTask<R>).toJSON(await (task as VisionTask<R>).run(frame));
    },
  };
  harness.ready.then(() => {
    cameraButton.disabled = false;
    fileInput.disabled = false;
    goldenButton.disabled = false;
  }, fail);
}

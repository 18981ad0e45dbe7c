// edgekit's bench page. Python (edgekit.browser.session) drives it through window.edgekitBench:
//   start(config)            load the runtime scripts and initialise the backend
//   load(id, url)            load a model under an id (several may be loaded, e.g. a gate's pair)
//   setInputs(id, specs)     fetch the input arrays (raw bytes) and make them tensors
//   first(id)                the first inference, timed alone; settles how the model runs
//   latency / throughput / readback(id, ...)   the timing loops, with edgekit's host rules
//   outputs(id)              one inference; every output as base64 bytes, for the accuracy check
//   describe()               what ran: runtime, backend, WASM threads and SIMD, GPU adapter
// The loops follow edgekit/measure/loop.py: one readable stopping rule,
//   (runs < minRuns || now < minFinish) && now <= maxFinish
// and performance.now() around each sample only, so the page adds nothing but two timer reads and
// one push per inference (benchmarks/test_browser.py measures that against a bare loop).
"use strict";

(() => {
  const state = { config: null, models: new Map() };

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`the runtime script ${url} did not load`));
      document.head.appendChild(script);
    });
  }

  /** The smallest step performance.now() takes here (5 us under cross-origin isolation in Chromium). */
  function timerResolution() {
    let best = Infinity;
    for (let i = 0; i < 20; i++) {
      const a = performance.now();
      let b = performance.now();
      while (b === a) b = performance.now();
      best = Math.min(best, b - a);
    }
    return best;
  }

  async function start(config) {
    state.config = config;
    for (const url of config.scripts) await loadScript(url);
    if (config.runtime === "tflite") {
      tflite.setWasmPath(config.wasmPath);
      // tfjs-core's CPU backend holds the tensors tfjs-tflite reads its inputs from and returns.
      if (!(await tf.setBackend("cpu"))) throw new Error("tfjs-core's cpu backend did not initialise");
      await tf.ready();
      return;
    }
    if (config.backend === "wasm") {
      tf.wasm.setWasmPaths(config.wasmPath);
      tf.wasm.setThreadsCount(config.threads);
    }
    if (config.backend === "webgl") {
      // fp16: what a GPU without float32 render targets (many phones) gives; fp32 where it can.
      tf.env().set("WEBGL_FORCE_F16_TEXTURES", config.precision === "fp16");
    }
    if (!(await tf.setBackend(config.backend))) {
      throw new Error(`TF.js backend ${config.backend} failed to initialise in this browser`);
    }
    await tf.ready();
    if (config.backend === "webgl" && config.precision === "fp32" && !tf.env().getBool("WEBGL_RENDER_FLOAT32_ENABLED")) {
      throw new Error("this browser's WebGL cannot render to float32 textures: only fp16 runs here");
    }
  }

  function tensorInfo(t) {
    return { name: t.name, shape: t.shape ? Array.from(t.shape) : null, dtype: t.dtype };
  }

  async function load(id, url) {
    const config = state.config;
    let model;
    let entry;
    if (config.runtime === "tflite") {
      model = await tflite.loadTFLiteModel(url, { numThreads: config.threads });
      entry = { model, inputs: model.inputs.map(tensorInfo), outputs: model.outputs.map(tensorInfo) };
    } else {
      model = await tf.loadGraphModel(url);
      entry = { model, inputs: model.inputs.map(tensorInfo), outputs: model.outputs.map(tensorInfo) };
      entry.outputNames = entry.outputs.map((t) => t.name);
    }
    entry.tensors = null;
    state.models.set(id, entry);
    return { inputs: entry.inputs, outputs: entry.outputs };
  }

  function entryOf(id) {
    const entry = state.models.get(id);
    if (!entry) throw new Error(`no model loaded as ${id}`);
    return entry;
  }

  const ARRAYS = { float32: Float32Array, int32: Int32Array };

  async function setInputs(id, specs) {
    const entry = entryOf(id);
    const tensors = {};
    for (const spec of specs) {
      const response = await fetch(spec.url);
      if (!response.ok) throw new Error(`input ${spec.name}: HTTP ${response.status}`);
      const data = new ARRAYS[spec.dtype](await response.arrayBuffer());
      tensors[spec.name] = tf.tensor(data, spec.shape, spec.dtype);
    }
    if (entry.tensors) Object.values(entry.tensors).forEach((t) => t.dispose());
    entry.tensors = tensors;
    // Once the first inference has settled how the model runs, new inputs keep that way of running.
    entry.run = entry.mode ? makeRun(entry, entry.mode) : null;
  }

  function list(produced) {
    if (produced instanceof tf.Tensor) return [produced];
    if (Array.isArray(produced)) return produced;
    return Object.values(produced);
  }

  function disposeAll(tensors) {
    for (const t of tensors) t.dispose();
  }

  /** Named outputs of one finished inference, in the order the model declares them. */
  function named(entry, produced) {
    if (state.config.runtime === "tflite") {
      if (produced instanceof tf.Tensor) return { [entry.outputs[0].name]: produced };
      return produced;
    }
    const tensors = list(produced);
    const result = {};
    entry.outputNames.forEach((name, i) => (result[name] = tensors[i]));
    return result;
  }

  function needsAsync(error) {
    return String(error).includes("executeAsync");
  }

  /**
   * The first inference, timed alone (it compiles kernels and shaders), which also settles how
   * the model runs: a graph with control flow or dynamic shapes only runs through executeAsync.
   */
  async function first(id) {
    const entry = entryOf(id);
    if (!entry.tensors) throw new Error(`no inputs set for ${id}`);
    const config = state.config;
    let mode = config.runtime === "tflite" ? "predict" : "execute";
    const t0 = performance.now();
    if (mode === "predict") {
      disposeAll(list(entry.model.predict(entry.tensors)));
    } else {
      try {
        const tensors = list(entry.model.execute(entry.tensors, entry.outputNames));
        await tensors[0].data();
        disposeAll(tensors);
      } catch (error) {
        if (!needsAsync(error)) throw error;
        mode = "executeAsync";
        const tensors = list(await entry.model.executeAsync(entry.tensors, entry.outputNames));
        await tensors[0].data();
        disposeAll(tensors);
      }
    }
    const ms = performance.now() - t0;
    entry.mode = mode;
    entry.run = makeRun(entry, mode);
    return { ms, asynchronous: entry.run.asynchronous, mode };
  }

  /**
   * The calls the loops time. invoke: one inference to completion (on an asynchronous backend:
   * run, then read the smallest output, which waits for the GPU queue). batch(n): n back-to-back
   * inferences closed by one read. readAll: read every output of a finished inference.
   */
  function makeRun(entry, mode) {
    const config = state.config;
    const inputs = entry.tensors;
    if (mode === "predict") {
      const predict = () => entry.model.predict(inputs);
      return {
        asynchronous: false,
        produce: predict,
        invoke: () => disposeAll(list(predict())),
        readAll: (tensors) => { for (const t of tensors) t.dataSync(); },
      };
    }
    const execute = () => entry.model.execute(inputs, entry.outputNames);
    if (config.backend === "wasm" && mode === "execute") {
      return {
        asynchronous: false,
        produce: execute,
        invoke: () => disposeAll(list(execute())),
        readAll: (tensors) => { for (const t of tensors) t.dataSync(); },
      };
    }
    const sizes = entry.outputs.map((t) => (t.shape || [1]).reduce((a, b) => a * Math.max(1, b), 1));
    const syncIndex = sizes.indexOf(Math.min(...sizes));
    const produce = mode === "executeAsync"
      ? () => entry.model.executeAsync(inputs, entry.outputNames) : async () => execute();
    return {
      asynchronous: true,
      produce,
      settle: (tensors) => tensors[syncIndex].data(),
      invoke: async () => {
        const tensors = list(await produce());
        await tensors[syncIndex].data();
        disposeAll(tensors);
      },
      batch: async (n) => {
        let tensors = null;
        for (let i = 0; i < n; i++) {
          if (tensors) disposeAll(tensors);
          tensors = list(await produce());
        }
        await tensors[syncIndex].data();
        disposeAll(tensors);
      },
      readAll: async (tensors) => { for (const t of tensors) await t.data(); },
    };
  }

  function runOf(id) {
    const entry = entryOf(id);
    if (!entry.run) throw new Error(`run first(${id}) before timing it`);
    return entry.run;
  }

  // --- timing loops (milliseconds) ---------------------------------------------------------------

  function phaseSync(invoke, minRuns, minMs, maxMs) {
    const samples = [];
    const start = performance.now();
    let now = start;
    const minFinish = start + minMs;
    const maxFinish = start + maxMs;
    while ((samples.length < minRuns || now < minFinish) && now <= maxFinish) {
      const t0 = performance.now();
      invoke();
      now = performance.now();
      samples.push(now - t0);
    }
    return samples;
  }

  async function phaseAsync(invoke, minRuns, minMs, maxMs) {
    const samples = [];
    const start = performance.now();
    let now = start;
    const minFinish = start + minMs;
    const maxFinish = start + maxMs;
    while ((samples.length < minRuns || now < minFinish) && now <= maxFinish) {
      const t0 = performance.now();
      await invoke();
      now = performance.now();
      samples.push(now - t0);
    }
    return samples;
  }

  /** One inference to completion per sample: warm-up and measured phases alike. */
  async function latency(id, minRuns, minMs, maxMs) {
    const run = runOf(id);
    return run.asynchronous ? phaseAsync(run.invoke, minRuns, minMs, maxMs)
      : phaseSync(run.invoke, minRuns, minMs, maxMs);
  }

  /** Per-inference times of batches of `batch` back-to-back inferences closed by one read. */
  async function throughput(id, batch, minRuns, minMs, maxMs) {
    const run = runOf(id);
    if (!run.batch) throw new Error("a synchronous backend's throughput is its latency");
    const samples = await phaseAsync(() => run.batch(batch), minRuns, minMs, maxMs);
    return samples.map((ms) => ms / batch);
  }

  /** Times of reading every output after a finished (untimed) inference. */
  async function readback(id, runs, maxMs) {
    const run = runOf(id);
    const samples = [];
    const deadline = performance.now() + maxMs;
    while (samples.length < runs && (samples.length < 3 || performance.now() <= deadline)) {
      const produced = await run.produce();
      const tensors = list(produced);
      if (run.settle) await run.settle(tensors);  // the inference is finished before the timed read
      const t0 = performance.now();
      await run.readAll(tensors);
      samples.push(performance.now() - t0);
      disposeAll(tensors);
    }
    return samples;
  }

  /** The same calls in a bare loop, timed as a whole: what the harness costs is the difference. */
  async function bareLoop(id, n) {
    const run = runOf(id);
    const invoke = run.invoke;
    const t0 = performance.now();
    if (run.asynchronous) {
      for (let i = 0; i < n; i++) await invoke();
    } else {
      for (let i = 0; i < n; i++) invoke();
    }
    return performance.now() - t0;
  }

  /** The measured phase with exactly n samples, timed as a whole (for the overhead benchmark). */
  async function harnessLoop(id, n) {
    const t0 = performance.now();
    await latency(id, n, 0, 1e12);
    return performance.now() - t0;
  }

  // --- outputs and facts ---------------------------------------------------------------------------

  function toBase64(typed) {
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  const DTYPES = [[Float32Array, "float32"], [Int32Array, "int32"], [Uint8Array, "uint8"], [Int8Array, "int8"],
    [Int16Array, "int16"], [Uint32Array, "uint32"], [Float64Array, "float64"]];

  async function outputs(id) {
    const entry = entryOf(id);
    const run = runOf(id);
    const produced = await run.produce();
    const byName = named(entry, produced);
    const result = {};
    try {
      for (const [name, tensor] of Object.entries(byName)) {
        const data = await tensor.data();
        const dtype = DTYPES.find(([type]) => data instanceof type);
        if (!dtype) throw new Error(`output ${name} has data of an unknown type`);
        result[name] = { dtype: dtype[1], shape: tensor.shape.slice(), data: toBase64(data) };
      }
    } finally {
      disposeAll(list(produced));
    }
    return result;
  }

  function resourceName(pattern) {
    const found = performance.getEntriesByType("resource").map((e) => e.name.split("/").pop())
      .filter((name) => pattern.test(name));
    return found.length ? found[found.length - 1] : null;
  }

  const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

  async function describe() {
    const config = state.config;
    const info = {
      user_agent: navigator.userAgent,
      cross_origin_isolated: globalThis.crossOriginIsolated === true,
      timer_resolution_ms: timerResolution(),
      hardware_concurrency: navigator.hardwareConcurrency,
      tensors_alive: tf.memory().numTensors,
    };
    if (config.runtime === "tflite") {
      const wasm = resourceName(/^tflite_web_api_cc.*\.wasm$/);
      const threaded = wasm !== null && wasm.includes("threaded");
      Object.assign(info, {
        backend: "wasm", wasm_file: wasm, wasm_simd: wasm !== null && wasm.includes("simd"),
        wasm_threads: threaded ? config.threads : 1, versions: { "tfjs-core": tf.version_core },
      });
      return info;
    }
    Object.assign(info, { backend: tf.getBackend(), versions: tf.version });
    if (config.backend === "wasm") {
      const wasm = resourceName(/^tfjs-backend-wasm.*\.wasm$/);
      Object.assign(info, { wasm_file: wasm, wasm_simd: wasm !== null && wasm.includes("simd"),
        wasm_threads: tf.wasm.getThreadsCount() });
    } else if (config.backend === "webgl") {
      const gl = tf.backend().gpgpu.gl;
      const debug = gl.getExtension("WEBGL_debug_renderer_info");
      const renderer = debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
      const vendor = debug ? gl.getParameter(debug.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR);
      Object.assign(info, {
        adapter: String(renderer), adapter_details: `${vendor}; ${gl.getParameter(gl.VERSION)}`,
        software: SOFTWARE.test(String(renderer)),
        float32_textures: tf.env().getBool("WEBGL_RENDER_FLOAT32_ENABLED"),
        webgl_version: tf.env().getNumber("WEBGL_VERSION"),
      });
    } else if (config.backend === "webgpu") {
      const adapter = await navigator.gpu.requestAdapter();
      const details = adapter && adapter.info ? adapter.info : {};
      const described = [details.vendor, details.architecture, details.device, details.description]
        .filter((part) => part).join(" ");
      Object.assign(info, {
        adapter: described || "unknown (the browser did not say)",
        adapter_details: JSON.stringify({ vendor: details.vendor, architecture: details.architecture,
          device: details.device, description: details.description }),
        software: SOFTWARE.test(described),
      });
    }
    return info;
  }

  function dispose(id) {
    const entry = state.models.get(id);
    if (!entry) return;
    if (entry.tensors) Object.values(entry.tensors).forEach((t) => t.dispose());
    if (entry.model.dispose) entry.model.dispose();
    state.models.delete(id);
  }

  window.edgekitBench = {
    start, load, setInputs, first, latency, throughput, readback, outputs, describe, dispose, bareLoop, harnessLoop,
  };
})();

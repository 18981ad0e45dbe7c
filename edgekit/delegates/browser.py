"""Browser delegates: models in headless Chromium, with the runtimes the generated web apps ship.

- ``tflite-wasm``: ``.tflite`` in ``@tensorflow/tfjs-tflite`` (TFLite compiled to WebAssembly, with
  XNNPACK; SIMD, and threads under cross-origin isolation, which the local server provides);
- ``tfjs-wasm``, ``tfjs-webgl``, ``tfjs-webgpu``: TF.js graph models in ``@tensorflow/tfjs`` on its
  WebAssembly, WebGL and WebGPU backends.

They run on the ``browser`` device (``edgekit.devices.browser``): a fresh worker per run starts the
system Chromium, and the timing loops run inside the page. Without a GPU, WebGL and WebGPU run on
SwiftShader (software): a real GPU code path with GPU numerics, CPU-bound latency; every run
records the adapter, labelled software where it is. WebGL computes in fp16 or fp32 storage as
``--gpu-precision`` asks (fp16: what GPUs without float32 render targets, such as many phones,
give); TF.js's WebGPU backend has an fp32 path only.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

import numpy as np

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions, UnsupportedOp
from edgekit.files.datafiles import load_json

if TYPE_CHECKING:
    from collections.abc import Mapping

    from edgekit.model.model import Model

__all__ = ["BrowserDelegate", "BrowserRunner", "TFLITE_WASM", "TFJS_WASM", "TFJS_WEBGL", "TFJS_WEBGPU"]

_FORMAT_NAMES = {"tflite": ".tflite models", "tfjs-graph": "TF.js graph models"}


def _rules() -> dict:
    return load_json("edgekit.delegates", "data/browser.json")


def _tfjs_ops() -> dict:
    return load_json("edgekit.scaffold", "data/tfjs_ops.json")


@dataclass(frozen=True)
class BrowserDelegate:
    """A runtime and backend in headless Chromium; ``device`` tells bench where its runs go."""

    name: str
    summary: str
    #: The page runtime (``edgekit/browser/data/runtimes.json``): "tflite" or "tfjs".
    runtime: str
    #: "wasm", "webgl" or "webgpu".
    backend: str
    #: Model formats it runs (``Model.format``).
    formats: tuple[str, ...]
    uses_threads: bool
    #: The GPU arithmetic it offers (``--gpu-precision``); () for WebAssembly, which takes threads.
    precisions: tuple[str, ...] = ()
    cpu_fallback: bool = False
    device: str = "browser"

    def probe(self) -> Availability:
        from edgekit.browser.chromium import INSTALL_HINT, find_chromium, launch_plan
        from edgekit.browser.runtimes import missing_packages
        from edgekit.browser.session import PLAYWRIGHT_HINT

        chromium = find_chromium()
        if chromium is None or not chromium.exists():
            where = f" at {chromium}" if chromium else ""
            return Availability(False, f"no Chromium{where}: {INSTALL_HINT}")
        if find_spec("playwright") is None:
            return Availability(False, f"Playwright for Python is not installed: {PLAYWRIGHT_HINT}")
        missing = missing_packages(self.runtime, self.backend)
        if missing and shutil.which("npm") is None:
            specs = ", ".join(p.spec for p in missing)
            return Availability(False, f"{specs} not cached and npm is missing to fetch them (once, "
                                       "sha256-pinned): apt-get install -y npm")
        plan = launch_plan(self.backend, chromium)
        if self.backend == "webgpu" and plan.gpu == "no Vulkan driver found":
            return Availability(False, "WebGPU needs a Vulkan driver: install your GPU's, or "
                                       "`apt-get install -y chromium` for SwiftShader's software Vulkan")
        fetch = f"; fetches {', '.join(p.spec for p in missing)} with npm on first use" if missing else ""
        return Availability(True, f"{chromium} headless, {plan.gpu}{fetch}",
                            {"chromium": str(chromium), "gpu": plan.gpu})

    def coverage(self, model: Model) -> Coverage:
        """Ops of a model in one of ``formats`` the runtime lacks (bench refuses other formats first)."""
        if self.runtime == "tflite":
            return self._tflite_coverage(model)
        ops = frozenset(_tfjs_ops()["ops"])
        unsupported = tuple(
            UnsupportedOp(op.index, op.subgraph, op.name, f"op {op.name} has no kernel in TF.js's graph "
                                                          "executor")
            for op in model.ops
            if op.name not in ops
        )
        return Coverage(self.name, len(model.ops), unsupported, _tfjs_ops()["source"])

    def _tflite_coverage(self, model: Model) -> Coverage:
        rules = _rules()
        unresolved = rules["tflite_unresolved_custom_ops"]
        unsupported = []
        for op in model.ops:
            if not op.custom:
                continue
            if op.name.startswith(rules["flex_prefix"]):
                why = f"{op.name} is a {rules['flex_reason']}"
                unsupported.append(UnsupportedOp(op.index, op.subgraph, op.name, why))
            elif op.name in unresolved:
                unsupported.append(UnsupportedOp(op.index, op.subgraph, op.name,
                                                 f"custom op {op.name}: {unresolved[op.name]}"))
        return Coverage(self.name, len(model.ops), tuple(unsupported), rules["source"])

    def format_refusal(self, model_format: str) -> str:
        """Why this delegate cannot take a model of MODEL_FORMAT, and which delegates can."""
        runs = " and ".join(_FORMAT_NAMES.get(f, f) for f in self.formats)
        other = "tflite-wasm (or cpu, gpu on the host)" if model_format == "tflite" else \
            "tfjs-wasm, tfjs-webgl or tfjs-webgpu"
        return f"{self.name} runs {runs}; bench this model on {other}"

    def open(self, model_path: str, options: RunOptions) -> BrowserRunner:
        return BrowserRunner(self, model_path, options)


class BrowserRunner:
    """A model in a headless Chromium page as a :class:`~edgekit.runners.Runner` (one call per inference).

    Each call crosses into the page, so timing it from Python measures the round trip too: bench
    times in the page (``edgekit.devices.browser``); this runner is for outputs (``run_once``).
    """

    def __init__(self, delegate: BrowserDelegate, model_path: str, options: RunOptions) -> None:
        from edgekit.browser.session import BrowserSession
        from edgekit.model.model import Model

        model = Model.open(model_path)
        if options.signature:
            model = model.select_signature(options.signature)
        self._session = BrowserSession(delegate.runtime, delegate.backend, threads=options.threads,
                                       precision=options.precision).__enter__()
        try:
            self._page = self._session.new_page()
            self._loaded = self._page.load("model", model)
        except BaseException:
            self._session.close()
            raise
        self._ready = False
        self.asynchronous = delegate.backend != "wasm"

    def set_inputs(self, arrays: Mapping[str, np.ndarray]) -> None:
        ordered = list(arrays.values())
        named = {t.name: arrays.get(t.name, ordered[i] if i < len(ordered) else None)
                 for i, t in enumerate(self._loaded.model.inputs)}
        missing = [name for name, value in named.items() if value is None]
        if missing:
            raise KeyError(f"no value for input(s) {', '.join(missing)}")
        self._page.set_inputs("model", {name: np.asarray(value) for name, value in named.items()})

    def invoke(self) -> None:
        if not self._ready:
            self._page.first("model")
            self._ready = True
        else:
            self._page.latency("model", 1, 0.0, 1e6)

    def dispatch(self) -> None:
        self.invoke()

    def wait(self) -> None:
        """Each call already waited for its inference."""

    def read_outputs(self) -> None:
        self.outputs()

    def outputs(self) -> dict[str, np.ndarray]:
        if not self._ready:
            self.invoke()
        return self._page.outputs("model")

    def info(self) -> dict[str, Any]:
        return {**self._session.facts(), **self._page.describe()}

    def close(self) -> None:
        self._session.close()


TFLITE_WASM = register(BrowserDelegate(
    "tflite-wasm", "TFLite in headless Chromium: @tensorflow/tfjs-tflite (WebAssembly, XNNPACK)",
    "tflite", "wasm", ("tflite",), uses_threads=True))
TFJS_WASM = register(BrowserDelegate(
    "tfjs-wasm", "TF.js graph models in headless Chromium: WebAssembly backend (XNNPACK)",
    "tfjs", "wasm", ("tfjs-graph",), uses_threads=True))
TFJS_WEBGL = register(BrowserDelegate(
    "tfjs-webgl", "TF.js graph models in headless Chromium: WebGL backend (SwiftShader without a GPU)",
    "tfjs", "webgl", ("tfjs-graph",), uses_threads=False, precisions=("fp16", "fp32")))
TFJS_WEBGPU = register(BrowserDelegate(
    "tfjs-webgpu", "TF.js graph models in headless Chromium: WebGPU backend (SwiftShader without a GPU)",
    "tfjs", "webgpu", ("tfjs-graph",), uses_threads=False, precisions=("fp32",)))

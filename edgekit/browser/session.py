"""Drive the bench page from Python: one headless Chromium, pages that load a runtime and models.

``BrowserSession`` starts the local server (page, runtime files, models, inputs) and the system
Chromium through Playwright; ``session.new_page()`` opens the bench page in a fresh browser context
(its own renderer process), starts the runtime on the backend, and gives a ``BenchPage`` whose
methods are the page's: load a model, set its inputs, the timing loops, read the outputs back.
A failure in the page raises :class:`PageError`, a dead renderer or browser :class:`BrowserCrashed`;
both carry the last lines of the page's console.
"""

from __future__ import annotations

import base64
import collections
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import IO, Any

import numpy as np

from edgekit.browser.chromium import INSTALL_HINT, LaunchPlan, launch_plan
from edgekit.browser.runtimes import runtime, runtime_files
from edgekit.browser.server import LocalServer
from edgekit.errors import ToolMissing
from edgekit.model.contract import TensorInfo
from edgekit.model.model import Model

__all__ = ["BenchPage", "BrowserCrashed", "BrowserSession", "LoadedModel", "PageError", "PLAYWRIGHT_HINT"]

PLAYWRIGHT_HINT = ("pip install 'edgekit-ml[browser]' (Playwright for Python; it drives the system Chromium, "
                   "no browser download)")
_CONSOLE_TAIL = 20
#: Playwright's words for a renderer or browser that went away under it.
_CRASH_WORDS = ("crash", "target closed", "has been closed", "browser has disconnected")


class PageError(Exception):
    """The page threw: the runtime refused the model, an op failed, a script did not load."""

    def __init__(self, message: str, console: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.console = console

    def describe(self) -> str:
        """The error with the console's last lines, on one line each (for a run's reason)."""
        return _with_console(self.message, self.console)


class BrowserCrashed(Exception):
    """The renderer process or the whole browser died."""

    def __init__(self, message: str, console: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.console = console

    def describe(self) -> str:
        return _with_console(self.message, self.console)


def _with_console(message: str, console: list[str]) -> str:
    tail = [line for line in console if line.strip()][-5:]
    return message + (f"; the console's last lines: {' | '.join(tail)}" if tail
                      else "; the console was empty")


def _page_asset(name: str) -> bytes:
    return resources.files("edgekit.browser").joinpath("page").joinpath(name).read_bytes()


def page_name(tensor: TensorInfo, model_format: str) -> str:
    """The name the in-page runtime gives TENSOR: TF.js names graph nodes without ``:0``."""
    return tensor.name[:-2] if model_format == "tfjs-graph" and tensor.name.endswith(":0") else tensor.name


@dataclass
class LoadedModel:
    """A model loaded in a page under ``id``; tensor names mapped between edgekit and the page."""

    id: str
    model: Model
    inputs: dict[str, str] = field(default_factory=dict)  # edgekit name -> page name
    outputs: dict[str, str] = field(default_factory=dict)
    asynchronous: bool | None = None
    mode: str = ""


class BrowserSession:
    """The local server and one headless Chromium for RUNTIME on BACKEND (``wasm``/``webgl``/``webgpu``).

    THREADS is the WebAssembly thread count, PRECISION the WebGL arithmetic (``fp16``/``fp32``).
    ON_CONSOLE receives every console line as it arrives (the worker writes them to a file, so a
    run killed at its timeout can still show them).
    """

    def __init__(self, runtime_name: str, backend: str, *, threads: int = 1, precision: str | None = None,
                 log: Callable[[str], None] | None = None,
                 on_console: Callable[[str], None] | None = None) -> None:
        self.runtime = runtime(runtime_name)
        self.backend = backend
        self.threads = threads
        self.precision = precision
        self._log = log or (lambda _message: None)
        self._on_console = on_console or (lambda _line: None)
        self.plan: LaunchPlan = launch_plan(backend)
        self.browser_version = ""
        self.start_ms: float | None = None
        self._server: LocalServer | None = None
        self._playwright: Any = None
        self._browser: Any = None

    def __enter__(self) -> BrowserSession:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Serve the page and runtime, launch Chromium headless."""
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise ToolMissing("playwright", "to drive Chromium for the browser delegates",
                              PLAYWRIGHT_HINT) from exc
        if not self.plan.executable.exists():
            raise ToolMissing("chromium", "to run the browser delegates", INSTALL_HINT)
        files = runtime_files(self.runtime.name, self.backend, self._log)
        server = self._server = LocalServer().start()
        server.add("/bench.html", _page_asset("bench.html"))
        server.add("/bench.js", _page_asset("bench.js"))
        for name, path in files.items():
            server.add(f"/runtime/{name}", path)
        started = time.perf_counter()
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=str(self.plan.executable), headless=True, args=list(self.plan.args),
            env=self._environment(), handle_sigint=False, handle_sigterm=False, handle_sighup=False,
        )
        self.start_ms = (time.perf_counter() - started) * 1000
        self.browser_version = self._browser.version

    def _environment(self) -> dict[str, str]:
        return {**os.environ, **self.plan.env}

    def new_page(self) -> BenchPage:
        """The bench page in a fresh browser context (its own renderer process), runtime started."""
        if self._browser is None or self._server is None:
            raise RuntimeError("start the session first")
        context = self._browser.new_context()
        page = BenchPage(self, context, self._server)
        try:
            page.open()
        except BaseException:
            page.close()
            raise
        return page

    @property
    def server(self) -> LocalServer:
        if self._server is None:
            raise RuntimeError("start the session first")
        return self._server

    def facts(self) -> dict[str, Any]:
        """What ran, from outside the page: browser, binary, flags, runtime versions."""
        packages = {p.name: p.version for p in self.runtime.packages_for(self.backend)}
        return {
            "browser": f"Chromium {self.browser_version} (headless)",
            "browser_path": str(self.plan.executable),
            "browser_flags": list(self.plan.args),
            "gpu_path": self.plan.gpu,
            "runtime_packages": packages,
            "runtime_package": self.runtime.version_package,
            "browser_start_ms": self.start_ms,
        }

    def close(self) -> None:
        for closing in (self._browser, self._playwright):
            if closing is None:
                continue
            try:
                closing.close() if closing is self._browser else closing.stop()
            except Exception:  # a crashed browser may not close cleanly; nothing left to save
                pass
        self._browser = self._playwright = None
        if self._server is not None:
            self._server.close()
            self._server = None


class BenchPage:
    """One bench page: the runtime started on the session's backend, models loaded by id."""

    def __init__(self, session: BrowserSession, context: Any, server: LocalServer) -> None:
        self.session = session
        self._context = context
        self._server = server
        self._page: Any = None
        self.console: collections.deque[str] = collections.deque(maxlen=_CONSOLE_TAIL)
        self._crashed = False
        self._cdp: Any = None
        self.models: dict[str, LoadedModel] = {}

    def open(self) -> None:
        page = self._page = self._context.new_page()
        page.on("console", lambda message: self._note(_console_line(message)))
        page.on("pageerror", lambda error: self._note(f"uncaught: {error}"))
        page.on("crash", lambda _page: self._crash())
        self._call(lambda: page.goto(f"{self._server.origin}/bench.html"), "opening the bench page")
        session = self.session
        config = {
            "runtime": session.runtime.name,
            "backend": session.backend,
            "threads": session.threads,
            "precision": session.precision,
            "scripts": [f"/runtime/{path}" for path in session.runtime.scripts_for(session.backend)],
            "wasmPath": f"/runtime/{session.runtime.wasm_dir}",
        }
        self.evaluate("c => edgekitBench.start(c)", config, doing=f"starting {session.runtime.name} on "
                                                                    f"{session.backend}")

    def _note(self, line: str) -> None:
        self.console.append(line)
        self.session._on_console(line)

    def _crash(self) -> None:
        self._crashed = True
        self._note("the page's renderer process crashed")

    def evaluate(self, script: str, argument: Any = None, *, doing: str) -> Any:
        """Run SCRIPT in the page; PageError or BrowserCrashed (with the console) when it fails."""
        page = self._page
        return self._call(lambda: page.evaluate(script, argument), doing)

    def _call(self, call: Callable[[], Any], doing: str) -> Any:
        from playwright.sync_api import Error

        try:
            return call()
        except Error as exc:
            message = " ".join(str(exc).split())
            lowered = message.lower()
            if self._crashed or any(word in lowered for word in _CRASH_WORDS):
                raise BrowserCrashed(f"the browser crashed while {doing}: {message[:300]}",
                                     list(self.console)) from exc
            raise PageError(f"{doing} failed in the page: {_page_message(message)}",
                            list(self.console)) from exc

    # --- models -------------------------------------------------------------------------------------

    def load(self, model_id: str, model: Model) -> LoadedModel:
        """Serve MODEL's files and load it in the page under MODEL_ID; names checked against the page's."""
        prefix = f"/models/{model_id}/"
        self._server.remove_prefix(prefix)
        for part in model.files or (model.path,):
            self._server.add(prefix + part.name, part)
        url = prefix + model.path.name
        described = self.evaluate("([id, url]) => edgekitBench.load(id, url)", [model_id, url],
                                  doing=f"loading {model.path.name}")
        loaded = LoadedModel(model_id, model)
        loaded.inputs = _match("input", model.inputs, described["inputs"], model.format)
        loaded.outputs = _match("output", model.outputs, described["outputs"], model.format)
        self.models[model_id] = loaded
        return loaded

    def set_inputs(self, model_id: str, arrays: Mapping[str, np.ndarray]) -> None:
        """Give the model its inputs (by edgekit tensor name); the page fetches them as raw bytes."""
        loaded = self.models[model_id]
        prefix = f"/inputs/{model_id}/"
        self._server.remove_prefix(prefix)
        specs = []
        for index, tensor in enumerate(loaded.model.inputs):
            value = np.asarray(arrays[tensor.name])
            dtype = "float32" if np.issubdtype(value.dtype, np.floating) else "int32"
            data = np.ascontiguousarray(value, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()
            url = self._server.add(f"{prefix}{index}.bin", data)
            specs.append({"name": loaded.inputs[tensor.name], "dtype": dtype, "shape": list(value.shape),
                          "url": url})
        self.evaluate("([id, specs]) => edgekitBench.setInputs(id, specs)", [model_id, specs],
                      doing="setting the inputs")

    def first(self, model_id: str) -> float:
        """The first inference, timed alone (ms); settles whether the model runs asynchronously."""
        answer = self.evaluate("id => edgekitBench.first(id)", model_id, doing="the first inference")
        loaded = self.models[model_id]
        loaded.asynchronous = bool(answer["asynchronous"])
        loaded.mode = str(answer["mode"])
        return float(answer["ms"])

    def latency(self, model_id: str, min_runs: int, min_seconds: float, max_seconds: float) -> list[float]:
        """Samples (ms) of one inference to completion each, under the host's stopping rule."""
        return self._samples("([id, a, b, c]) => edgekitBench.latency(id, a, b, c)",
                             [model_id, min_runs, min_seconds * 1000, max_seconds * 1000],
                             "timing inferences")

    def throughput(self, model_id: str, batch: int, min_runs: int, min_seconds: float,
                   max_seconds: float) -> list[float]:
        """Per-inference times (ms) of BATCH back-to-back inferences closed by one read."""
        return self._samples("([id, n, a, b, c]) => edgekitBench.throughput(id, n, a, b, c)",
                             [model_id, batch, min_runs, min_seconds * 1000, max_seconds * 1000],
                             "timing back-to-back inferences")

    def readback(self, model_id: str, runs: int, max_seconds: float) -> list[float]:
        """Times (ms) of reading every output of a finished inference."""
        return self._samples("([id, n, c]) => edgekitBench.readback(id, n, c)",
                             [model_id, runs, max_seconds * 1000], "timing output reads")

    def _samples(self, script: str, argument: list[Any], doing: str) -> list[float]:
        return [float(v) for v in self.evaluate(script, argument, doing=doing)]

    def outputs(self, model_id: str) -> dict[str, np.ndarray]:
        """One inference; every output read back, by edgekit tensor name, in edgekit's dtype."""
        loaded = self.models[model_id]
        raw = self.evaluate("id => edgekitBench.outputs(id)", model_id, doing="reading the outputs")
        result = {}
        for tensor in loaded.model.outputs:
            name = loaded.outputs[tensor.name]
            entry = raw.get(name)
            if entry is None:
                raise PageError(f"the page returned no output {name!r}", list(self.console))
            dtype = np.dtype(entry["dtype"]).newbyteorder("<")
            values = np.frombuffer(base64.b64decode(entry["data"]), dtype=dtype)
            result[tensor.name] = values.reshape(entry["shape"]).astype(tensor.dtype, copy=False)
        return result

    def describe(self) -> dict[str, Any]:
        """What ran, from inside the page: backend, WASM threads and SIMD, GPU adapter, timer."""
        return dict(self.evaluate("() => edgekitBench.describe()", doing="describing the runtime"))

    def thread_cpu_ms(self) -> float:
        """CPU time the page's main thread has used so far (ms), from the DevTools protocol.

        Where the model runs on that thread (WebAssembly with one thread), the CPU time of a run
        divided by its inferences is its cost, nearly untouched by other processes sharing the
        cores; the wall-clock samples are not.
        """
        if self._cdp is None:
            self._cdp = self._call(lambda: self._context.new_cdp_session(self._page), "opening DevTools")
            self._call(lambda: self._cdp.send("Performance.enable", {"timeDomain": "threadTicks"}),
                       "enabling DevTools metrics")
        cdp = self._cdp
        metrics = self._call(lambda: cdp.send("Performance.getMetrics"),
                             "reading DevTools metrics")["metrics"]
        return 1000.0 * next(float(m["value"]) for m in metrics if m["name"] == "ThreadTime")

    def evaluate_raw(self, script: str, argument: Any = None) -> Any:
        """Any script in the page (benchmarks compare the loops against a bare loop with it)."""
        return self.evaluate(script, argument, doing="a script")

    def close(self) -> None:
        try:
            self._context.close()
        except Exception:  # a crashed context may refuse; the session's close takes the rest
            pass


def _match(kind: str, tensors: tuple[TensorInfo, ...], described: list[dict],
           model_format: str) -> dict[str, str]:
    """edgekit name -> page name for every tensor; PageError when the runtime reports other tensors."""
    names = {d["name"] for d in described}
    mapping = {}
    for tensor in tensors:
        name = page_name(tensor, model_format)
        if name not in names:
            listed = ", ".join(sorted(names)) or "none"
            raise PageError(f"the in-browser runtime reports no {kind} {name!r} (it reports {listed})", [])
        mapping[tensor.name] = name
    return mapping


def _page_message(message: str) -> str:
    """The page's error text without Playwright's call log, its prefixes or the JavaScript stack."""
    for marker in (" Call log:", "=========================== logs", " at "):
        if marker in message:
            message = message.split(marker, 1)[0]
    for prefix in ("Page.evaluate: ", "Error: "):
        while message.startswith(prefix):
            message = message[len(prefix):]
    return message.strip()[:500]


def _console_line(message: Any) -> str:
    """One console message; a failed resource load names its URL (the text alone does not)."""
    line = f"{message.type}: {message.text}"
    if message.text.startswith("Failed to load resource"):
        url = (message.location or {}).get("url", "")
        line += f" ({url.split('/', 3)[-1] if url else 'unknown URL'})"
    return line


def console_writer(stream: IO[str]) -> Callable[[str], None]:
    """An ON_CONSOLE callback that appends each line to STREAM and flushes it."""

    def write(line: str) -> None:
        stream.write(line.replace("\n", " ") + "\n")
        stream.flush()

    return write

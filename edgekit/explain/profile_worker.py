"""The worker process of ``profile``: load several models at once and time them interleaved.

Started as ``python -m edgekit.explain.profile_worker WORKDIR`` (through
:func:`edgekit.devices.host.run_worker`). Reads the
:class:`~edgekit.devices.request.WorkerRequest` (``models``, delegate, threads, precision,
``block_ms``; its loop's ``min_runs`` rounds at least, for ``min_seconds`` at least and
``max_seconds`` at most) and the input sets (set k for model k); writes ``result.json`` with, per
model, one sample per round: the mean of one block of back-to-back ``invoke`` calls lasting at
least ``block_ms``. Round-robin order (reversed every other round)
spreads load changes on a shared machine over every model alike, instead of charging them to
whichever segment happened to run then.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgekit.devices.host_worker import classify_open_error, emit, read_request, serve

_NS_PER_MS = 1_000_000


def _block_ms(invoke: Callable[[], object], block_ns: int) -> float:
    """Mean ms per invoke over back-to-back invokes lasting at least BLOCK_NS (one at least)."""
    clock = time.perf_counter_ns
    start = clock()
    count = 0
    while True:
        invoke()
        count += 1
        elapsed = clock() - start
        if elapsed >= block_ns:
            return elapsed / count / _NS_PER_MS


def run(workdir: Path) -> dict[str, Any]:
    """Open every model, warm each up, then time them round-robin; the result as a dict."""
    request, delegate, sets = read_request(workdir)
    runners = []
    init_ms = []
    for k, (path, inputs) in enumerate(zip(request.models, sets, strict=True)):
        emit("phase", phase="load", model=k)
        start = time.perf_counter_ns()
        try:
            runner = delegate.open(path, request.options)
            runner.set_inputs(inputs)
        except Exception as exc:  # runtime errors arrive as ValueError/RuntimeError with native text
            message = " ".join(str(exc).split())
            return {"status": classify_open_error(message), "reason": f"model {k}: {message}", "model": k}
        init_ms.append((time.perf_counter_ns() - start) / _NS_PER_MS)
        runners.append(runner)
    block_ns = int(request.block_ms * _NS_PER_MS)
    loop = request.loop
    for runner in runners:  # first inference and warm-up, untimed
        _block_ms(runner.invoke, block_ns)
    samples: list[list[float]] = [[] for _ in runners]
    started = time.perf_counter()
    rounds = 0
    while (rounds < loop.min_runs or time.perf_counter() - started < loop.min_seconds) and (
        time.perf_counter() - started < loop.max_seconds
    ):
        order = range(len(runners)) if rounds % 2 == 0 else range(len(runners) - 1, -1, -1)
        for k in order:
            samples[k].append(_block_ms(runners[k].invoke, block_ns))
        rounds += 1
        emit("progress", phase="measure", runs=rounds, seconds=round(time.perf_counter() - started, 3))
    info = [runner.info() for runner in runners]
    for runner in runners:
        runner.close()
    return {"status": "ok", "reason": "", "samples_ms": samples, "init_ms": init_ms, "runtime": info}


def main(argv: list[str]) -> int:
    """Run the request in ARGV[1]; any failure becomes an ``error`` result."""
    return serve(run, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The worker process of the latency gate: both models in one process, timed in alternation.

Started as ``python -m edgekit.gate.paired_worker WORKDIR`` (through
:func:`edgekit.devices.host.run_worker`). Reads the :class:`~edgekit.devices.request.WorkerRequest`
(``models``: baseline and candidate paths; ``first``: the index loaded first; delegate, threads,
precision, ``block_ms`` and the loop, whose ``min_runs`` counts pairs) and the input sets (set k
for model k). Loads the two models in the order asked,
warms both up, then times them in blocks in a balanced order, A B B A A B ..., so a drift within
the process falls on both alike. Every inference is timed three ways: the calling thread's CPU
time (``CLOCK_THREAD_CPUTIME_ID``), the process's CPU time (all threads) and wall time. Writes
``result.json`` with, per model, one (thread CPU, process CPU, wall) triple per block (the
medians of its timed inferences, in ns), in run order, and the load average seen.

Why blocks, not single inferences: a model run right after the other one finds the caches full of
the other's weights. Measured here on a pair whose candidate adds a 1x1 convolution: run alone
back to back (as an app runs it, as ``bench`` times it) the candidate was x1.16 slower; alternated
one inference at a time, x1.03, because both then ran from a cold L2. So each block starts with
one untimed inference that brings the model's weights back, then times back-to-back inferences
for at least ``block_ms``: warm, as in use, and still interleaved every few milliseconds.

Why thread CPU time: on a busy machine, time spent waiting for a core is added to both models'
wall times alike, which pulls the wall-time ratio toward 1; the calling thread's CPU time counts
only the time the inference ran. At one thread LiteRT runs the whole inference on that thread.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgekit.devices.host_worker import classify_open_error, emit, read_request, serve

__all__ = ["CLOCKS", "main", "run"]

#: The three clocks, in the order every timing triple is written.
CLOCKS = ("thread_cpu_ns", "process_cpu_ns", "wall_ns")


def _timed(invoke: Callable[[], object]) -> tuple[int, int, int]:
    """(thread CPU, process CPU, wall) nanoseconds of one call.

    The thread's clock is read innermost: it decides at one thread, and reading the CPU clocks is a
    system call (about a microsecond) that would otherwise land inside it.
    """
    thread, process, wall = time.thread_time_ns, time.process_time_ns, time.perf_counter_ns
    w0, p0, t0 = wall(), process(), thread()
    invoke()
    t1, p1, w1 = thread(), process(), wall()
    return t1 - t0, p1 - p0, w1 - w0


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def run(workdir: Path) -> dict[str, Any]:
    """Open both models (``first`` first), warm up, time them in a balanced order."""
    request, delegate, sets = read_request(workdir)
    load_at_start = _load_average()
    first = request.first
    runners: dict[int, Any] = {}
    for k in (first, 1 - first):
        emit("phase", phase="load", model=k)
        try:
            runner = delegate.open(request.models[k], request.options)
            runner.set_inputs(sets[k])
        except Exception as exc:  # runtime errors arrive as ValueError/RuntimeError with native text
            message = " ".join(str(exc).split())
            return {"status": classify_open_error(message), "reason": message, "model": k}
        runners[k] = runner
    order = (first, 1 - first)
    try:
        loop = request.loop
        _warm_up(runners, order, loop.warmup_runs, loop.warmup_seconds)
        timings = _measure(runners, order, loop.min_runs, loop.min_seconds, loop.max_seconds,
                           request.block_ms * 1e6)
    except Exception as exc:
        return {"status": "error", "reason": f"inference failed: {' '.join(str(exc).split())}"}
    info = [runners[k].info() for k in (0, 1)]
    for runner in runners.values():
        runner.close()
    return {
        "status": "ok",
        "reason": "",
        "first": first,
        "clocks": list(CLOCKS),
        "timings": timings,
        "load_at_start": load_at_start,
        "load_at_end": _load_average(),
        "runtime": info,
    }


def _warm_up(runners: dict[int, Any], order: tuple[int, int], runs: int, seconds: float) -> None:
    """First inferences and warm-up, untimed, alternating like the measurement."""
    start = time.perf_counter()
    count = 0
    while count < runs or time.perf_counter() - start < seconds:
        for k in order if count % 2 == 0 else order[::-1]:
            runners[k].invoke()
        count += 1


def _measure(
    runners: dict[int, Any], order: tuple[int, int], min_pairs: int, min_seconds: float, max_seconds: float,
    block_ns: float,
) -> list[list[list[float]]]:
    """Per model, one (thread CPU, process CPU, wall) triple per block; block i of each is pair i."""
    timings: list[list[list[float]]] = [[], []]
    start = time.perf_counter()
    pairs = 0
    while (pairs < min_pairs or time.perf_counter() - start < min_seconds) and (
        time.perf_counter() - start < max_seconds
    ):
        for k in order if pairs % 2 == 0 else order[::-1]:  # A B, B A, A B ...: balanced
            timings[k].append(_block(runners[k].invoke, block_ns))
        pairs += 1
    return timings


def _block(invoke: Callable[[], object], block_ns: float) -> list[float]:
    """One untimed inference to bring the model back into the caches, then timed ones for BLOCK_NS."""
    invoke()
    timed = [_timed(invoke)]
    while sum(wall for _, _, wall in timed) < block_ns:
        timed.append(_timed(invoke))
    return [statistics.median(column) for column in zip(*timed, strict=True)]


def main(argv: list[str]) -> int:
    return serve(run, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

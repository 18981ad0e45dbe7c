"""Is the candidate slower than the baseline by more than allowed? A sequential, paired test.

Method, and why:
- Each observation is one fresh worker process (``edgekit.gate.paired_worker``) that loads BOTH
  models and times them in alternation, A B B A A B ..., after a short warm-up. The balanced
  order puts any drift inside the process on both models alike. Each turn is a block of about
  10 ms of back-to-back inferences after one untimed one, so each model is timed with its own
  weights in the caches, as an app runs it (alternating single inferences timed both from a cold
  cache: x1.03 for a pair that is x1.16 back to back).
- Each inference is timed by the calling thread's CPU time and by wall time (and the process's
  CPU time). On a busy machine the time an inference waits for a core is added to both models
  alike, which pulls a wall-time ratio toward 1 (measured: x1.07 in wall time where CPU time said
  x1.13); thread CPU time counts only the time the inference ran. So at one thread the thread's
  CPU time decides. With more threads the work runs on LiteRT's pool threads too, which the calling
  thread's clock does not see, and the process's CPU time counts the pool's spinning between ops:
  on an idle machine, for a pair that is x1.11 by wall time at 2 threads, it said x1.18 with an
  8.9% spread between workers, against 0.55% for wall time. So wall time decides there (and for
  delegates that run off the CPU), and a crowded machine is warned about (see
  ``deciding_figure``). Every figure is kept and shown.
- A worker's figure is the median over its pairs of ``log(candidate / baseline)``, and a worker
  counts once: two identical files loaded in one process can time a few percent apart (allocation,
  page placement), so the process, not the pair, is the sampling unit. Workers alternate which
  model they load (and run) first, so an advantage of loading first cancels too.
- The ratio's interval is the Hodges-Lehmann estimate with the exact Wilcoxon signed-rank interval
  of the worker log ratios (``edgekit.gate.stats``): distribution-free, exact and deterministic.
- Sequential: at each look (from ``min_rounds`` on), fail as soon as the interval lies wholly
  above ``1 + max_slowdown``, pass as soon as it lies wholly below, otherwise start more workers;
  when the next worker would end past ``max_seconds`` the outcome is ``inconclusive``, with the
  reason and what to do. Alpha (``1 - confidence``) is spent over the looks (``stats.look_alphas``),
  so every interval of the run holds together with probability >= confidence. At 99% the worker
  counts that can decide are the 9th, 14th, 21st, 32nd, 48th.
- A ``fail`` is confirmed by a fresh second decision (``confirm``), with its own ``max_seconds``;
  it stays a fail only if that one fails too, otherwise the second decision's outcome stands.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgekit.errors import ModelNotFound, RunFailed, UnsupportedModel, UsageError
from edgekit.gate.latency_advice import inconclusive_reason, load_summary
from edgekit.gate.latency_plan import PAIRED_LOOP, PairedLoop, time_limit_problem
from edgekit.gate.observation import CLOCK_NAMES, CLOCK_WORDS, Observation
from edgekit.gate.stats import sequential_verdict, signed_rank_interval

if TYPE_CHECKING:
    from edgekit.gate.browser_pairing import BrowserRoundRunner

__all__ = [
    "LatencyDecision",
    "ObservationSource",
    "PairedRunner",
    "compare_latency",
    "decide_observations",
    "deciding_figure",
]

_WORKER = "edgekit.gate.paired_worker"
_WORKER_TIMEOUT_S = 120.0
#: Delegates whose work runs on this machine's CPU, where CPU time measures the inference.
_CPU_DELEGATES = frozenset({"cpu", "cpu-ref"})

ObservationSource = Callable[[], Observation]
"""Starts one worker and returns its observation."""
ObservationCallback = Callable[[int, float, float, float], None]
"""Called after every worker as (workers so far, ratio, low, high) of the current interval."""


def deciding_figure(delegate: str, threads: int) -> str:
    """The clock that decides: the thread's CPU time at 1 thread on the CPU (in a browser: the page's
    main thread, for one-thread WebAssembly), else wall time."""
    if _is_browser(delegate):
        from edgekit import delegates
        from edgekit.gate.browser_pairing import uses_page_cpu_time

        return "thread_cpu" if uses_page_cpu_time(delegates.get(delegate), threads) else "wall"
    return "thread_cpu" if delegate in _CPU_DELEGATES and threads == 1 else "wall"


def _is_browser(delegate: str) -> bool:
    from edgekit import delegates

    return delegate in delegates.names() and getattr(delegates.get(delegate), "device", "host") == "browser"


@dataclass(frozen=True)
class LatencyDecision:
    """The outcome of one latency comparison, with every worker's observation it rests on."""

    outcome: str  # "pass" | "fail" | "inconclusive"
    ratio: float  # point estimate of candidate/baseline, by the deciding figure
    low: float  # its confidence interval
    high: float
    confidence: float
    threshold: float  # allowed slowdown as a ratio, e.g. 1.05
    rounds: int  # worker processes (observations), both decisions when a fail was re-checked
    seconds: float  # wall time of the decision (both decisions when a fail was re-checked)
    confirmed: bool  # True when a failing decision was confirmed by a fresh second decision
    method: str
    #: The deciding clock: "thread_cpu", "process_cpu" or "wall".
    figure: str = "thread_cpu"
    #: Per clock, (ratio, low, high) at the level of the last look; the deciding one included.
    figures: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    observations: tuple[Observation, ...] = ()
    #: Why an inconclusive decision could not decide, and what to do ("" otherwise).
    reason: str = ""
    #: Load average seen by the workers: start, median, max, and the usable cores.
    load: dict[str, Any] = field(default_factory=dict)

    @property
    def samples(self) -> dict[str, list[float]]:
        """Each worker's median time (ms) per model, by the deciding figure and by wall time."""
        return {
            "baseline": [o.baseline_ms[self.figure] for o in self.observations],
            "candidate": [o.candidate_ms[self.figure] for o in self.observations],
            "baseline_wall": [o.baseline_ms["wall"] for o in self.observations],
            "candidate_wall": [o.candidate_ms["wall"] for o in self.observations],
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; an unbounded interval end (too few workers for the level) is written as null."""
        return {
            "outcome": self.outcome,
            "ratio": _finite(self.ratio),
            "low": _finite(self.low),
            "high": _finite(self.high),
            "confidence": self.confidence,
            "threshold": self.threshold,
            "rounds": self.rounds,
            "seconds": self.seconds,
            "confirmed": self.confirmed,
            "figure": self.figure,
            "figure_words": CLOCK_WORDS[self.figure],
            "figures": {
                name: {"ratio": _finite(r), "low": _finite(lo), "high": _finite(hi)}
                for name, (r, lo, hi) in self.figures.items()
            },
            "ratio_cpu": _finite(self.figures.get(_cpu_name(self.figure), (math.nan,) * 3)[0]),
            "ratio_wall": _finite(self.figures.get("wall", (math.nan,) * 3)[0]),
            "reason": self.reason,
            "load": self.load,
            "method": self.method,
            "samples": self.samples,
            "observations": [o.to_dict() for o in self.observations],
        }

    def describe(self) -> str:
        """One line, e.g. ``latency x1.103 [1.082, 1.121] by thread CPU time (wall time x1.071)
        (99% CI, 18 workers, 21 s) > allowed x1.05 -> fail (confirmed)``."""
        relation = {"fail": ">", "pass": "<="}.get(self.outcome, "vs")
        suffix = " (confirmed)" if self.confirmed else ""
        other = "wall" if self.figure != "wall" else "process_cpu"
        aside = ""
        if other in self.figures and math.isfinite(self.figures[other][0]):
            aside = f" ({CLOCK_WORDS[other]} x{self.figures[other][0]:.3f})"
        line = (f"latency x{self.ratio:.3f} [{self.low:.3f}, {self.high:.3f}] by {CLOCK_WORDS[self.figure]}"
                f"{aside} ({self.confidence:.0%} CI, {self.rounds} workers, {self.seconds:.0f} s) "
                f"{relation} allowed x{self.threshold:.2f} -> {self.outcome}{suffix}")
        return f"{line}: {self.reason}" if self.reason else line


def _cpu_name(figure: str) -> str:
    """The CPU clock shown beside the deciding one: all threads' when wall time decides."""
    return figure if figure != "wall" else "process_cpu"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def compare_latency(
    baseline: Path,
    candidate: Path,
    *,
    delegate: str = "cpu",
    threads: int = 1,
    max_slowdown: float = 0.05,
    confidence: float = 0.99,
    max_seconds: float = 120.0,
    min_rounds: int = 4,
    confirm: bool = True,
    inputs_seed: int = 0,
    on_round: ObservationCallback | None = None,
    loop: PairedLoop = PAIRED_LOOP,
) -> LatencyDecision:
    """Start paired workers until the ratio's interval clears ``1 + max_slowdown``.

    Raises ``UsageError`` for impossible settings, ``ModelNotFound``/``ModelFormatError`` for a bad
    file, ``UnsupportedModel`` when the delegate cannot run a model and ``RunFailed`` when a worker
    crashes, hangs or errs.
    """
    check_settings(max_slowdown, confidence, max_seconds, min_rounds, threads)
    with _runner(Path(baseline), Path(candidate), delegate, threads, inputs_seed, loop) as runner:
        return decide_observations(
            runner.observe, figure=deciding_figure(delegate, threads), max_slowdown=max_slowdown,
            confidence=confidence, max_seconds=max_seconds, min_rounds=min_rounds, confirm=confirm,
            on_round=on_round,
        )


def _runner(baseline: Path, candidate: Path, delegate: str, threads: int, seed: int,
            loop: PairedLoop) -> PairedRunner | BrowserRoundRunner:
    """Host delegates: paired worker processes; browser delegates: both models in one page per round."""
    if _is_browser(delegate):
        from edgekit.devices.request import WorkerRequest
        from edgekit.gate.browser_pairing import BrowserRoundRunner

        return BrowserRoundRunner(baseline, candidate, WorkerRequest(delegate, threads), seed)
    return PairedRunner(baseline, candidate, delegate, threads, seed, loop)


def check_settings(max_slowdown: float, confidence: float, max_seconds: float, min_rounds: int,
                   threads: int) -> None:
    """UsageError for settings no decision can use."""
    if not max_slowdown > -1.0:
        raise UsageError("max_slowdown", f"must be above -1 (a ratio above 0), got {max_slowdown}")
    if not 0.5 <= confidence < 1.0:
        raise UsageError("confidence", f"must be in [0.5, 1), got {confidence}")
    if not max_seconds > 0:
        raise UsageError("max_seconds", f"must be positive, got {max_seconds}")
    if min_rounds < 1:
        raise UsageError("min_rounds", f"must be at least 1, got {min_rounds}")
    if threads < 1:
        raise UsageError("threads", f"must be at least 1, got {threads}")
    problem = time_limit_problem(max_seconds, confidence, min_rounds)
    if problem:
        raise UsageError("max_seconds", problem)


def decide_observations(
    next_observation: ObservationSource,
    *,
    figure: str = "thread_cpu",
    max_slowdown: float,
    confidence: float,
    max_seconds: float,
    min_rounds: int,
    confirm: bool,
    on_round: ObservationCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
    usable_cores: int | None = None,
) -> LatencyDecision:
    """The sequential rule over workers from ``next_observation``, and the confirmation of a fail.

    ``compare_latency`` feeds it real workers; the power study replays recorded observations
    through it with a clock that advances by each worker's recorded time.
    """
    if figure not in CLOCK_NAMES:
        raise UsageError("figure", f"{figure!r} is not one of {', '.join(CLOCK_NAMES)}")
    cores = usable_cores if usable_cores is not None else _usable_cores()

    def decide() -> LatencyDecision:
        return _decide(next_observation, figure, max_slowdown, confidence, max_seconds, min_rounds,
                       on_round, clock, cores)

    first = decide()
    if first.outcome != "fail" or not confirm:
        return first
    second = decide()
    method = (f"{second.method}; a first decision failed at x{first.ratio:.3f} [{first.low:.3f}, "
              f"{first.high:.3f}] after {first.rounds} workers and was re-checked by this fresh one")
    observations = first.observations + second.observations
    return replace(second, rounds=first.rounds + second.rounds, seconds=first.seconds + second.seconds,
                   confirmed=second.outcome == "fail", method=method, observations=observations,
                   load=load_summary(observations, cores))


def _decide(
    next_observation: ObservationSource,
    figure: str,
    max_slowdown: float,
    confidence: float,
    max_seconds: float,
    min_rounds: int,
    on_round: ObservationCallback | None,
    clock: Callable[[], float],
    cores: int,
) -> LatencyDecision:
    start = clock()
    alpha = 1.0 - confidence
    log_threshold = math.log1p(max_slowdown)
    observations: list[Observation] = []
    log_ratios: list[float] = []
    slowest = 0.0
    while True:
        began = clock()
        observation = next_observation()
        slowest = max(slowest, clock() - began)
        observations.append(observation)
        log_ratios.append(observation.log_ratios[figure])
        verdict = sequential_verdict(log_ratios, log_threshold, alpha, min_rounds)
        ratio, low, high = _exp(verdict.interval.estimate, verdict.interval.low, verdict.interval.high)
        if on_round is not None:
            on_round(len(log_ratios), ratio, low, high)
        out_of_time = clock() - start + slowest > max_seconds
        if verdict.outcome is not None or out_of_time:
            break
    figures = {name: _figure(observations, name, verdict.alpha) for name in CLOCK_NAMES}
    figures[figure] = (ratio, low, high)
    outcome = verdict.outcome or "inconclusive"
    seconds = clock() - start
    decision = LatencyDecision(
        outcome=outcome, ratio=ratio, low=low, high=high, confidence=confidence,
        threshold=1.0 + max_slowdown, rounds=len(log_ratios), seconds=seconds, confirmed=False,
        method=_method(figure, verdict.looks, verdict.alpha, alpha), figure=figure, figures=figures,
        observations=tuple(observations), load=load_summary(observations, cores),
    )
    if outcome == "inconclusive":
        decision = replace(decision, reason=inconclusive_reason(decision, max_seconds, min_rounds))
    return decision


def _figure(observations: list[Observation], name: str, level: float) -> tuple[float, float, float]:
    values = [o.log_ratios[name] for o in observations if math.isfinite(o.log_ratios.get(name, math.nan))]
    if not values:
        return math.nan, math.nan, math.nan
    interval = signed_rank_interval(values, level)
    return _exp(interval.estimate, interval.low, interval.high)


def _exp(*values: float) -> tuple[float, float, float]:
    ratio, low, high = (math.exp(v) if not math.isnan(v) else math.nan for v in values)
    return ratio, low, high


def _method(figure: str, looks: int, spent: float, alpha: float) -> str:
    return (f"paired workers: each fresh process loads both models and times them alternately "
            f"(A B B A ...), its median pair log ratio by {CLOCK_WORDS[figure]} is one observation, "
            f"workers alternate which model loads first; Hodges-Lehmann estimate with the exact "
            f"Wilcoxon signed-rank interval; alpha {alpha:g} spent over {looks} looks (last at "
            f"{spent:.2g}) so all intervals hold together; distribution-free and deterministic")


def _usable_cores() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class PairedRunner:
    """Starts paired workers on two models; each call of ``observe`` is one fresh process."""

    def __init__(self, baseline: Path, candidate: Path, delegate: str, threads: int, seed: int,
                 loop: PairedLoop = PAIRED_LOOP) -> None:
        from edgekit.devices.request import INPUTS_FILE, WorkerRequest
        from edgekit.files.array_sets import pack_sets
        from edgekit.inputs.seeded import generate_inputs
        from edgekit.measure.loop import LoopConfig
        from edgekit.model.model import Model

        self.paths = (baseline, candidate)
        for path in self.paths:
            if not path.is_file():
                raise ModelNotFound(str(path), "the gate compares two .tflite files")
        self._folder = tempfile.TemporaryDirectory(prefix="edgekit-gate-")
        self.workdir = Path(self._folder.name)
        pack_sets(self.workdir / INPUTS_FILE,
                  [generate_inputs(Model.open(path).inputs, seed) for path in self.paths])
        # The worker counts pairs of blocks in its loop's runs.
        timing = LoopConfig(loop.warmup_runs, loop.warmup_seconds, min_runs=loop.min_pairs,
                            min_seconds=loop.min_seconds, max_seconds=loop.max_seconds)
        self.request = WorkerRequest(delegate, threads, models=tuple(str(p.resolve()) for p in self.paths),
                                     loop=timing, block_ms=loop.block_ms)
        self.count = 0

    def __enter__(self) -> PairedRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._folder.cleanup()

    def observe(self) -> Observation:
        """One worker; even-numbered workers load the baseline first, odd ones the candidate."""
        from edgekit.devices.host import describe_exit, exit_status, run_worker
        from edgekit.devices.request import RESULT_FILE

        first = self.count % 2
        self.count += 1
        began = time.monotonic()
        request = replace(self.request, first=first)
        returncode, tail = run_worker(_WORKER, self.workdir, request, _WORKER_TIMEOUT_S)
        seconds = time.monotonic() - began
        result_file = self.workdir / RESULT_FILE
        if not result_file.is_file():
            reason = describe_exit(returncode, tail, _WORKER_TIMEOUT_S)
            raise RunFailed(self.paths[0], exit_status(returncode), reason)
        result = json.loads(result_file.read_text(encoding="utf-8"))
        if result["status"] != "ok":
            path = self.paths[int(result.get("model", 0))]
            if result["status"] == "unsupported":
                raise UnsupportedModel(path, result["reason"])
            raise RunFailed(path, result["status"], result["reason"])
        return Observation.from_timings(result["timings"], first=("baseline", "candidate")[first],
                                        seconds=seconds, load=result.get("load_at_start"))

"""The latency gate's previous engine, kept only so the power study can run it beside the new one.

``edgekit gate`` no longer uses it: its latency check pairs both models inside each worker and
decides by CPU time (``edgekit.gate.latency``). This one starts a fresh worker per model run and
decides by wall-time medians; beside other jobs its intervals widened until decisions ran out of
time, which is what the study measures side by side.

Method, and why:
- Rounds are ABBA blocks (baseline, candidate, candidate, baseline), each run in a fresh worker
  process (``HostDevice().run``) with a short loop (5 warm-up runs, then >= 10 runs and >= 0.3 s).
  A fresh process per run samples what a CI job sees (allocation, page placement, frequency), and
  interleaving puts both models under the same drift; ABBA cancels a drift that is linear in time
  within the block, where AB would charge it to the candidate.
- Each decision starts with one ABBA warm-up round that is measured and thrown away: the first
  runs of a session meet cold page and CPU caches (the first rounds of two trials here came out
  x1.60 and x2.04 where the rest sat near x1.00 and x1.10), and with exact intervals at small
  alpha one such round holds an interval end for many rounds.
- Each run gives one number, its median (robust to the odd preempted iteration). A round gives
  ``(log c1 + log c2 - log b1 - log b2) / 2``: a log ratio, so slowdowns compose and a 5% budget
  means the same on a 1 ms and a 1 s model.
- The ratio's interval is the Hodges-Lehmann estimate with the exact Wilcoxon signed-rank interval
  of the round log ratios (``edgekit.gate.stats``): distribution-free, and exact and deterministic,
  so the same rounds always give the same decision and a unit test can pin it by hand; a bootstrap
  would be random, and is anti-conservative with the 10-20 rounds a decision takes.
- Sequential: at each look (from ``min_rounds`` on), fail as soon as the interval lies wholly
  above ``1 + max_slowdown``, pass as soon as it lies wholly below, otherwise measure more rounds;
  when the next round would end past ``max_seconds`` the outcome is ``inconclusive``. Looking
  repeatedly would inflate the false-alarm rate, so alpha (``1 - confidence``) is spent over the
  looks (``stats.look_alphas``): every interval of the run holds together with probability
  >= confidence. At 99% the rounds that can decide are the 9th, 14th, 21st, 32nd, 48th.
- A ``fail`` is confirmed by a fresh second decision (``confirm``), with its own ``max_seconds``;
  it stays a fail only if that one fails too, otherwise the second decision's outcome stands.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from edgekit.devices.host import HostDevice
from edgekit.devices.request import WorkerRequest
from edgekit.errors import ModelNotFound, RunFailed, UnsupportedModel, UsageError
from edgekit.gate.stats import sequential_verdict
from edgekit.inputs.seeded import generate_inputs
from edgekit.measure.loop import LoopConfig
from edgekit.model.model import Model

__all__ = ["ROUND_LOOP", "LatencyDecision", "compare_latency", "decide_rounds", "round_log_ratio"]

#: The loop of each run in a round: short, since the rounds, not the runs, carry the statistics.
ROUND_LOOP = LoopConfig(warmup_runs=5, warmup_seconds=0.05, min_runs=10, min_seconds=0.3, max_seconds=5.0)
_RUN_TIMEOUT_S = 120.0

RoundSource = Callable[[], tuple[float, float, float, float]]
"""Measures one ABBA round: (baseline, candidate, candidate, baseline) medians in ms."""
RoundCallback = Callable[[int, float, float, float], None]
"""Called after every round as (round, ratio, low, high) of the current interval."""


@dataclass(frozen=True)
class LatencyDecision:
    """The outcome of one latency comparison, with every per-round median it rests on."""

    outcome: str  # "pass" | "fail" | "inconclusive"
    ratio: float  # point estimate of candidate/baseline median latency
    low: float  # confidence interval of the ratio
    high: float
    confidence: float
    threshold: float  # allowed slowdown as a ratio, e.g. 1.05
    rounds: int  # ABBA blocks measured (both decisions when a fail was re-checked)
    seconds: float  # wall time of the decision (both decisions when a fail was re-checked)
    confirmed: bool  # True when a failing decision was confirmed by a fresh second decision
    method: str
    #: Per-run medians (ms) in run order, two per round each: {"baseline": [...], "candidate": [...]}.
    samples: dict[str, list[float]]

    def to_dict(self) -> dict:
        """JSON-ready; an unbounded upper end (too few rounds for the level) is written as null."""
        data = dict(self.__dict__)
        data["samples"] = {name: list(values) for name, values in self.samples.items()}
        for key in ("ratio", "low", "high"):
            data[key] = data[key] if math.isfinite(data[key]) else None
        return data

    def describe(self) -> str:
        """One line, e.g.
        ``latency x1.103 [1.082, 1.121] (99% CI, 14 ABBA rounds, 38 s) > allowed x1.05 -> fail (confirmed)``.
        """
        relation = {"fail": ">", "pass": "<="}.get(self.outcome, "vs")
        suffix = " (confirmed)" if self.confirmed else ""
        return (f"latency x{self.ratio:.3f} [{self.low:.3f}, {self.high:.3f}] ({self.confidence:.0%} CI, "
                f"{self.rounds} ABBA rounds, {self.seconds:.0f} s) {relation} allowed x{self.threshold:.2f} "
                f"-> {self.outcome}{suffix}")


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
    on_round: RoundCallback | None = None,
) -> LatencyDecision:
    """Measure interleaved ABBA rounds until the ratio's interval clears ``1 + max_slowdown``.

    Raises ``UsageError`` for impossible settings, ``ModelNotFound``/``ModelFormatError`` for a bad
    file, ``UnsupportedModel`` when the delegate cannot run a model and ``RunFailed`` when a run
    crashes, hangs or errs.
    """
    _check_settings(max_slowdown, confidence, max_seconds, min_rounds, threads)
    runner = _RoundRunner(Path(baseline), Path(candidate), WorkerRequest(delegate, threads), inputs_seed)
    return decide_rounds(runner.round, max_slowdown=max_slowdown, confidence=confidence,
                         max_seconds=max_seconds, min_rounds=min_rounds, confirm=confirm, on_round=on_round)


def decide_rounds(
    next_round: RoundSource,
    *,
    max_slowdown: float,
    confidence: float,
    max_seconds: float,
    min_rounds: int,
    confirm: bool,
    on_round: RoundCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> LatencyDecision:
    """The sequential rule over rounds from ``next_round`` (four medians each, ABBA order).

    ``compare_latency`` feeds it real worker runs; the power benchmarks replay recorded rounds
    through it with a clock that advances by the recorded time of a round.
    """
    def decide() -> LatencyDecision:
        return _decide(next_round, max_slowdown, confidence, max_seconds, min_rounds, on_round, clock)

    first = decide()
    if first.outcome != "fail" or not confirm:
        return first
    second = decide()
    method = (f"{second.method}; a first decision failed at x{first.ratio:.3f} [{first.low:.3f}, "
              f"{first.high:.3f}] and was re-checked by this fresh one")
    samples = {name: first.samples[name] + second.samples[name] for name in first.samples}
    return replace(second, rounds=first.rounds + second.rounds, seconds=first.seconds + second.seconds,
                   confirmed=second.outcome == "fail", method=method, samples=samples)


def _check_settings(max_slowdown: float, confidence: float, max_seconds: float, min_rounds: int,
                    threads: int) -> None:
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


class _RoundRunner:
    """Runs one ABBA round of real worker processes and returns its four medians (ms)."""

    def __init__(self, baseline: Path, candidate: Path, spec: WorkerRequest, seed: int) -> None:
        self.paths = {"baseline": baseline, "candidate": candidate}
        for path in self.paths.values():
            if not path.is_file():
                raise ModelNotFound(str(path), "the gate compares two .tflite files")
        self.inputs = {name: generate_inputs(Model.open(path).inputs, seed)
                       for name, path in self.paths.items()}
        self.spec = spec
        self.device = HostDevice()

    def median(self, name: str) -> float:
        path = self.paths[name]
        result = self.device.run(path, self.spec, self.inputs[name], ROUND_LOOP, _RUN_TIMEOUT_S)
        if result.status == "unsupported":
            raise UnsupportedModel(path, result.reason)
        if result.status != "ok" or result.latency is None:
            raise RunFailed(path, result.status, result.reason)
        return float(result.latency.p50)

    def round(self) -> tuple[float, float, float, float]:
        """(baseline, candidate, candidate, baseline) medians."""
        b1, c1, c2, b2 = (self.median(name) for name in ("baseline", "candidate", "candidate", "baseline"))
        return b1, c1, c2, b2


def round_log_ratio(b1: float, c1: float, c2: float, b2: float) -> float:
    """One ABBA round's log ratio: a drift linear in time within the round cancels."""
    return (math.log(c1) + math.log(c2) - math.log(b1) - math.log(b2)) / 2.0


def _decide(
    next_round: RoundSource,
    max_slowdown: float,
    confidence: float,
    max_seconds: float,
    min_rounds: int,
    on_round: RoundCallback | None,
    clock: Callable[[], float],
) -> LatencyDecision:
    start = clock()
    alpha = 1.0 - confidence
    log_threshold = math.log1p(max_slowdown)
    samples: dict[str, list[float]] = {"baseline": [], "candidate": []}
    log_ratios: list[float] = []
    next_round()  # warm-up round, not recorded: see the module docstring
    slowest_round = clock() - start
    while True:
        round_start = clock()
        b1, c1, c2, b2 = next_round()
        slowest_round = max(slowest_round, clock() - round_start)
        samples["baseline"] += [b1, b2]
        samples["candidate"] += [c1, c2]
        log_ratios.append(round_log_ratio(b1, c1, c2, b2))
        verdict = sequential_verdict(log_ratios, log_threshold, alpha, min_rounds)
        ratio, low, high = (math.exp(v) for v in (verdict.interval.estimate, verdict.interval.low,
                                                   verdict.interval.high))
        if on_round is not None:
            on_round(len(log_ratios), ratio, low, high)
        out_of_time = clock() - start + slowest_round > max_seconds
        if verdict.outcome is not None or out_of_time:
            break
    return LatencyDecision(
        outcome=verdict.outcome or "inconclusive",
        ratio=ratio,
        low=low,
        high=high,
        confidence=confidence,
        threshold=1.0 + max_slowdown,
        rounds=len(log_ratios),
        seconds=clock() - start,
        confirmed=False,
        method=_method(verdict.looks, verdict.alpha, alpha),
        samples=samples,
    )


def _method(looks: int, spent: float, alpha: float) -> str:
    return (f"median of each fresh-worker run, log ratio per ABBA round; Hodges-Lehmann estimate with "
            f"the exact Wilcoxon signed-rank interval; alpha {alpha:g} spent over {looks} looks "
            f"(last at {spent:.2g}) so all intervals hold together; distribution-free and deterministic")


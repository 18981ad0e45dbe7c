"""Power of the latency gate on a real model pair, against pytest-benchmark's own regression check.

The pair (``tests/gate_models.py``): a float CNN and a candidate with one convolution widened
128 -> 160 channels, about 10% slower on the cpu delegate at one thread (about 2.6 ms per inference).
Threshold 5%: A/A decisions should pass (a fail is a false alarm), A/B decisions should fail.
The true ratio, from 40 interleaved ABBA rounds of fresh workers on a shared 2-core machine:
x1.109 (Hodges-Lehmann; per-run medians 2.61 vs 2.89 ms). Instructions per warm inference
(valgrind, inside Invoke only, AVX2 kernels): 38,748,685 vs 42,732,528, x1.103, against x1.106 in
MACs; three processes each gave the same count to the instruction.

Each whole batch of decisions is one unit, so these use ``benchmark.pedantic(..., rounds=1)``; the
rates are figures pytest-benchmark cannot time and go to ``extra_info``. The slow parts are opt-in:

    EDGEKIT_POWER_DECISIONS=20   real A/A and A/B decisions each, on a quiet machine (default 2)
    EDGEKIT_POWER_NEIGHBOUR_DECISIONS=20  the same with a busy neighbour (default as above)
    EDGEKIT_POWER_PEER_JOBS=10   pytest-benchmark job pairs, A/A and A/B each (default 2)
    EDGEKIT_POWER_TRUE_ROUNDS=60 interleaved ABBA rounds for the true ratio (default 6)
    EDGEKIT_POWER_REPLAYS=1000   decisions replayed from recorded rounds (default 1000; cheap)
    EDGEKIT_POWER_OUT=FILE       also append every figure as a JSON line to FILE

The full measurement: ``EDGEKIT_POWER_DECISIONS=20 EDGEKIT_POWER_PEER_JOBS=10
EDGEKIT_POWER_TRUE_ROUNDS=60 EDGEKIT_POWER_OUT=/tmp/gate-power.jsonl python3 -m pytest
benchmarks/test_gate_power.py -s`` (40-60 minutes on a quiet 2-core machine).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from edgekit.devices.host import HostDevice, RunSpec
from edgekit.gate.instructions import count_instructions, valgrind_available
from edgekit.gate.latency import ROUND_LOOP, LatencyDecision, compare_latency, decide_rounds, round_log_ratio
from edgekit.gate.stats import hodges_lehmann
from edgekit.inputs.seeded import generate_inputs
from edgekit.model.model import Model

DECISIONS = int(os.environ.get("EDGEKIT_POWER_DECISIONS", "2"))
NEIGHBOUR_DECISIONS = int(os.environ.get("EDGEKIT_POWER_NEIGHBOUR_DECISIONS", str(DECISIONS)))
PEER_JOBS = int(os.environ.get("EDGEKIT_POWER_PEER_JOBS", "2"))
TRUE_ROUNDS = int(os.environ.get("EDGEKIT_POWER_TRUE_ROUNDS", "6"))
REPLAYS = int(os.environ.get("EDGEKIT_POWER_REPLAYS", "1000"))
MAX_SLOWDOWN = 0.05
Round = tuple[float, float, float, float]


@pytest.fixture(scope="session")
def gate_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tests.gate_models import model_pair

    return model_pair(tmp_path_factory.mktemp("gate-pair"))


def _record(name: str, figures: dict) -> None:
    print(f"\n{name}: {json.dumps(figures)}")
    out = os.environ.get("EDGEKIT_POWER_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as file:
            file.write(json.dumps({"benchmark": name, **figures}) + "\n")


@pytest.fixture(params=[False, True], ids=["quiet", "neighbour"])
def neighbour(request: pytest.FixtureRequest) -> Iterator[bool]:
    """With ``True``, a CPU-bound Python busy loop runs in a subprocess for the whole test."""
    if not request.param:
        yield False
        return
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield True
    finally:
        process.kill()
        process.wait()


def test_true_ratio(benchmark, gate_pair) -> None:
    """A long interleaved ABBA run of the pair (fresh worker per run): the slowdown the gate should see."""
    baseline, candidate = gate_pair
    rounds = benchmark.pedantic(lambda: _measure_rounds(baseline, candidate, TRUE_ROUNDS), rounds=1)
    logs = [round_log_ratio(*r) for r in rounds]
    figures = {"rounds": len(rounds), "ratio_hodges_lehmann": math.exp(hodges_lehmann(logs)),
               "ratio_geometric_mean": math.exp(statistics.fmean(logs)),
               "baseline_ms": statistics.median(x for r in rounds for x in (r[0], r[3])),
               "candidate_ms": statistics.median(x for r in rounds for x in (r[1], r[2]))}
    benchmark.extra_info.update(figures)
    _record("true_ratio", figures)


def test_gate_decisions(benchmark, gate_pair, neighbour) -> None:
    """Real end-to-end A/A and A/B decisions, then REPLAYS decisions replayed from their rounds."""
    baseline, candidate = gate_pair
    count = NEIGHBOUR_DECISIONS if neighbour else DECISIONS

    def decide_all() -> dict[str, list[LatencyDecision]]:
        return {kind: [compare_latency(baseline, other, max_slowdown=MAX_SLOWDOWN) for _ in range(count)]
                for kind, other in (("aa", baseline), ("ab", candidate))}

    decisions = benchmark.pedantic(decide_all, rounds=1)
    figures = {"neighbour": neighbour, "decisions_each": count}
    for kind, batch in decisions.items():
        figures.update(_rates(kind, [d.outcome for d in batch], [d.seconds for d in batch]))
        figures[f"{kind}_decisions"] = [d.describe() for d in batch]
        pool = [r for d in batch for r in _rounds_of(d)]
        seconds_per_round = sum(d.seconds for d in batch) / sum(d.rounds for d in batch)
        figures.update(_rates(f"replayed_{kind}", *_replay(pool, seconds_per_round)))
    benchmark.extra_info.update(figures)
    _record("gate_decisions_" + ("neighbour" if neighbour else "quiet"), figures)


def test_pytest_benchmark_peer(benchmark, gate_pair, tmp_path) -> None:
    """pytest-benchmark's ``--benchmark-compare-fail=median:5%``: one job saves, a later job compares."""
    baseline, candidate = gate_pair
    (tmp_path / "test_peer.py").write_text(_PEER_BENCHMARK, encoding="utf-8")

    def job_pairs() -> dict[str, list[str]]:
        outcomes: dict[str, list[str]] = {"aa": [], "ab": []}
        for index in range(PEER_JOBS):
            for kind, other in (("aa", baseline), ("ab", candidate)):
                storage = tmp_path / f"storage-{kind}-{index}"
                _peer_job(tmp_path, baseline, storage, "--benchmark-save=base")
                failed = _peer_job(tmp_path, other, storage, "--benchmark-compare=0001",
                                   "--benchmark-compare-fail=median:5%")
                outcomes[kind].append("fail" if failed else "pass")
        return outcomes

    outcomes = benchmark.pedantic(job_pairs, rounds=1)
    figures = {"job_pairs_each": PEER_JOBS, **_rates("peer_aa", outcomes["aa"], []),
               **_rates("peer_ab", outcomes["ab"], [])}
    benchmark.extra_info.update(figures)
    _record("pytest_benchmark_peer", figures)


@pytest.mark.skipif(not valgrind_available(), reason="valgrind is not installed")
def test_instruction_counts(benchmark, gate_pair) -> None:
    """Run-to-run spread of the count, and the ratio it gives the pair against the ratio of MACs."""
    baseline, candidate = gate_pair
    counts = benchmark.pedantic(
        lambda: [count_instructions(p, repetitions=3, inferences=1) for p in gate_pair], rounds=1)
    macs = [Model.open(p).macs.total for p in (baseline, candidate)]
    figures = {"baseline_per_inference": counts[0].per_inference, "baseline_runs": counts[0].runs,
               "candidate_per_inference": counts[1].per_inference, "candidate_runs": counts[1].runs,
               "spread_max": max(c.spread for c in counts),
               "instruction_ratio": counts[1].per_inference / counts[0].per_inference,
               "mac_ratio": macs[1] / macs[0]}
    benchmark.extra_info.update(figures)
    _record("instruction_counts", figures)
    assert figures["spread_max"] <= 0.001


def _measure_rounds(baseline: Path, candidate: Path, count: int) -> list[Round]:
    device, spec = HostDevice(), RunSpec("cpu", 1)
    inputs = {p: generate_inputs(Model.open(p).inputs, 0) for p in (baseline, candidate)}

    def median(path: Path) -> float:
        result = device.run(path, spec, inputs[path], ROUND_LOOP, 120.0)
        assert result.status == "ok", result.reason
        return result.latency.p50

    median(baseline), median(candidate)  # warm-up, as the gate does
    return [(median(baseline), median(candidate), median(candidate), median(baseline)) for _ in range(count)]


def _rounds_of(decision: LatencyDecision) -> list[Round]:
    """The ABBA rounds back from a decision's per-run medians (two per model per round, in order)."""
    b, c = decision.samples["baseline"], decision.samples["candidate"]
    return [(b[2 * i], c[2 * i], c[2 * i + 1], b[2 * i + 1]) for i in range(len(b) // 2)]


def _replay(pool: list[Round], seconds_per_round: float) -> tuple[list[str], list[float]]:
    """REPLAYS decisions by the gate's own rule on rounds drawn with replacement from ``pool``."""
    rng = np.random.default_rng(20_260_101)
    outcomes, seconds = [], []
    for _ in range(REPLAYS):
        clock = _ReplayClock()
        decision = decide_rounds(_resampler(pool, rng, clock, seconds_per_round), max_slowdown=MAX_SLOWDOWN,
                                 confidence=0.99, max_seconds=120.0, min_rounds=4, confirm=True, clock=clock)
        outcomes.append(decision.outcome)
        seconds.append(decision.seconds)
    return outcomes, seconds


class _ReplayClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _resampler(pool: list[Round], rng: np.random.Generator, clock: _ReplayClock,
               seconds: float) -> Callable[[], Round]:
    def next_round() -> Round:
        clock.now += seconds
        return pool[int(rng.integers(len(pool)))]

    return next_round


def _rates(prefix: str, outcomes: list[str], seconds: list[float]) -> dict:
    count = len(outcomes)
    figures = {f"{prefix}_n": count,
               f"{prefix}_fail_rate": outcomes.count("fail") / count if count else math.nan,
               f"{prefix}_pass_rate": outcomes.count("pass") / count if count else math.nan,
               f"{prefix}_inconclusive_rate": outcomes.count("inconclusive") / count if count else math.nan}
    if seconds:
        figures[f"{prefix}_median_seconds"] = statistics.median(seconds)
    return figures


_PEER_BENCHMARK = textwrap.dedent('''
    import os

    from edgekit.delegates.cpu import InterpreterRunner
    from edgekit.inputs.seeded import generate_inputs
    from edgekit.model.model import Model


    def test_inference(benchmark):
        path = os.environ["GATE_PEER_MODEL"]
        runner = InterpreterRunner(path, threads=1, reference_kernels=False)
        runner.set_inputs(generate_inputs(Model.open(path).inputs, 0))
        benchmark(runner.invoke)
''')


def _peer_job(directory: Path, model: Path, storage: Path, *options: str) -> bool:
    """One pytest session (a CI job) of the peer benchmark; True when it failed."""
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "GATE_PEER_MODEL": str(model),
           "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_peer.py",
                           f"--benchmark-storage={storage}", *options], cwd=directory, env=env,
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    return done.returncode == 1

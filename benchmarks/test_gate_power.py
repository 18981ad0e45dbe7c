"""Power of the latency gate on a real model pair, against pytest-benchmark's own regression check.

The pair (``tests/gate_models.py``): a float CNN and a candidate with one convolution widened
128 -> 160 channels, about 10% slower on the cpu delegate at one thread (about 2.6 ms per inference
on a quiet machine). Threshold 5%: A/A decisions should pass, A/B decisions should fail. The whole
study (three pairs, two kinds of neighbour, old engine and new, replays) is
``python3 -m benchmarks.gate_power`` (``benchmarks/gate_power.py``); these are its quick views,
run by ``python3 -m pytest benchmarks/test_gate_power.py``.

Each whole batch of decisions is one unit, so these use ``benchmark.pedantic(..., rounds=1)``; the
rates are figures pytest-benchmark cannot time and go to ``extra_info``. The slow parts are opt-in:

    EDGEKIT_POWER_DECISIONS=20   real A/A and A/B decisions each, on a quiet machine (default 2)
    EDGEKIT_POWER_NEIGHBOUR_DECISIONS=20  the same with a busy neighbour (default as above)
    EDGEKIT_POWER_PEER_JOBS=10   pytest-benchmark job pairs, A/A and A/B each (default 2)
    EDGEKIT_POWER_TRUE_WORKERS=40 paired workers of 3 s for the true ratio (default 6)
    EDGEKIT_POWER_REPLAYS=1000   decisions replayed from recorded observations (default 1000; cheap)
    EDGEKIT_POWER_OUT=FILE       also append every figure as a JSON line to FILE
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.gate_power import Study, rates, replay_new
from edgekit.gate.instructions import count_instructions, valgrind_available
from edgekit.gate.latency import LatencyDecision, compare_latency
from edgekit.model.model import Model

DECISIONS = int(os.environ.get("EDGEKIT_POWER_DECISIONS", "2"))
NEIGHBOUR_DECISIONS = int(os.environ.get("EDGEKIT_POWER_NEIGHBOUR_DECISIONS", str(DECISIONS)))
PEER_JOBS = int(os.environ.get("EDGEKIT_POWER_PEER_JOBS", "2"))
TRUE_WORKERS = int(os.environ.get("EDGEKIT_POWER_TRUE_WORKERS", "6"))
REPLAYS = int(os.environ.get("EDGEKIT_POWER_REPLAYS", "1000"))
MAX_SLOWDOWN = 0.05
#: The issue's bar for the instruction check on pose-landmark-lite against pose-landmark-full.
INSTRUCTION_CHECK_S = 180.0


@pytest.fixture(scope="session")
def gate_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tests.gate_models import model_pair

    return model_pair(tmp_path_factory.mktemp("gate-pair"))


def _record(name: str, figures: dict) -> None:
    print(f"\n{name}: {json.dumps(figures, default=str)}")
    out = os.environ.get("EDGEKIT_POWER_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as file:
            file.write(json.dumps({"benchmark": name, **figures}, default=str) + "\n")


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


def test_true_ratio(benchmark, gate_pair, tmp_path) -> None:
    """Long paired workers of the pair: the slowdown the gate should see, by thread CPU and wall time."""
    study = Study(tmp_path, 0, (), (), (), 0, TRUE_WORKERS, 3.0)
    figures = benchmark.pedantic(lambda: study.true_ratio(*gate_pair), rounds=1)
    benchmark.extra_info.update(figures)
    _record("true_ratio", figures)


def test_gate_decisions(benchmark, gate_pair, neighbour) -> None:
    """Real end-to-end A/A and A/B decisions, then REPLAYS decisions replayed from their observations."""
    baseline, candidate = gate_pair
    count = NEIGHBOUR_DECISIONS if neighbour else DECISIONS

    def decide_all() -> dict[str, list[LatencyDecision]]:
        return {kind: [compare_latency(baseline, other, max_slowdown=MAX_SLOWDOWN) for _ in range(count)]
                for kind, other in (("aa", baseline), ("ab", candidate))}

    decisions = benchmark.pedantic(decide_all, rounds=1)
    figures: dict = {"neighbour": neighbour, "decisions_each": count}
    for kind, batch in decisions.items():
        figures[kind] = rates([(d.outcome, d.confirmed, d.seconds) for d in batch])
        figures[f"{kind}_decisions"] = [d.describe() for d in batch]
        pool = [o for d in batch for o in d.observations]
        figures[f"replayed_{kind}"] = rates(replay_new(pool, REPLAYS))
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
    figures: dict = {"job_pairs_each": PEER_JOBS}
    for kind in ("aa", "ab"):
        figures[f"peer_{kind}_fail_rate"] = outcomes[kind].count("fail") / PEER_JOBS
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


@pytest.mark.skipif(not valgrind_available(), reason="valgrind is not installed")
def test_instruction_check_time(benchmark, zoo_model, tmp_path) -> None:
    """The gate's instructions check, pose-landmark-lite against pose-landmark-full, end to end."""
    from edgekit.gate.run import gate

    lite, full = zoo_model("pose-landmark-lite"), zoo_model("pose-landmark-full")
    config = tmp_path / "edgekit.toml"
    config.write_text(f'[models.pose]\nmodel = "{full}"\nbaseline = "{lite}"\n\n'
                      '[models.pose.checks]\ninstructions = { max_growth = "2%" }\n', encoding="utf-8")
    started = time.monotonic()
    result = benchmark.pedantic(lambda: gate(config), rounds=1)
    seconds = time.monotonic() - started
    check = result.checks[0]
    figures = {"seconds": seconds, "load_at_start": os.getloadavg()[0], "growth": check.evidence["growth"],
               "baseline": check.evidence["baseline"]["per_inference"],
               "candidate": check.evidence["candidate"]["per_inference"]}
    benchmark.extra_info.update(figures)
    _record("instruction_check_time", figures)
    assert check.verdict == "fail" and seconds <= INSTRUCTION_CHECK_S, figures


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

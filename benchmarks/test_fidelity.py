"""Fidelity: edgekit's `cpu` median against LiteRT's own Python benchmark script, same model, same
threads, same machine, measured side by side and interleaved so drift hits both equally.

Target: the ratio of medians (edgekit / LiteRT) within 1 +- 0.05. The ratio and both medians are
``extra_info``: each comes from a worker or script of its own. pytest-benchmark itself times one
``invoke()`` of the same model in this process with the runner edgekit's ``cpu`` delegate uses: a third
view of the same quantity.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

import pytest

from edgekit import delegates
from edgekit.bench.run import bench
from edgekit.delegates.base import RunOptions
from edgekit.inputs.seeded import generate_inputs
from edgekit.model.model import Model

ROUNDS = 5
RUNS_PER_ROUND = 100
THREADS = 1
TOLERANCE = 0.05


def peer_script() -> Path:
    spec = find_spec("ai_edge_litert")
    return Path(spec.origin).parent / "tools" / "benchmark_litert_model.py"


def peer_median_ms(model: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peer.json"
        subprocess.run(
            [sys.executable, str(peer_script()), f"--model={model}", f"--num_threads={THREADS}",
             f"--num_runs={RUNS_PER_ROUND}", "--warmup_runs=5", f"--result_json={out}"],
            check=True, capture_output=True, timeout=600,
        )
        return json.loads(out.read_text())["latency"]["median_ms"]


def edgekit_median_ms(model: Path) -> float:
    result = bench(model, delegates=["cpu"], threads=[THREADS], runs=RUNS_PER_ROUND, min_seconds=0,
                   warmup_runs=5, warmup_seconds=0)
    return result.runs[0].latency.p50


@pytest.mark.parametrize("name", ["selfie-segmentation", "pose-landmark-full"])
def test_cpu_median_matches_litert_benchmark_script(benchmark, zoo_model, name: str) -> None:
    model = zoo_model(name)
    pairs: list[tuple[float, float]] = []  # (edgekit, LiteRT script) medians per round, in ms

    for round_index in range(ROUNDS):
        # Alternate who goes first so neither tool always runs on a warmer machine.
        if round_index % 2 == 0:
            pairs.append((edgekit_median_ms(model), peer_median_ms(model)))
        else:
            peer = peer_median_ms(model)
            pairs.append((edgekit_median_ms(model), peer))
    runner = delegates.get("cpu").open(str(model), RunOptions(threads=THREADS))
    try:
        runner.set_inputs(generate_inputs(Model.open(model).inputs, seed=0))
        benchmark.pedantic(runner.invoke, rounds=RUNS_PER_ROUND, warmup_rounds=5, iterations=1)
    finally:
        runner.close()
    ours = statistics.median(p[0] for p in pairs)
    theirs = statistics.median(p[1] for p in pairs)
    ratio = ours / theirs
    benchmark.extra_info.update(
        model=name, threads=THREADS, edgekit_median_ms=ours, litert_script_median_ms=theirs,
        ratio=ratio, rounds=[list(p) for p in pairs],
        in_process_median_ms=benchmark.stats.stats.median * 1000,
    )
    print(f"\n{name}: edgekit p50 {ours:.3f} ms, LiteRT script p50 {theirs:.3f} ms, ratio {ratio:.3f}")
    assert abs(ratio - 1) <= TOLERANCE, f"ratio {ratio:.3f} outside 1 +- {TOLERANCE}"

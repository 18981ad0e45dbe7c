"""Start-up cost: `edgekit --help` wall time, and what `bench` imports (never TensorFlow)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

PROBE = """
import json, sys, time
start = time.perf_counter()
import edgekit.bench.run, edgekit.cli.main, edgekit.report.console
elapsed = time.perf_counter() - start
tensorflow = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))
print(json.dumps({"seconds": elapsed, "modules": len(sys.modules), "tensorflow": tensorflow}))
"""


def command() -> list[str]:
    script = shutil.which("edgekit")
    return [script] if script else [sys.executable, "-m", "edgekit"]


def test_help_wall_time(benchmark):
    benchmark.pedantic(
        lambda: subprocess.run([*command(), "--help"], check=True, capture_output=True),
        rounds=10,
        iterations=1,
    )


def test_bench_import_footprint(benchmark):
    def probe() -> dict:
        out = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    facts = benchmark.pedantic(probe, rounds=5, iterations=1)
    benchmark.extra_info.update(facts)
    print(f"\nimport of bench path: {facts['seconds'] * 1000:.0f} ms, {facts['modules']} modules")
    assert facts["tensorflow"] == []

"""Real bench documents for the report tests: a tiny model benched here, quickly, on chosen delegates."""

from __future__ import annotations

import json
from pathlib import Path

from edgekit.bench.run import bench
from edgekit.report.kinds import load_document
from tests import tflite_builder

FAST = dict(runs=20, min_seconds=0.0, max_seconds=1.0, warmup_runs=1, warmup_seconds=0.0)


def tiny_bench(folder: Path, name: str, delegates: tuple[str, ...] = ("cpu",), n_ops: int = 2) -> Path:
    """Bench a tflite_builder chain model (n_ops ADDs) and save the document as FOLDER/NAME.json."""
    model = folder / f"chain{n_ops}.tflite"
    if not model.exists():
        tflite_builder.add_chain(model, n_ops=n_ops)
    return bench(model, delegates=list(delegates), threads=[1], **FAST).save(folder / f"{name}.json")


def as_if_measured_on(path: Path, target: Path, **environment: object) -> Path:
    """A copy of the document at PATH whose environment names another machine.

    Stands in for a second CI job or device: this sandbox is one machine, so the second host's
    environment is written over a real document measured here (the runs stay real).
    """
    document = load_document(path)
    document.environment = {**document.environment, **environment}
    return document.save(target)


def with_profile(path: Path, ops: list[dict]) -> Path:
    """Add a ``profile`` section (what a per-op profiler will write) to the JSON at PATH."""
    document = json.loads(path.read_text())
    document["profile"] = {"ops": ops}
    path.write_text(json.dumps(document))
    return path

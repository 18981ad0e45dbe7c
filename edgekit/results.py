"""The result document: one versioned JSON file plus a sidecar .npz holding the arrays.

Every raw latency sample is stored; summaries are recomputed from them on load, so a report can
always be regenerated. The sidecar holds the inputs every run received and each run's outputs,
so later steps (accuracy, gates) compare outputs without re-running anything.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.accuracy import AccuracyReport
from edgekit.errors import ResultFormatError
from edgekit.measure.stats import LatencyStats

__all__ = [
    "SCHEMA_VERSION",
    "RUN_STATUSES",
    "RunResult",
    "BenchResult",
    "environment_fingerprint",
    "arrays_path_for",
]

SCHEMA_VERSION = 1
RUN_STATUSES = ("ok", "unavailable", "unsupported", "crashed", "timeout", "error")
#: Statuses that mean something went wrong while running, as opposed to a known limitation.
FAILED_STATUSES = ("crashed", "timeout", "error")


@dataclass
class RunResult:
    """One (model, device, delegate, threads) run and what it measured."""

    delegate: str
    device: str
    threads: int
    status: str
    reason: str = ""
    precision: str | None = None
    init_ms: float | None = None
    first_ms: float | None = None
    latency: LatencyStats | None = None
    warmup_ms: tuple[float, ...] = ()
    memory: dict[str, int | None] = field(default_factory=dict)
    runtime: dict[str, Any] = field(default_factory=dict)
    coverage: dict[str, Any] | None = None
    accuracy: AccuracyReport | None = None
    #: True for the run whose outputs are the bench's accuracy reference.
    is_reference: bool = False
    outputs: dict[str, np.ndarray] | None = None

    @property
    def label(self) -> str:
        if self.status == "unavailable":
            return self.delegate
        return f"{self.delegate} {self.precision}" if self.precision else f"{self.delegate} x{self.threads}"

    def to_dict(self) -> dict:
        return {
            "delegate": self.delegate,
            "device": self.device,
            "threads": self.threads,
            "precision": self.precision,
            "status": self.status,
            "reason": self.reason,
            "init_ms": self.init_ms,
            "first_ms": self.first_ms,
            "latency_ms": self.latency.to_dict() if self.latency else None,
            "warmup_ms": list(self.warmup_ms),
            "memory": self.memory,
            "runtime": self.runtime,
            "coverage": self.coverage,
            "is_reference": self.is_reference,
            "accuracy": self.accuracy.to_dict() if self.accuracy else None,
            "outputs": _describe_arrays(self.outputs),
        }

    @classmethod
    def from_dict(cls, data: dict, outputs: dict[str, np.ndarray] | None) -> "RunResult":
        latency = data.get("latency_ms")
        return cls(
            delegate=data["delegate"],
            device=data["device"],
            threads=int(data["threads"]),
            precision=data.get("precision"),
            status=data["status"],
            reason=data.get("reason", ""),
            init_ms=data.get("init_ms"),
            first_ms=data.get("first_ms"),
            latency=LatencyStats.from_dict(latency) if latency else None,
            warmup_ms=tuple(data.get("warmup_ms", ())),
            memory=data.get("memory", {}),
            runtime=data.get("runtime", {}),
            coverage=data.get("coverage"),
            accuracy=AccuracyReport.from_dict(data["accuracy"]) if data.get("accuracy") else None,
            is_reference=bool(data.get("is_reference", False)),
            outputs=outputs,
        )


@dataclass
class BenchResult:
    """Everything one `bench` produced; what the CLI prints and `--json` writes."""

    model: dict[str, Any]
    settings: dict[str, Any]
    environment: dict[str, Any]
    inputs: dict[str, np.ndarray]
    runs: list[RunResult]
    #: Where the accuracy reference came from (see edgekit.reference); None when accuracy was off.
    reference: dict[str, Any] | None = None
    reference_outputs: dict[str, np.ndarray] | None = None
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat())
    edgekit_version: str = field(default_factory=lambda: _edgekit_version())
    schema_version: int = SCHEMA_VERSION

    @property
    def failed_runs(self) -> list[RunResult]:
        return [run for run in self.runs if run.status in FAILED_STATUSES]

    @property
    def inaccurate_runs(self) -> list[RunResult]:
        return [run for run in self.runs if run.accuracy is not None and run.accuracy.verdict == "fail"]

    def to_dict(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "edgekit_version": self.edgekit_version,
            "created": self.created,
            "environment": self.environment,
            "model": self.model,
            "settings": self.settings,
            "inputs": _describe_arrays(self.inputs),
            "reference": self.reference,
            "runs": [run.to_dict() for run in self.runs],
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the JSON document and its `.arrays.npz` sidecar next to it; returns the JSON path."""
        path = Path(path)
        arrays = {f"inputs/{name}": value for name, value in self.inputs.items()}
        for index, run in enumerate(self.runs):
            for name, value in (run.outputs or {}).items():
                arrays[f"runs/{index}/outputs/{name}"] = value
        for name, value in (self.reference_outputs or {}).items():
            arrays[f"reference/outputs/{name}"] = value
        document = self.to_dict()
        document["arrays_file"] = arrays_path_for(path).name
        _write_atomically(path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
        tmp = arrays_path_for(path).with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, arrays_path_for(path))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "BenchResult":
        """Read a saved document; refuse, clearly, anything that is not one this version can read."""
        path = Path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ResultFormatError(path, "file not found") from exc
        except (OSError, ValueError) as exc:
            raise ResultFormatError(path, f"not JSON ({exc})") from exc
        if not isinstance(document, dict) or "schema_version" not in document:
            raise ResultFormatError(path, "no schema_version: not written by edgekit bench --json")
        if document["schema_version"] != SCHEMA_VERSION:
            raise ResultFormatError(
                path,
                f"schema_version {document['schema_version']} is not {SCHEMA_VERSION}, the version "
                "this edgekit reads; use the edgekit version that wrote it",
            )
        arrays = _read_arrays(path.parent / document.get("arrays_file", arrays_path_for(path).name))
        try:
            runs = [
                RunResult.from_dict(run, _prefixed(arrays, f"runs/{index}/outputs/") or None)
                for index, run in enumerate(document["runs"])
            ]
            return cls(
                model=document["model"],
                settings=document["settings"],
                environment=document["environment"],
                inputs=_prefixed(arrays, "inputs/"),
                runs=runs,
                reference=document.get("reference"),
                reference_outputs=_prefixed(arrays, "reference/outputs/") or None,
                created=document["created"],
                edgekit_version=document["edgekit_version"],
                schema_version=document["schema_version"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultFormatError(path, f"missing or malformed field ({exc})") from exc


def arrays_path_for(json_path: str | os.PathLike) -> Path:
    """`r.json` keeps its arrays in `r.arrays.npz`."""
    json_path = Path(json_path)
    return json_path.with_name(json_path.stem + ".arrays.npz")


def environment_fingerprint(threads_used: list[int] | None = None) -> dict[str, Any]:
    """Where the numbers come from: CPU, cores, OS, Python, runtime versions, load at start."""
    from importlib.metadata import PackageNotFoundError, version

    def package_version(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "device": "host",
        "cpu_model": _cpu_model(),
        "machine": platform.machine(),
        "logical_cores": os.cpu_count(),
        "usable_cores": affinity,
        "threads_used": threads_used,
        "os": platform.platform(),
        "python": platform.python_version(),
        "runtime": {"ai-edge-litert": package_version("ai-edge-litert"), "numpy": np.__version__},
        "load_average_at_start": load,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _edgekit_version() -> str:
    from edgekit import __version__

    return __version__


def _describe_arrays(arrays: dict[str, np.ndarray] | None) -> dict | None:
    if arrays is None:
        return None
    return {name: {"shape": list(a.shape), "dtype": str(a.dtype)} for name, a in arrays.items()}


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {key[len(prefix):]: value for key, value in arrays.items() if key.startswith(prefix)}


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ResultFormatError(path, f"arrays file unreadable ({exc})") from exc


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)

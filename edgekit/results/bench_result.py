"""The bench result document (on the shared base in ``edgekit.results.document``) and its runs.

Every raw latency sample is stored; summaries are recomputed from them on load, so a report can
always be regenerated. The sidecar holds the inputs every run received and each run's outputs,
so later steps (accuracy, gates) compare outputs without re-running anything. Since schema 3 it
also holds every run's raw samples (``runs/<i>/samples/latency_ms`` and so on, float64): a
sub-millisecond model measures hundreds of thousands of them, which as JSON text made a document
of megabytes. The JSON keeps the summary figures and the count; older documents keep the samples
inline and still load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from edgekit.files.json_fields import Fields, items, table
from edgekit.measure.stats import LatencyStats
from edgekit.results.document import SCHEMA_VERSION, ResultDocument, describe_arrays, prefixed
from edgekit.verdicts.accuracy import AccuracyReport

__all__ = [
    "RUN_STATUSES",
    "RunResult",
    "BenchResult",
    "SAMPLE_SERIES",
]

#: The per-run sample series stored in the sidecar under ``runs/<i>/samples/<name>``.
SAMPLE_SERIES = ("latency_ms", "throughput_ms", "readback_ms", "warmup_ms")

RUN_STATUSES = ("ok", "unavailable", "unsupported", "crashed", "timeout", "error", "interrupted")
#: Statuses that mean something went wrong while running, as opposed to a known limitation.
FAILED_STATUSES = ("crashed", "timeout", "error")
#: What each run of a bench document holds (``edgekit.files.json_fields`` notation), checked on load.
#: A model's input or output as a document records it (:meth:`TensorInfo.to_dict`); judge rebuilds them.
TENSOR_FIELDS: Fields = {
    "index": "integer",
    "name": "string",
    "shape": "array<integer>",
    "shape_signature": "array<integer>|null?",
    "dtype": "string",
    "quantization": table({"scale": "array<number>", "zero_point": "array<integer>", "axis": "integer|null?"},
                          optional=True, nullable=True),
    "key": "string|null?",
}
#: What judge, reports and merges read from ``model``.
MODEL_FIELDS: Fields = {
    "path": "string|null?",
    "sha256": "string|null?",
    "size_bytes": "integer|null?",
    "op_count": "integer|null?",
    "op_histogram": "object|null?",
    "custom_ops": "array<string>|null?",
    "signatures": "array<object>?",
    "inputs": items(TENSOR_FIELDS, optional=True),
    "outputs": items(TENSOR_FIELDS, optional=True),
}
RUN_FIELDS: Fields = {
    "delegate": "string",
    "device": "string",
    "threads": "integer",
    "status": "string",
    "reason": "string?",
    "precision": "string|null?",
    "init_ms": "number|null?",
    "first_ms": "number|null?",
    "latency_ms": "object|null?",
    "throughput_ms": "object|null?",
    "readback_ms": "object|null?",
    "asynchronous": "boolean|null?",
    "warmup_ms": "array|object?",
    "memory": "object?",
    "runtime": "object?",
    "coverage": "object|null?",
    "accuracy": "object|null?",
    "is_reference": "boolean?",
    "outputs": "object|null?",
}


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
    #: One inference to completion (for a GPU: run plus one synchronising read).
    latency: LatencyStats | None = None
    #: Back-to-back inferences, per inference; None on a synchronous runtime, where it is the latency.
    throughput: LatencyStats | None = None
    #: Reading every output after a finished inference.
    readback: LatencyStats | None = None
    #: Whether the runtime returns before an inference finishes (then throughput is measured apart).
    asynchronous: bool | None = None
    warmup_ms: tuple[float, ...] = ()
    memory: dict[str, int | None] = field(default_factory=dict)
    runtime: dict[str, Any] = field(default_factory=dict)
    coverage: dict[str, Any] | None = None
    accuracy: AccuracyReport | None = None
    #: True for the run whose outputs are the bench's accuracy reference.
    is_reference: bool = False
    outputs: dict[str, np.ndarray] | None = None
    #: Outputs for the bench's extra input sets, in order (accuracy on more than one input).
    extra_outputs: tuple[dict[str, np.ndarray], ...] = ()

    @property
    def label(self) -> str:
        if self.status == "unavailable":
            return self.delegate
        return f"{self.delegate} {self.precision}" if self.precision else f"{self.delegate} x{self.threads}"

    def to_dict(self, inline_samples: bool = True) -> dict:
        """This run as JSON; with ``inline_samples`` False the samples are left to :meth:`sample_arrays`."""
        document = {
            "delegate": self.delegate,
            "device": self.device,
            "threads": self.threads,
            "precision": self.precision,
            "status": self.status,
            "reason": self.reason,
            "init_ms": self.init_ms,
            "first_ms": self.first_ms,
            "latency_ms": self.latency.to_dict(inline_samples) if self.latency else None,
            "throughput_ms": self.throughput.to_dict(inline_samples) if self.throughput else None,
            "readback_ms": self.readback.to_dict(inline_samples) if self.readback else None,
            "asynchronous": self.asynchronous,
            "warmup_ms": list(self.warmup_ms) if inline_samples else {"count": len(self.warmup_ms)},
            "memory": self.memory,
            "runtime": self.runtime,
            "coverage": self.coverage,
            "is_reference": self.is_reference,
            "accuracy": self.accuracy.to_dict() if self.accuracy else None,
            "outputs": describe_arrays(self.outputs),
        }
        return document

    def sample_arrays(self) -> dict[str, np.ndarray]:
        """Every raw sample series of this run, keyed as in :data:`SAMPLE_SERIES`."""
        series = {"latency_ms": self.latency, "throughput_ms": self.throughput, "readback_ms": self.readback}
        arrays = {name: np.asarray(stats.samples_ms, dtype=np.float64)
                  for name, stats in series.items() if stats is not None}
        if self.warmup_ms:
            arrays["warmup_ms"] = np.asarray(self.warmup_ms, dtype=np.float64)
        return arrays

    @classmethod
    def from_dict(cls, data: dict, outputs: dict[str, np.ndarray] | None,
                  extra_outputs: tuple[dict[str, np.ndarray], ...] = (),
                  samples: dict[str, np.ndarray] | None = None) -> RunResult:
        """Rebuild a run; SAMPLES are its sidecar series (schema 3), else they are read inline."""
        samples = samples or {}

        def stats(key: str) -> LatencyStats | None:
            summary = data.get(key)
            return LatencyStats.from_dict(summary, samples.get(key)) if summary else None

        warmup = samples["warmup_ms"] if "warmup_ms" in samples else data.get("warmup_ms", ())
        return cls(
            delegate=data["delegate"],
            device=data["device"],
            threads=int(data["threads"]),
            precision=data.get("precision"),
            status=data["status"],
            reason=data.get("reason", ""),
            init_ms=data.get("init_ms"),
            first_ms=data.get("first_ms"),
            latency=stats("latency_ms"),
            throughput=stats("throughput_ms"),
            readback=stats("readback_ms"),
            asynchronous=data.get("asynchronous"),
            warmup_ms=tuple(float(v) for v in warmup) if not isinstance(warmup, dict) else (),
            memory=data.get("memory", {}),
            runtime=data.get("runtime", {}),
            coverage=data.get("coverage"),
            accuracy=AccuracyReport.from_dict(data["accuracy"]) if data.get("accuracy") else None,
            is_reference=bool(data.get("is_reference", False)),
            outputs=outputs,
            extra_outputs=extra_outputs,
        )


@dataclass(kw_only=True)
class BenchResult(ResultDocument):
    """Everything one `bench` produced; what the CLI prints and `--json` writes."""

    KIND: ClassVar[str] = "bench"
    READS: ClassVar[tuple[int, ...]] = (1, 2, SCHEMA_VERSION)
    FIELDS: ClassVar[Fields] = {
        "model": table(MODEL_FIELDS),
        "settings": "object",
        "inputs": "object|null?",
        "input_sets": "object|null?",
        "reference": "object|null?",
        "warnings": "array<string>?",
        "runs": items(RUN_FIELDS),
    }

    model: dict[str, Any]
    settings: dict[str, Any]
    inputs: dict[str, np.ndarray]
    runs: list[RunResult]
    #: Where the accuracy reference came from (see edgekit.bench.reference); None when accuracy was off.
    reference: dict[str, Any] | None = None
    reference_outputs: dict[str, np.ndarray] | None = None
    #: Conditions that make these figures unreliable (a busy host, thread scaling that inverts).
    warnings: list[str] = field(default_factory=list)
    #: Input sets beyond ``inputs`` that every run also computed (realistic scenes, sentences).
    extra_inputs: tuple[dict[str, np.ndarray], ...] = ()
    reference_extra_outputs: tuple[dict[str, np.ndarray], ...] = ()
    #: What the runs were fed: kind (realistic, random, given), description, one label per set.
    input_sets: dict[str, Any] | None = None

    @property
    def failed_runs(self) -> list[RunResult]:
        return [run for run in self.runs if run.status in FAILED_STATUSES]

    @property
    def interrupted(self) -> bool:
        """Whether Ctrl-C or SIGTERM stopped the bench: runs it did not finish are `interrupted`."""
        return any(run.status == "interrupted" for run in self.runs)

    @property
    def inaccurate_runs(self) -> list[RunResult]:
        return [run for run in self.runs if run.accuracy is not None and run.accuracy.verdict == "fail"]

    def body(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "settings": self.settings,
            "inputs": describe_arrays(self.inputs),
            "input_sets": self.input_sets,
            "reference": self.reference,
            "warnings": list(self.warnings),
            "runs": [run.to_dict(inline_samples=False) for run in self.runs],
        }

    def arrays(self) -> dict[str, np.ndarray]:
        arrays = {f"inputs/{name}": value for name, value in self.inputs.items()}
        for index, run in enumerate(self.runs):
            for name, value in (run.outputs or {}).items():
                arrays[f"runs/{index}/outputs/{name}"] = value
            for name, value in run.sample_arrays().items():
                arrays[f"runs/{index}/samples/{name}"] = value
        for name, value in (self.reference_outputs or {}).items():
            arrays[f"reference/outputs/{name}"] = value
        arrays.update(_sets("sets/", "/inputs/", self.extra_inputs))
        arrays.update(_sets("reference/sets/", "/outputs/", self.reference_extra_outputs))
        for index, run in enumerate(self.runs):
            arrays.update(_sets(f"runs/{index}/sets/", "/outputs/", run.extra_outputs))
        return arrays

    @classmethod
    def from_body(cls, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> BenchResult:
        runs = [
            RunResult.from_dict(run, prefixed(arrays, f"runs/{index}/outputs/") or None,
                                _unsets(arrays, f"runs/{index}/sets/", "/outputs/"),
                                prefixed(arrays, f"runs/{index}/samples/"))
            for index, run in enumerate(document["runs"])
        ]
        return cls(
            model=document["model"],
            settings=document["settings"],
            inputs=prefixed(arrays, "inputs/"),
            runs=runs,
            reference=document.get("reference"),
            reference_outputs=prefixed(arrays, "reference/outputs/") or None,
            warnings=list(document.get("warnings", [])),
            input_sets=document.get("input_sets"),
            extra_inputs=_unsets(arrays, "sets/", "/inputs/"),
            reference_extra_outputs=_unsets(arrays, "reference/sets/", "/outputs/"),
            **cls.header_fields(document),
        )


def _sets(prefix: str, middle: str, sets: tuple[dict[str, np.ndarray], ...]) -> dict[str, np.ndarray]:
    """``prefix/k/middle/name`` keys for each set k."""
    return {
        f"{prefix}{k}{middle}{name}": value for k, arrays in enumerate(sets) for name, value in arrays.items()
    }


def _unsets(arrays: dict[str, np.ndarray], prefix: str, middle: str) -> tuple[dict[str, np.ndarray], ...]:
    """Inverse of ``_sets``."""
    found: dict[int, dict[str, np.ndarray]] = {}
    for key, value in prefixed(arrays, prefix).items():
        index, sep, name = key.partition(middle)
        if sep and index.isdigit():
            found.setdefault(int(index), {})[name] = value
    return tuple(found[k] for k in sorted(found))

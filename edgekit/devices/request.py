"""What a parent asks of a worker process, as one typed value, and the files they share.

Every worker edgekit starts (a bench run on the host or in the browser, a browser gate round,
``profile``'s interleaved timing, the latency gate's paired worker) reads one
:class:`WorkerRequest` from ``request.json`` in its work folder and its input sets from
``inputs.npz`` (:mod:`edgekit.files.array_sets`); it writes ``result.json`` and, where it has
outputs, ``outputs.npz`` in the same format. The bench's plan is made of the same values before
a model is bound to them (``models`` empty): what to run, on which device, with which delegate.

The delegate's :class:`~edgekit.delegates.base.RunOptions` is a different thing on purpose: what
``Delegate.open`` needs to load one model (threads, precision, signature), on a floor below the
devices, and used in-process too (benchmarks, the instruction counter) where no worker exists.
:attr:`WorkerRequest.options` derives it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from edgekit.delegates.base import RunOptions
from edgekit.files import atomic
from edgekit.files.json_fields import Fields, FieldTypeError, check_fields, table
from edgekit.measure.loop import LoopConfig

__all__ = ["INPUTS_FILE", "KINDS", "OUTPUTS_FILE", "REQUEST_FILE", "RESULT_FILE", "WorkerRequest"]

REQUEST_FILE = "request.json"
#: The input sets, one per set (a bench run: the timed set first) or one per model (profile, pairs).
INPUTS_FILE = "inputs.npz"
RESULT_FILE = "result.json"
#: The outputs of each input set, in the inputs' order.
OUTPUTS_FILE = "outputs.npz"
#: ``bench``: one model, timed on the first set, every set run once for its outputs;
#: ``pair``: the browser gate's round, ``models`` = (baseline, candidate) in one page.
KINDS = ("bench", "pair")

_FIELDS: Fields = {
    "delegate": "string",
    "threads": "integer",
    "device": "string",
    "precision": "string|null",
    "signature": "string|null",
    "worker_env": "array",
    "models": "array<string>",
    "loop": table({"warmup_runs": "integer", "warmup_seconds": "number", "min_runs": "integer",
                   "min_seconds": "number", "max_seconds": "number"}),
    "block_ms": "number",
    "first": "integer",
    "delegate_modules": "array<string>",
    "kind": "string",
}


@dataclass(frozen=True)
class WorkerRequest:
    """One worker's job: which models, on which delegate and device, timed how.

    Without ``models`` it is a planned run not yet bound to a file (the bench plans its runs
    before it starts any); :meth:`edgekit.devices.host.HostDevice.run` binds the model and loop.
    """

    delegate: str
    threads: int = 1
    #: Where it runs: ``host`` (a worker process) or ``browser`` (Chromium driven by one).
    device: str = "host"
    #: GPU arithmetic (``fp16``/``fp32``); None for delegates without the choice.
    precision: str | None = None
    #: The signature to run; None for the model's first.
    signature: str | None = None
    #: Extra environment for the worker process (e.g. which Vulkan driver the GPU delegate loads).
    worker_env: tuple[tuple[str, str], ...] = ()
    #: Absolute paths: one model (a bench run), (baseline, candidate) for pairs, several for profile.
    models: tuple[str, ...] = ()
    #: Warm-up and measurement budgets. The paired and profile workers count rounds in ``min_runs``.
    loop: LoopConfig = field(default_factory=LoopConfig)
    #: Paired and profile workers: each timing sample is a block of back-to-back inferences this long.
    block_ms: float = 0.0
    #: Paired worker: the index of the model loaded (and timed) first.
    first: int = 0
    #: Modules that register delegates from outside edgekit; the worker imports them first.
    delegate_modules: tuple[str, ...] = ()
    kind: str = "bench"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")

    @property
    def label(self) -> str:
        """How tables and progress name the run: ``cpu x2``, ``gpu fp16``."""
        return f"{self.delegate} {self.precision}" if self.precision else f"{self.delegate} x{self.threads}"

    @property
    def model_path(self) -> str:
        """The one model of a bench run (the candidate of a pair is ``models[1]``)."""
        return self.models[0]

    @property
    def options(self) -> RunOptions:
        """What the delegate's ``open`` needs to load a model."""
        return RunOptions(threads=self.threads, precision=self.precision, signature=self.signature)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WorkerRequest:
        """The request TEXT holds; ValueError naming the field when it is not one ``to_json`` wrote."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a worker request is a JSON object")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r} in a worker request")
        try:
            check_fields(data, _FIELDS)
        except FieldTypeError as exc:
            raise ValueError(f"worker request: {exc}") from None
        pairs = data["worker_env"]
        if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in pairs):
            raise ValueError("worker request: field worker_env holds other things than [name, value] pairs")
        loop = data["loop"]
        extra = sorted(set(loop) - {f.name for f in fields(LoopConfig)})
        if extra:
            raise ValueError(f"unknown field 'loop.{extra[0]}' in a worker request")
        return cls(**{
            **data,
            "worker_env": tuple((name, value) for name, value in pairs),
            "models": tuple(data["models"]),
            "loop": LoopConfig(**loop),
            "delegate_modules": tuple(data["delegate_modules"]),
        })

    def write(self, workdir: Path) -> Path:
        """Write the request into a worker's folder."""
        return atomic.write_text(Path(workdir) / REQUEST_FILE, self.to_json())

    @classmethod
    def read(cls, workdir: Path) -> WorkerRequest:
        """The request in a worker's folder."""
        return cls.from_json((Path(workdir) / REQUEST_FILE).read_text(encoding="utf-8"))

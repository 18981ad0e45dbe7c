"""The small interface every delegate implements, and the values it returns.

A delegate answers three questions: can it run on this device (`probe`), which parts of a model
would it take (`coverage`, static, from rules kept as data), and — inside a worker process — how to
open a model for timed inference (`open`, returning a `Runner`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from edgekit.model.model import Model
    from edgekit.runners import Runner

__all__ = ["Availability", "UnsupportedOp", "Coverage", "RunOptions", "Delegate"]


@dataclass(frozen=True)
class Availability:
    """Whether a delegate can run here; when not, why and what would make it run."""

    available: bool
    reason: str = ""
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UnsupportedOp:
    """One op a delegate does not take: where it is (``index`` within ``subgraph``) and why."""

    index: int
    subgraph: int
    op: str
    why: str

    @property
    def where(self) -> str:
        """``op 12 (CONV_2D)``, naming the subgraph when it is not the main one."""
        graph = f" of subgraph {self.subgraph}" if self.subgraph else ""
        return f"op {self.index}{graph} ({self.op})"


#: How a delegate splits a model between itself and the CPU.
#: ``""``: all or nothing (a CPU kernel set); ``"prefix"``: the delegate takes the ops before the
#: first unsupported one and the CPU everything after (Edge TPU); ``"partitions"``: the delegate
#: takes every supported op, in as many partitions as it needs (Hexagon, NNAPI, Core ML, GPU).
PARTITIONING = ("", "prefix", "partitions")


@dataclass(frozen=True)
class Coverage:
    """Static verdict on which ops of a model a delegate takes.

    ``unsupported`` lists every op the delegate would not run (they fall back to the CPU when the
    delegate partitions). ``mapped_ops`` counts the ops it would take; ``first_break`` is the first
    op, in execution order, that does not map (for ``"prefix"`` partitioning: the op where the graph
    splits, which may differ from ``unsupported[0]`` when boundary ops run on the CPU).
    ``model_reason`` is set when a whole-model precondition fails (then nothing maps).
    """

    delegate: str
    total_ops: int
    unsupported: tuple[UnsupportedOp, ...] = ()
    source: str = ""
    mapped_ops: int | None = None
    first_break: UnsupportedOp | None = None
    partitions: int | None = None
    partitioning: str = ""
    model_reason: str = ""
    #: What the ops map to, for messages: "the Edge TPU", "the Hexagon DSP".
    accelerator: str = ""

    def __post_init__(self) -> None:
        if self.partitioning not in PARTITIONING:
            raise ValueError(f"partitioning must be one of {PARTITIONING}, not {self.partitioning!r}")
        if self.mapped_ops is None:
            object.__setattr__(self, "mapped_ops", self.total_ops - len(self.unsupported))
        if self.first_break is None and self.unsupported and self.partitioning != "prefix":
            object.__setattr__(self, "first_break", self.unsupported[0])

    @property
    def runnable(self) -> bool:
        """True when every op is supported (nothing would fall back)."""
        return not self.unsupported

    @property
    def fully_mapped(self) -> bool:
        """True when the delegate would take every op."""
        return self.mapped_ops == self.total_ops

    @property
    def partially_mapped(self) -> bool:
        """True when the delegate would take some ops and leave others to the CPU."""
        # mapped_ops is always set by __post_init__.
        return self.mapped_ops is not None and 0 < self.mapped_ops < self.total_ops

    def summary(self) -> str:
        """One line: how much maps, and the first reason something does not."""
        if self.partitioning == "prefix":
            return self._prefix_summary()
        if self.partitioning == "partitions":
            return self._partitions_summary()
        if self.runnable:
            return f"all {self.total_ops} ops supported"
        first = self.unsupported[0]
        names = sorted({u.op for u in self.unsupported})
        return (
            f"{len(self.unsupported)} of {self.total_ops} ops unsupported "
            f"({', '.join(names)}); first at op {first.index}: {first.why}"
        )

    def _prefix_summary(self) -> str:
        target = self.accelerator or self.delegate
        if self.model_reason:
            return f"{self.model_reason}; 0 of {self.total_ops} ops would map to {target}"
        if self.fully_mapped:
            return f"all {self.total_ops} ops would map to {target}"
        head = f"{self.mapped_ops} of {self.total_ops} ops would map to {target}"
        if self.first_break is not None:
            return f"{head}; the graph breaks at {self.first_break.where}: {self.first_break.why}"
        first = self.unsupported[0]
        return f"{head}; {first.where} runs on the CPU: {first.why}"

    def _partitions_summary(self) -> str:
        count = self.partitions or 0
        partitions = f"{count} partition{'' if count == 1 else 's'}"
        if self.model_reason:
            return f"{self.model_reason}; 0 of {self.total_ops} ops supported"
        if self.fully_mapped:
            return f"all {self.total_ops} ops supported; {partitions}"
        first = self.first_break or self.unsupported[0]
        return (
            f"{self.mapped_ops} of {self.total_ops} ops supported; {partitions}; "
            f"first unsupported {first.where}: {first.why}"
        )

    def to_dict(self) -> dict:
        """JSON-ready form; the keys of the first schema are kept as they were."""
        return {
            "delegate": self.delegate,
            "total_ops": self.total_ops,
            "runnable": self.runnable,
            "unsupported": [asdict(u) for u in self.unsupported],
            "source": self.source,
            "mapped_ops": self.mapped_ops,
            "fully_mapped": self.fully_mapped,
            "first_break": asdict(self.first_break) if self.first_break else None,
            "partitions": self.partitions,
            "partitioning": self.partitioning,
            "model_reason": self.model_reason,
            "summary": self.summary(),
        }


@dataclass(frozen=True)
class RunOptions:
    """How to open a model: threads for CPU kernels, arithmetic for the GPU."""

    threads: int = 1
    #: GPU arithmetic: "fp16" (the GPU default) or "fp32"; None for delegates without the choice.
    precision: str | None = None
    #: The signature (entry point) to run; None for the model's first.
    signature: str | None = None


class Delegate(Protocol):
    """An accelerator a runtime can hand ops to, and what it can do."""

    # Read-only members: the built-ins are frozen dataclasses, and nothing reassigns them.

    @property
    def name(self) -> str:
        """The name users give with ``--delegate``."""

    @property
    def summary(self) -> str:
        """One line for tables and ``edgekit delegates``."""

    @property
    def uses_threads(self) -> bool:
        """Whether the delegate honours a thread count (CPU kernels do; the GPU does not, it sweeps
        precisions instead)."""

    @property
    def cpu_fallback(self) -> bool:
        """Whether ops the delegate lacks fall back to the CPU (then missing coverage makes a run
        partial, not impossible)."""

    def probe(self) -> Availability:
        """Whether it can run on this machine, and if not why and what would make it run."""

    def coverage(self, model: Model) -> Coverage:
        """Which ops of MODEL it would take, from static rules."""

    def open(self, model_path: str, options: RunOptions) -> Runner:
        """Load MODEL_PATH for inference (inside a worker process)."""

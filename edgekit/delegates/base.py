"""The small interface every delegate implements, and the values it returns.

A delegate answers three questions: can it run on this device (`probe`), which parts of a model
would it take (`coverage`, static, from rules kept as data), and — inside a worker process — how to
open a model for timed inference (`open`, returning a `Runner`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from edgekit.model import Model

__all__ = ["Availability", "UnsupportedOp", "Coverage", "RunOptions", "Runner", "Delegate"]


@dataclass(frozen=True)
class Availability:
    """Whether a delegate can run here; when not, why and what would make it run."""

    available: bool
    reason: str = ""
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UnsupportedOp:
    index: int
    subgraph: int
    op: str
    why: str


@dataclass(frozen=True)
class Coverage:
    """Static verdict on which ops of a model a delegate takes."""

    delegate: str
    total_ops: int
    unsupported: tuple[UnsupportedOp, ...] = ()
    source: str = ""

    @property
    def runnable(self) -> bool:
        return not self.unsupported

    def summary(self) -> str:
        if self.runnable:
            return f"all {self.total_ops} ops supported"
        first = self.unsupported[0]
        names = sorted({u.op for u in self.unsupported})
        return (
            f"{len(self.unsupported)} of {self.total_ops} ops unsupported "
            f"({', '.join(names)}); first at op {first.index}: {first.why}"
        )

    def to_dict(self) -> dict:
        return {
            "delegate": self.delegate,
            "total_ops": self.total_ops,
            "runnable": self.runnable,
            "unsupported": [u.__dict__ for u in self.unsupported],
            "source": self.source,
        }


@dataclass(frozen=True)
class RunOptions:
    threads: int = 1
    #: GPU arithmetic: "fp16" (the GPU default) or "fp32"; None for delegates without the choice.
    precision: str | None = None


class Runner(Protocol):
    """An opened model ready for timed inference inside a worker process."""

    def set_inputs(self, arrays: dict[str, "np.ndarray"]) -> None: ...

    def invoke(self) -> None:
        """One synchronized inference: when it returns, the outputs are ready to read."""

    def outputs(self) -> dict[str, "np.ndarray"]: ...

    def info(self) -> dict:
        """What actually ran: runtime, kernels, acceleration facts."""

    def close(self) -> None: ...


class Delegate(Protocol):
    name: str
    summary: str

    def probe(self) -> Availability: ...

    def coverage(self, model: "Model") -> Coverage: ...

    def open(self, model_path: str, options: RunOptions) -> Runner: ...

"""The main subgraph of a ``.tflite`` model as a graph to cut: which ops compute at run time, what
crosses a cut, and which tensors a segment of ops needs and hands on.

Ops whose inputs are all known at load time (a DEQUANTIZE of fp16 weights) are *static*: runtimes
fold them at load, so they are never a segment of their own; each segment carries the static ops
its ops need. Only subgraph 0 is cut; ops of other subgraphs (control-flow bodies) stay with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from edgekit.model.contract import OpInfo, TensorInfo
from edgekit.model.macs import estimate_macs
from edgekit.model.model import Model

__all__ = ["Graph", "Segment"]


@dataclass(frozen=True)
class Segment:
    """Consecutive compute ops ``first``..``last`` (positions in ``Graph.compute``) as a sub-model.

    ``ops`` are operator positions in the subgraph (static ops first, in file order), ``inputs``
    the tensors fed from outside, ``outputs`` the tensors later ops or the model's outputs use.
    """

    first: int
    last: int
    ops: tuple[int, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class Graph:
    """Subgraph 0 of a model: its ops in execution order and its tensors."""

    ops: tuple[OpInfo, ...]
    tensors: tuple[TensorInfo, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]

    @classmethod
    def of(cls, model: Model) -> Graph:
        """The main subgraph of MODEL."""
        main = model.subgraphs[0]
        return cls(
            tuple(op for op in model.ops if op.subgraph == 0), model.tensors(0), main.inputs, main.outputs
        )

    @cached_property
    def static_tensors(self) -> frozenset[int]:
        """Constants, and what ops fed only by constants compute (known once the model loads)."""
        static = {t.index for t in self.tensors if t.is_constant}
        for op in self.ops:
            used = [i for i in op.inputs if i >= 0]
            if used and all(i in static for i in used):
                static.update(op.outputs)
        return frozenset(static)

    @cached_property
    def compute(self) -> tuple[int, ...]:
        """Positions of the ops that run at inference time, in execution order."""
        return tuple(p for p, op in enumerate(self.ops) if not set(op.outputs) <= self.static_tensors)

    @cached_property
    def _producer(self) -> dict[int, int]:
        return {t: p for p, op in enumerate(self.ops) for t in op.outputs}

    @cached_property
    def _last_use(self) -> dict[int, int]:
        """Tensor -> position in ``compute`` of the last compute op that reads it."""
        last: dict[int, int] = {}
        for rank, position in enumerate(self.compute):
            for i in self.ops[position].inputs:
                if i >= 0:
                    last[i] = rank
        return last

    def live_inputs(self, position: int) -> tuple[int, ...]:
        """The inputs of op POSITION computed at run time (not constants, not static)."""
        return tuple(i for i in self.ops[position].inputs if i >= 0 and i not in self.static_tensors)

    def segment(self, first: int, last: int) -> Segment:
        """Compute ops ``first``..``last`` (inclusive, positions in ``compute``) as a sub-model."""
        chosen = self.compute[first : last + 1]
        produced = {t for p in chosen for t in self.ops[p].outputs}
        inputs = dict.fromkeys(i for p in chosen for i in self.live_inputs(p) if i not in produced)
        outputs = [
            t
            for p in chosen
            for t in self.ops[p].outputs
            if t in self.outputs or self._last_use.get(t, -1) > last or t not in self._last_use
        ]
        return Segment(
            first,
            last,
            (*self._static_ops_for(chosen), *chosen),
            tuple(inputs),
            tuple(dict.fromkeys(outputs)),
        )

    def _static_ops_for(self, chosen: Sequence[int]) -> list[int]:
        """The static ops (transitively) feeding CHOSEN, in file order."""
        needed: set[int] = set()
        stack = [i for p in chosen for i in self.ops[p].inputs if i in self.static_tensors]
        while stack:
            producer = self._producer.get(stack.pop())
            if producer is not None and producer not in needed:
                needed.add(producer)
                stack.extend(i for i in self.ops[producer].inputs if i in self.static_tensors)
        return sorted(needed)

    def weight(self, position: int) -> int:
        """Estimated cost of op POSITION: its MACs plus its output elements (memory traffic)."""
        op = self.ops[position]
        macs = estimate_macs([op], lambda _: self.tensors).total
        elements = sum(_elements(self.tensors[t].shape) for t in op.outputs if t >= 0)
        return macs + elements

    def label(self, position: int) -> str:
        """``12 CONV_2D``: an op by its index and type."""
        op = self.ops[position]
        return f"{op.index} {op.name}"


def _elements(shape: Sequence[int]) -> int:
    count = 1
    for dim in shape:
        count *= max(int(dim), 1)
    return count

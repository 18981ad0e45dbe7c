"""Estimate a model's multiply-accumulates (MACs) from its static tensor shapes.

Only the ops that dominate compute in vision and language models are counted (convolutions,
fully connected layers, batch matmuls); every other op counts zero. Dynamic dimensions are taken
as stored in the file's static ``shape`` (usually 1), so the figure is an estimate, labelled as one
wherever it is shown. This module knows nothing about flatbuffers: ``edgekit.model.model`` hands it
plain op and tensor records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["COUNTED_OPS", "MacEstimate", "estimate_macs"]


class _Tensor(Protocol):
    @property
    def shape(self) -> tuple[int, ...]: ...


class _Op(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def subgraph(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def inputs(self) -> tuple[int, ...]: ...
    @property
    def outputs(self) -> tuple[int, ...]: ...


@dataclass(frozen=True)
class MacEstimate:
    """Estimated multiply-accumulates for one model.

    ``by_op`` maps op name to its summed MACs (only ops that contributed). ``skipped`` counts ops
    of a counted kind whose shapes were missing or not of the expected rank.
    """

    total: int
    by_op: dict[str, int] = field(default_factory=dict)
    skipped: int = 0


def _shape(tensors: Sequence[_Tensor], index: int, rank: int | None = None) -> tuple[int, ...] | None:
    """The static shape of tensor ``index``, or None when absent, unknown or of the wrong rank."""
    if index < 0 or index >= len(tensors):
        return None
    shape = tensors[index].shape
    if not shape or any(d <= 0 for d in shape):
        return None
    if rank is not None and len(shape) != rank:
        return None
    return shape


def _conv_2d(op: _Op, tensors: Sequence[_Tensor], adj_x: bool) -> int | None:
    # Filter is [Cout, kh, kw, Cin/groups]; using the filter's Cin keeps grouped convs right.
    out = _shape(tensors, op.outputs[0], 4)
    filt = _shape(tensors, op.inputs[1], 4)
    if out is None or filt is None:
        return None
    return math.prod(out) * filt[1] * filt[2] * filt[3]


def _depthwise_conv_2d(op: _Op, tensors: Sequence[_Tensor], adj_x: bool) -> int | None:
    # Filter is [1, kh, kw, Cout]: each output channel sees one input channel.
    out = _shape(tensors, op.outputs[0], 4)
    filt = _shape(tensors, op.inputs[1], 4)
    if out is None or filt is None:
        return None
    return math.prod(out) * filt[1] * filt[2]


def _conv_3d(op: _Op, tensors: Sequence[_Tensor], adj_x: bool) -> int | None:
    # Filter is [kd, kh, kw, Cin, Cout].
    out = _shape(tensors, op.outputs[0], 5)
    filt = _shape(tensors, op.inputs[1], 5)
    if out is None or filt is None:
        return None
    return math.prod(out) * filt[0] * filt[1] * filt[2] * filt[3]


def _fully_connected(op: _Op, tensors: Sequence[_Tensor], adj_x: bool) -> int | None:
    # Weights are [units, depth]; every output element is one dot product of length depth.
    out = _shape(tensors, op.outputs[0])
    weights = _shape(tensors, op.inputs[1])
    if out is None or weights is None:
        return None
    return math.prod(out) * weights[-1]


def _batch_matmul(op: _Op, tensors: Sequence[_Tensor], adj_x: bool) -> int | None:
    out = _shape(tensors, op.outputs[0])
    x = _shape(tensors, op.inputs[0])
    if out is None or x is None or len(x) < 2:
        return None
    depth = x[-2] if adj_x else x[-1]
    return math.prod(out) * depth


def _transpose_conv(input_at: int) -> Callable[[_Op, Sequence[_Tensor], bool], int | None]:
    """Transposed convolution: every input pixel scatters a kh x kw x Cout patch."""

    def estimate(op: _Op, tensors: Sequence[_Tensor], adj_x: bool) -> int | None:
        if len(op.inputs) <= max(input_at, 1):
            return None
        inp = _shape(tensors, op.inputs[input_at], 4)
        filt = _shape(tensors, op.inputs[1], 4)  # [Cout, kh, kw, Cin]
        if inp is None or filt is None:
            return None
        return math.prod(inp) * filt[1] * filt[2] * filt[0]

    return estimate


#: Op name -> formula. TRANSPOSE_CONV takes (output_shape, weights, input[, bias]); MediaPipe's
#: custom Convolution2DTransposeBias takes (input, weights, bias) with the same OHWI weights.
_FORMULAS: dict[str, Callable[[_Op, Sequence[_Tensor], bool], int | None]] = {
    "CONV_2D": _conv_2d,
    "DEPTHWISE_CONV_2D": _depthwise_conv_2d,
    "CONV_3D": _conv_3d,
    "FULLY_CONNECTED": _fully_connected,
    "BATCH_MATMUL": _batch_matmul,
    "TRANSPOSE_CONV": _transpose_conv(2),
    "Convolution2DTransposeBias": _transpose_conv(0),
}

#: The op names whose MACs are counted; everything else counts zero.
COUNTED_OPS: tuple[str, ...] = tuple(_FORMULAS)


def estimate_macs(
    ops: Iterable[_Op],
    tensors_of: Callable[[int], Sequence[_Tensor]],
    adjoint_x: Collection[tuple[int, int]] = (),
) -> MacEstimate:
    """Sum the MACs of ``ops``; ``tensors_of(subgraph)`` gives that subgraph's tensors.

    ``adjoint_x`` holds ``(subgraph, op index)`` of BATCH_MATMUL ops whose ``adj_x`` is set.
    """
    by_op: dict[str, int] = {}
    skipped = 0
    for op in ops:
        formula = _FORMULAS.get(op.name)
        if formula is None:
            continue
        if not op.outputs or len(op.inputs) < 2:
            skipped += 1
            continue
        macs = formula(op, tensors_of(op.subgraph), (op.subgraph, op.index) in adjoint_x)
        if macs is None:
            skipped += 1
            continue
        by_op[op.name] = by_op.get(op.name, 0) + macs
    ordered = dict(sorted(by_op.items(), key=lambda item: (-item[1], item[0])))
    return MacEstimate(total=sum(ordered.values()), by_op=ordered, skipped=skipped)

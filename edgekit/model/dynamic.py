"""Dynamic dimensions filled at bench time, and said out loud.

A model whose input has a dynamic dimension (``?`` in its signature) runs at a size someone
chooses. ``fill_dynamic`` chooses: the batch dimension takes ``batch`` when given, every other
dynamic dimension takes the size the model's static shape holds (usually 1). Each choice comes
back as a note ("input_ids: batch ? -> 4") that the report shows beside the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from edgekit.errors import UsageError
from edgekit.model.contract import TensorInfo

__all__ = ["fill_dynamic"]


def fill_dynamic(
    tensors: Sequence[TensorInfo], batch: int | None
) -> tuple[tuple[TensorInfo, ...], list[str]]:
    """TENSORS with every dynamic dimension fixed (``shape``), and one note per filled dimension."""
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise UsageError("batch", f"{batch!r} is not a batch size; use a whole number of at least 1")
    if batch is not None and not any(t.shape_signature[:1] == (-1,) for t in tensors):
        shapes = "; ".join(t.describe() for t in tensors)
        raise UsageError("batch", f"no input has a dynamic batch dimension ({shapes}); leave `batch` out")
    filled, notes = [], []
    for tensor in tensors:
        dims = list(tensor.shape)
        for axis, size in enumerate(tensor.shape_signature):
            if size >= 0:
                continue
            chosen = batch if axis == 0 and batch is not None else max(1, tensor.shape[axis])
            dims[axis] = chosen
            what = "batch" if axis == 0 else f"dim {axis}"
            notes.append(f"{tensor.key}: {what} ? -> {chosen}")
        filled.append(replace(tensor, shape=tuple(dims)))
    return tuple(filled), notes

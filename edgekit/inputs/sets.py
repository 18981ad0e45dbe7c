"""What every run of a bench is fed: your inputs, realistic ones when the task is known, or random.

The first set is the one timed; every set is run once more for its outputs, so accuracy is judged
on all of them. With a reference model (a float model behind an int8 variant), the sets are made
in the reference model's terms and carried through each model's quantization, so both see the
same real values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from edgekit.inputs.realistic import InputSets, realistic_inputs
from edgekit.inputs.seeded import check_inputs, convert_inputs, generate_inputs, load_inputs
from edgekit.model.contract import TensorInfo
from edgekit.model.formats.referenced import file_beside
from edgekit.model.model import Model

__all__ = ["RANDOM", "prepare_input_sets"]

#: ``inputs=RANDOM`` asks for seeded random inputs even where realistic ones exist.
RANDOM = "random"


def prepare_input_sets(
    model: Model,
    tensors: Sequence[TensorInfo],
    inputs: str | os.PathLike[str] | Mapping[str, np.ndarray] | InputSets | None,
    seed: int,
    reference_model: Model | None,
    normalize: tuple[float, float] | None,
) -> tuple[InputSets, InputSets | None]:
    """The candidate's input sets, and the reference model's (same real values) when there is one.

    INPUTS may already be named sets (:class:`InputSets`, e.g. a golden file's): each is checked
    against the model like an .npz of yours, and keeps its label.
    """
    if inputs is not None and not (isinstance(inputs, str) and inputs == RANDOM):
        given = _given(model, inputs)
        if reference_model is None:
            return given, None
        return given, _carried(given, model.inputs, reference_model.inputs)
    source_model = reference_model or model
    source_tensors = reference_model.inputs if reference_model is not None else tuple(tensors)
    vocab = file_beside(source_model.path, "vocab.txt", "vocabulary",
                        "a model whose vocabulary lies in its folder (copy the file there)")
    sets = None if inputs == RANDOM else realistic_inputs(source_tensors, normalize=normalize, vocab=vocab)
    if sets is None:
        why = "asked for" if inputs == RANDOM else "the model's task is not known (see `normalize`)"
        sets = InputSets(
            "random",
            f"seeded random inputs (seed {seed}; {why}): verdicts judged on random inputs",
            (f"random (seed {seed})",),
            (generate_inputs(source_tensors, seed),),
        )
    if reference_model is None:
        return sets, None
    return _carried(sets, reference_model.inputs, model.inputs), sets


def _given(model: Model, inputs: str | os.PathLike[str] | Mapping[str, np.ndarray] | InputSets) -> InputSets:
    notes: list[str] = []
    if isinstance(inputs, InputSets):
        checked = tuple(check_inputs(arrays, model.inputs, source=label, notes=notes)
                        for label, arrays in zip(inputs.labels, inputs.sets, strict=True))
        return InputSets(inputs.kind, inputs.description, inputs.labels, checked,
                         tuple(dict.fromkeys((*inputs.notes, *notes))))
    if isinstance(inputs, (str, os.PathLike)):
        arrays = load_inputs(Path(inputs), model.inputs, notes)
        where = f"your inputs ({Path(inputs).name})"
    else:
        arrays = check_inputs(inputs, model.inputs, notes=notes)
        where = "your inputs"
    return InputSets("given", where, (where,), (arrays,), tuple(notes))


def _carried(sets: InputSets, source: Sequence[TensorInfo], target: Sequence[TensorInfo]) -> InputSets:
    """SETS converted from SOURCE tensors to TARGET tensors (quantized or cast as each needs)."""
    carried = tuple(convert_inputs(arrays, source, target) for arrays in sets.sets)
    return InputSets(sets.kind, sets.description, sets.labels, carried, sets.notes)

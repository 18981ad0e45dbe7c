"""Instruction counts under valgrind: refused cleanly without it, deterministic, and tracking MACs."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit.errors import EXIT_ENVIRONMENT, ModelNotFound, ToolMissing, UsageError
from edgekit.gate.instructions import count_instructions, valgrind_available
from edgekit.model import Model

needs_valgrind = pytest.mark.skipif(not valgrind_available(), reason="valgrind is not installed")


def test_without_valgrind_the_error_says_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    from tests.tflite_builder import add_chain

    model = add_chain(tmp_path / "tiny.tflite")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not valgrind_available()
    with pytest.raises(ToolMissing, match="apt-get install valgrind") as caught:
        count_instructions(model)
    assert caught.value.exit_code == EXIT_ENVIRONMENT


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="inferences"):
        count_instructions(tmp_path / "m.tflite", inferences=0)
    with pytest.raises(ModelNotFound):
        count_instructions(tmp_path / "m.tflite")


@pytest.mark.slow
@needs_valgrind
def test_three_counts_agree_within_a_thousandth(tmp_path: Path) -> None:
    """Six valgrind runs of a 19M-MAC conv (about 2 minutes). A whole process varies by a few
    thousand instructions run to run (measured), so a model of a few hundred thousand instructions
    per inference would not meet a thousandth; this one has millions."""
    from tests.tflite_builder import conv_model

    model = conv_model(tmp_path / "conv.tflite", input_shape=(1, 64, 64, 16), filters=32)
    count = count_instructions(model, repetitions=3, inferences=2)
    assert len(count.runs) == 3 and count.spread <= 0.001, count
    assert count.per_inference > 0
    assert count.to_dict()["runs"] == list(count.runs)


@pytest.mark.slow
@needs_valgrind
def test_counts_grow_like_the_macs_of_the_gate_pair(tmp_path: Path) -> None:
    """The pair of ``tests/gate_models.py``: +10.6% MACs; about 3 minutes of valgrind."""
    from tests.gate_models import model_pair

    baseline, candidate = model_pair(tmp_path)
    counts = [count_instructions(path).per_inference for path in (baseline, candidate)]
    macs = [Model.open(path).macs.total for path in (baseline, candidate)]
    assert counts[1] / counts[0] == pytest.approx(macs[1] / macs[0], rel=0.05)

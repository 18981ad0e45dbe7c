"""Instruction counts under valgrind: refused cleanly without it, deterministic, and tracking MACs."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit.errors import EXIT_ENVIRONMENT, ModelNotFound, ToolMissing, UsageError
from edgekit.gate.instructions import count_instructions, valgrind_available
from edgekit.model.model import Model

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
def test_a_warm_count_is_exact_so_one_inference_and_no_third_process_suffice(tmp_path: Path) -> None:
    """A 19M-MAC conv (about 40 s of valgrind): counting inside Invoke only, every warm inference of a
    process gives the same count to the instruction, and so does a second process, which ends the
    repetitions."""
    from edgekit.gate import instructions
    from tests.tflite_builder import conv_model

    model = conv_model(tmp_path / "conv.tflite", input_shape=(1, 64, 64, 16), filters=32)
    warm = instructions._invoke_counts(model, 1, 3, 600)
    assert warm is not None and len(warm) == 3 and len(set(warm)) == 1, warm
    count = count_instructions(model, repetitions=3)
    assert count.runs == (float(warm[0]),) * 2 and count.spread == 0.0, count
    assert count.per_inference > 1_000_000 and "Invoke only" in count.method
    assert count.to_dict()["runs"] == list(count.runs)


@pytest.mark.slow
@needs_valgrind
def test_without_the_invoke_symbol_whole_processes_give_the_same_count(tmp_path: Path, monkeypatch) -> None:
    """A LiteRT build whose Invoke valgrind cannot see falls back to (I(2N) - I(N)) / N over whole
    processes; both methods count the same inferences, so they agree to well within a percent."""
    from edgekit.gate import instructions
    from tests.tflite_builder import conv_model

    model = conv_model(tmp_path / "conv.tflite", input_shape=(1, 32, 32, 16), filters=32)
    inside = count_instructions(model, inferences=4)
    monkeypatch.setattr(instructions, "_INVOKE_FUNCTION", "edgekit_no_such_function")
    whole = count_instructions(model, inferences=4)
    assert "whole processes" in whole.method and "Invoke only" in inside.method
    assert whole.per_inference == pytest.approx(inside.per_inference, rel=0.01)


@pytest.mark.slow
@needs_valgrind
def test_counts_grow_like_the_macs_of_the_gate_pair(tmp_path: Path) -> None:
    """The pair of ``tests/gate_models.py``: +10.6% MACs; about 3 minutes of valgrind."""
    from tests.gate_models import model_pair

    baseline, candidate = model_pair(tmp_path)
    counts = [count_instructions(path).per_inference for path in (baseline, candidate)]
    macs = [Model.open(path).macs.total for path in (baseline, candidate)]
    assert counts[1] / counts[0] == pytest.approx(macs[1] / macs[0], rel=0.05)

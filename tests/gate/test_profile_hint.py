"""A failed latency check points at the per-op diff of the two models."""

from __future__ import annotations

from pathlib import Path

from edgekit.gate.performance import profile_hint


def test_the_hint_names_both_models() -> None:
    hint = profile_hint(Path("base.tflite"), Path("cand.tflite"))
    assert hint == ("; see `edgekit profile --baseline base.tflite cand.tflite` for the ops whose time "
                    "changed most")

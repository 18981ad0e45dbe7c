"""Benchmarks of edgekit itself: measurement fidelity against LiteRT's own tool, harness overhead,
start-up cost. Run with `python -m pytest benchmarks` (not part of the test suite)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def zoo_model():
    from edgekit.zoo import pull

    return lambda name: pull(name)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from tests.tflite_builder import add_chain

    return add_chain(tmp_path_factory.mktemp("tiny") / "tiny.tflite", n_ops=3)

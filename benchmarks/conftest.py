"""Benchmarks of edgekit itself: measurement fidelity against LiteRT's own tool, harness overhead,
start-up cost, inference, scaffolding. Run with ``python3 -m pytest benchmarks`` (not part of the test
suite: pyproject's ``testpaths`` is ``tests``). pytest-benchmark times what each benchmark names over
several rounds; ``extra_info`` holds only figures it cannot time itself (in-browser latency, a ratio
against LiteRT's own script measured in the same run).

Zoo models come from the test suite's cache (``zoo_cache``, ``zoo_model``, ``tfjs_environment`` of
``tests/conftest.py``), so a machine that ran the tests fetches nothing here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import gpu_probe, tfjs_environment, zoo_cache, zoo_model

__all__ = ["gpu_probe", "tfjs_environment", "zoo_cache", "zoo_model"]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three chained ADDs on a 1x8 float input: inference costs next to nothing."""
    from tests.tflite_builder import add_chain

    return add_chain(tmp_path_factory.mktemp("tiny") / "tiny.tflite", n_ops=3)

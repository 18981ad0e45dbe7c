"""Conversion wall time per variant, for the small Keras CNN and for MiniLM (BERT, 6 layers).

Times `TFLiteConverter.convert()` as edgekit configures it for each recipe (calibration included
for the integer variants: 32 random samples), from an already opened source.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit.convert.calibration import load_calibration
from edgekit.convert.recipes import RECIPES, convert_tflite
from edgekit.sources.tf_source import open_source

VARIANTS = ["fp32", "fp16", "dynamic-int8", "int8", "int8-full"]


@pytest.fixture(scope="module")
def cnn_source(tmp_path_factory):
    from tests import tf_models

    path = tmp_path_factory.mktemp("cnn") / "cnn.keras"
    tf_models.keras_cnn(0).save(path)
    return open_source(path)


@pytest.fixture(scope="module")
def minilm_source():
    return open_source("minilm-l6")


def _time_variant(benchmark, source, variant: str, out: Path, rounds: int) -> None:
    recipe = RECIPES[variant]
    calibration = load_calibration(None, source.inputs) if recipe.needs_calibration else None
    benchmark.pedantic(lambda: convert_tflite(source, recipe, calibration, out / f"{variant}.tflite"),
                       rounds=rounds, iterations=1)
    benchmark.extra_info.update(variant=variant, size_bytes=(out / f"{variant}.tflite").stat().st_size)


@pytest.mark.parametrize("variant", VARIANTS)
def test_cnn_conversion_time(benchmark, cnn_source, variant, tmp_path):
    _time_variant(benchmark, cnn_source, variant, tmp_path, rounds=3)


@pytest.mark.parametrize("variant", ["fp32", "dynamic-int8", "int8-full"])
def test_minilm_conversion_time(benchmark, minilm_source, variant, tmp_path):
    _time_variant(benchmark, minilm_source, variant, tmp_path, rounds=1)

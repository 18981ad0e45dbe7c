"""Variant recipes: how each deployable form is made from a TensorFlow source.

Each recipe configures `tf.lite.TFLiteConverter`; `edgetpu` adds the Edge TPU compiler when it is
installed (edgekit.delegates.edgetpu.compile_with_edgetpu_compiler); `tfjs` needs the tensorflowjs
converter.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgekit.convert import tfjs_tools
from edgekit.convert.calibration import Calibration
from edgekit.sources.tf_source import TfSource
from edgekit.system.native_log import captured_native_stderr
from edgekit.system.tensorflow import tensorflow
from edgekit.system.tools import TOOL_TIMEOUT_S, operand, run_tool

__all__ = ["Recipe", "RECIPES", "DEFAULT_VARIANTS", "convert_tflite", "convert_tfjs"]


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    needs_calibration: bool = False
    integer_io: bool = False


RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe("fp32", "float32, no optimization"),
        Recipe("fp16", "float16 weights (dequantized to float32 on CPU; native on GPU)"),
        Recipe("dynamic-int8", "int8 weights, float activations (dynamic-range quantization)"),
        Recipe("int8", "int8 weights and activations, float fallback and float I/O", needs_calibration=True),
        Recipe("int8-full", "integer-only with int8 I/O (what Edge TPU and Hexagon need)", True, True),
        Recipe(
            "edgetpu",
            "int8-full compiled by edgetpu_compiler (static Edge TPU coverage without it)",
            True,
            True,
        ),
        Recipe("tfjs", "TF.js graph model (tensorflowjs converter)"),
    )
}
DEFAULT_VARIANTS = ("fp32", "fp16", "dynamic-int8", "int8-full")


def convert_tflite(source: TfSource, recipe: Recipe, calibration: Calibration | None, path: Path) -> Path:
    """Write the .tflite for RECIPE (fp32 .. int8-full; edgetpu starts from int8-full)."""
    tf = tensorflow()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [source.concrete_function()], source.trackable
    )
    if recipe.name != "fp32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if recipe.name == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    if recipe.needs_calibration:
        if calibration is None:
            raise ValueError(f"the {recipe.name} recipe needs calibration data")
        converter.representative_dataset = calibration.representative_dataset([s.name for s in source.inputs])
    if recipe.integer_io:
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    # The converter prints its C++ progress to fd 2; keep it, and show it only when conversion fails.
    with captured_native_stderr(echo=False) as log, contextlib.redirect_stdout(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failure: Exception | None
        try:
            flatbuffer = converter.convert()
        except Exception as exc:
            failure = exc
        else:
            failure = None
    if failure is not None:
        detail = [line for line in log if "error" in line.lower()][-3:]
        raise RuntimeError(
            f"{' '.join(str(failure).split())[:300]}{' | ' + ' | '.join(detail) if detail else ''}"
        ) from failure
    path.write_bytes(flatbuffer)
    return path


def convert_tfjs(source: TfSource, out_dir: Path, timeout_s: float = TOOL_TIMEOUT_S) -> Path:
    """A TF.js graph model from the source's SavedModel, through tensorflowjs_converter.

    On any failure OUT_DIR is removed, so no half-written model is published.
    """
    converter = tfjs_tools.converter("tensorflowjs_converter", "for the tfjs variant")
    saved_model = out_dir.parent / (out_dir.name + ".saved_model")
    try:
        _saved_model_with_fixed_shapes(source, saved_model)
        run_tool([converter, "--input_format=tf_saved_model", "--output_format=tfjs_graph_model",
                  f"--signature_name={source.signature}", operand(saved_model), operand(out_dir)],
                 tool="tensorflowjs_converter", timeout_s=timeout_s,
                 timeout_hint="give it more time (--tool-timeout)",
                 failure=lambda reason: RuntimeError(f"tensorflowjs_converter failed: {reason}"))
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(saved_model, ignore_errors=True)
    return out_dir / "model.json"


def _saved_model_with_fixed_shapes(source: TfSource, directory: Path) -> Path:
    tf = tensorflow()
    module: Any = tf.Module()
    module.serve = source.function
    module.source = source.trackable
    tf.saved_model.save(module, str(directory), signatures={source.signature: source.concrete_function()})
    return directory

"""edgekit.verdicts.accuracy on real models: a small CNN converted by TensorFlow to float32 and to int8
calibrated well (on data like the evaluation inputs) and badly (on zeros), run in LiteRT.

The accuracy check must pass the well-calibrated int8 model under the int8 preset and fail the
badly calibrated one, on the same uniform [-1, 1] inputs edgekit feeds every float model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edgekit.inputs.seeded import generate_inputs
from edgekit.model.model import Model
from edgekit.verdicts.accuracy import AccuracyReport, compare_outputs, precision_for_model
from tests import tf_models

pytestmark = pytest.mark.slow

#: Evaluation rows: enough that top-1 agreement moves in steps of ~3%.
ROWS = 32


def run_rows(path: Path, images: np.ndarray, *, reference_kernels: bool = False) -> dict[str, np.ndarray]:
    """Outputs for each image, one invoke per row (batch 1, as on a phone), stacked to [rows, ...]."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
    interpreter = Interpreter(model_path=str(path), experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    (source,) = interpreter.get_input_details()
    rows: dict[str, list[np.ndarray]] = {d["name"]: [] for d in interpreter.get_output_details()}
    for image in images:
        interpreter.set_tensor(source["index"], _as_input(image[None], source))
        interpreter.invoke()
        for detail in interpreter.get_output_details():
            rows[detail["name"]].append(interpreter.get_tensor(detail["index"])[0].copy())
    return {name: np.stack(values) for name, values in rows.items()}


def _as_input(image: np.ndarray, detail: dict) -> np.ndarray:
    if detail["dtype"] == np.float32:
        return image
    scale, zero_point = detail["quantization"]
    info = np.iinfo(detail["dtype"])
    return np.clip(np.round(image / scale + zero_point), info.min, info.max).astype(detail["dtype"])


@pytest.fixture(scope="session")
def images() -> np.ndarray:
    return tf_models.evaluation_inputs(ROWS)


@pytest.fixture(scope="session")
def float_outputs(cnn_models: dict[str, Path], images: np.ndarray) -> dict[str, np.ndarray]:
    return run_rows(cnn_models["float"], images)


def compare_with_float(cnn_models, candidate: str, outputs, float_outputs, delegate="cpu") -> AccuracyReport:
    model = Model.open(cnn_models[candidate])
    return compare_outputs(
        outputs,
        float_outputs,
        candidate_tensors=model.outputs,
        reference_tensors=Model.open(cnn_models["float"]).outputs,
        precision=precision_for_model(model, delegate),
        reference_label="the float32 model (XNNPACK) on the same inputs",
    )


def test_evaluation_inputs_are_what_bench_feeds_float_models(cnn_models):
    # edgekit's own seeded inputs are uniform [-1, 1] too: the checks below are what a user gets
    (image,) = generate_inputs(Model.open(cnn_models["float"]).inputs, seed=0).values()
    assert image.dtype == np.float32 and image.shape == (1, *tf_models.INPUT_SHAPE)
    assert -1.0 <= image.min() and image.max() <= 1.0


def test_float_model_outputs_are_confident_and_varied(float_outputs):
    (probabilities,) = float_outputs.values()
    assert probabilities.shape == (ROWS, tf_models.CLASSES)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert probabilities.max(axis=1).mean() > 0.5  # peaked like a trained classifier's softmax
    assert len(set(probabilities.argmax(axis=1))) >= 6  # the class depends on the input


def test_well_calibrated_int8_passes_the_int8_preset(cnn_models, images, float_outputs):
    report = compare_with_float(cnn_models, "well", run_rows(cnn_models["well"], images), float_outputs)
    (metrics,) = report.outputs
    print(
        f"well-calibrated int8: cosine {metrics.cosine:.4f}, SNR {metrics.snr_db:.1f} dB, "
        f"top-1 {metrics.top1_agreement}"
    )
    assert report.precision == "int8"
    assert metrics.cosine >= 0.98
    assert report.verdict == "pass", report.reasons


def test_badly_calibrated_int8_fails(cnn_models, images, float_outputs):
    report = compare_with_float(cnn_models, "bad", run_rows(cnn_models["bad"], images), float_outputs)
    (metrics,) = report.outputs
    print(
        f"badly calibrated int8: cosine {metrics.cosine:.4f}, SNR {metrics.snr_db:.1f} dB, "
        f"top-1 {metrics.top1_agreement}"
    )
    assert report.precision == "int8"
    assert report.verdict == "fail"
    assert metrics.cosine < 0.5
    assert any(" cosine " in reason and "(int8 preset)" in reason for reason in report.reasons)


def test_integer_io_int8_outputs_are_dequantized_before_comparing(cnn_models, images, float_outputs):
    outputs = run_rows(cnn_models["int8_io"], images)
    (raw,) = outputs.values()
    assert raw.dtype == np.int8
    model = Model.open(cnn_models["int8_io"])
    assert model.outputs[0].quantization is not None
    report = compare_with_float(cnn_models, "int8_io", outputs, float_outputs)
    assert report.outputs[0].cosine >= 0.98
    assert report.verdict == "pass", report.reasons


def test_float_model_on_reference_kernels_passes_fp32(cnn_models, images, float_outputs):
    # XNNPACK vs LiteRT's reference kernels on the same float file: the fp32 oracle check
    reference = run_rows(cnn_models["float"], images, reference_kernels=True)
    model = Model.open(cnn_models["float"])
    report = compare_outputs(
        float_outputs,
        reference,
        candidate_tensors=model.outputs,
        reference_tensors=model.outputs,
        precision=precision_for_model(model, "cpu"),
        reference_label="cpu-ref (reference kernels) on the same file",
    )
    assert report.precision == "fp32"
    assert (report.verdict, report.reasons) == ("pass", ())
    assert report.outputs[0].cosine > 0.99999

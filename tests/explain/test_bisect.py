"""bisect on real models: a mis-quantized layer is named, a clean model has no culprit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import flatbuffers
import pytest
from ai_edge_litert import schema_py_generated as schema

from edgekit.explain import BisectResult, bisect
from edgekit.model.model import Model

pytestmark = pytest.mark.slow

#: The layer the tests break: the first pointwise convolution of tests.tf_models.keras_cnn.
BROKEN_LAYER = "pw1"


def corrupt_output_scale(source: Path, target: Path, layer: str, factor: float = 50.0) -> int:
    """Copy SOURCE with the output scale of the op whose output tensor names LAYER multiplied by
    FACTOR; returns that op's index. Producer and consumers read the same wrong scale, so values
    are requantized on a grid FACTOR times too coarse: the layer loses its precision."""
    model = schema.ModelT.InitFromPackedBuf(bytearray(source.read_bytes()), 0)
    subgraph = model.subgraphs[0]
    for index, op in enumerate(subgraph.operators):
        tensor = subgraph.tensors[op.outputs[0]]
        if (
            f"/{layer}".encode() in bytes(tensor.name)
            and tensor.quantization
            and tensor.quantization.scale is not None
        ):
            tensor.quantization.scale = tensor.quantization.scale * factor
            builder = flatbuffers.Builder(1024)
            builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
            target.write_bytes(bytes(builder.Output()))
            return index
    raise AssertionError(f"no quantized op output named like {layer!r} in {source}")


def test_bisect_names_the_mis_quantized_layer(cnn_models: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "cnn_int8_broken.tflite"
    index = corrupt_output_scale(cnn_models["well"], broken, BROKEN_LAYER)
    result = bisect(broken, delegate="cpu", reference=cnn_models["float"])
    assert result.culprit is not None, [(op.index, op.type, op.snr_db) for op in result.curve]
    assert result.culprit.index == index
    assert BROKEN_LAYER in result.culprit.tensor
    assert result.culprit.snr_db is not None and result.culprit.snr_db < 20
    assert "random" in " ".join(result.warnings)  # the CNN's task is unknown: seeded random inputs


def test_a_well_calibrated_int8_against_its_float_source_has_no_culprit(cnn_models: dict[str, Path]) -> None:
    result = bisect(cnn_models["well"], delegate="cpu", reference=cnn_models["float"])
    assert result.culprit is None, [(op.index, op.type, op.snr_db, op.input_snr_db) for op in result.curve]
    compared = [op for op in result.curve if op.snr_db is not None]
    assert {op.type for op in compared} >= {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}


def test_fp32_cpu_against_cpu_ref_has_no_culprit_and_saves(
    cnn_models: dict[str, Path], tmp_path: Path
) -> None:
    result = bisect(cnn_models["float"], delegate="cpu", reference="cpu-ref")
    assert result.culprit is None
    assert len(result.curve) == len(Model.open(cnn_models["float"]).ops)
    loaded = BisectResult.load(result.save(tmp_path / "bisect.json"))
    assert loaded.curve == result.curve and loaded.culprit is None


def test_bisect_runs_on_the_gpu(zoo_model: Callable[[str], Path], gpu_available: object) -> None:
    # The tiny CNN does not compile for LiteRT's GPU here; pose-landmark-full does.
    result = bisect(zoo_model("pose-landmark-full"), delegate="gpu", precision="fp16", reference="cpu-ref")
    assert result.candidate["delegate"] == "gpu" and result.candidate["runtime"]["software"] is not None
    assert result.inputs["kind"] == "realistic"
    assert any("fusing delegate" in line for line in result.warnings)
    assert sum(op.snr_db is not None for op in result.curve) > 100


def test_the_cli_names_the_culprit_and_exits_1(
    cnn_models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from edgekit.cli.main import main

    broken = tmp_path / "cnn_int8_broken.tflite"
    corrupt_output_scale(cnn_models["well"], broken, BROKEN_LAYER)
    code = main(
        [
            "bisect",
            str(broken),
            "--delegate",
            "cpu",
            "--reference",
            str(cnn_models["float"]),
            "--json",
            str(tmp_path / "b.json"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1 and "culprit: op 3 CONV_2D" in out and "JUMP" in out
    assert BisectResult.load(tmp_path / "b.json").culprit is not None

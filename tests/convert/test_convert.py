"""`edgekit convert` on real TensorFlow sources the tests build: every variant, the matrix, bad sources."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from edgekit.cli.main import main
from edgekit.convert.matrix import convert
from edgekit.errors import UsageError
from edgekit.results.document import SCHEMA_VERSION

pytestmark = pytest.mark.slow
FAST = dict(runs=3, min_seconds=0.0, max_seconds=2.0)


@pytest.fixture(scope="session")
def keras_file(tmp_path_factory) -> Path:
    from tests import tf_models

    path = tmp_path_factory.mktemp("keras") / "cnn.keras"
    tf_models.keras_cnn(0).save(path)
    return path


@pytest.fixture(scope="session")
def two_input_saved_model(tmp_path_factory) -> Path:
    """A SavedModel with a float and an int input and two named outputs, batch dimension dynamic."""
    from tests.tf_models import _tensorflow

    tf = _tensorflow()
    import keras

    features = keras.Input((8,), name="features")
    ids = keras.Input((4,), dtype="int32", name="ids")
    logits = keras.layers.Dense(3, name="logits")(features)
    scaled = keras.layers.Dense(4, name="scaled")(keras.ops.cast(ids, "float32"))
    model = keras.Model([features, ids], {"logits": logits, "scaled": scaled})
    path = tmp_path_factory.mktemp("sm") / "two_inputs"
    with contextlib.redirect_stdout(io.StringIO()):
        model.export(str(path), format="tf_saved_model", verbose=False)
    assert tf.saved_model.contains_saved_model(str(path))
    return path


def test_keras_cnn_converts_to_every_variant_with_sizes_and_verdicts(keras_file, tmp_path):
    result = convert(keras_file, out=tmp_path / "out", variants=["all"], **FAST)
    by_name = {v.variant: v for v in result.variants}
    assert list(by_name) == ["fp32", "fp16", "dynamic-int8", "int8", "int8-full", "edgetpu", "tfjs"]
    for name in ("fp32", "fp16", "dynamic-int8", "int8", "int8-full", "edgetpu"):
        variant = by_name[name]
        assert variant.status == "ok", (name, variant.reason)
        assert Path(variant.path).is_file() and variant.size_bytes > 0
        assert variant.bench.runs[0].status == "ok"
        assert variant.verdict in ("pass", "warn"), (name, variant.bench.runs[0].accuracy.reasons)
    fp32_cosine = min(o.cosine for o in by_name["fp32"].bench.runs[0].accuracy.outputs)
    assert fp32_cosine >= 0.9999
    assert by_name["fp16"].size_bytes < by_name["fp32"].size_bytes
    assert by_name["int8-full"].size_bytes < by_name["fp16"].size_bytes
    assert "Static coverage" in by_name["edgetpu"].note and by_name["edgetpu"].coverage["fully_mapped"]
    tfjs = by_name["tfjs"]  # depends on whether the TF.js tools are installed in this cache yet
    if tfjs.status == "ok":
        assert Path(tfjs.path).name == "model.json" and Path(tfjs.path).is_file()
    else:
        assert tfjs.status == "unavailable" and "edgekit tools install tfjs" in tfjs.reason
    assert result.calibration["kind"] == "random" and "RANDOM" in result.calibration["warning"]
    assert "TensorFlow" in by_name["fp32"].bench.runs[0].accuracy.reference


def test_with_a_value_range_the_reference_runs_on_drawn_scenes_and_photos(keras_file, tmp_path):
    result = convert(keras_file, out=tmp_path / "out", variants=["fp32", "int8-full"], normalize=(-1.0, 1.0),
                     **FAST)
    inputs = result.settings["inputs"]
    assert inputs["kind"] == "realistic" and len(inputs["sets"]) == 11
    assert "6 drawn scenes and 5 photographs at 32x32 (pixels mapped to [-1, 1])" in inputs["description"]
    for variant in result.variants:
        bench = variant.bench
        assert bench.input_sets["sets"] == inputs["sets"] and len(bench.runs[0].extra_outputs) == 10
        judged_on = bench.runs[0].accuracy.judged_on
        assert "the source's inputs: 6 drawn scenes and 5 photographs" in judged_on
        assert "the worst of 11" in judged_on
    int8 = next(v for v in result.variants if v.variant == "int8-full")
    assert next(iter(int8.bench.inputs.values())).dtype == np.int8  # carried through its quantization
    with pytest.raises(UsageError, match="normalize"):
        convert(keras_file, out=tmp_path / "again", normalize=(1.0, -1.0))


def test_int8_full_variant_gets_the_float_inputs_through_its_quantization(keras_file, tmp_path):
    result = convert(keras_file, out=tmp_path / "out", variants=["int8-full"], **FAST)
    (variant,) = result.variants
    (array,) = variant.bench.inputs.values()
    assert array.dtype == np.int8
    assert variant.bench.runs[0].accuracy.precision == "int8"


def test_saved_model_inputs_and_outputs_are_matched_through_the_signature(two_input_saved_model, tmp_path):
    result = convert(two_input_saved_model, out=tmp_path / "out", variants=["fp32", "dynamic-int8"], **FAST)
    assert [i["name"] for i in result.source["inputs"]] == ["features", "ids"]
    assert result.source["inputs"][0]["shape"] == [1, 8]  # dynamic batch fixed to 1
    for variant in result.variants:
        accuracy = variant.bench.runs[0].accuracy
        assert accuracy.verdict in ("pass", "warn"), accuracy.reasons
        assert len(accuracy.outputs) == 2


def test_calibration_npz_is_used(keras_file, tmp_path):
    samples = np.random.default_rng(0).uniform(-1, 1, (8, 1, 32, 32, 3)).astype(np.float32)
    np.savez(tmp_path / "calib.npz", image=samples.reshape(8, 32, 32, 3))
    result = convert(
        keras_file, out=tmp_path / "out", variants=["int8"], calibration=tmp_path / "calib.npz", **FAST
    )
    assert result.calibration == {
        "kind": "npz",
        "samples": 8,
        "source": str(tmp_path / "calib.npz"),
        "warning": "",
    }


def test_existing_output_directory_is_kept_unless_forced(keras_file, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty; pass `force`"):
        convert(keras_file, out=out, variants=["fp32"], **FAST)
    assert (out / "precious.txt").read_text() == "keep me"
    convert(keras_file, out=out, variants=["fp32"], force=True, **FAST)
    assert sorted(p.name for p in out.iterdir()) == ["fp32.tflite"]


def test_a_failing_variant_does_not_lose_the_others(keras_file, tmp_path, monkeypatch):
    """The tfjs converter cannot be installed beside our TensorFlow, so a stand-in that fails plays it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "tensorflowjs_converter"
    stand_in.write_text("#!/bin/sh\necho 'stand-in converter: unsupported op' >&2\nexit 1\n")
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = convert(keras_file, out=tmp_path / "out", variants=["fp32", "tfjs", "fp16"], **FAST)
    statuses = {v.variant: v.status for v in result.variants}
    assert statuses == {"fp32": "ok", "tfjs": "error", "fp16": "ok"}
    assert "unsupported op" in result.variants[1].reason
    assert (tmp_path / "out" / "fp16.tflite").is_file()


@pytest.mark.parametrize(
    ("make", "args", "text"),
    [
        (lambda d: (d / "notes.txt").write_text("hi") and d / "notes.txt", [], "not a SavedModel directory"),
        (
            lambda d: (d / "m.tflite").write_bytes(b"x") and d / "m.tflite",
            [],
            "re-quantizing it is out of scope",
        ),
        (lambda d: (d / "model.json").write_text("{}") and d / "model.json", [], "TF.js graph model"),
        (lambda d: d, [], "without saved_model.pb"),
        (lambda d: (d / "bad.keras").write_bytes(b"nope") and d / "bad.keras", [], "Keras could not load it"),
    ],
)
def test_bad_sources_exit_2_with_one_line(capsys, tmp_path, make, args, text):
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    source = make(source_dir)
    code = main(["convert", str(source), "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert text in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_wrong_signature_and_unfixable_shapes_exit_2(capsys, two_input_saved_model, tmp_path):
    assert (
        main(["convert", str(two_input_saved_model), "--out", str(tmp_path / "a"), "--signature", "nope"])
        == 2
    )
    assert "no signature 'nope'" in capsys.readouterr().err
    assert (
        main(
            [
                "convert",
                str(two_input_saved_model),
                "--out",
                str(tmp_path / "b"),
                "--input-shape",
                "features=1,9",
            ]
        )
        == 2
    )
    assert "does not fit" in capsys.readouterr().err
    assert (
        main(
            [
                "convert",
                str(two_input_saved_model),
                "--out",
                str(tmp_path / "c"),
                "--input-shape",
                "nothing=1",
            ]
        )
        == 2
    )
    assert "no input named nothing" in capsys.readouterr().err
    assert (
        main(["convert", str(two_input_saved_model), "--out", str(tmp_path / "d"), "--variants", "fp64"]) == 2
    )
    assert "unknown variant 'fp64'" in capsys.readouterr().err


def test_cli_writes_the_matrix_json(capsys, keras_file, tmp_path):
    code = main(["convert", str(keras_file), "--out", str(tmp_path / "out"), "--variants", "fp32,int8-full",
                 "--runs", "3", "--json", str(tmp_path / "m.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert "fp32" in out and "int8-full" in out and "worst cosine" in out
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["kind"] == "convert" and document["schema_version"] == SCHEMA_VERSION
    variant = document["variants"][1]
    assert variant["variant"] == "int8-full" and variant["status"] == "ok"
    assert variant["accuracy"]["verdict"] in ("pass", "warn") and variant["size_bytes"] > 0
    assert variant["bench"]["runs"][0]["latency_ms"]["p50"] > 0
    assert variant["bench"]["model"]["path"] == str(
        tmp_path / "out" / "int8-full.tflite"
    )  # benched where it lives
    assert document["arrays_file"] == "m.arrays.npz" and (tmp_path / "m.arrays.npz").is_file()


def test_public_convert_result_saves_and_loads_with_every_bench(keras_file, tmp_path):
    import edgekit

    assert "convert" in edgekit.__all__ and "ConvertResult" in edgekit.__all__
    result = edgekit.convert(keras_file, out=tmp_path / "out", variants=["fp32", "int8-full"], **FAST)
    assert isinstance(result, edgekit.ConvertResult) and not result.failed_variants
    saved = result.save(tmp_path / "r.json")
    loaded = edgekit.ConvertResult.load(saved)
    assert loaded.to_dict() == result.to_dict()
    for before, after in zip(result.variants, loaded.variants, strict=True):
        assert after.bench is not None and before.bench is not None
        assert after.bench.inputs.keys() == before.bench.inputs.keys()
        for name, array in before.bench.inputs.items():
            np.testing.assert_array_equal(after.bench.inputs[name], array)
        np.testing.assert_array_equal(
            *(next(iter(b.bench.runs[0].outputs.values())) for b in (before, after))
        )


def _sleeping_tools(bin_dir: Path) -> None:
    """Stand-ins for edgetpu_compiler and tensorflowjs_converter that hang (neither installs here)."""
    bin_dir.mkdir()
    for tool in ("edgetpu_compiler", "tensorflowjs_converter"):
        script = bin_dir / tool
        script.write_text("#!/bin/sh\nexec sleep 120\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_tools_that_hang_time_out_their_variants_and_the_others_are_kept(keras_file, tmp_path):
    """Acceptance: the CLI, as a user runs it, with a short --tool-timeout and tools that never finish."""
    import subprocess
    import sys

    _sleeping_tools(tmp_path / "bin")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out, document = tmp_path / "out", tmp_path / "m.json"
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "TMPDIR": str(scratch),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "edgekit", "convert", str(keras_file), "--out", str(out), "--variants",
         "fp32,edgetpu,tfjs", "--tool-timeout", "3", "--runs", "3", "--quiet", "--json", str(document)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    from edgekit.convert.result import ConvertResult

    result = ConvertResult.load(document)
    statuses = {v.variant: v.status for v in result.variants}
    assert statuses == {"fp32": "ok", "edgetpu": "timeout", "tfjs": "timeout"}, [
        v.reason for v in result.variants
    ]
    assert "edgetpu_compiler did not finish within 3 s" in result.variants[1].reason
    assert "tensorflowjs_converter did not finish within 3 s" in result.variants[2].reason
    assert result.variants[0].bench is not None and result.variants[0].bench.runs[0].status == "ok"
    assert (out / "fp32.tflite").is_file() and not (out / "tfjs").exists()
    assert "timeout" in done.stdout
    assert list(scratch.iterdir()) == []  # the Keras export's scratch folder went with the source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "m.arrays.npz", "m.json", "out", "tmp"]

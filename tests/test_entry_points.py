"""Say what ran: the signature asked for, dynamic dimensions filled and shown, on real LiteRT runs."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.bench.run import bench
from edgekit.cli.main import main
from edgekit.errors import UsageError
from edgekit.model.contract import TensorInfo
from edgekit.model.dynamic import fill_dynamic
from edgekit.report.console import format_bench_table
from tests import signature_models

FAST = dict(runs=3, min_seconds=0.0, max_seconds=1.0, warmup_runs=0, warmup_seconds=0.0)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    directory = tmp_path_factory.mktemp("entry-points")
    return {"two": signature_models.two_signature_model(directory),
            "dynamic": signature_models.dynamic_batch_model(directory)}


@pytest.mark.parametrize("signature, factor", [("double", 2.0), ("negate", -1.0)])
def test_the_signature_asked_for_runs_and_is_named(models, signature, factor):
    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    result = bench(models["two"], delegates=["cpu", "cpu-ref"], signature=signature, inputs={"x": x}, **FAST)
    ok = [run for run in result.runs if run.status == "ok"]
    assert len(ok) == 2 and result.settings["signature"] == signature
    for run in ok:
        (output,) = run.outputs.values()
        np.testing.assert_allclose(output, factor * x)
    assert f"signature: {signature} (of double, negate)" in format_bench_table(result)


def test_without_a_signature_the_first_runs_and_is_named(models):
    result = bench(models["two"], **FAST)
    assert result.settings["signature"] == "double"
    assert "signature: double (of double, negate)" in format_bench_table(result)


def test_an_unknown_signature_is_refused_with_the_choices(models, capsys):
    with pytest.raises(UsageError, match="no signature 'triple' .* its signatures: double, negate"):
        bench(models["two"], signature="triple", **FAST)
    assert main(["bench", str(models["two"]), "--signature", "triple", "--quiet"]) == 2
    assert capsys.readouterr().err.startswith("edgekit: error: --signature: no signature 'triple'")


def test_dynamic_batch_is_filled_and_said(models):
    result = bench(models["dynamic"], delegates=["cpu"], batch=4, **FAST)
    (run,) = result.runs
    assert run.status == "ok" and result.inputs["serving_default_x:0"].shape == (4, 8)
    assert next(iter(run.outputs.values())).shape == (4, 8)
    assert result.settings["dynamic_dims"] == ["x: batch ? -> 4"]
    assert "dynamic dims filled: x: batch ? -> 4" in format_bench_table(result)
    default = bench(models["dynamic"], **FAST)
    assert default.settings["dynamic_dims"] == ["x: batch ? -> 1"]


def test_batch_needs_a_dynamic_batch(models):
    with pytest.raises(UsageError, match="^batch: no input has a dynamic batch dimension"):
        bench(models["two"], batch=2, **FAST)


def test_fill_dynamic_fills_every_dynamic_dim():
    tensor = TensorInfo(0, "ids:0", (1, 1), (-1, -1), "int32", None, key="ids")
    (filled,), notes = fill_dynamic([tensor], 3)
    assert filled.shape == (3, 1) and notes == ["ids: batch ? -> 3", "ids: dim 1 ? -> 1"]
    with pytest.raises(UsageError, match="^batch: 0 is not a batch size"):
        fill_dynamic([tensor], 0)

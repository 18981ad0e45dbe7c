"""The result document round-trips through JSON + sidecar and refuses what it cannot read."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tests.fault_delegates  # noqa: F401  (registers the fault-injection delegates)
from edgekit.bench.run import bench
from edgekit.errors import ResultFormatError
from edgekit.results.bench_result import BenchResult
from edgekit.results.document import SCHEMA_VERSION, arrays_path_for
from tests import tflite_builder

FAST = dict(runs=5, min_seconds=0.0, max_seconds=1.0, warmup_runs=0, warmup_seconds=0.0)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    model = tflite_builder.multi_input_model(root / "multi.tflite")
    result = bench(model, delegates=["cpu", "fault-raise"], threads=[1, 2], **FAST)
    return result, result.save(root / "r.json")


def test_document_has_the_documented_fields(saved):
    _, path = saved
    document = json.loads(path.read_text())
    assert document["schema_version"] == SCHEMA_VERSION
    for key in ("edgekit_version", "created", "environment", "model", "settings", "inputs", "runs"):
        assert key in document
    for key in ("cpu_model", "logical_cores", "os", "python", "runtime", "load_average_at_start"):
        assert key in document["environment"]
    assert document["model"]["sha256"] and document["model"]["size_bytes"] > 0
    ok = document["runs"][0]
    assert (ok["delegate"], ok["device"], ok["threads"], ok["status"]) == ("cpu", "host", 1, "ok")
    for key in ("count", "mean", "std", "p50", "p90", "p95", "p99", "min", "max", "median_ci95"):
        assert key in ok["latency_ms"]
    assert "samples" not in ok["latency_ms"]  # in the sidecar since schema 3
    assert ok["memory"]["peak_rss_after_run_bytes"] > 0
    failed = document["runs"][2]
    assert failed["status"] == "error" and failed["latency_ms"] is None and failed["reason"]
    assert arrays_path_for(path).is_file()


def test_round_trip_keeps_samples_inputs_and_outputs(saved):
    original, path = saved
    loaded = BenchResult.load(path)
    assert loaded.to_dict() == json.loads(json.dumps(original.to_dict()))
    for name, value in original.inputs.items():
        np.testing.assert_array_equal(loaded.inputs[name], value)
    for before, after in zip(original.runs, loaded.runs, strict=True):
        assert before.status == after.status
        if before.latency:
            assert after.latency == before.latency
            assert after.warmup_ms == before.warmup_ms
            for name, value in before.outputs.items():
                np.testing.assert_array_equal(after.outputs[name], value)


def test_samples_live_in_the_sidecar(saved):
    original, path = saved
    with np.load(arrays_path_for(path)) as archive:
        stored = archive["runs/0/samples/latency_ms"]
    assert stored.dtype == np.float64 and tuple(stored) == original.runs[0].latency.samples_ms


def test_documents_with_inline_samples_still_load(saved, tmp_path):
    """Schema 2 kept every sample in the JSON; such a document reads the same."""
    original, path = saved
    document = original.to_dict()
    document["schema_version"] = 2
    for index, run in enumerate(original.runs):
        document["runs"][index] = run.to_dict(inline_samples=True)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document))
    arrays = {k: v for k, v in original.arrays().items() if "/samples/" not in k}
    np.savez(arrays_path_for(old), **arrays)
    loaded = BenchResult.load(old)
    assert loaded.schema_version == 2
    assert [run.latency for run in loaded.runs] == [run.latency for run in original.runs]


def test_a_sub_millisecond_model_at_the_defaults_writes_a_small_json(tmp_path):
    """Every sample of a default 1 s bench is kept, but in the sidecar: the JSON stays small."""
    model = tflite_builder.add_chain(tmp_path / "chain.tflite", n_ops=2)
    result = bench(model)
    path = result.save(tmp_path / "tiny.json")
    assert result.runs[0].latency.count > 1000
    assert path.stat().st_size < 200_000, path.stat().st_size
    with np.load(arrays_path_for(path)) as archive:
        assert archive["runs/0/samples/latency_ms"].size == result.runs[0].latency.count


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("not json", "not JSON"),
        ('{"runs": []}', "no schema_version"),
        ('{"schema_version": 999}', "schema_version 999 is not"),
        (f'{{"schema_version": {SCHEMA_VERSION}, "runs": [{{}}]}}', "field edgekit_version is missing"),
    ],
)
def test_unreadable_documents_are_refused_clearly(tmp_path, content, text):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ResultFormatError, match=text):
        BenchResult.load(path)

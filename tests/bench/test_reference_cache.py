"""The reference cache: a second bench of an unchanged model reads the reference outputs instead of
running cpu-ref, with identical verdicts; a changed model, changed inputs, another runtime or a
damaged or edited entry misses, and the entry is written again."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from edgekit.bench import reference_cache
from edgekit.bench.events import RecordingListener
from edgekit.bench.reference_cache import ENV_VAR, ReferenceKey, inputs_digest
from edgekit.bench.run import bench
from edgekit.cli.main import main
from edgekit.report.console import format_bench_table, format_judgement
from tests import tflite_builder

FAST = dict(runs=2, min_seconds=0.0, max_seconds=2.0, warmup_runs=0, warmup_seconds=0.0)
FAST_ARGS = ["--runs", "2", "--min-seconds", "0", "--max-seconds", "2", "--warmup", "0",
             "--warmup-seconds", "0"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty reference cache folder of this test's own."""
    folder = tmp_path / "references"
    monkeypatch.setenv(ENV_VAR, str(folder))
    return folder


@pytest.fixture
def conv(tmp_path: Path) -> Path:
    """A 32x32 RGB convolution: with `normalize` it gets the eleven realistic sets (scenes, photos),
    and XNNPACK and the reference kernels differ in the last bits, so the metrics are not all zero."""
    return tflite_builder.conv_model(tmp_path / "conv.tflite", input_shape=(1, 32, 32, 3), filters=8)


def _bench(model: Path, **options):
    listener = RecordingListener()
    result = bench(model, normalize=(0, 1), listeners=[listener], **FAST, **options)
    return result, [str(m) for m in listener.of_kind("message")]


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.npz")) if folder.is_dir() else []


def _verdicts(result) -> list[tuple]:
    """Every run's verdict with every figure it rests on; the reference's label aside."""
    figures = []
    for run in result.runs:
        report = run.accuracy.to_dict()
        report.pop("reference")
        figures.append((run.label, report))
    return figures


def test_second_bench_reads_the_reference_from_the_cache_with_identical_verdicts(conv, cache):
    first, first_messages = _bench(conv)
    assert first.reference["cached"] is False and first.reference["run"]["delegate"] == "cpu-ref"
    assert first.input_sets["kind"] == "realistic" and len(first.input_sets["sets"]) == 11
    (entry,) = _entries(cache)
    assert any("outputs cached for the next bench" in m for m in first_messages)
    # The reference run is outputs only: one inference per set, nothing timed after it.
    assert first.reference["run"]["latency_ms"] is None and first.reference["run"]["readback_ms"] is None

    second, second_messages = _bench(conv)
    assert second.reference["cached"] is True and second.reference["cache_path"] == str(entry)
    assert second.reference["run"] is None
    assert second.reference["label"] == "cpu-ref on the same file (cached)"
    assert not any("one inference" in m for m in second_messages)
    assert _verdicts(second) == _verdicts(first)
    assert first.runs[0].accuracy.outputs[0].max_abs > 0  # a real comparison, not two identical files
    for mine, theirs in zip((second.reference_outputs, *second.reference_extra_outputs),
                            (first.reference_outputs, *first.reference_extra_outputs), strict=True):
        assert mine.keys() == theirs.keys()
        for name in mine:
            np.testing.assert_array_equal(mine[name], theirs[name])
    assert f"cpu-ref on the same file (cached), read from {entry}" in format_bench_table(second)
    assert "against cpu-ref on the same file (cached)" in format_judgement(second)


def test_a_changed_model_misses(tmp_path, cache):
    model = tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=2)
    bench(model, **FAST)
    tflite_builder.add_chain(model, n_ops=3)  # same path, other bytes
    changed = bench(model, **FAST)
    assert changed.reference["cached"] is False and changed.reference["run"] is not None
    assert changed.runs[0].accuracy.verdict == "pass"
    np.testing.assert_array_equal(changed.reference_outputs["output"], changed.runs[0].outputs["output"])
    assert len(_entries(cache)) == 2


def test_changed_inputs_miss(tmp_path, cache):
    model = tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=2)
    ones = {"input": np.ones((1, 8), np.float32)}
    bench(model, inputs=ones, **FAST)
    assert bench(model, inputs=ones, **FAST).reference["cached"] is True
    other = bench(model, inputs={"input": np.full((1, 8), 3.0, np.float32)}, **FAST)
    assert other.reference["cached"] is False
    np.testing.assert_array_equal(other.reference_outputs["output"], np.full((1, 8), 12.0, np.float32))
    assert len(_entries(cache)) == 2


def test_an_edited_entry_is_ignored_and_written_again(conv, cache):
    first, _ = _bench(conv)
    (entry,) = _entries(cache)
    with np.load(entry) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["0/output"] = arrays["0/output"] + 1.0  # key and digest kept: the edit must show
    np.savez(entry, **arrays)

    again, messages = _bench(conv)
    assert again.reference["cached"] is False and again.reference["run"] is not None
    assert any("cached outputs ignored" in m and "digest" in m for m in messages)
    np.testing.assert_array_equal(again.reference_outputs["output"], first.reference_outputs["output"])
    assert _verdicts(again) == _verdicts(first)
    third, _ = _bench(conv)  # rewritten: a hit again, with the true outputs
    assert third.reference["cached"] is True
    np.testing.assert_array_equal(third.reference_outputs["output"], first.reference_outputs["output"])


@pytest.mark.parametrize("damage", [b"", b"not a zip at all", b"PK\x03\x04" + b"\x00" * 64])
def test_a_damaged_entry_is_ignored_and_written_again(tmp_path, cache, damage):
    model = tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=2)
    bench(model, **FAST)
    (entry,) = _entries(cache)
    entry.write_bytes(damage)
    listener = RecordingListener()
    again = bench(model, listeners=[listener], **FAST)
    assert again.reference["cached"] is False and again.runs[0].accuracy.verdict == "pass"
    assert any("cached outputs ignored" in str(m) for m in listener.of_kind("message"))
    assert bench(model, **FAST).reference["cached"] is True


def test_an_entry_made_for_another_model_is_not_trusted(tmp_path, cache):
    """A valid entry (its digest holds) copied under another key's name: its stored key gives it away."""
    doubling = tflite_builder.add_chain(tmp_path / "a.tflite", n_ops=1)
    quadrupling = tflite_builder.add_chain(tmp_path / "b.tflite", n_ops=2)
    ones = {"input": np.ones((1, 8), np.float32)}
    bench(doubling, inputs=ones, **FAST)
    (theirs,) = _entries(cache)
    mine = bench(quadrupling, inputs=ones, **FAST)
    (target,) = [entry for entry in _entries(cache) if entry != theirs]
    target.write_bytes(theirs.read_bytes())
    listener = RecordingListener()
    again = bench(quadrupling, inputs=ones, listeners=[listener], **FAST)
    assert again.reference["cached"] is False
    assert any("made for another model" in str(m) for m in listener.of_kind("message"))
    np.testing.assert_array_equal(again.reference_outputs["output"], mine.reference_outputs["output"])


def test_turned_off_it_runs_the_reference_and_writes_nothing(tmp_path, cache):
    model = tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=2)
    bench(model, **FAST)
    result = bench(model, reference_cache=False, **FAST)
    assert result.reference["cached"] is False and result.reference["run"]["delegate"] == "cpu-ref"
    other = tflite_builder.add_chain(tmp_path / "other.tflite", n_ops=3)
    bench(other, reference_cache=False, **FAST)
    assert len(_entries(cache)) == 1


def test_cli_says_where_the_reference_came_from_and_turns_the_cache_off(tmp_path, cache, capsys):
    model = str(tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=2))
    assert main(["bench", model, *FAST_ARGS, "--quiet"]) == 0
    assert "(cached)" not in capsys.readouterr().out
    assert main(["bench", model, *FAST_ARGS, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "accuracy reference: cpu-ref on the same file (cached), read from" in out
    assert "--no-reference-cache runs it again" in out
    assert main(["bench", model, *FAST_ARGS, "--quiet", "--no-reference-cache"]) == 0
    assert "accuracy reference: cpu-ref on the same file\n" in capsys.readouterr().out


def test_a_cache_that_cannot_be_written_costs_a_run_not_the_bench(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(ENV_VAR, str(blocked / "references"))
    model = tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=2)
    listener = RecordingListener()
    result = bench(model, listeners=[listener], **FAST)
    assert result.runs[0].accuracy.verdict == "pass" and result.reference["cached"] is False
    assert any("outputs not cached" in str(m) for m in listener.of_kind("message"))


def test_the_key_covers_model_inputs_delegate_and_runtime(monkeypatch):
    sets = [{"input": np.ones((1, 8), np.float32)}]
    key = ReferenceKey.of("a" * 64, sets, "delegate", "cpu-ref", None)
    same = [{"input": np.ones((1, 8), np.float32)}]
    assert key == ReferenceKey.of("a" * 64, same, "delegate", "cpu-ref", None)
    others = [
        ReferenceKey.of("b" * 64, sets, "delegate", "cpu-ref", None),
        ReferenceKey.of("a" * 64, sets, "delegate", "cpu", None),
        ReferenceKey.of("a" * 64, sets, "model", "cpu-ref", None),
        ReferenceKey.of("a" * 64, sets, "delegate", "cpu-ref", "serving_default"),
        ReferenceKey.of("a" * 64, [*sets, *sets], "delegate", "cpu-ref", None),
    ]
    monkeypatch.setattr(reference_cache, "package_version", lambda name: "9.9.9")
    others.append(ReferenceKey.of("a" * 64, sets, "delegate", "cpu-ref", None))
    assert len({key.digest, *(other.digest for other in others)}) == len(others) + 1


@pytest.mark.parametrize("change", [
    lambda a: {"input": a["input"].astype(np.float64)},
    lambda a: {"input": a["input"].reshape(2, 4)},
    lambda a: {"renamed": a["input"]},
    lambda a: {"input": np.nextafter(a["input"], np.float32(2))},
])
def test_inputs_digest_sees_dtype_shape_name_and_every_bit(change):
    arrays = {"input": np.ones((1, 8), np.float32)}
    assert inputs_digest([arrays]) == inputs_digest([{"input": np.ones((1, 8), np.float32)}])
    assert inputs_digest([change(arrays)]) != inputs_digest([arrays])


def test_the_folder_keeps_the_most_recently_used_entries_within_its_bound(cache, monkeypatch):
    outputs = [{"output": np.zeros(1000, np.float32)}]
    keys = [ReferenceKey.of(f"{i}" * 64, outputs, "delegate", "cpu-ref", None) for i in range(3)]
    reference_cache.store(keys[0], outputs)
    size = _entries(cache)[0].stat().st_size
    monkeypatch.setattr(reference_cache, "MAX_BYTES", 2 * size)
    reference_cache.store(keys[1], outputs)
    assert reference_cache.load(keys[0], 1)[0] is not None  # used now: kept over keys[1]
    os.utime(cache / f"{keys[1].digest}.npz", ns=(1, 1))  # and keys[1] the least recently used
    reference_cache.store(keys[2], outputs)
    assert {p.stem for p in _entries(cache)} == {keys[0].digest, keys[2].digest}

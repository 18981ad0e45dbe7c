"""The one worker request: a typed value that survives its trip through request.json; nothing else does."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from edgekit.delegates.base import RunOptions
from edgekit.devices.request import REQUEST_FILE, WorkerRequest
from edgekit.measure.loop import LoopConfig

FULL = WorkerRequest(
    "gpu", 2, device="browser", precision="fp16", signature="serving_default",
    worker_env=(("VK_ICD_FILENAMES", "/usr/lib/icd.json"),), models=("/m/base.tflite", "/m/cand.tflite"),
    loop=LoopConfig(3, 0.1, 20, 0.5, 9.0), block_ms=10.0, first=1, delegate_modules=("my.delegates",),
    kind="pair",
)


def test_every_field_survives_json_and_the_work_folder(tmp_path: Path):
    assert WorkerRequest.from_json(FULL.to_json()) == FULL
    FULL.write(tmp_path)
    assert (tmp_path / REQUEST_FILE).is_file() and WorkerRequest.read(tmp_path) == FULL
    plain = WorkerRequest("cpu")
    assert WorkerRequest.from_json(plain.to_json()) == plain


def test_a_planned_run_names_itself_and_gives_the_delegate_its_options():
    planned = WorkerRequest("cpu", 4, signature="encode")
    assert planned.label == "cpu x4" and FULL.label == "gpu fp16"
    assert planned.options == RunOptions(threads=4, precision=None, signature="encode")
    assert FULL.options == RunOptions(threads=2, precision="fp16", signature="serving_default")
    assert dataclasses.replace(planned, models=("/a.tflite",)).model_path == "/a.tflite"
    with pytest.raises(dataclasses.FrozenInstanceError):
        planned.threads = 2  # type: ignore[misc]


@pytest.mark.parametrize("change, message", [
    ({"model_path": "/x.tflite"}, "unknown field 'model_path'"),
    ({"loop": {**dataclasses.asdict(LoopConfig()), "min_pairs": 3}}, "unknown field 'loop.min_pairs'"),
    ({"threads": "2"}, "field threads is a string where an integer is expected"),
    ({"threads": True}, "field threads is true or false where an integer is expected"),
    ({"models": ["/a", 3]}, r"field models\[1\] is an integer"),
    ({"loop": None}, "field loop is null"),
    ({"worker_env": [["ONLY_A_NAME"]]}, "worker_env holds other things than"),
    ({"kind": "fuzz"}, "kind must be one of"),
])
def test_anything_to_json_did_not_write_is_refused_naming_the_field(change, message):
    data = {**json.loads(FULL.to_json()), **change}
    with pytest.raises(ValueError, match=message):
        WorkerRequest.from_json(json.dumps(data))


def test_a_missing_field_or_another_shape_is_refused():
    data = json.loads(FULL.to_json())
    del data["delegate"]
    with pytest.raises(ValueError, match="field delegate is missing"):
        WorkerRequest.from_json(json.dumps(data))
    with pytest.raises(ValueError, match="a JSON object"):
        WorkerRequest.from_json("[]")

"""A candidate whose int8 accuracy breaks fails the accuracy check, naming output and metric.

The latency check beside it is stood in for (``fake_latency_decision``: the MAC ratio, nothing
timed, until the engine merges) and passes: accuracy fails the gate whatever the latency says.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from edgekit.inputs.photos import PHOTO_SCENES
from edgekit.inputs.scenes import SCENES
from tests import mask_models
from tests.gate.conftest import write_config
from tests.gate.stand_ins import install_stand_ins

CONFIG = """
[models.mask]
model = "mask.tflite"
baseline = "mask_fp32.tflite"

[models.mask.checks.accuracy]
golden = "mask.golden.npz"
normalize = [0, 1]
output_roles = { "StatefulPartitionedCall_1:0" = "mask" }

[models.mask.checks]
latency = { max_slowdown = "10%" }
"""


@pytest.mark.slow
def test_broken_int8_fails_on_accuracy_naming_output_and_metric(tmp_path, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    monkeypatch.chdir(tmp_path)
    float_model = mask_models.float_mask_model(tmp_path)
    broken = mask_models.int8_mask_model(tmp_path, calibrated=False)
    shutil.copy(
        float_model, tmp_path / "mask.tflite"
    )  # the model as it was when the golden file was recorded
    config = write_config(tmp_path, CONFIG)
    assert cli("gate", "--config", str(config), "--record", "--quiet")[0] == 0
    assert cli("gate", "--config", str(config), "--quiet")[0] == 0
    shutil.copy(broken, tmp_path / "mask.tflite")  # the change under review: a broken int8 variant
    code, out, err = cli("gate", "--config", str(config), "--quiet", "--junit", "gate.xml")
    assert code == 1, err
    assert "latency cpu x1 pass" not in out  # passing checks are not repeated below the table
    line = next(text for text in out.splitlines() if text.startswith("mask: accuracy fail"))
    assert (
        "StatefulPartitionedCall_1:0 (mask)" in line
        and "pixels flip" in line
        and "[metric pixels flipped]" in line
    )
    cases = {case.get("name"): case for case in ET.parse(tmp_path / "gate.xml").getroot().iter("testcase")}
    assert cases["latency cpu x1"].find("failure") is None
    assert "[metric pixels flipped]" in cases["accuracy"].find("failure").get("message")


@pytest.mark.slow
def test_the_golden_file_holds_every_scene_and_photo_and_each_is_judged(tmp_path, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    monkeypatch.chdir(tmp_path)
    shutil.copy(mask_models.float_mask_model(tmp_path), tmp_path / "mask.tflite")
    config = write_config(tmp_path, CONFIG)
    assert cli("gate", "--config", str(config), "--record", "--quiet")[0] == 0
    with np.load(tmp_path / "mask.golden.npz") as golden:
        names, meta = golden.files, json.loads(str(golden["meta"]))
    labels = [scene.label for scene in SCENES] + [scene.label for scene in PHOTO_SCENES]
    assert meta["inputs"]["sets"] == labels and "5 photographs" in meta["inputs"]["description"]
    assert sorted({name.split("/")[1] for name in names if name.startswith("sets/")}, key=int) == [
        str(k) for k in range(1, len(labels))]
    code, _out, err = cli("gate", "--config", str(config), "--quiet", "--json", "gate.json")
    assert code == 0, err
    checks = json.loads((tmp_path / "gate.json").read_text())["checks"]
    accuracy = next(check for check in checks if check["check"] == "accuracy")
    judged_on = accuracy["evidence"]["judged_on"]
    assert "the worst of 11" in judged_on
    assert "golden inputs (mask.golden.npz: 6 drawn scenes and 5 photographs" in judged_on

    # A golden file recorded before photos (one set, no labels) is still read and judged on its one set.
    with np.load(tmp_path / "mask.golden.npz") as golden:
        old = {name: golden[name] for name in golden.files if not name.startswith("sets/")}
    meta.pop("inputs")
    old["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "mask.golden.npz", **old)
    code, _out, err = cli("gate", "--config", str(config), "--quiet", "--json", "gate.json")
    assert code == 0, err
    checks = json.loads((tmp_path / "gate.json").read_text())["checks"]
    accuracy = next(check for check in checks if check["check"] == "accuracy")
    assert accuracy["evidence"]["judged_on"] == "golden inputs (mask.golden.npz)"


def test_golden_inputs_outside_the_models_range_turn_a_pass_into_a_warn(tmp_path, cli, monkeypatch):
    from tests import tflite_builder

    monkeypatch.chdir(tmp_path)
    tflite_builder.conv_model(tmp_path / "conv.tflite", input_shape=(1, 16, 16, 3))
    table = ('[models.conv]\nmodel = "conv.tflite"\n'
             '[models.conv.checks.accuracy]\ngolden = "conv.golden.npz"\n')
    # Recorded as if the model took 0-255 pixels; the configuration now says it takes [0, 1].
    config = write_config(tmp_path, table + "normalize = [0, 255]\n")
    assert cli("gate", "--config", str(config), "--record", "--quiet")[0] == 0
    config = write_config(tmp_path, table + "normalize = [0, 1]\n")
    code, out, err = cli("gate", "--config", str(config), "--quiet", "--json", "gate.json")
    assert code == 0, err
    (line,) = [text for text in out.splitlines() if text.startswith("conv: accuracy warn")]
    assert "(warning: input range: input holds values from 0 to 25" in line
    assert "outside the [0, 1] the model expects (normalize)" in line
    checks = json.loads((tmp_path / "gate.json").read_text())["checks"]
    (accuracy,) = [check for check in checks if check["check"] == "accuracy"]
    assert accuracy["verdict"] == "warn" and accuracy["evidence"]["warnings"][0].startswith("input range: ")

"""The task registry: a new task is one template folder plus one ``register_task`` call.

The toy task below lives entirely in this test: its templates are written into ``tmp_path`` and
its entry is registered by a fixture that removes it afterwards. It scaffolds a web and an Android
project from a model built here, and both pass edgekit's own validators (``scaffold`` runs them
before anything is published) with no file of edgekit's changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edgekit.cli.main import main
from edgekit.errors import EdgekitError, UsageError
from edgekit.scaffold import binding as b
from edgekit.scaffold import validate_android
from edgekit.scaffold.apps import all_apps, get_app
from edgekit.scaffold.binding import BindOptions
from edgekit.scaffold.contract import load_contract
from edgekit.scaffold.project import scaffold
from edgekit.scaffold.tasks import Task, get_task, register_task, tasks, unregister_task
from tests import tflite_builder

_WEB_INDEX = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>{{ app.title }} — {{ model.display_name }}</title>
  </head>
  <body>
    <h1>{{ app.title }}</h1>
    <p id="size">{{ binding.image.width }}x{{ binding.image.height }}</p>
    <script type="module" src="/src/main.ts"></script>
  </body>
</html>
"""
_WEB_MAIN = """import { BINDING, MODEL } from "./contract";

document.title = `${MODEL.displayName}: ${BINDING.image.width}x${BINDING.image.height}`;
"""
_ANDROID_ACTIVITY = """package dev.edgekit.app

import android.os.Bundle
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.activity.enableEdgeToEdge

/** {{ app.title }}: shows the size of the image the model takes. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val size = TextView(this).apply { text = "${Binding.IMAGE_WIDTH}x${Binding.IMAGE_HEIGHT}" }
        setContentView(size)
        size.padForSystemBars()  // edgekit's _common helper: Android 15 draws every app edge to edge
    }
}
"""


def _bind_frame_size(app: str, contract, options: b.BindOptions) -> dict[str, Any]:
    return {"image": b.bind_image_input(app, contract, options)}


def _golden_frame_size(contract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    image = binding["image"]
    expected = {"width": image.width, "height": image.height}
    (dest / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    return {"expected": "expected.json"}


def _write_templates(folder: Path) -> Path:
    """The toy task's one template folder: ``web/`` and ``android/`` beside each other."""
    files = {"web/index.html.jinja": _WEB_INDEX, "web/src/main.ts": _WEB_MAIN,
             "android/app/src/main/java/dev/edgekit/app/MainActivity.kt.jinja": _ANDROID_ACTIVITY}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(params=[False, True], ids=["no-camera", "camera"])
def toy_task(request, tmp_path) -> Task:
    """A ``frame-size`` task registered for one test and removed after it."""
    task = register_task(Task(
        "frame-size", "Frame size", "image input [1, H, W, 3]", roles=("image",), bind=_bind_frame_size,
        golden=_golden_frame_size, modality="vision", camera=request.param,
        templates=_write_templates(tmp_path / "frame-size-templates")))
    yield task
    unregister_task(task.name)
    assert "frame-size" not in {t.name for t in tasks()}


@pytest.fixture
def image_model(tmp_path) -> Path:
    return tflite_builder.conv_model(tmp_path / "frames.tflite", input_shape=(1, 24, 32, 3))


def test_toy_task_renders_a_valid_web_project(toy_task, image_model, tmp_path):
    result = scaffold("frame-size-web", image_model, tmp_path / "web",
                      options=BindOptions(normalize=(0.0, 1.0)))
    out = result.out
    assert "<title>Frame size — frames.tflite</title>" in (out / "index.html").read_text(encoding="utf-8")
    contract_ts = (out / "src/contract.ts").read_text(encoding="utf-8")
    assert "  image: ImageBinding;\n" in contract_ts and '"frame-size-web"' in contract_ts
    assert json.loads((out / "public/golden/expected.json").read_text()) == {"width": 32, "height": 24}
    assert (out / "public/model/frames.tflite").is_file() and (out / "package.json").is_file()


def test_toy_task_renders_a_valid_android_project(toy_task, image_model, tmp_path):
    result = scaffold("frame-size-android", image_model, tmp_path / "android",
                      options=BindOptions(normalize=(0.0, 1.0)))
    out = result.out
    app = get_app("frame-size-android")
    contract = load_contract(image_model)
    binding = {"image": b.bind_image_input(app.name, contract, BindOptions(normalize=(0.0, 1.0)))}
    assert validate_android.problems(app, contract, binding, out) == []
    manifest = (out / "app/src/main/AndroidManifest.xml").read_text(encoding="utf-8")
    gradle = (out / "app/build.gradle.kts").read_text(encoding="utf-8")
    assert ("android.permission.CAMERA" in manifest) is toy_task.camera
    assert ("camera" in gradle) is toy_task.camera  # CameraX only where the registry says the camera is used
    assert "const val IMAGE_WIDTH = 32" in (out / validate_android.CONTRACT_FILE).read_text(encoding="utf-8")


def test_registered_task_is_listed_by_the_cli(toy_task, capsys):
    assert get_task("frame-size") is toy_task
    assert [app.name for app in all_apps()][-1] == "frame-size-android"
    assert main(["scaffold", "--list"]) == 0
    assert "frame-size-web" in capsys.readouterr().out


def test_registry_refuses_a_taken_name_an_unknown_role_and_removing_a_builtin():
    with pytest.raises(EdgekitError, match="'pose' is already registered"):
        register_task(get_task("pose"))
    with pytest.raises(EdgekitError, match="role 'depth' has no template support"):
        Task("depth", "Depth", "", roles=("depth",), bind=_bind_frame_size, golden=_golden_frame_size,
             modality="vision")
    with pytest.raises(EdgekitError, match="modality 'audio' is not one of text, vision"):
        Task("hum", "Hum", "", roles=(), bind=_bind_frame_size, golden=_golden_frame_size, modality="audio")
    with pytest.raises(EdgekitError, match="cannot be removed"):
        unregister_task("qa")
    with pytest.raises(UsageError, match="no app 'frame-size-web'"):
        get_app("frame-size-web")  # nothing left behind by the fixture


def test_camera_is_a_registry_fact():
    assert {t.name for t in tasks() if t.camera} == {"pose", "bodypix"}
    assert {t.name: t.modality for t in tasks()} == {"qa": "text", "smart-scroll": "text", "pose": "vision",
                                                     "bodypix": "vision"}

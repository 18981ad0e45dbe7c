"""The templates at the top of the repository ship in the wheel and are found once installed.

The slow test builds the wheel, installs it into a fresh virtual environment (system site-packages
give it LiteRT, numpy and Jinja, so no network is needed) and runs that environment's ``edgekit``
in a subprocess, away from the checkout, to scaffold a web and an Android app from a model built here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from edgekit.scaffold import validate, validate_android
from edgekit.scaffold.apps import get_app
from edgekit.scaffold.binding import BindOptions, bind_image_input, bind_mask
from edgekit.scaffold.contract import load_contract
from edgekit.scaffold.render import templates_dir
from tests import tflite_builder

REPO = Path(__file__).resolve().parents[2]
#: What the wheel is built from; everything else in a checkout (tests, caches) stays out.
_SOURCES = ("pyproject.toml", "README.md", "edgekit", "templates")


def test_templates_are_found_at_the_top_of_a_checkout():
    assert templates_dir() == REPO / "templates"
    assert (templates_dir() / "web/_common/src/contract.ts.jinja").is_file()


def test_pyproject_lists_every_package():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "edgekit").rglob("__init__.py")}
    assert set(config["packages"]) == on_disk | {"edgekit.templates"}
    assert config["package-dir"] == {"edgekit.templates": "templates"}


def _build_wheel(tmp_path: Path) -> Path:
    """Build edgekit's wheel from a copy of its sources (a build writes build/ and *.egg-info beside them)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in _SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(source)]
    setuptools = tuple(int(part) for part in re.findall(r"\d+", metadata.version("setuptools"))[:2])
    if setuptools >= (77, 0):  # new enough for pyproject.toml: build offline with it
        command.insert(4, "--no-build-isolation")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 and "No matching distribution found for setuptools" in done.stderr:
        pytest.skip("no setuptools>=77 here or on the configured package index to build the wheel with")
    assert done.returncode == 0, done.stderr[-2000:]
    return next(wheels.glob(f"{_wheel_name()}-*.whl"))


def _wheel_name() -> str:
    """The distribution name as a wheel's file name spells it (PEP 427: edgekit-ml -> edgekit_ml)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: edgekit depends on tomli there
        import tomli as tomllib
    name = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    return re.sub(r"[-_.]+", "_", name).lower()


@pytest.mark.slow
def test_installed_wheel_scaffolds_valid_web_and_android_apps(tmp_path, zoo_model):
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        shipped = {str(Path(name).parent) for name in archive.namelist() if name.endswith(".py")}
    source = Path(__file__).resolve().parents[2] / "edgekit"
    folders = {str(p.parent.relative_to(source.parent)) for p in source.rglob("*.py")}
    assert folders <= shipped, f"the wheel lacks {sorted(folders - shipped)}"
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python, edgekit = env_dir / "bin" / "python", env_dir / "bin" / "edgekit"
    install = ["install", "--quiet", "--no-deps", "--no-index", "--force-reinstall", str(wheel)]
    subprocess.run([str(python), "-m", "pip", *install], check=True)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    work = tmp_path / "elsewhere"  # not the checkout, so nothing can be imported from it
    work.mkdir()
    probe = "import edgekit.scaffold.render as r; print(r.templates_dir())"
    where = subprocess.run([str(python), "-c", probe], cwd=work, env=clean, capture_output=True, text=True,
                           check=True).stdout.strip()
    assert Path(where).is_relative_to(env_dir), f"the venv found templates at {where}, not in its own edgekit"

    model = tflite_builder.conv_model(work / "mask.tflite", input_shape=(1, 32, 32, 3), filters=1)
    for app in ("bodypix-web", "bodypix-android"):
        argv = [str(edgekit), "scaffold", "--app", app, "--model", str(model), "--out", app,
                "--normalize", "0,1"]
        done = subprocess.run(argv, cwd=work, env=clean, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-2000:]

    assert validate.web(work / "bodypix-web") == []
    contract = load_contract(model)
    options = BindOptions(normalize=(0.0, 1.0))
    image = bind_image_input("bodypix-android", contract, options)
    binding = {"image": image, "mask": bind_mask("bodypix-android", contract, image, options)}
    app = get_app("bodypix-android")
    assert validate_android.problems(app, contract, binding, work / "bodypix-android") == []
    assert (work / "bodypix-web/src/contract.ts").is_file()
    assert (work / "bodypix-android/app/src/main/assets/mask.tflite").is_file()

    # A TF.js graph model from the zoo: golden vectors come from the venv's own TensorFlow, with no
    # TF.js tools environment (pointed at an empty folder) and no native log lines on stderr.
    zoo_model("selfie-segmentation-tfjs")  # into the session cache, which the venv reads offline
    no_tools = {**clean, "EDGEKIT_TFJS_TOOLS_DIR": str(tmp_path / "no-tfjs-tools")}
    argv = [str(edgekit), "scaffold", "--app", "bodypix-web", "--model", "selfie-segmentation-tfjs",
            "--out", "graph-web"]
    done = subprocess.run(argv, cwd=work, env=no_tools, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (tmp_path / "no-tfjs-tools").exists()
    assert validate.web(work / "graph-web") == []
    for marker in ("cpu_feature_guard", "oneDNN", "I0000", "W0000", "TF-TRT", "XNNPACK"):
        assert marker not in done.stderr, done.stderr[-2000:]

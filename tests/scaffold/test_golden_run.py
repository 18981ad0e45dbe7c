"""Golden vectors of TF.js graph models come from edgekit's own TensorFlow, with no converter environment.

The TF.js converters' environment (``edgekit tools install tfjs``, 2.9 GB) is pointed at an empty
folder and PATH holds no converter, and any attempt to find one fails the test: scaffolding a graph
model must not need it.
"""

from __future__ import annotations

import json

import pytest

from edgekit.convert import tfjs_tools
from edgekit.scaffold.project import scaffold


@pytest.fixture
def no_tfjs_tools(monkeypatch, tmp_path):
    """The converters' environment is an empty folder, none is on PATH, and asking for one fails."""
    empty = tmp_path / "no-tfjs-tools"
    empty.mkdir()
    monkeypatch.setenv("EDGEKIT_TFJS_TOOLS_DIR", str(empty))
    monkeypatch.setenv("PATH", str(empty))

    def refuse(name: str, purpose: str) -> str:
        raise AssertionError(f"scaffolding asked for {name} ({purpose})")

    monkeypatch.setattr(tfjs_tools, "converter", refuse)
    return empty


@pytest.mark.parametrize(("app", "model", "output"), [
    ("bodypix-web", "selfie-segmentation-tfjs", "activation_10"),
    ("pose-web", "movenet-lightning-tfjs", "Identity"),
])
def test_graph_model_golden_vectors_need_no_tools_environment(no_tfjs_tools, zoo_model, tmp_path, app, model,
                                                              output):
    zoo_model(model)
    result = scaffold(app, model, tmp_path / "app")
    expected = json.loads((result.out / "public/golden/expected.json").read_text())
    assert expected["output"]["key"] == output
    assert (result.out / "public/golden/input.png").is_file()
    assert not any(no_tfjs_tools.iterdir())  # nothing was installed there either

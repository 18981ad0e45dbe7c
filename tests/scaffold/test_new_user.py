"""What a new user meets first: which zoo models serve which app, and the one-line messages a plain
install gives instead of a missing-package traceback or a raw Python warning."""

from __future__ import annotations

import sys

import pytest

from edgekit.cli.main import main
from edgekit.scaffold import validate_android
from edgekit.scaffold.apps import all_apps
from edgekit.scaffold.binding import BindingError
from edgekit.scaffold.project import bind_app
from edgekit.zoo import entries


def test_every_zoo_model_serves_the_apps_the_catalog_lists_and_none_serves_qa(zoo_model):
    for entry in entries():
        zoo_model(entry.name)
        for app in all_apps():
            try:
                bind_app(app.name, entry.name)
                served = True
            except BindingError:
                served = False
            # Listed: it binds. Unlisted may bind too (a pose landmark model has a mask output) but is
            # not what the app is for; a QA app binds no zoo model at all, as `--list` says.
            if app.name in entry.apps or app.task.name == "qa":
                assert served == (app.name in entry.apps), f"{entry.name} for {app.name}"


def test_missing_tensorflow_names_the_extra_to_install_not_path(tmp_path, capsys, monkeypatch, zoo_model):
    zoo_model("selfie-segmentation-tfjs")
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # a plain install: `import tensorflow` fails
    code = main(["scaffold", "--app", "bodypix-web", "--model", "selfie-segmentation-tfjs",
                 "--out", str(tmp_path / "app")])
    err = capsys.readouterr().err
    assert code == 3, err
    (line,) = [text for text in err.splitlines() if text.startswith("edgekit: error")]
    assert "the Python package tensorflow is needed to run" in line
    assert "pip install 'edgekit-ml[convert]'" in line
    assert "PATH" not in err and "Traceback" not in err
    assert not (tmp_path / "app").exists()


def test_a_missing_kotlin_grammar_is_one_plain_line(tmp_path, capsys, monkeypatch, zoo_model):
    zoo_model("selfie-segmentation")
    zoo_model("blazepose-detector")
    monkeypatch.setattr(validate_android, "_kotlin_parser", lambda: None)
    code = main(["scaffold", "--app", "bodypix-android", "--model", "selfie-segmentation",
                 "--out", str(tmp_path / "app")])
    err = capsys.readouterr().err
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "Kotlin" in line]
    assert warnings == ["edgekit: warning: the generated Kotlin was not parsed (the other checks ran): "
                        "tree-sitter-kotlin, a dependency of edgekit's, is not installed here; "
                        "pip install tree-sitter tree-sitter-kotlin"]
    assert "KotlinParserMissing" not in err and "validate_android.py" not in err


@pytest.mark.parametrize("app", ["qa-web", "qa-android"])
def test_qa_apps_say_what_model_to_bring(app, capsys):
    assert main(["scaffold", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    hint = lines[lines.index(next(line for line in lines if line.startswith(app))) + 1]
    assert "zoo models: none" in hint and "start and end logits" in hint and "--vocab" in hint

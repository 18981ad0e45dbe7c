"""Files a model names stay inside its folder; scaffold writes only where --out says.

A TF.js ``model.json`` can name any path as a weight shard; before, scaffold copied whatever it
named into the app's public/model/, which the app serves. Each hostile manifest here must end in
exit 2 with one line, and the canary (a secret the manifest points at) must appear nowhere but
where it was. The same holds for a vocab.txt that links out of the model's folder, for ``--out``
given as a symlink, and for links inside an existing ``--out`` that ``--force`` would write through.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from edgekit.cli.main import main

CANARY = b"edgekit-canary: this secret must never be copied\n"


def _refused(capsys, *argv: object) -> str:
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("edgekit: error:") and "Traceback" not in err, err
    return lines[0]


def _copies_of(content: bytes, root: Path) -> list[Path]:
    """Every regular file under ROOT (links not followed) holding exactly CONTENT."""
    digest = hashlib.sha256(content).hexdigest()
    found = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink() and path.stat().st_size == len(content) \
                    and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                found.append(path)
    return found


@pytest.fixture
def graph_model(zoo_model, tmp_path) -> tuple[Path, dict]:
    """selfie-segmentation-tfjs copied into tmp_path/model, and its model.json as a dict to edit."""
    source = zoo_model("selfie-segmentation-tfjs")
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copyfile(source.parent / "selfie.bin", folder / "selfie.bin")
    return folder / "model.json", json.loads((source.parent / "selfie.json").read_text(encoding="utf-8"))


def _secret(tmp_path: Path, size: int) -> Path:
    """A canary file outside the model's folder, as long as the manifest's shard (so sizes match)."""
    secret = tmp_path / "outside" / "secret.key"
    secret.parent.mkdir(exist_ok=True)
    secret.write_bytes((CANARY * (size // len(CANARY) + 1))[:size])
    return secret


def _with_shard(json_path: Path, document: dict, shard: str) -> Path:
    document["weightsManifest"][0]["paths"] = [shard]
    json_path.write_text(json.dumps(document), encoding="utf-8")
    return json_path


@pytest.mark.parametrize(("kind", "why"), [
    ("absolute", "is an absolute path"),
    ("dotdot", "climbs out with '..'"),
    ("link", "outside the model's folder"),
    ("url", "is a URL or a drive"),
    ("fifo", "is not a regular file"),
    ("folder", "is not a regular file"),
])
def test_a_manifest_naming_a_file_outside_the_model_is_refused_and_nothing_is_copied(
        graph_model, tmp_path, capsys, kind, why):
    json_path, document = graph_model
    folder = json_path.parent
    secret = _secret(tmp_path, (folder / "selfie.bin").stat().st_size)
    (folder / "selfie.bin").unlink()  # only the secret has the size the manifest declares
    shard = {"absolute": str(secret), "dotdot": "../outside/secret.key", "link": "weights.bin",
             "url": "file:///etc/passwd", "fifo": "pipe.bin", "folder": "sub"}[kind]
    if kind == "link":
        (folder / "weights.bin").symlink_to(secret)
    elif kind == "fifo":
        os.mkfifo(folder / "pipe.bin")
    elif kind == "folder":
        (folder / "sub").mkdir()
    _with_shard(json_path, document, shard)
    out = tmp_path / "app"
    line = _refused(capsys, "scaffold", "--app", "bodypix-web", "--model", json_path, "--out", out,
                    "--normalize=0,1")
    assert why in line and "model.json" in line
    assert not out.exists() and _copies_of(secret.read_bytes(), tmp_path) == [secret]
    assert why in _refused(capsys, "inspect", json_path)


def test_weight_shards_in_a_subfolder_keep_their_path_in_the_app(graph_model, tmp_path, capsys):
    json_path, document = graph_model
    (json_path.parent / "weights").mkdir()
    (json_path.parent / "selfie.bin").rename(json_path.parent / "weights" / "selfie.bin")
    _with_shard(json_path, document, "weights/selfie.bin")
    out = tmp_path / "app"
    assert main(["scaffold", "--app", "bodypix-web", "--model", str(json_path), "--out", str(out),
                 "--normalize=0,1"]) == 0, capsys.readouterr().err
    public = out / "public/model"
    shipped = {str(p.relative_to(public)) for p in public.rglob("*") if p.is_file()}
    assert {"model.json", "weights/selfie.bin"} <= shipped  # beside them: the person detector's files


def test_a_vocabulary_linking_out_of_the_model_folder_is_refused(zoo_cache, tmp_path, capsys):
    from tests import text_models

    qa_model = text_models.minilm_qa(zoo_cache)
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "qa.tflite").symlink_to(qa_model)  # the user named this file: a link to it is theirs
    secret = tmp_path / "outside" / "vocab.txt"
    secret.parent.mkdir()
    shutil.copyfile(qa_model.parent / "vocab.txt", secret)
    (folder / "vocab.txt").symlink_to(secret)
    out = tmp_path / "app"
    line = _refused(capsys, "scaffold", "--app", "qa-web", "--model", folder / "qa.tflite", "--out", out)
    assert "vocabulary 'vocab.txt' is a link to" in line and not out.exists()


# --- --out ---------------------------------------------------------------------------------------


@pytest.fixture
def model(zoo_model, tmp_path) -> Path:
    """A small real graph model: bodypix-web scaffolds from it in well under a second."""
    source = zoo_model("selfie-segmentation-tfjs")
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copyfile(source.parent / "selfie.bin", folder / "selfie.bin")
    shutil.copyfile(source, folder / "model.json")
    return folder / "model.json"


def _scaffold(model: Path, out: Path, *extra: str) -> list[object]:
    return ["scaffold", "--app", "bodypix-web", "--model", model, "--out", out, "--normalize=0,1", *extra]


def test_out_as_a_dangling_symlink_is_refused_and_its_target_not_created(model, tmp_path, capsys):
    target = tmp_path / "elsewhere" / "app"
    link = tmp_path / "app"
    link.symlink_to(target)
    assert "is a symbolic link" in _refused(capsys, *_scaffold(model, link))
    assert link.is_symlink() and not target.parent.exists()


def test_out_as_a_symlink_to_an_empty_folder_is_refused_and_the_link_kept(model, tmp_path, capsys):
    target = tmp_path / "empty"
    target.mkdir()
    link = tmp_path / "app"
    link.symlink_to(target)
    for extra in ((), ("--force",)):
        assert "is a symbolic link" in _refused(capsys, *_scaffold(model, link, *extra))
        assert link.is_symlink() and os.readlink(link) == str(target) and list(target.iterdir()) == []


def test_force_does_not_write_through_a_link_inside_out(model, tmp_path, capsys):
    out = tmp_path / "app"
    assert main([str(a) for a in _scaffold(model, out)]) == 0
    capsys.readouterr()
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(out / "src")
    (out / "src").symlink_to(outside)
    assert "src is a symbolic link" in _refused(capsys, *_scaffold(model, out, "--force"))
    assert list(outside.iterdir()) == []

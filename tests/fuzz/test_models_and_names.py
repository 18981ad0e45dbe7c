"""Hostile TF.js manifests, and hostile model file names for every scaffold app.

A manifest names its weight shards: absolute paths, ``..``, links and URLs out of the model's
folder, shards that do not hold what it declares, shapes of 2^62. ``inspect`` and ``scaffold``
must refuse each before reading a shard, and no app may receive the canary. Every app is then
scaffolded from real models renamed to what a template or shell could take for code.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fuzz import forge
from tests.fuzz.harness import CANARY, Case
from tests.fuzz.surfaces import REFUSED, Workspace, run_surface, unchanged

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graph_model(zoo_model) -> tuple[dict, bytes]:
    source = zoo_model("selfie-segmentation-tfjs")
    return json.loads(source.read_text(encoding="utf-8")), (source.parent / "selfie.bin").read_bytes()


def _manifest_cases(workspace: Workspace, graph: tuple[dict, bytes]) -> list[Case]:
    document, weights = graph
    secret = workspace.canary / "weights.bin"
    secret.write_bytes((CANARY * (len(weights) // len(CANARY) + 1))[: len(weights)])
    group = document["weightsManifest"][0]

    def shard(path: object) -> Callable[[dict], None]:
        def change(doc: dict) -> None:
            doc["weightsManifest"][0]["paths"] = [path]

        return change

    def field(key: str, value: object) -> Callable[[dict], None]:
        def change(doc: dict) -> None:
            doc[key] = value

        return change

    def weight(**changes: object) -> Callable[[dict], None]:
        def change(doc: dict) -> None:
            doc["weightsManifest"][0]["weights"][0].update(changes)

        return change

    def group_field(key: str, value: object) -> Callable[[dict], None]:
        def change(doc: dict) -> None:
            doc["weightsManifest"][0][key] = value

        return change

    edits: dict[str, tuple[Callable[[dict], None], str | None]] = {
        "shard-absolute": (shard(str(secret)), None),
        "shard-dotdot": (shard("../../canary/weights.bin"), None),
        "shard-dotdot-inside": (shard("sub/../../../canary/weights.bin"), None),
        "shard-link-out": (shard("link.bin"), "link"),
        "shard-folder-link-out": (shard("linked/weights.bin"), "folder-link"),
        "shard-file-url": (shard(f"file://{secret}"), None),
        "shard-http-url": (shard("http://127.0.0.1:9/x.bin"), None),
        "shard-data-url": (shard("data:application/octet-stream;base64,AAAA"), None),
        "shard-drive": (shard("C:\\canary\\weights.bin"), None),
        "shard-backslash-dotdot": (shard("..\\..\\canary\\weights.bin"), None),
        "shard-empty": (shard(""), None),
        "shard-dot": (shard("."), None),
        "shard-percent-dotdot": (shard("%2e%2e/%2e%2e/canary/weights.bin"), None),
        "shard-nul": (shard("selfie.bin\x00.txt"), None),
        "shard-long": (shard("s" * 5000), None),
        "shard-number": (shard(5), None),
        "shard-folder": (shard("sub"), "folder"),
        "shard-dev-zero": (shard("/dev/zero"), None),
        "shard-sparse-3gb": (shard("sparse.bin"), "sparse"),
        "shard-fifo": (shard("pipe.bin"), "fifo"),
        "paths-string": (group_field("paths", "selfie.bin"), None),
        "paths-empty": (group_field("paths", []), None),
        "paths-10000": (group_field("paths", ["selfie.bin"] * 10_000), None),
        "manifest-not-list": (field("weightsManifest", "x"), None),
        "manifest-empty": (field("weightsManifest", []), None),
        "manifest-number-entry": (field("weightsManifest", [5]), None),
        "weights-not-list": (group_field("weights", {}), None),
        "weight-shape-huge": (weight(shape=[1 << 31, 1 << 31]), None),
        "weight-shape-negative": (weight(shape=[-4]), None),
        "weight-shape-float": (weight(shape=[1.5]), None),
        "weight-dtype-object": (weight(dtype="object"), None),
        "weight-dtype-complex": (weight(dtype="complex64"), None),
        "weight-name-markup": (weight(name=forge.HOSTILE_NAMES[0]), None),
        "weights-100000": (group_field("weights", group["weights"] * 800), None),
        "topology-missing": (lambda doc: doc.pop("modelTopology"), None),
        "topology-string": (field("modelTopology", "x"), None),
        "format-layers": (field("format", "layers-model"), None),
        "signature-deep": (field("signature", json.loads(forge.deep(120, '{"a":', "}", "1"))), None),
        "json-100k-deep": (field("x", None), "deep"),
    }
    cases = []
    for label, (change, special) in edits.items():
        folder = workspace.root / "manifests" / workspace.name(label)
        folder.mkdir(parents=True)
        (folder / "selfie.bin").write_bytes(weights)
        edited = json.loads(json.dumps(document))
        change(edited)
        text = json.dumps(edited)
        if special == "deep":
            text = text.replace('"x": null', '"x": ' + forge.deep(100_000))
        (folder / "model.json").write_text(text, encoding="utf-8")
        if special == "link":
            (folder / "link.bin").symlink_to(secret)
        elif special == "folder-link":
            (folder / "linked").symlink_to(workspace.canary)
        elif special == "folder":
            (folder / "sub").mkdir()
        elif special == "sparse":
            forge.sparse_file(folder / "sparse.bin", 3 << 30)
        elif special == "fifo":
            forge.fifo(folder / "pipe.bin")
        isolated = special in ("fifo", "deep") or "dev-zero" in label
        app = workspace.root / "apps" / folder.name
        must_refuse = label.startswith(("shard", "paths", "manifest", "weight-shape", "topology"))
        expect = REFUSED if must_refuse else (0, 2, 3)
        cases.append(Case(f"manifest/{label}/inspect", ["inspect", str(folder / "model.json")],
                          isolated=isolated, expect=expect))
        cases.append(Case(f"manifest/{label}/scaffold",
                          ["scaffold", "--app", "bodypix-web", "--model", str(folder / "model.json"), "--out",
                           str(app), "--normalize=0,1"], outputs=(app,), isolated=isolated, expect=expect,
                          bound_s=180, check=unchanged(secret, secret.read_bytes())))
    return cases


def test_tfjs_manifests(workspace, graph_model, monkeypatch):
    cases = _manifest_cases(workspace, graph_model)
    run_surface("TF.js manifests", cases, workspace, monkeypatch, minimum=70)




def _app_models(zoo_model) -> dict[str, tuple[Path, list[str]]]:
    """Each app, the real model it scaffolds from, and the options it needs."""
    from tests import text_models

    zoo = Path(os.environ["EDGEKIT_CACHE_DIR"])
    for name in ("pose-landmark-lite", "selfie-segmentation", "selfie-segmentation-tfjs", "minilm-l6"):
        zoo_model(name)
    pose = zoo / "models/pose-landmark-lite/pose_landmark_lite.tflite"
    pose_options = ["--normalize=0,1", "--keypoints", "33x5", "--output", "Identity"]
    qa = text_models.minilm_qa(zoo)
    scroll = zoo / "models/minilm-l6/seq128/minilm-l6-seq128.tflite"
    return {
        "pose-web": (pose, pose_options),
        "pose-android": (pose, pose_options),
        "bodypix-web": (zoo / "models/selfie-segmentation-tfjs/selfie.json", ["--normalize=0,1"]),
        "bodypix-android": (zoo / "models/selfie-segmentation/selfie_segmentation.tflite",
                            ["--normalize=0,1"]),
        "qa-web": (qa, []),
        "qa-android": (qa, []),
        "smart-scroll-web": (scroll, []),
        "smart-scroll-android": (scroll, []),
    }


def _named_like(source: Path, folder: Path, stem: str) -> Path:
    """SOURCE (with its vocab.txt or weight shard) in FOLDER under STEM plus its suffix."""
    folder.mkdir(parents=True)
    for sibling in ("vocab.txt", "selfie.bin"):  # copies: a link out of the folder is refused
        if (source.parent / sibling).is_file():
            shutil.copyfile(source.parent / sibling, folder / sibling)
    model = folder / (stem + source.suffix)
    if source.suffix == ".json":
        shutil.copyfile(source, model)
    else:
        model.symlink_to(source)
    return model


def _scaffold_name_cases(workspace: Workspace, zoo_model) -> list[Case]:
    cases = []
    apps = _app_models(zoo_model)
    for index, (app, (source, options)) in enumerate(apps.items()):
        names = [forge.FILE_NAMES[(3 * index + k) % len(forge.FILE_NAMES)] for k in range(3)]
        for stem in names:
            label = workspace.name(app)
            model = _named_like(source, workspace.root / "named" / label, stem)
            out = workspace.root / "named-apps" / label
            model_option = f"--model={model}"
            cases.append(Case(f"name/{app}/{stem[:40]!r}", ["scaffold", "--app", app, model_option, "--out",
                                                            str(out), *options],
                              outputs=(out,), expect=(0,), bound_s=240))
    dash = _named_like(apps["bodypix-android"][0], workspace.root / "named" / "dash", "-x")
    argv = ["scaffold", "--app", "bodypix-android", "--model", dash.name, "--out",
            str(workspace.root / "dash-app")]
    cases.append(Case("name/option-looking-model", argv, cwd=dash.parent, expect=REFUSED))
    return cases


def test_scaffold_names_for_every_app(workspace, zoo_model, monkeypatch):
    cases = _scaffold_name_cases(workspace, zoo_model)
    run_surface("scaffold names", cases, workspace, monkeypatch, minimum=25)



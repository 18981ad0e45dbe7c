"""``scaffold``: bind a model to an app, compute golden vectors, render, validate, move into place.

Everything is written into a staging folder beside the destination first; the destination only
changes once the project is complete and valid. An existing non-empty destination is refused
before any work unless ``force``, which overwrites the files the scaffold writes and leaves every
other file there (``node_modules``, the user's own edits elsewhere) as it is.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from edgekit.errors import UsageError
from edgekit.files.atomic import publish_directory
from edgekit.files.preflight import check_output_dir
from edgekit.scaffold import validate
from edgekit.scaffold.apps import App, get_app
from edgekit.scaffold.binding import BindOptions
from edgekit.scaffold.contract import ModelContract, load_contract, template_tensor
from edgekit.scaffold.golden import make_golden
from edgekit.scaffold.render import render_tree, template_roots
from edgekit.scaffold.runtimes import Runtime, runtime_for
from edgekit.version import __version__
from edgekit.zoo import fetches_logged_to

__all__ = ["ScaffoldResult", "scaffold", "bind_app", "VERSIONS_FILES"]

Log = Callable[[str], None]
VERSIONS_FILES = {"web": "data/web_versions.json", "android": "data/android_versions.json"}


@dataclass(frozen=True)
class ScaffoldResult:
    """What was generated, from which model, bound how."""

    app: str
    out: Path
    model: str
    runtime: str
    binding: dict[str, Any]
    golden: dict[str, Any]
    files: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"app": self.app, "out": str(self.out), "model": self.model, "runtime": self.runtime,
                "binding": self.binding, "golden": self.golden, "files": list(self.files)}


def bind_app(app_name: str, model: str | os.PathLike[str], options: BindOptions | None = None,
             *, log: Log | None = None) -> tuple[App, ModelContract, Runtime, dict[str, Any]]:
    """Bind MODEL to APP without writing anything: BindingError when it cannot serve the app."""
    app = get_app(app_name)
    contract = load_contract(model, log=log)
    runtime = runtime_for(app.name, app.platform.name, contract)
    binding = app.task.bind(app.name, contract, options or BindOptions())
    return app, contract, runtime, binding


def scaffold(app_name: str, model: str | os.PathLike[str], out: str | os.PathLike[str], *,
             options: BindOptions | None = None, force: bool = False,
             log: Log | None = None) -> ScaffoldResult:
    """Generate APP for MODEL into OUT (see the module docstring for what is written when)."""
    say = log or (lambda _message: None)
    dest = Path(out)
    _refuse_existing(dest, force)
    check_output_dir(dest, "out")  # before binding and golden vectors, not after them
    app, contract, runtime, binding = bind_app(app_name, model, options, log=log)
    if dest.is_dir():  # --force into a folder: no link on the way to what the app will write
        for name in _planned_paths(app):
            _refuse_links_on_the_way(dest, name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.scaffold-") as scratch:
        staging = Path(scratch) / "project"
        staging.mkdir()
        say(f"{app.name}: bound {contract.display_name} ({runtime.name}); computing golden vectors…")
        with fetches_logged_to(log):  # helper models (a person detector) fetched for the golden step
            golden = make_golden(app.task, contract, binding, staging / app.platform.golden_dir)
        _copy_model(contract, binding, staging / app.platform.model_dir)
        context = _context(app, contract, runtime, binding, golden)
        rendered = render_tree(template_roots(app.platform.name, app.task), context, staging)
        validate.project(app, contract, binding, staging, rendered)
        _refuse_existing(dest, force)  # something may have appeared meanwhile
        files = _publish(staging, dest)
    say(f"{app.name}: wrote {len(files)} files to {dest}")
    plain = {role: value.to_dict() for role, value in binding.items()}
    return ScaffoldResult(app=app.name, out=dest, model=contract.display_name, runtime=runtime.name,
                          binding=plain, golden=golden, files=tuple(files))


def _refuse_existing(dest: Path, force: bool) -> None:
    if dest.is_symlink():
        # Followed, a link (say, committed in a pull request) would send the project anywhere;
        # replaced, the user's link would be gone. Neither is what `out` asked for.
        raise UsageError("out", f"{dest} is a symbolic link (to {os.readlink(dest)!r}); give the folder "
                                "itself as `out`, edgekit does not write through links")
    if dest.exists() and not dest.is_dir():
        raise UsageError("out", f"{dest} exists and is not a folder; choose another `out`")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UsageError("out", f"{dest} exists and is not empty; choose another `out`, or pass `force` to "
                                  "overwrite the files edgekit writes there (others are kept)")


def _copy_model(contract: ModelContract, binding: dict[str, Any], folder: Path) -> None:
    """Copy the model's files under the names the model uses for them (its weight shards' paths).

    Each was proven a regular file inside the model's folder when the model was read
    (:func:`edgekit.model.formats.referenced.referenced_file`); nothing else is copied.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for source, name in zip(contract.files, _model_file_names(contract), strict=True):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    text = binding.get("text")
    if text is not None:
        shutil.copyfile(text.vocab, folder / "vocab.txt")


def _context(app: App, contract: ModelContract, runtime: Runtime, binding: dict[str, Any],
             golden: dict[str, Any]) -> dict[str, Any]:
    return {
        "app": app.to_dict(),
        "model": {
            "display_name": contract.display_name, "file": contract.model_file, "format": contract.format,
            "dir": app.platform.model_dir, "sha256": contract.sha256,
            "files": _model_file_names(contract),
            "inputs": [template_tensor(t) for t in contract.inputs],
            "outputs": [template_tensor(t) for t in contract.outputs],
        },
        "runtime": runtime.to_dict(),
        "binding": {role: value.to_dict() for role, value in binding.items()},
        "golden": golden,
        "versions": _versions(app.platform.name, runtime.name),
        "edgekit_version": __version__,
    }


def _model_file_names(contract: ModelContract) -> list[str]:
    """Each model file's path relative to the model's folder, as the model names it."""
    return [source.relative_to(contract.path.parent).as_posix() for source in contract.files]


def _versions(platform: str, runtime: str) -> dict[str, Any]:
    text = resources.files("edgekit.scaffold").joinpath(VERSIONS_FILES[platform]).read_text(encoding="utf-8")
    data = json.loads(text)
    if platform == "web":
        return {"npm": {**data["common"], **data[runtime]}, "source": data["source"]}
    return data


def _publish(staging: Path, dest: Path) -> list[str]:
    """Move the staged project into ``dest``: whole when ``dest`` is new or empty, else file by file.

    Into a non-empty ``dest`` (``--force``) each staged file replaces its namesake by a rename, so the
    user's other files stay; :func:`publish_directory` would swap the whole folder and lose them.
    """
    files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    if not dest.exists() or not any(dest.iterdir()):
        publish_directory(staging, dest)
        return files
    for name in files:
        _refuse_links_on_the_way(dest, name)
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    return files


def _planned_paths(app: App) -> list[str]:
    """Paths (relative to the project) of the folders and files a scaffold of APP will write."""
    planned = [f"{app.platform.model_dir}/x", f"{app.platform.golden_dir}/x"]
    for root in template_roots(app.platform.name, app.task):
        planned += [str(p.relative_to(root)).removesuffix(".jinja") for p in root.rglob("*") if p.is_file()]
    return planned


def _refuse_links_on_the_way(dest: Path, name: str) -> None:
    """UsageError when a folder on the way from DEST to NAME is a symbolic link (it would be written through).

    The file itself may be a link: :func:`os.replace` replaces the link, not what it points to.
    """
    folder = dest
    for part in Path(name).parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise UsageError("out", f"{folder} is a symbolic link; edgekit does not write through links "
                                    "inside `out`: remove it, or choose another `out`")

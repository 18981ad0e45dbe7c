"""The app registry: every app is a (task, platform) pair with what it needs from a model.

A task binds a model (``bind``: contract + options -> named roles) and computes golden vectors
(``golden``: ``edgekit.scaffold.golden.<task>``); a platform says where files go in a project.
Adding ``pose-android`` is one :class:`App` line plus its templates.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable

from edgekit.errors import UsageError
from edgekit.scaffold import binding as b
from edgekit.scaffold.contract import ModelContract

__all__ = ["Task", "Platform", "App", "APPS", "get_app", "TASKS", "PLATFORMS"]

Binder = Callable[[str, ModelContract, b.BindOptions], dict[str, Any]]


@dataclass(frozen=True)
class Task:
    """What an app does, what it needs from a model and how to bind that."""

    name: str
    title: str
    needs: str
    bind: Binder
    groups: tuple[str, ...] = ()  # shared template folders (``_text``) rendered before the task's own


@dataclass(frozen=True)
class Platform:
    """Where the parts of a generated project live."""

    name: str
    model_dir: str  # where the model (and vocab) are copied, relative to the project
    golden_dir: str  # where golden vectors go


@dataclass(frozen=True)
class App:
    """One scaffoldable app."""

    task: Task
    platform: Platform

    @property
    def name(self) -> str:
        """``pose-web``."""
        return f"{self.task.name}-{self.platform.name}"

    def to_dict(self) -> dict[str, Any]:
        """Template-ready form."""
        return {"name": self.name, "task": self.task.name, "platform": self.platform.name, "title": self.task.title}


def _bind_pose(app: str, contract: ModelContract, options: b.BindOptions) -> dict[str, Any]:
    image = b.bind_image_input(app, contract, options)
    return {"image": image, "keypoints": b.bind_keypoints(app, contract, image, options)}


def _bind_bodypix(app: str, contract: ModelContract, options: b.BindOptions) -> dict[str, Any]:
    image = b.bind_image_input(app, contract, options)
    return {"image": image, "mask": b.bind_mask(app, contract, image, options)}


def _bind_qa(app: str, contract: ModelContract, options: b.BindOptions) -> dict[str, Any]:
    text = b.bind_text_inputs(app, contract, options)
    return {"text": text, "span": b.bind_span_outputs(app, contract, text, options)}


def _bind_smart_scroll(app: str, contract: ModelContract, options: b.BindOptions) -> dict[str, Any]:
    text = b.bind_text_inputs(app, contract, options)
    return {"text": text, "embedding": b.bind_embedding(app, contract, text, options)}


TASKS = (
    Task("qa", "Question answering",
         "int32 token inputs [1, L] (ids; mask and segment ids optional) + vocab.txt; start/end logits [1, L]",
         _bind_qa, groups=("_text",)),
    Task("smart-scroll", "Smart scroll",
         "int32 token inputs [1, L] + vocab.txt; a text embedding [1, D] (or [1, L, D])", _bind_smart_scroll,
         groups=("_text",)),
    Task("pose", "Pose", "image input [1, H, W, 3]; keypoints (e.g. [1, 1, 17, 3] or [1, 195] with --keypoints 33x5)",
         _bind_pose, groups=("_vision",)),
    Task("bodypix", "Body segmentation", "image input [1, H, W, 3]; person mask [1, H, W, 1 or 2]", _bind_bodypix,
         groups=("_vision",)),
)
PLATFORMS = (
    Platform("web", model_dir="public/model", golden_dir="public/golden"),
    Platform("android", model_dir="app/src/main/assets", golden_dir="app/src/androidTest/assets/golden"),
)
APPS = tuple(App(task, platform) for platform in PLATFORMS for task in TASKS)


def get_app(name: str) -> App:
    """The app called ``name``; UsageError listing the apps (and close matches) otherwise."""
    by_name = {app.name: app for app in APPS}
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(name, by_name, n=2)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise UsageError("--app", f"no app {name!r}; {hint}apps: {', '.join(by_name)}")

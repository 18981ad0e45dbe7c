"""The app list: every app is a (task, platform) pair.

Tasks come from the registry in :mod:`edgekit.scaffold.tasks`; a platform says where the parts of
a generated project go. Adding ``pose-android`` is nothing here: the ``pose`` task and the
``android`` platform make it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from edgekit.errors import UsageError
from edgekit.scaffold.tasks import Task, tasks

__all__ = ["Platform", "App", "PLATFORMS", "all_apps", "get_app"]


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
        """Template-ready form: the app's names plus the task's facts (``camera``, ``role_types``, ...)."""
        return {"name": self.name, **self.task.to_dict(), "platform": self.platform.name}


PLATFORMS = (
    Platform("web", model_dir="public/model", golden_dir="public/golden"),
    Platform("android", model_dir="app/src/main/assets", golden_dir="app/src/androidTest/assets/golden"),
)


def all_apps() -> tuple[App, ...]:
    """Every app of every registered task: the web apps first, then Android, tasks in registry order."""
    return tuple(App(task, platform) for platform in PLATFORMS for task in tasks())


def get_app(name: str) -> App:
    """The app called ``name``; UsageError listing the apps (and close matches) otherwise."""
    by_name = {app.name: app for app in all_apps()}
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(name, by_name, n=2)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise UsageError("app", f"no app {name!r}; {hint}apps: {', '.join(by_name)}")

"""Render a template tree into a staging folder: sandboxed Jinja, StrictUndefined, ``*.jinja`` only.

Template trees live in ``templates/<platform>/_common`` (every app of the platform),
``templates/<platform>/_<group>`` (apps of one kind, e.g. ``_text`` for the tokenizer the text apps
share) and ``templates/<platform>/<task>`` (one app; its files win), or the folder a registered task
names. ``templates/`` is at the top of a source checkout and ships as ``edgekit/templates`` in the
wheel. A file named ``X.jinja`` renders to ``X``; every other file is copied byte for byte. A
reference to a value the context lacks is an error, not an empty string. A file that starts with
``#!`` (a script such as ``gradlew``) is written executable, 0755: the content decides, not the
template's mode bits, which a copy, an archive or a Windows checkout may not keep.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.exceptions import FilterArgumentError
from jinja2.sandbox import SandboxedEnvironment

import edgekit
from edgekit.errors import EdgekitError

if TYPE_CHECKING:
    from edgekit.scaffold.tasks import Task

__all__ = ["templates_dir", "template_roots", "render_tree", "leftover_markers", "kotlin_string",
           "android_string", "TEMPLATE_SUFFIX"]

TEMPLATE_SUFFIX = ".jinja"
_MARKERS = re.compile(r"\{\{|\{%|%\}|\{#-? ")


def templates_dir() -> Path:
    """edgekit's own template folder: ``edgekit/templates`` when installed, ``templates/`` in a checkout."""
    package = Path(edgekit.__file__).resolve().parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "web" / "_common").is_dir():
            return candidate
    raise EdgekitError(f"edgekit's app templates are missing (looked in {package / 'templates'} and "
                       f"{package.parent / 'templates'}); reinstall edgekit")


def template_roots(platform: str, task: Task) -> list[Path]:
    """The template folders for an app: ``_common``, then the task's ``groups`` (``_text``), then its own.

    A later folder's file wins over an earlier one's with the same path. The task's own folder must exist.
    """
    base = templates_dir() / platform
    own = (task.templates / platform) if task.templates is not None else base / task.name
    if not own.is_dir():
        fix = f"add {platform}/ to the task's template folder" if task.templates else "reinstall edgekit"
        raise EdgekitError(f"no templates for {task.name}-{platform} at {own}; {fix}")
    layers = [base / "_common", *(base / group for group in task.groups), own]
    return [root for root in layers if root.is_dir()]


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    env.filters["json"] = lambda value, indent=None: json.dumps(value, indent=indent)
    env.filters["kotlin_string"] = kotlin_string
    env.filters["android_string"] = android_string
    return env


# Kotlin's escapes (https://kotlinlang.org/docs/characters.html); `$` would start a string template.
_KOTLIN_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                   "\b": "\\b"}


def kotlin_string(value: object) -> str:
    """``value`` as a quoted Kotlin string literal that evaluates to exactly ``value``.

    The ``kotlin_string`` filter: every text a template places into Kotlin goes through it. Other
    control and format characters (and lone surrogates from undecodable file names) become ``\\uXXXX``.
    """
    text = _text(value, "kotlin_string")
    escaped = []
    for char in text:
        if char in _KOTLIN_ESCAPES:
            escaped.append(_KOTLIN_ESCAPES[char])
        elif _invisible(char):
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


# Android's string-resource escapes; `@` and `?` only matter first, where they would make a reference.
_ANDROID_ESCAPES = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\t": "\\t"}
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def android_string(value: object) -> str:
    """``value`` as the text of an Android ``<string>`` resource that reads back as exactly ``value``.

    The ``android_string`` filter: every text a template places into res/ XML goes through it.
    Android unescapes ``\\' \\" \\\\ \\n \\t \\@ \\? \\uXXXX``, drops unescaped double quotes, collapses
    runs of whitespace and trims both ends; so a space is kept literally only between two other
    characters, and everything else that Android or XML would read differently is escaped.
    """
    text = _text(value, "android_string")
    escaped = []
    for i, char in enumerate(text):
        if char in _ANDROID_ESCAPES:
            escaped.append(_ANDROID_ESCAPES[char])
        elif char in "@?" and i == 0:
            escaped.append("\\" + char)
        elif char == " " and not _between_words(text, i):
            escaped.append("\\u0020")
        elif _invisible(char) or (char.isspace() and char != " "):
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(_XML_ESCAPES.get(char, char))
    return "".join(escaped)


def _between_words(text: str, i: int) -> bool:
    """``text[i]`` has a non-space on both sides: Android neither trims nor collapses it."""
    return 0 < i < len(text) - 1 and not text[i - 1].isspace() and not text[i + 1].isspace()


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise FilterArgumentError(f"{name} takes text, not {type(value).__name__} {value!r}")
    return value


def _invisible(char: str) -> bool:
    """Control, format and surrogate code points: unsafe or unreadable as themselves in a source file."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def render_tree(roots: list[Path], context: dict[str, Any], dest: Path) -> list[Path]:
    """Render ``roots`` (later roots override earlier ones) into ``dest``; return the rendered files."""
    env = _environment()
    rendered: list[Path] = []
    for root in roots:
        for source in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in source.parts:
                continue
            relative = source.relative_to(root)
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.name.endswith(TEMPLATE_SUFFIX):
                target = target.with_name(source.name[: -len(TEMPLATE_SUFFIX)])
                text = _render(env, source, root, context)
                target.write_text(text, encoding="utf-8")
                rendered.append(target)
            else:
                shutil.copyfile(source, target)
            _mark_scripts_executable(target)
    return rendered


def _mark_scripts_executable(path: Path) -> None:
    """Make a file that starts with ``#!`` executable by everyone (0755), as ``gradle init`` does gradlew."""
    with path.open("rb") as stream:
        if stream.read(2) == b"#!":
            os.chmod(path, 0o755)


def _render(env: SandboxedEnvironment, source: Path, root: Path, context: dict[str, Any]) -> str:
    try:
        return env.from_string(source.read_text(encoding="utf-8")).render(context)
    except TemplateError as exc:
        where = source.relative_to(root.parent)
        raise EdgekitError(f"template {where} failed to render: {exc}; this is a bug in edgekit") from exc


def leftover_markers(files: list[Path]) -> list[str]:
    """``path:line`` of every rendered line that still holds a template marker."""
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _MARKERS.search(line):
                found.append(f"{path.name}:{number}")
    return found

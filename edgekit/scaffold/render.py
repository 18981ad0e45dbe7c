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

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import StrictUndefined, TemplateError
from jinja2.exceptions import FilterArgumentError, SecurityError
from jinja2.sandbox import SandboxedEnvironment

from edgekit.errors import EXIT_INTERNAL, EdgekitError
from edgekit.text.escape import code, xml
from edgekit.text.escape.code import json_text, ts_string, ts_template, ts_value
from edgekit.text.escape.html import html_text
from edgekit.text.escape.markdown import markdown_code, markdown_text

if TYPE_CHECKING:
    from edgekit.scaffold.tasks import Task

__all__ = ["templates_dir", "template_roots", "render_tree", "leftover_markers", "kotlin_string",
           "android_string", "FILTERS", "TemplateBug", "TEMPLATE_SUFFIX"]

TEMPLATE_SUFFIX = ".jinja"
_MARKERS = re.compile(r"\{\{|\{%|%\}|\{#-? ")


def templates_dir() -> Path:
    """edgekit's own template folder: ``edgekit/templates`` when installed, ``templates/`` in a checkout."""
    package = Path(__file__).resolve().parents[1]
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


class TemplateBug(EdgekitError):
    """A template failed to render: edgekit's own templates or context are wrong, not the user's input."""

    exit_code = EXIT_INTERNAL


class _Escaped(str):
    """Text an escaping filter produced: the only text the renderer prints without question."""


#: Characters that mean nothing in any target language (no quote, backslash, `$`, backtick,
#: bracket, `<`, `&`, `|`, `*`, `/`, line break): a text made only of these may be printed bare.
_INERT = re.compile(r"[A-Za-z0-9_.,:+ -]*")


def _strict(name: str, escape: Callable[..., str],
            takes: type | tuple[type, ...] = object) -> Callable[..., str]:
    """ESCAPE as a filter: it takes only TAKES, and its result is marked as escaped."""

    def apply(value: object, *args: Any, **kwargs: Any) -> str:
        if not isinstance(value, takes):
            raise FilterArgumentError(f"{name} takes text, not {type(value).__name__} {value!r}")
        try:
            return _Escaped(escape(value, *args, **kwargs))
        except (TypeError, ValueError) as exc:
            raise FilterArgumentError(f"{name}: {exc}") from exc

    return apply


#: What a URL path segment may hold as itself (RFC 3986 pchar). Static servers (Vite's sirv) undo
#: percent-escapes with decodeURI, which leaves these escaped: they must stay literal to be found.
_PATH_SEGMENT_SAFE = "!$&'()*+,;=:@"

#: One filter per sink. A template puts every value that comes from data (names, labels, files)
#: through the filter of where it lands; see edgekit.text.escape.
FILTERS: dict[str, Callable[..., str]] = {
    "json": _strict("json", json_text),
    "ts_value": _strict("ts_value", ts_value),
    "ts_string": _strict("ts_string", ts_string, str),
    "ts_template": _strict("ts_template", ts_template, str),
    "line_comment": _strict("line_comment", code.line_comment, str),
    "url_path_segment": _strict("url_path_segment", lambda value: quote(value, safe=_PATH_SEGMENT_SAFE), str),
    "kotlin_string": _strict("kotlin_string", code.kotlin_string, str),
    "android_string": _strict("android_string", xml.android_string, str),
    "html": _strict("html", lambda value: str(html_text(value)), (str, int, float)),
    "markdown": _strict("markdown", markdown_text, (str, int, float)),
    "markdown_code": _strict("markdown_code", markdown_code, (str, int, float)),
}


def _finalize(value: object) -> object:
    """Refuse to print text that no escaping filter produced, unless it is inert in every language.

    This makes a forgotten filter a render error (caught by the tests that render every template
    with hostile names) instead of code injected into a generated app.
    """
    if isinstance(value, str) and not isinstance(value, _Escaped) and not _INERT.fullmatch(value):
        raise SecurityError(f"the template prints {value[:60]!r} without the escaping filter of its sink "
                            f"({', '.join(FILTERS)})")
    return value


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False,
                               finalize=_finalize)
    env.filters.update(FILTERS)
    return env


def kotlin_string(value: object) -> str:
    """``value`` as a quoted Kotlin string literal (the ``kotlin_string`` filter); see
    edgekit.text.escape.code."""
    return FILTERS["kotlin_string"](value)


def android_string(value: object) -> str:
    """``value`` as Android ``<string>`` text (the ``android_string`` filter); see edgekit.text.escape.xml."""
    return FILTERS["android_string"](value)


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
        raise TemplateBug(f"template {where} failed to render: {exc}; this is a bug in edgekit") from exc


def leftover_markers(files: list[Path]) -> list[str]:
    """``path:line`` of every rendered line that still holds a template marker."""
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _MARKERS.search(line):
                found.append(f"{path.name}:{number}")
    return found

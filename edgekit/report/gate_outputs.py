"""Where a gate's verdict goes: the files the user named, and the CI step summary.

Minutes of measurement must never end in a verdict that cannot be written, so every output is
judged before the first check runs. A file the user named (``junit``, ``markdown``, ``json``,
``pytest_benchmark_json``) that cannot be written is a UsageError up front (exit 2).
``$GITHUB_STEP_SUMMARY`` is set by the CI runner, not by the user: when it cannot be appended to
(a directory, a FIFO, a device, an unwritable file) the gate says so in one warning and runs on,
because its exit code and the named files still carry the verdict. Nothing here ever opens a
FIFO in a way that blocks.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from edgekit.errors import UsageError
from edgekit.files import atomic
from edgekit.files.preflight import check_output_file, special_file_kind
from edgekit.gate.result import GateResult

__all__ = ["FORMATS", "STEP_SUMMARY_ENV", "GateOutputs", "plan_outputs", "write_outputs"]

#: The files a gate can write, by library parameter name.
FORMATS = ("junit", "markdown", "json", "pytest_benchmark_json")
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True)
class GateOutputs:
    """The checked outputs of one gate run, and why the step summary is skipped (if it is)."""

    files: dict[str, Path] = field(default_factory=dict)
    step_summary: Path | None = None
    warnings: tuple[str, ...] = ()


def plan_outputs(
    files: Mapping[str, str | os.PathLike[str] | None], environ: Mapping[str, str] | None = None
) -> GateOutputs:
    """FILES (format -> path, None for not wanted) proven writable, and the step summary judged.

    UsageError naming the format when a file cannot be written; the step summary only warns.
    """
    unknown = [name for name in files if name not in FORMATS]
    if unknown:
        raise UsageError(unknown[0], f"is not a gate output; choose from {', '.join(FORMATS)}")
    checked = {name: check_output_file(path, name) for name, path in files.items() if path}
    value = (os.environ if environ is None else environ).get(STEP_SUMMARY_ENV, "")
    if not value:
        return GateOutputs(checked)
    problem = _append_problem(Path(value))
    if problem:
        warning = f"${STEP_SUMMARY_ENV} {value} {problem}; the step summary is not written"
        return GateOutputs(checked, None, (warning,))
    return GateOutputs(checked, Path(value))


def write_outputs(result: GateResult, outputs: GateOutputs) -> list[str]:
    """Write RESULT to every planned output; the warnings of a step summary that failed anyway."""
    from edgekit.report import benchmark_json, gate_markdown, junit

    markdown = gate_markdown.render_gate_markdown(result)
    renderers = {
        "junit": lambda: junit.render_junit(result),
        "markdown": lambda: markdown,
        "pytest_benchmark_json": lambda: benchmark_json.render_benchmark_json(result),
    }
    for name, path in outputs.files.items():
        try:
            if name == "json":
                result.save(path)
            else:
                atomic.write_text(path, renderers[name]())
        except OSError as exc:
            raise UsageError(name, f"cannot write {path} ({exc.strerror or exc})") from None
    if outputs.step_summary is None:
        return []
    try:
        _append(outputs.step_summary, markdown)
    except OSError as exc:
        return [f"${STEP_SUMMARY_ENV} {outputs.step_summary}: cannot append ({exc.strerror or exc}); "
                "the step summary is not written"]
    return []


def _append_problem(path: Path) -> str | None:
    """Why PATH cannot be appended to, in words; None when it can (or can be created)."""
    kind = special_file_kind(path, folders=True)
    if kind:
        return f"is {kind}, not a file"
    if not path.exists():
        try:
            check_output_file(path, STEP_SUMMARY_ENV)
        except UsageError as exc:
            return f"cannot be created ({exc.reason})"
        return None
    try:  # opened for appending, without creating or blocking, then closed: nothing is written
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_NOCTTY))
    except OSError as exc:
        return f"cannot be appended to ({exc.strerror or type(exc).__name__})"
    return None


def _append(path: Path, text: str) -> None:
    """Append TEXT to the regular file PATH (created if missing); a FIFO swapped in is refused."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_NOCTTY, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        os.set_blocking(fd, True)
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)

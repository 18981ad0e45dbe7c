"""One error hierarchy for edgekit; the CLI maps each class to an exit code in one place.

Every message says what happened, why, and what to do next, in one line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "EdgekitError",
    "UsageError",
    "ModelNotFound",
    "ModelFormatError",
    "UnsupportedModel",
    "InputsError",
    "UnknownDelegate",
    "DelegateUnavailable",
    "ZooError",
    "ToolMissing",
    "PackageMissing",
    "CONVERT_EXTRA",
    "ToolNotStarted",
    "ToolTimeout",
    "ToolInstallError",
    "ResultFormatError",
    "MergeRefused",
    "DataFileError",
    "GateConfigError",
    "CacheNotWritable",
    "RunFailed",
    "EXIT_OK",
    "EXIT_CHECK_FAILED",
    "EXIT_BAD_INPUT",
    "EXIT_ENVIRONMENT",
    "EXIT_INTERNAL",
]

EXIT_OK = 0
#: A run crashed, hung or failed, or (later) an accuracy check or gate said no.
EXIT_CHECK_FAILED = 1
#: The user's input is wrong: model file, option value, inputs file.
EXIT_BAD_INPUT = 2
#: This machine lacks something edgekit needs (npm, a fetch failed, the runtime).
EXIT_ENVIRONMENT = 3
#: A bug in edgekit.
EXIT_INTERNAL = 4


class EdgekitError(Exception):
    """Base of every error edgekit raises on purpose."""

    exit_code = EXIT_BAD_INPUT


class UsageError(EdgekitError):
    """An argument has a value edgekit cannot use.

    ``parameter`` is the library's name for it (``threads``, ``input_shapes``). The reason names
    other parameters in backticks (``pass `force` to replace it``); the CLI shows its own flags
    in their place, a Python caller reads the parameter names.
    """

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter = parameter
        self.reason = reason
        super().__init__(f"{parameter}: {reason}")


class ModelNotFound(EdgekitError):
    """MODEL is neither an existing file nor a zoo name."""

    def __init__(self, spec: str, hint: str = "") -> None:
        self.spec = spec
        message = f"model not found: {spec!r} is not a file and not a zoo model name"
        message += f"; {hint}" if hint else "; see `edgekit zoo list`"
        super().__init__(message)


class ModelFormatError(EdgekitError):
    """The file exists but is not a usable .tflite model."""

    def __init__(self, path: str | Path, reason: str, expected: str = "a usable .tflite model") -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: not {expected}: {reason}")


class UnsupportedModel(EdgekitError):
    """No requested delegate can execute the model (for example a custom op nobody implements)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: cannot run: {reason}")


class InputsError(EdgekitError):
    """User-supplied inputs do not match the model's inputs."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class UnknownDelegate(EdgekitError):
    """A delegate name that is not in the registry."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown delegate {name!r}; choose from: {', '.join(known)}")


class DelegateUnavailable(EdgekitError):
    """A delegate exists but cannot run on this device."""

    exit_code = EXIT_ENVIRONMENT

    def __init__(self, delegate: str, reason: str) -> None:
        self.delegate = delegate
        self.reason = reason
        super().__init__(f"delegate {delegate!r} is unavailable here: {reason}")


class ZooError(EdgekitError):
    """A zoo model could not be fetched or failed verification."""

    exit_code = EXIT_ENVIRONMENT

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"zoo model {name!r}: {reason}")


class ToolMissing(EdgekitError):
    """An external program edgekit needs is not installed."""

    exit_code = EXIT_ENVIRONMENT

    def __init__(self, tool: str, purpose: str, install_hint: str) -> None:
        self.tool = tool
        super().__init__(f"{tool} is needed {purpose} but was not found on PATH; {install_hint}")


#: What installs TensorFlow beside edgekit (convert, TF.js graph models' golden vectors, minilm-l6).
CONVERT_EXTRA = "pip install 'edgekit-ml[convert]'"


class PackageMissing(ToolMissing):
    """A Python package edgekit needs for this job is not installed: an extra of edgekit's (e.g. convert)."""

    def __init__(self, package: str, purpose: str, install_hint: str) -> None:
        self.tool = package
        EdgekitError.__init__(
            self, f"the Python package {package} is needed {purpose} but is not installed; {install_hint}"
        )


class ToolNotStarted(ToolMissing):
    """An external program edgekit found could not be started (not executable, built for another
    machine): as good as missing here."""

    def __init__(self, tool: str, reason: str) -> None:
        self.tool = tool
        self.reason = reason
        EdgekitError.__init__(
            self, f"{tool} could not be started ({reason}); check that it is installed for this machine "
                  "and can run"
        )


class ToolTimeout(EdgekitError):
    """An external program edgekit ran (a converter, a compiler) did not finish in time."""

    exit_code = EXIT_CHECK_FAILED

    def __init__(self, tool: str, seconds: float, hint: str = "") -> None:
        self.tool = tool
        self.seconds = seconds
        message = f"{tool} did not finish within {seconds:g} s and was stopped"
        super().__init__(f"{message}; {hint}" if hint else message)


class ToolInstallError(EdgekitError):
    """A helper tool set (e.g. the TF.js converters) could not be installed."""

    exit_code = EXIT_ENVIRONMENT

    def __init__(self, tool: str, reason: str) -> None:
        self.tool = tool
        self.reason = reason
        super().__init__(f"could not install {tool}: {reason}")


class ResultFormatError(EdgekitError):
    """A result document cannot be read (wrong schema version, not JSON, missing fields)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: not a readable edgekit result: {reason}")


class MergeRefused(EdgekitError):
    """Result documents that cannot be compared side by side (another model, another schema)."""

    def __init__(self, paths: list[str], reason: str) -> None:
        self.paths = list(paths)
        self.reason = reason
        super().__init__(f"cannot merge {', '.join(self.paths)}: {reason}")


class DataFileError(EdgekitError):
    """A data file shipped with edgekit is missing or corrupt: the installation is broken."""

    exit_code = EXIT_INTERNAL

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"edgekit's data file {where} {reason}; "
                         "reinstall edgekit (pip install --force-reinstall)")


class GateConfigError(EdgekitError):
    """A gate configuration (edgekit.toml, pyproject.toml) or a file it names cannot be used.

    ``key`` is the dotted key as written in the file (``models.pose.checks.size.max_growth``) and
    ``line`` its 1-based line, when it could be found.
    """

    def __init__(self, path: str | Path, key: str, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.key = key
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {key}: {reason}")


class CacheNotWritable(EdgekitError):
    """edgekit's cache folder cannot be written; the setting is the user's to change."""

    def __init__(self, folder: str | Path, reason: str) -> None:
        self.folder = str(folder)
        self.reason = reason
        super().__init__(f"the cache folder {folder} is not usable: {reason}; "
                         "set $EDGEKIT_CACHE_DIR to a writable folder")


class RunFailed(EdgekitError):
    """A model that must run (a gate's baseline or candidate) crashed, hung or failed in its worker."""

    exit_code = EXIT_CHECK_FAILED

    def __init__(self, path: str | Path, status: str, reason: str) -> None:
        self.path = str(path)
        self.status = status
        self.reason = reason
        super().__init__(f"{path}: run {status}: {reason}; run `edgekit bench` on it to see the whole run")

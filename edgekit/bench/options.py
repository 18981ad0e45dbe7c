"""One check per kind of option, shared by ``bench``, ``profile``, ``bisect`` and the gate.

The same value gets the same answer everywhere: a thread count of 300, a negative seed, NaN
decibels or a duration of 1e308 seconds are refused alike, naming the library's parameter (the CLI
shows its flag, the gate its key and line). Each check returns the value it accepted, normalised
(duplicates dropped, ``all`` expanded), or raises :class:`~edgekit.errors.UsageError`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from edgekit.errors import UsageError
from edgekit.measure.loop import LoopConfig

if TYPE_CHECKING:
    from edgekit.model.contract import TensorInfo
    from edgekit.model.model import Model

__all__ = [
    "MAX_SECONDS",
    "MAX_THREADS",
    "check_count",
    "check_decibels",
    "check_delegates",
    "check_loop",
    "check_memory",
    "check_precisions",
    "check_seconds",
    "check_seed",
    "check_thread_count",
    "check_threads",
    "check_timeout",
]

#: The most threads a run may ask for; XNNPACK fails well before it on any machine we know.
MAX_THREADS = 256
#: The longest any duration may be (a day): a longer one is a typo, and 1e308 would never end.
MAX_SECONDS = 86400.0


def _whole(value: object) -> bool:
    """An integer that is not a boolean (numpy's included)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _finite(value: object) -> bool:
    """A finite real number that is not a boolean (numpy's included)."""
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    return number and math.isfinite(value)  # type: ignore[arg-type]


def check_threads(threads: int | Sequence[int], parameter: str = "threads") -> tuple[int, ...]:
    """Thread counts to sweep: whole numbers 1..MAX_THREADS, at least one, duplicates dropped."""
    if isinstance(threads, (str, bytes)):
        raise UsageError(parameter, f"{threads!r} is not a thread count; use whole numbers 1..{MAX_THREADS}")
    counts = [threads] if isinstance(threads, (int, np.integer)) else list(threads)
    if not counts:
        raise UsageError(parameter, "give at least one thread count, e.g. 1,2,4")
    for count in counts:
        if not _whole(count) or not 1 <= count <= MAX_THREADS:
            raise UsageError(
                parameter, f"{count!r} is not a thread count; use whole numbers 1..{MAX_THREADS}"
            )
    return tuple(dict.fromkeys(int(count) for count in counts))


def check_thread_count(threads: int, parameter: str = "threads") -> int:
    """One thread count (profile, bisect), judged as a sweep of one."""
    if not _whole(threads):
        raise UsageError(parameter, f"{threads!r} is not a thread count; use a whole number 1..{MAX_THREADS}")
    return check_threads([threads], parameter)[0]


def check_seed(seed: int, parameter: str = "seed") -> int:
    """A seed of generated inputs: a whole number 0 or above (numpy refuses negative ones)."""
    if not _whole(seed) or seed < 0:
        raise UsageError(parameter, f"{seed!r} is not a seed; use a whole number 0 or above")
    return int(seed)


def check_seconds(parameter: str, value: float | None, *, positive: bool = False) -> float | None:
    """A duration: finite, not negative (with POSITIVE, above 0), at most MAX_SECONDS; None passes."""
    if value is None:
        return None
    if not _finite(value):
        raise UsageError(parameter, f"{value!r} is not a finite number of seconds")
    if positive and value <= 0:
        raise UsageError(parameter, f"{value:g} seconds must be positive")
    if value < 0:
        raise UsageError(parameter, f"{value:g} seconds is negative")
    if value > MAX_SECONDS:
        raise UsageError(
            parameter, f"{value:g} seconds is more than a day ({MAX_SECONDS:g}); give a shorter time"
        )
    return float(value)


def check_decibels(parameter: str, value: float) -> float:
    """A threshold in dB: a finite number (NaN would silently turn every comparison off)."""
    if not _finite(value):
        raise UsageError(parameter, f"{value!r} is not a finite number of decibels")
    return float(value)


def check_count(parameter: str, value: int, what: str, minimum: int = 1) -> int:
    """A whole number of WHAT, at least MINIMUM (segments, input sets, runs)."""
    if not _whole(value) or value < minimum:
        raise UsageError(parameter, f"{value!r} is not a number of {what}; give {minimum} or more")
    return int(value)


def check_delegates(
    names: str | Sequence[str], parameter: str = "delegates", *, keep_all: bool = False
) -> list[str]:
    """Registered delegate names, in the order given: at least one, ``all`` expanded, duplicates dropped.

    An unknown name raises :class:`~edgekit.errors.UnknownDelegate` with the valid ones. A delegate
    that cannot run on this machine is accepted: the caller reports it unavailable, with the reason.
    With ``keep_all``, ``all`` is left for the caller to expand (bench: the delegates that run the
    model's format, known only once the model is open).
    """
    from edgekit import delegates as registry

    given = [names] if isinstance(names, str) else list(names)
    if not all(isinstance(name, str) for name in given):
        raise UsageError(parameter, f"{names!r} is not a list of delegate names, e.g. cpu,gpu")
    cleaned = [name.strip() for name in given if name.strip()]
    if not cleaned:
        raise UsageError(parameter, "give at least one delegate, e.g. cpu")
    if "all" in cleaned and not keep_all:
        cleaned = [*registry.names(), *(name for name in cleaned if name != "all")]
    return [name if name == "all" else registry.get(name).name for name in dict.fromkeys(cleaned)]


def check_precisions(precisions: str | Sequence[str], parameter: str = "gpu_precision") -> tuple[str, ...]:
    """GPU arithmetic to sweep: each one of the GPU delegate's precisions, at least one."""
    from edgekit.delegates.gpu import PRECISIONS

    given = [precisions] if isinstance(precisions, str) else list(precisions)
    for precision in given:
        if precision not in PRECISIONS:
            raise UsageError(parameter, f"{precision!r} is not one of {', '.join(PRECISIONS)}")
    if not given:
        raise UsageError(parameter, f"give at least one of {', '.join(PRECISIONS)}")
    return tuple(dict.fromkeys(given))


def check_loop(loop: LoopConfig) -> LoopConfig:
    """Warm-up and measurement limits: durations as :func:`check_seconds`, runs at least 1."""
    check_seconds("warmup_seconds", loop.warmup_seconds)
    check_seconds("min_seconds", loop.min_seconds)
    check_seconds("max_seconds", loop.max_seconds, positive=True)
    if not _whole(loop.min_runs) or loop.min_runs < 1:
        raise UsageError("runs", f"{loop.min_runs!r} is too few; measure at least 1 run")
    if not _whole(loop.warmup_runs):
        raise UsageError("warmup_runs", f"{loop.warmup_runs!r} is not a number of warm-up runs")
    if loop.warmup_runs < 0:
        raise UsageError("warmup_runs", f"{loop.warmup_runs} warm-up runs is negative")
    if loop.max_seconds < loop.min_seconds:
        raise UsageError(
            "max_seconds",
            f"{loop.max_seconds} must be positive and at least `min_seconds` ({loop.min_seconds})",
        )
    return loop


def check_timeout(timeout: float | None, loop: LoopConfig) -> float:
    """A worker's hard timeout: as given (positive, at most a day), else room for a slow load plus LOOP."""
    if timeout is None:
        # Loading, warm-up and measurement are each capped by max_seconds; leave room for a slow load.
        return 120.0 + 2 * loop.max_seconds + loop.warmup_seconds
    return float(check_seconds("timeout", timeout, positive=True) or 0.0)


def check_memory(
    model: Model, max_input_bytes: int | None, tensors: Sequence[TensorInfo] | None = None
) -> None:
    """Refuse, before anything is allocated, a model whose inputs (TENSORS, by default its own) or
    any one computed tensor would not fit MAX_INPUT_BYTES (default: a quarter of free memory)."""
    from edgekit.inputs.seeded import check_input_budget

    computed = [t for s in range(model.subgraph_count) for t in model.tensors(s) if not t.is_constant]
    check_input_budget(model.inputs if tensors is None else tensors, max_input_bytes, computed)

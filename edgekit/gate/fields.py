"""Typed values of a gate configuration: each reader takes a TOML value and returns it checked.

A reader raises ValueError with the reason in words (``"-5%" is not a growth limit ...``); the
config loader adds the file, key and line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

__all__ = [
    "Reader",
    "boolean",
    "choice",
    "confidence",
    "growth",
    "positive_int",
    "non_negative_int",
    "path",
    "positive_number",
    "seconds",
    "text",
    "text_list",
    "text_table",
    "value_range",
    "int_list",
]

Reader = Callable[[Any], Any]
_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$")


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def growth(value: Any) -> float:
    """``"2%"`` -> 0.02: how much a figure may grow over the baseline (0% or more)."""
    if not isinstance(value, str):
        raise ValueError(
            f'{_type_name(value)} ({value!r}) is not a percentage; write it as a string like "2%"'
        )
    match = _PERCENT.match(value)
    if not match:
        raise ValueError(f'{value!r} is not a percentage; write it like "2%" or "0.5%"')
    fraction_ = float(match.group(1)) / 100
    if fraction_ < 0:
        raise ValueError(
            f'{value!r} is not a growth limit: it cannot be negative; use "0%" to allow no growth'
        )
    return fraction_


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{_type_name(value)} ({value!r}) where true or false is expected")
    return value


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{_type_name(value)} ({value!r}) where a non-empty string is expected")
    return value


#: What a path may hold: Linux's own limits (PATH_MAX, NAME_MAX); past them every call on it fails.
_MAX_PATH_BYTES = 4096
_MAX_NAME_BYTES = 255


def path(value: Any) -> str:
    """A file path (or zoo name, or ``git:REF:PATH``): text no file system call would choke on.

    A NUL character cannot be in any file name (Python raises ValueError on it) and a name past the
    system's limits fails every call with ENAMETOOLONG: both are refused here, with the key's line.
    """
    checked = text(value)
    if "\x00" in checked:
        raise ValueError(f"{checked!r} holds a NUL character, which no file name can hold")
    encoded = checked.encode("utf-8", errors="surrogateescape")
    if len(encoded) > _MAX_PATH_BYTES or any(len(part) > _MAX_NAME_BYTES for part in encoded.split(b"/")):
        raise ValueError(f"{checked[:60]!r}... ({len(encoded):,} bytes) is longer than a path can be "
                         f"(at most {_MAX_PATH_BYTES} bytes, {_MAX_NAME_BYTES} per name)")
    return checked


def text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{_type_name(value)} ({value!r}) where an array of strings is expected")
    return tuple(value)


def text_table(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(
            f'{_type_name(value)} ({value!r}) where a table of strings is expected (e.g. {{ mask = "mask" }})'
        )
    return dict(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{_type_name(value)} ({value!r}) where a number is expected")
    return float(value)


def positive_number(value: Any) -> float:
    number = _number(value)
    if number <= 0:
        raise ValueError(f"{value!r} must be greater than 0")
    return number


def confidence(value: Any) -> float:
    """A confidence level for a latency comparison: at least 0.5 and below 1 (e.g. 0.99)."""
    number = _number(value)
    if not 0.5 <= number < 1:
        raise ValueError(f"{value!r} is not a confidence level in [0.5, 1) (e.g. 0.99)")
    return number


#: The longest a timed check may be given: a day. Longer is a mistake (or `1e308`), not a plan.
MAX_SECONDS = 86_400.0


def seconds(value: Any) -> float:
    """A positive number of seconds, at most a day."""
    number = positive_number(value)
    if number > MAX_SECONDS:
        raise ValueError(f"{value!r} seconds is more than a day ({MAX_SECONDS:g}); give a shorter limit")
    return number


def non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{_type_name(value)} ({value!r}) where a whole number is expected")
    if value < 0:
        raise ValueError(f"{value!r} cannot be negative")
    return value


def positive_int(value: Any) -> int:
    number = non_negative_int(value)
    if number < 1:
        raise ValueError(f"{value!r} must be at least 1")
    return number


def int_list(value: Any) -> tuple[int, ...]:
    """One whole number >= 1 or an array of them (thread counts)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError("an empty array; give at least one value")
    return tuple(dict.fromkeys(positive_int(item) for item in items))


def value_range(value: Any) -> tuple[float, float]:
    """``[low, high]`` with low < high (the value range of a float image input)."""
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"{_type_name(value)} ({value!r}) where [LOW, HIGH] is expected (e.g. [0, 1])")
    low, high = _number(value[0]), _number(value[1])
    if not low < high:
        raise ValueError(f"{value!r} is not [LOW, HIGH] with LOW below HIGH")
    return low, high


def choice(*options: str) -> Reader:
    """A reader accepting exactly one of OPTIONS."""

    def read(value: Any) -> str:
        if value not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(repr(o) for o in options)}")
        return str(value)

    return read

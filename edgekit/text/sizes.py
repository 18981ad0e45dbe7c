"""Byte sizes, the one way edgekit prints them: binary units (KiB, MiB), always named."""

from __future__ import annotations

__all__ = ["KIB", "MIB", "format_size"]

KIB = 1024
MIB = 1024 * KIB


def format_size(size_bytes: int | None) -> str:
    """``12.34 MiB`` from one MiB up, else ``5.6 KiB``; ``-`` when the size is unknown."""
    if size_bytes is None:
        return "-"
    if size_bytes >= MIB:
        return f"{size_bytes / MIB:.2f} MiB"
    return f"{size_bytes / KIB:.1f} KiB"

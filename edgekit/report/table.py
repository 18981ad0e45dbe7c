"""Plain-text tables and byte sizes, the one way every edgekit report prints them.

Columns are as wide as their widest cell and two spaces apart; numeric columns can be
right-aligned; trailing spaces are dropped so a pasted table diffs cleanly. Sizes are binary
(KiB, MiB) and always name their unit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

__all__ = ["KIB", "MIB", "format_size", "render_table"]

KIB = 1024
MIB = 1024 * KIB


def format_size(size_bytes: int | None) -> str:
    """``12.34 MiB`` from one MiB up, else ``5.6 KiB``; ``-`` when the size is unknown."""
    if size_bytes is None:
        return "-"
    if size_bytes >= MIB:
        return f"{size_bytes / MIB:.2f} MiB"
    return f"{size_bytes / KIB:.1f} KiB"


def render_table(
    header: Sequence[str] | None,
    rows: Sequence[Sequence[object]],
    *,
    rule: bool = True,
    right: Collection[int] = (),
    indent: str = "",
) -> list[str]:
    """The table's lines: ``header`` (then a rule of dashes when ``rule``), then one line per row.

    ``right`` holds the positions of right-aligned columns; ``indent`` starts every line.
    """
    body = [[str(cell) for cell in row] for row in rows]
    lines = body if header is None else [list(header), *body]
    if not lines:
        return []
    widths = [max(len(line[i]) for line in lines if i < len(line)) for i in range(max(map(len, lines)))]

    def render(cells: Sequence[str]) -> str:
        aligned = (
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )
        return (indent + "  ".join(aligned)).rstrip()

    rendered = [render(line) for line in lines]
    if header is not None and rule:
        rendered.insert(1, render(["-" * w for w in widths]))
    return rendered

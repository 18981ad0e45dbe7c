"""Plain-text tables, the one way every edgekit report prints them.

Columns are as wide as their widest cell and two spaces apart; numeric columns can be
right-aligned; trailing spaces are dropped so a pasted table diffs cleanly.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

__all__ = ["render_table"]

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

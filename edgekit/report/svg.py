"""Small SVG charts drawn with plain Python: a scale, box plots, a scatter, a heat grid, bars.

Why hand-written SVG and not matplotlib or a JavaScript library: a report must be one file that
opens from ``file://`` with no network and no runtime, stays small, and renders the same on a
phone's browser and in a PR artifact. Inline SVG does all of that; these charts need only lines,
rectangles, circles and text. matplotlib is not installed here and would add a heavy dependency
(and its SVG embeds fonts as paths, tens of kilobytes per chart); a JavaScript plotting library
would have to be inlined (hundreds of kilobytes) and would run code when the report opens.
Every element carries a ``<title>`` so hovering shows the exact figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from edgekit.text.escape.html import Markup, html, join

__all__ = ["Scale", "Box", "Point", "Cell", "Bar", "box_plot", "scatter", "heat_grid", "bar_chart",
           "VERDICT_COLOURS"]

#: One colour per verdict (and for "not judged"), shared by every chart and table.
VERDICT_COLOURS = {"pass": "#2e7d32", "warn": "#e69f00", "fail": "#c62828", None: "#8a8a8a"}
_FONT = Markup('font-family="system-ui,sans-serif" font-size="12"')
_LABEL_WIDTH = 220
_RIGHT = 70
#: Values are drawn clamped to this: padding and logarithms of larger floats overflow.
_LARGEST = 1e300
_NO_ATTRIBUTES = Markup()


@dataclass(frozen=True)
class Scale:
    """Maps data values in [low, high] to pixels in [start, end], linearly or logarithmically."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    @classmethod
    def fit(cls, values: Sequence[float], start: float, end: float) -> Scale:
        """A scale for VALUES: logarithmic when they span more than 30x, padded a little.

        Values that are not finite are left out (a document may hold them); huge ones are clamped.
        """
        positive = [min(v, _LARGEST) for v in values if math.isfinite(v) and v > 0] or [1.0]
        low, high = min(positive), max(positive)
        if high / low > 30:
            return cls(low / 1.2, high * 1.2, start, end, log=True)
        span = (high - low) or abs(high) or 1.0
        return cls(max(0.0, low - span * 0.1), high + span * 0.1, start, end)

    def __call__(self, value: float) -> float:
        value = min(max(value, self.low), self.high) if not math.isnan(value) else self.low
        if self.log:
            fraction = math.log(value / self.low) / math.log(self.high / self.low)
        else:
            fraction = (value - self.low) / ((self.high - self.low) or 1.0)
        return self.start + fraction * (self.end - self.start)

    def ticks(self, count: int = 5) -> list[float]:
        """Round values to label the axis with."""
        if self.log:
            first, last = math.floor(math.log10(self.low)), math.ceil(math.log10(self.high))
            return [10.0 ** e for e in range(first, last + 1) if self.low <= 10.0 ** e <= self.high]
        raw = (self.high - self.low) / count
        base = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
        step = base * next((m for m in (1, 2, 5, 10) if raw <= m * base), 10)
        start = math.ceil(self.low / step) * step
        return [start + i * step for i in range(count + 2) if start + i * step <= self.high]


@dataclass(frozen=True)
class Box:
    """One distribution summary to draw: whiskers min-max, box p25-p75, median, p99 tick."""

    label: str
    series: str
    colour: str
    minimum: float
    p25: float
    p50: float
    p75: float
    p99: float
    maximum: float
    count: int


@dataclass(frozen=True)
class Point:
    """One scatter point; ``ring`` marks it (the Pareto front)."""

    label: str
    x: float
    y: float
    colour: str
    note: str
    ring: bool = False


@dataclass(frozen=True)
class Cell:
    """One heat-grid cell: its text, colour and hover note."""

    row: str
    column: str
    text: str
    colour: str
    note: str


@dataclass(frozen=True)
class Bar:
    """One horizontal bar."""

    label: str
    value: float
    note: str


def _text(x: float, y: float, text: str, anchor: str = "start", extra: Markup = _NO_ATTRIBUTES) -> Markup:
    return html('<text x="{:.1f}" y="{:.1f}" text-anchor="{}" {}>{}</text>', x, y, anchor, extra, text)


def _svg(plot: str, width: float, height: float, title: str, body: list[Markup]) -> Markup:
    return html(
        '<svg xmlns="http://www.w3.org/2000/svg" data-plot="{plot}" id="plot-{plot}" role="img" '
        'width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" {font}>'
        "<title>{title}</title>{body}</svg>",
        plot=plot, w=width, h=height, font=_FONT, title=title, body=join(body),
    )


def _x_axis(scale: Scale, y: float, top: float, unit: str) -> list[Markup]:
    parts = [html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#444"/>', scale.start, y, scale.end, y)]
    for tick in scale.ticks():
        x = scale(tick)
        parts.append(html('<line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}" stroke="#e4e4e4"/>', x, top, x, y))
        parts.append(_text(x, y + 15, f"{tick:g}", "middle"))
    parts.append(_text(scale.end, y + 30, unit + (" (log scale)" if scale.log else ""), "end"))
    return parts


def box_plot(plot: str, title: str, boxes: Sequence[Box], unit: str, width: int = 900) -> Markup:
    """Horizontal box plots, one row per box, grouped under their labels."""
    row, top = 18, 10
    height = top + row * len(boxes) + 45
    scale = Scale.fit([v for b in boxes for v in (b.minimum, b.maximum)], _LABEL_WIDTH, width - _RIGHT)
    body = _x_axis(scale, height - 40, top, unit)
    previous = None
    for index, box in enumerate(boxes):
        middle = top + row * index + row / 2
        if box.label != previous:
            body.append(_text(_LABEL_WIDTH - 8, middle + 4, box.label, "end"))
            previous = box.label
        low, high = scale(box.minimum), scale(box.maximum)
        box_width = max(1.0, scale(box.p75) - scale(box.p25))
        note = (f"{box.label} {box.series}: n={box.count}, min {box.minimum:.4g}, p25 {box.p25:.4g}, "
                f"p50 {box.p50:.4g}, p75 {box.p75:.4g}, p99 {box.p99:.4g}, max {box.maximum:.4g} {unit}")
        body.append(html(
            '<g data-series="{series}"><title>{note}</title>'
            '<line x1="{low:.1f}" y1="{mid}" x2="{high:.1f}" y2="{mid}" stroke="{colour}"/>'
            '<rect x="{p25:.1f}" y="{top}" height="12" fill="{colour}" fill-opacity="0.35" stroke="{colour}" '
            'width="{width:.1f}"/>'
            '<line x1="{p50:.1f}" y1="{median_top}" x2="{p50:.1f}" y2="{median_bottom}" stroke="#111" '
            'stroke-width="2"/>'
            '<line x1="{p99:.1f}" y1="{tick_top}" x2="{p99:.1f}" y2="{tick_bottom}" stroke="{colour}"/>'
            "{value}</g>",
            series=box.series, note=note, low=low, high=high, mid=middle, colour=box.colour,
            p25=scale(box.p25), top=middle - 6, width=box_width, p50=scale(box.p50), median_top=middle - 7,
            median_bottom=middle + 7, p99=scale(box.p99), tick_top=middle - 4, tick_bottom=middle + 4,
            value=_text(width - _RIGHT + 6, middle + 4, f"{box.p50:.3g}", extra=Markup('fill="#333"')),
        ))
    return _svg(plot, width, height, title, body)


def scatter(plot: str, title: str, points: Sequence[Point], x_unit: str, y_unit: str,
            width: int = 640, height: int = 380) -> Markup:
    """A scatter of POINTS; ringed points are joined by a dashed line (the front they form)."""
    left, bottom = 70, height - 45
    x_scale = Scale.fit([p.x for p in points], left, width - 30)
    y_scale = Scale.fit([p.y for p in points], bottom, 15)
    body = _x_axis(x_scale, bottom, 15, x_unit)
    body.append(html('<line x1="{}" y1="15" x2="{}" y2="{}" stroke="#444"/>', left, left, bottom))
    for tick in y_scale.ticks():
        body.append(_text(left - 6, y_scale(tick) + 4, f"{tick:g}", "end"))
    body.append(_text(14, 12, y_unit + (" (log)" if y_scale.log else ""), extra=Markup('font-weight="bold"')))
    front = sorted((p for p in points if p.ring), key=lambda p: p.x)
    if len(front) > 1:
        path = " ".join(f"{x_scale(p.x):.1f},{y_scale(p.y):.1f}" for p in front)
        body.append(html('<polyline data-role="pareto-front" points="{}" fill="none" stroke="#333" '
                         'stroke-dasharray="5 4"/>', path))
    for point in points:
        x, y = x_scale(point.x), y_scale(point.y)
        ring = (html('<circle cx="{:.1f}" cy="{:.1f}" r="10" fill="none" stroke="#111" '
                     'stroke-width="1.5"/>', x, y) if point.ring else _NO_ATTRIBUTES)
        body.append(html(
            '<g data-point="{label}"><title>{note}</title>{ring}'
            '<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>{text}</g>',
            label=point.label, note=point.note, ring=ring, x=x, y=y, colour=point.colour,
            text=_text(x + 12, y - 8, point.label),
        ))
    return _svg(plot, width, height, title, body)


def heat_grid(plot: str, title: str, rows: Sequence[str], columns: Sequence[str],
              cells: Sequence[Cell]) -> Markup:
    """A table of coloured cells (ROWS x COLUMNS), each with text and a hover note."""
    cell_w, cell_h, left, top = 120, 22, _LABEL_WIDTH, 28
    width = left + cell_w * len(columns) + 10
    height = top + cell_h * len(rows) + 10
    body = [_text(left + cell_w * (i + 0.5), top - 10, c, "middle", Markup('font-weight="bold"'))
            for i, c in enumerate(columns)]
    body += [_text(left - 8, top + cell_h * (i + 0.5) + 4, r, "end") for i, r in enumerate(rows)]
    for cell in cells:
        x = left + cell_w * columns.index(cell.column)
        y = top + cell_h * rows.index(cell.row)
        body.append(html(
            '<g><title>{note}</title><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{colour}" '
            'fill-opacity="0.8"/>{text}</g>',
            note=cell.note, x=x + 1, y=y + 1, w=cell_w - 2, h=cell_h - 2, colour=cell.colour,
            text=_text(x + cell_w / 2, y + cell_h / 2 + 4, cell.text, "middle", Markup('fill="#fff"')),
        ))
    return _svg(plot, width, height, title, body)


def bar_chart(plot: str, title: str, bars: Sequence[Bar], unit: str, width: int = 900) -> Markup:
    """Horizontal bars from zero, largest first as given."""
    row, top = 18, 10
    height = top + row * len(bars) + 45
    largest = max((b.value for b in bars if math.isfinite(b.value)), default=1.0)
    scale = Scale(0.0, min(largest * 1.1, _LARGEST) or 1.0, _LABEL_WIDTH, width - _RIGHT)
    body = _x_axis(scale, height - 40, top, unit)
    for index, bar in enumerate(bars):
        y = top + row * index
        body.append(html(
            '<g><title>{note}</title>{label}<rect x="{left}" y="{y}" height="12" fill="#4e79a7" '
            'width="{width:.1f}"/>{value}</g>',
            note=bar.note, label=_text(_LABEL_WIDTH - 8, y + 13, bar.label, "end"), left=_LABEL_WIDTH,
            y=y + 3, width=max(1.0, scale(bar.value) - _LABEL_WIDTH),
            value=_text(scale(bar.value) + 4, y + 13, f"{bar.value:.3g}"),
        ))
    return _svg(plot, width, height, title, body)

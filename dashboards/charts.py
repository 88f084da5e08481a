"""Charts drawn on the server as SVG: no script to run, they print, and they read the figures already counted.

Each builder takes figures the database has aggregated and returns a `Chart`: shapes with coordinates,
axis labels and a legend, which `dashboards/_chart.html` draws. Every shape carries a <title>, so hovering
shows its exact figure; the table beside each chart gives them all.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 26
SERIES_CLASSES = 10


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Line:
    points: str
    css: str
    title: str
    dots: tuple = ()


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    label: str
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    grid: list[float] = field(default_factory=list)
    vgrid: list[float] = field(default_factory=list)
    circles: list[tuple] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    zero: float | None = None
    left: int = LEFT

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def empty(self) -> bool:
        return not (self.rects or self.lines or self.circles)

    def __html__(self) -> SafeString:
        return self.svg()

    def svg(self) -> SafeString:
        """The chart as SVG markup. Built here rather than in a template: a dashboard draws a few hundred
        shapes, and string formatting is many times faster than template rendering for that."""
        parts = [
            f'<svg viewBox="0 0 {self.width} {self.height}" role="img" aria-label="{escape(self.label)}" '
            'class="chart-svg" preserveAspectRatio="xMinYMin meet">'
        ]
        parts += [
            f'<line class="gridline" x1="{self.left}" x2="{self.right}" y1="{y}" y2="{y}"/>'
            for y in self.grid
        ]
        parts += [
            f'<line class="gridline" x1="{x}" x2="{x}" y1="{TOP}" y2="{self.bottom}"/>' for x in self.vgrid
        ]
        if self.zero is not None:
            zero = self.zero
            parts.append(
                f'<line class="zeroline" x1="{self.left}" x2="{self.right}" y1="{zero}" y2="{zero}"/>'
            )
        parts += [
            f'<rect x="{r.x}" y="{r.y}" width="{r.width}" height="{r.height}" class="{r.css}">'
            f"<title>{escape(r.title)}</title></rect>"
            if r.title
            else f'<rect x="{r.x}" y="{r.y}" width="{r.width}" height="{r.height}" class="{r.css}"/>'
            for r in self.rects
        ]
        for line in self.lines:
            css = line.css
            parts.append(
                f'<polyline points="{line.points}" class="line {css}"><title>{escape(line.title)}</title>'
            )
            parts.append("</polyline>")
            parts += [
                f'<circle cx="{x}" cy="{y}" r="3" class="dot {css}"><title>{escape(title)}</title></circle>'
                for x, y, title in line.dots
            ]
        parts += [
            f'<circle cx="{x}" cy="{y}" r="5" class="{css}"><title>{escape(title)}</title></circle>'
            for x, y, css, title in self.circles
        ]
        parts += [
            f'<text x="{t.x}" y="{t.y}" text-anchor="{t.anchor}">{escape(t.text)}</text>' for t in self.texts
        ]
        parts.append("</svg>")
        if len(self.legend) > 1:
            parts.append('<figcaption class="legend">')
            parts += [
                format_html('<span><i class="swatch {}" aria-hidden="true"></i>{}</span>', css, name)
                for name, css in self.legend
            ]
            parts.append("</figcaption>")
        # Every piece of text above is escaped; the rest are numbers and our own class names.
        return mark_safe(f'<figure class="chart">{"".join(parts)}</figure>')


def series_class(index: int) -> str:
    return f"series-{index % SERIES_CLASSES}"


def _axis(value: float, ticks: int = 4) -> tuple[float, float]:
    """A round top for an axis reaching `value`, and its step: 1, 2, 2.5 or 5 times a power of ten, whole
    numbers only (the charts count things)."""
    if value <= 0:
        return 1, 1
    raw = value / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    step = max(1, step)
    return math.ceil(value / step) * step, step


def _y_axis(chart: Chart, top_value: float, bottom_value: float, step: float, fmt="{:g}") -> None:
    plot = chart.height - TOP - BOTTOM
    ticks = round((top_value - bottom_value) / step)
    for index in range(ticks + 1):
        value = bottom_value + step * index
        y = chart.height - BOTTOM - plot * index / ticks
        chart.grid.append(round(y, 1))
        chart.texts.append(Text(chart.left - 6, round(y + 4, 1), fmt.format(value), "end"))


def _x_labels(chart: Chart, labels: Sequence[str], centres: Sequence[float]) -> None:
    # Long runs of weeks: label every other one (or fewer) so the labels do not overlap.
    step = max(1, math.ceil(len(labels) / 13))
    for index, (label, x) in enumerate(zip(labels, centres, strict=True)):
        if index % step == 0:
            chart.texts.append(Text(round(x, 1), chart.height - 8, label))


def stacked_columns(
    *,
    label: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str]],
    values: Sequence[Sequence[float]],
    unit: str = "",
) -> Chart:
    """Columns per category, stacked by series. `values[s][c]` is series s in category c; `series` are
    (name, css class) pairs."""
    chart = Chart(label=label, legend=list(series))
    totals = [sum(column) for column in zip(*values, strict=True)] if values else []
    top, step = _axis(max(totals, default=0))
    _y_axis(chart, top, 0, step)
    plot_width = chart.width - LEFT - RIGHT
    plot_height = chart.height - TOP - BOTTOM
    slot = plot_width / max(1, len(categories))
    bar = slot * 0.7
    centres = []
    for index, category in enumerate(categories):
        x = LEFT + slot * index + (slot - bar) / 2
        centres.append(x + bar / 2)
        base = chart.height - BOTTOM
        for (name, css), row in zip(series, values, strict=True):
            value = row[index]
            if not value:
                continue
            height = plot_height * value / top
            base -= height
            chart.rects.append(
                Rect(
                    round(x, 1),
                    round(base, 1),
                    round(bar, 1),
                    round(height, 1),
                    css,
                    f"{category}: {value:g} {name}{unit}",
                )
            )
    _x_labels(chart, categories, centres)
    return chart


def lines(
    *,
    label: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str]],
    values: Sequence[Sequence[float | None]],
    low: float | None = None,
    high: float | None = None,
    fmt: str = "{:g}",
) -> Chart:
    """One line per series across the categories; a missing value (None) breaks nothing, it is skipped."""
    chart = Chart(label=label, legend=list(series))
    present = [value for row in values for value in row if value is not None]
    low = min(present, default=0) if low is None else low
    if high is None:
        high, step = _axis(max(present, default=0) - low)
        high += low
    else:
        step = (high - low) / 4
    _y_axis(chart, high, low, step, fmt=fmt)
    plot_width = chart.width - LEFT - RIGHT
    plot_height = chart.height - TOP - BOTTOM
    slot = plot_width / max(1, len(categories))
    centres = [LEFT + slot * index + slot / 2 for index in range(len(categories))]
    if low < 0 < high:
        chart.zero = round(chart.height - BOTTOM - plot_height * (0 - low) / (high - low), 1)
    for (name, css), row in zip(series, values, strict=True):
        points = [
            (
                round(x, 1),
                round(chart.height - BOTTOM - plot_height * (value - low) / (high - low), 1),
                category,
                value,
            )
            for x, category, value in zip(centres, categories, row, strict=True)
            if value is not None
        ]
        if points:
            chart.lines.append(
                Line(
                    " ".join(f"{x},{y}" for x, y, _c, _v in points),
                    css,
                    name,
                    tuple(
                        (x, y, f"{name}, {category}: {fmt.format(value)}") for x, y, category, value in points
                    ),
                )
            )
    _x_labels(chart, categories, centres)
    return chart


def bars(
    *,
    label: str,
    rows: Sequence[str],
    series: Sequence[tuple[str, str]],
    values: Sequence[Sequence[float]],
    left: int = 170,
    legend: bool = True,
    totals: bool = True,
) -> Chart:
    """Horizontal bars, one per row, stacked by series; labels sit left of each bar."""
    row_height = 22
    chart = Chart(
        label=label,
        legend=list(series) if legend else [],
        height=TOP * 2 + row_height * max(1, len(rows)),
        left=left,
    )
    sums = [sum(row) for row in values]
    top = max(max(sums, default=0), 1)
    # Room on the right for each bar's total.
    plot_width = chart.width - left - RIGHT - (30 if totals else 0)
    for index, (name, row) in enumerate(zip(rows, values, strict=True)):
        y = TOP + row_height * index
        if name:
            chart.texts.append(Text(left - 6, y + 15, name if len(name) <= 24 else name[:23] + "…", "end"))
        x = left
        for (series_name, css), value in zip(series, row, strict=True):
            if not value:
                continue
            width = plot_width * value / top
            chart.rects.append(
                Rect(
                    round(x, 1),
                    y + 3,
                    round(width, 1),
                    row_height - 6,
                    css,
                    f"{name}: {value:g} {series_name}",
                )
            )
            x += width
        if totals:
            chart.texts.append(Text(round(x + 4, 1), y + 15, f"{sum(row):g}", "start"))
    return chart


def changes(
    *,
    label: str,
    rows: Sequence[tuple[str, float | None, float]],
    low: float = -2,
    high: float = 2,
    fmt: str = "{:+.1f}",
    before_name: str = "before",
    now_name: str = "now",
) -> Chart:
    """One row per (name, before, now): a dot for each, joined by a line, on one value axis; the "now" dot
    is green when it rose, red when it fell."""
    left = 190
    row_height = 26
    chart = Chart(label=label, height=TOP + BOTTOM + row_height * max(1, len(rows)), left=left)
    plot_width = chart.width - left - RIGHT - 10

    def x(value):
        return round(left + 5 + plot_width * (value - low) / (high - low), 1)

    for tick in range(int(low), int(high) + 1):
        chart.vgrid.append(x(tick))
        chart.texts.append(Text(x(tick), chart.height - 8, f"{tick:+d}" if tick else "0"))
    for index, (name, before, now) in enumerate(rows):
        y = TOP + row_height * index + row_height / 2
        chart.texts.append(
            Text(left - 6, round(y + 4, 1), name if len(name) <= 28 else name[:27] + "…", "end")
        )
        if before is not None:
            chart.lines.append(Line(f"{x(before)},{y} {x(now)},{y}", "connector", ""))
            chart.circles.append((x(before), y, "before", f"{name}, {before_name}: {fmt.format(before)}"))
        trend = "same" if before is None or abs(now - before) < 0.05 else ("up" if now > before else "down")
        chart.circles.append((x(now), y, f"now {trend}", f"{name}, {now_name}: {fmt.format(now)}"))
    return chart


def sparkline(
    values: Sequence[tuple[str, float]],
    *,
    label: str,
    width: int = 300,
    height: int = 64,
    low=0,
    high=100,
    zones=(),
) -> Chart:
    """A small line of (label, value) points, e.g. one stakeholder's health by day, over shaded `zones`:
    (from, to, css) bands of the value axis. `label` is what a screen reader says instead of the line."""
    chart = Chart(label=label, width=width, height=height, left=0)

    def y(value):
        return round(height - 4 - (height - 8) * (value - low) / (high - low), 1)

    for start, end, css in zones:
        chart.rects.append(Rect(0, y(end), width, round(y(start) - y(end), 1), css, ""))
    if not values:
        return chart
    step = (width - 8) / max(1, len(values) - 1)
    points = [
        (round(4 + step * index, 1), y(value), label, value) for index, (label, value) in enumerate(values)
    ]
    chart.lines.append(
        Line(
            " ".join(f"{x},{y}" for x, y, _l, _v in points),
            "spark",
            "",
            tuple((x, y, f"{label}: {value:g}") for x, y, label, value in points[-1:]),
        )
    )
    return chart

"""Charts drawn on the server as SVG, so they work without JavaScript and under a strict CSP.

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and described
by its ``<desc>``. A page that shows a chart also shows a table of the same
figures, because a picture is no use to a screen reader user: say where that
table is in the description. Colours come from the GOV.UK palette, and lines
also differ by marker shape and dash, so colour is never the only way to tell
series apart. Styling uses presentation attributes (``fill``, ``stroke``),
never ``style`` attributes, which the CSP blocks. Every text is escaped.

The drawing is 560 units wide with 18-unit text: shown at its natural width
the labels are as large as body text, and the page may scale it down to fit
a narrow screen (give it ``width: 100%; height: auto``).

Values may be None where there is nothing to show (a quarter with no awards):
no bar is drawn, and a line has a gap there.

Units: ``"%"`` and any other unit are written after the number ("33%", or
"4 contracts" for ``unit=" contracts"``); ``"£"`` is written before it, in
short form ("£1.2m", "£850k"); ``""`` gives plain numbers.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH = 560
FONT_SIZE = 18
SMALL_FONT_SIZE = 15
FONT_FAMILY = "arial, sans-serif"
# Approximate advance of an Arial character as a share of the font size, to tell when labels would collide.
CHAR_WIDTH = 0.56
PLOT_HEIGHT = 240
LEGEND_ROW = FONT_SIZE + 14

TEXT = "#0b0c0c"  # black
SECONDARY_TEXT = "#484949"  # black, tint 25
GRID = "#cecece"  # black, tint 80
AXIS = "#0b0c0c"
BAR = "#1d70b8"  # blue
TARGET = "#ca3535"  # red
TARGET_DASH = "10 6"
# Series in order: blue circles on a solid line, purple squares dashed, green triangles dotted, magenta diamonds.
SERIES_COLOURS = ("#1d70b8", "#54319f", "#0f7a52", "#ca357c", "#7a3c1c", "#0b0c0c")
SERIES_MARKERS = ("circle", "square", "triangle", "diamond")
SERIES_DASHES = ("", "8 4", "2 4", "12 4 2 4")


def format_value(value: float, unit: str = "%", *, precise: bool = False) -> str:
    """A number as a chart writes it: "33%" (or "33.3%" when `precise`), "£1.2m", "£850k", "£900", "12"."""
    if unit == "£":
        size = abs(value)
        if size >= 1_000_000:
            return f"£{_trim(value / 1_000_000, 2 if precise else 1)}m"
        if size >= 10_000 or (size >= 1_000 and not precise):
            return f"£{_trim(value / 1_000, 1)}k"
        return f"£{value:,.0f}"
    number = _trim(value, 1 if precise or not float(value).is_integer() else 0)
    return f"{number}{unit}"


def _trim(value: float, places: int) -> str:
    """A number to at most `places` decimal places, with thousands separators and no trailing zeros."""
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def nice_scale(maximum: float, *, ticks: int = 5, cap: float | None = None) -> tuple[float, float]:
    """A round top for the value axis at or above `maximum`, and the step between gridlines (1, 2, 2.5 or 5
    times a power of ten) giving about `ticks` intervals; never above `cap` when the data fits under it."""
    if maximum <= 0:
        maximum = 10.0
    raw_step = maximum / ticks
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw_step)
    top = math.ceil(maximum / step - 1e-9) * step
    if cap is not None and top > cap >= maximum:
        top = cap
    return top, step


def chart_id_for(title: str) -> str:
    """A stable id for a chart from its title, for pages that do not choose one."""
    return "chart-" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]


def _dash(pattern: str) -> str:
    return f' stroke-dasharray="{pattern}"' if pattern else ""


def _marker(shape: str, x: float, y: float, colour: str, tip: str = "") -> str:
    """A point marker of a series; `tip` (already escaped) becomes its tooltip."""
    r = 5.5
    if shape == "square":
        tag, geometry = "rect", f'x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"'
    elif shape == "triangle":
        tag, geometry = "path", f'd="M{x:.1f} {y - r - 1:.1f}L{x + r + 1:.1f} {y + r:.1f}L{x - r - 1:.1f} {y + r:.1f}Z"'
    elif shape == "diamond":
        tag = "path"
        geometry = (
            f'd="M{x:.1f} {y - r - 1:.1f}L{x + r + 1:.1f} {y:.1f}L{x:.1f} {y + r + 1:.1f}L{x - r - 1:.1f} {y:.1f}Z"'
        )
    else:
        tag, geometry = "circle", f'cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"'
    if tip:
        return f'<{tag} {geometry} fill="{colour}"><title>{tip}</title></{tag}>'
    return f'<{tag} {geometry} fill="{colour}"/>'


def _legend(entries: Sequence[tuple[str, str]]) -> tuple[list[str], int]:
    """Legend entries, each ("series <n>" or "target", text), left to right, wrapping onto more rows."""
    if not entries:
        return [], 0
    parts, x, row = ['<g class="app-chart__legend">'], 0.0, 0
    for kind, text in entries:
        width = 44 + len(text) * CHAR_WIDTH * FONT_SIZE + 24
        if x > 0 and x + width > WIDTH:
            x, row = 0.0, row + 1
        y = FONT_SIZE * 0.6 + row * LEGEND_ROW
        if kind == "target":
            parts.append(
                f'<line x1="{x + 1:.1f}" y1="{y:.1f}" x2="{x + 35:.1f}" y2="{y:.1f}" stroke="{TARGET}" '
                f'stroke-width="3"{_dash(TARGET_DASH)}/>'
            )
        else:
            index = int(kind.split()[1])
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            parts.append(
                f'<line x1="{x + 1:.1f}" y1="{y:.1f}" x2="{x + 35:.1f}" y2="{y:.1f}" stroke="{colour}" '
                f'stroke-width="3"{_dash(SERIES_DASHES[index % len(SERIES_DASHES)])}/>'
            )
            parts.append(_marker(SERIES_MARKERS[index % len(SERIES_MARKERS)], x + 18, y, colour))
        parts.append(f'<text x="{x + 44:.1f}" y="{y + FONT_SIZE * 0.35:.1f}" fill="{TEXT}">{escape(text)}</text>')
        x += width
    parts.append("</g>")
    return parts, row + 1


class _Frame:
    """The plot area of one chart: where the value axis, gridlines and category labels go."""

    def __init__(self, labels: Sequence[str], top: float, step: float, unit: str, *, legend_rows: int) -> None:
        self.labels = labels
        self.top, self.step, self.unit = top, step, unit
        self.tick_count = round(top / step)
        tick_labels = [format_value(step * i, unit) for i in range(self.tick_count + 1)]
        self.left = 16 + 0.62 * FONT_SIZE * max(len(t) for t in tick_labels)
        self.right = WIDTH - 8
        # Room above the plot for the legend, and for a value written above the tallest bar.
        self.plot_top = legend_rows * LEGEND_ROW + SMALL_FONT_SIZE + 10
        self.plot_bottom = self.plot_top + PLOT_HEIGHT
        self.slot = (self.right - self.left) / max(len(labels), 1)
        widest = max((len(label) for label in labels), default=0) * CHAR_WIDTH * FONT_SIZE
        # Labels sit level if they fit their slot, otherwise slanted; if even slanted ones would touch, only
        # every n-th is written (the table with the chart has them all).
        self.slanted = widest > self.slot - 6
        if self.slanted and self.left + self.slot / 2 < widest * 0.71:
            # Move the plot right so the first slanted label is not cut off at the left edge.
            self.left = widest * 0.71 - self.slot / 2 + 4
            self.slot = (self.right - self.left) / max(len(labels), 1)
        self.every = max(1, math.ceil((FONT_SIZE * 1.5) / self.slot)) if self.slanted else 1
        label_depth = widest * 0.71 + FONT_SIZE * 0.7 if self.slanted else FONT_SIZE
        self.height = math.ceil(self.plot_bottom + 12 + label_depth + 6)

    def x(self, index: int) -> float:
        """The middle of category `index`."""
        return self.left + self.slot * (index + 0.5)

    def y(self, value: float) -> float:
        value = min(max(value, 0.0), self.top)
        return self.plot_bottom - (value / self.top) * (self.plot_bottom - self.plot_top)

    def axes(self) -> list[str]:
        parts = ['<g class="app-chart__axis">']
        for i in range(self.tick_count + 1):
            value = self.step * i
            y = self.y(value)
            parts.append(
                f'<line x1="{self.left:.1f}" y1="{y:.1f}" x2="{self.right:.1f}" y2="{y:.1f}" '
                f'stroke="{AXIS if i == 0 else GRID}" stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{self.left - 8:.1f}" y="{y + FONT_SIZE * 0.35:.1f}" text-anchor="end" '
                f'fill="{SECONDARY_TEXT}">{escape(format_value(value, self.unit))}</text>'
            )
        for index, label in enumerate(self.labels):
            if index % self.every:
                continue
            x, y = self.x(index), self.plot_bottom + FONT_SIZE + 8
            if self.slanted:
                # Anchored at its end just right of the slot's middle, turned about a point a little above it.
                end, pivot = x + FONT_SIZE * 0.3, y - FONT_SIZE * 0.7
                parts.append(
                    f'<text x="{end:.1f}" y="{y:.1f}" text-anchor="end" fill="{TEXT}" '
                    f'transform="rotate(-45 {end:.1f} {pivot:.1f})">{escape(label)}</text>'
                )
            else:
                parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{TEXT}">{escape(label)}</text>')
        parts.append("</g>")
        return parts

    def target_line(self, target: float) -> str:
        y = self.y(target)
        return (
            f'<line class="app-chart__target" x1="{self.left:.1f}" y1="{y:.1f}" x2="{self.right:.1f}" y2="{y:.1f}" '
            f'stroke="{TARGET}" stroke-width="3"{_dash(TARGET_DASH)}/>'
        )


def _svg(chart_id: str, title: str, description: str, height: int, body: list[str], kind: str) -> Markup:
    ident = escape(chart_id)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart__svg app-chart__svg--{kind}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" id="{ident}" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _scale(
    values: Sequence[float | None], unit: str, target: float | None, max_value: float | None
) -> tuple[float, float]:
    if max_value is not None:
        return nice_scale(max_value)
    highest = max([v for v in values if v is not None] + ([target] if target is not None else []) + [0.0])
    return nice_scale(highest, cap=100.0 if unit == "%" else None)


def _target_text(target: float, target_label: str, unit: str) -> str:
    return target_label or f"Target: {format_value(target, unit)}"


def bar_chart(
    title: str,
    description: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    unit: str = "%",
    target: float | None = None,
    target_label: str = "",
    max_value: float | None = None,
    chart_id: str = "",
) -> Markup:
    """A vertical bar chart of one value per category (for example a share per quarter), with an optional
    dashed target line named in a legend (`target_label`, by default "Target: 33%"). Bars carry their values
    when there is room. `max_value` fixes the top of the scale (by default the largest value or the target,
    rounded up; at most 100 for percentages). `chart_id` is the svg's id, and its title's and description's
    ids with "-title" and "-desc" added; by default it is made from the title."""
    chart_id = chart_id or chart_id_for(title)
    top, step = _scale([value for _, value in bars], unit, target, max_value)
    legend, legend_rows = _legend([("target", _target_text(target, target_label, unit))] if target is not None else [])
    frame = _Frame([label for label, _ in bars], top, step, unit, legend_rows=legend_rows)
    bar_width = min(frame.slot * 0.68, 64)
    body = legend + frame.axes()
    body.append(f'<g class="app-chart__bars" fill="{BAR}">')
    for index, (label, value) in enumerate(bars):
        if value is not None:
            y = frame.y(value)
            body.append(
                f'<rect x="{frame.x(index) - bar_width / 2:.1f}" y="{y:.1f}" width="{bar_width:.1f}" '
                f'height="{frame.plot_bottom - y:.1f}">'
                f"<title>{escape(label)}: {escape(format_value(value, unit, precise=True))}</title></rect>"
            )
    body.append("</g>")
    texts = [format_value(value, unit, precise=True) if value is not None else "" for _, value in bars]
    if max((len(text) for text in texts), default=0) * CHAR_WIDTH * SMALL_FONT_SIZE <= frame.slot - 4:
        body.append(f'<g class="app-chart__values" font-size="{SMALL_FONT_SIZE}" fill="{TEXT}" text-anchor="middle">')
        for index, ((_, value), text) in enumerate(zip(bars, texts, strict=True)):
            if value is not None:
                body.append(f'<text x="{frame.x(index):.1f}" y="{frame.y(value) - 6:.1f}">{escape(text)}</text>')
        body.append("</g>")
    if target is not None:
        body.append(frame.target_line(target))
    return _svg(chart_id, title, description, frame.height, body, "bar")


def line_chart(
    title: str,
    description: str,
    series: Mapping[str, Sequence[tuple[str, float | None]]],
    *,
    unit: str = "%",
    target: float | None = None,
    target_label: str = "",
    max_value: float | None = None,
    chart_id: str = "",
) -> Markup:
    """One line per named series over the same categories (the labels of the first series, in order), with
    a legend, a different marker shape and dash per series and an optional dashed target line. A None value
    leaves a gap in its line. Other arguments as for `bar_chart`."""
    chart_id = chart_id or chart_id_for(title)
    names = list(series)
    labels = [label for label, _ in next(iter(series.values()), [])]
    top, step = _scale([value for points in series.values() for _, value in points], unit, target, max_value)
    entries = [(f"series {index}", name) for index, name in enumerate(names)]
    if target is not None:
        entries.append(("target", _target_text(target, target_label, unit)))
    legend, legend_rows = _legend(entries)
    frame = _Frame(labels, top, step, unit, legend_rows=legend_rows)
    body = legend + frame.axes()
    if target is not None:
        body.append(frame.target_line(target))
    for index, name in enumerate(names):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        by_label = dict(series[name])
        points = [(i, by_label.get(label)) for i, label in enumerate(labels)]
        runs: list[list[str]] = [[]]
        for i, value in points:
            if value is None:
                runs.append([])
            else:
                runs[-1].append(f"{frame.x(i):.1f},{frame.y(value):.1f}")
        body.append('<g class="app-chart__series">')
        for run in runs:
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="3" '
                    f'stroke-linejoin="round"{_dash(SERIES_DASHES[index % len(SERIES_DASHES)])}/>'
                )
        for i, value in points:
            if value is not None:
                tip = f"{escape(name)}, {escape(labels[i])}: {escape(format_value(value, unit, precise=True))}"
                shape = SERIES_MARKERS[index % len(SERIES_MARKERS)]
                body.append(_marker(shape, frame.x(i), frame.y(value), colour, tip))
        body.append("</g>")
    return _svg(chart_id, title, description, frame.height, body, "line")

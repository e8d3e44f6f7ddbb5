"""Server-drawn SVG charts: valid, labelled for assistive technology, drawn to scale and safe with any text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from app.transparency.charts import bar_chart, format_value, line_chart, nice_scale

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))


def rects(root: ET.Element) -> list[ET.Element]:
    """The bars: rectangles inside the bars group."""
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "app-chart__bars")
    return list(group.iter(f"{SVG}rect"))


QUARTERS = [("2026 Q1", 10.0), ("2026 Q2", 20.0), ("2026 Q3", 40.0)]


def test_a_bar_chart_is_an_svg_image_with_a_title_and_a_description() -> None:
    chart = bar_chart("SME share", "Share of value going to SMEs each quarter.", QUARTERS, chart_id="sme")
    assert isinstance(chart, Markup)
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("aria-labelledby") == "sme-title"
    assert root.get("aria-describedby") == "sme-desc"
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id"), title.text) == (f"{SVG}title", "sme-title", "SME share")
    assert (desc.tag, desc.get("id")) == (f"{SVG}desc", "sme-desc")
    assert desc.text == "Share of value going to SMEs each quarter."


def test_bar_heights_are_proportional_to_the_values() -> None:
    root = parse(bar_chart("Shares", "Shares.", QUARTERS, max_value=40))
    heights = [float(rect.get("height", "0")) for rect in rects(root)]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.2)
    bottoms = {round(float(r.get("y", "0")) + float(r.get("height", "0")), 1) for r in rects(root)}
    assert len(bottoms) == 1, "every bar stands on the same baseline"


def test_a_missing_value_draws_no_bar() -> None:
    root = parse(bar_chart("Shares", "Shares.", [("2026 Q1", 50.0), ("2026 Q2", None), ("2026 Q3", 25.0)]))
    assert len(rects(root)) == 2
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "2026 Q2" in labels, "the quarter itself is still on the axis"


def test_the_target_is_a_dashed_line_at_the_target_value_named_in_the_legend() -> None:
    bars = [("2026 Q1", 33.0), ("2026 Q2", 66.0)]
    root = parse(bar_chart("Shares", "Shares.", bars, target=33, target_label="33% target"))
    line = next(el for el in root.iter(f"{SVG}line") if el.get("class") == "app-chart__target")
    assert line.get("stroke-dasharray")
    assert line.get("y1") == line.get("y2")
    bar_at_target = rects(root)[0]
    assert float(line.get("y1", "0")) == pytest.approx(float(bar_at_target.get("y", "0")), abs=0.2)
    assert "33% target" in [t.text for t in root.iter(f"{SVG}text")]


def test_a_chart_without_a_target_has_no_target_line() -> None:
    root = parse(bar_chart("Shares", "Shares.", QUARTERS))
    assert not [el for el in root.iter() if el.get("class") == "app-chart__target"]


def test_a_percentage_scale_stops_at_100_and_covers_the_target() -> None:
    assert nice_scale(100, cap=100) == (100, 20)
    assert nice_scale(95, cap=100)[0] == 100
    assert nice_scale(12)[0] >= 12
    assert nice_scale(0) == (10, 2)
    root = parse(bar_chart("Shares", "Shares.", [("2026 Q1", 5.0)], target=33))
    axis = [t.text for t in root.iter(f"{SVG}text")]
    assert "40%" in axis and "0%" in axis


def test_every_text_is_escaped() -> None:
    nasty = '<script>alert("x")</script> & "Co"'
    chart = line_chart(nasty, nasty, {nasty: [(nasty, 1.0), ("2026 Q2", 2.0)]}, target=1, target_label=nasty)
    assert "<script" not in chart
    root = parse(chart)
    assert root[0].text == nasty and root[1].text == nasty
    assert nasty in [t.text for t in root.iter(f"{SVG}text")]
    bar = bar_chart(nasty, nasty, [(nasty, 1.0)], target=1, target_label=nasty, chart_id='x" onload="alert(1)')
    assert "<script" not in bar
    assert parse(bar).get("id") == 'x" onload="alert(1)'
    assert parse(bar).get("onload") is None


def test_no_style_attributes_or_scripts_so_the_csp_allows_it() -> None:
    for chart in (
        bar_chart("Shares", "Shares.", QUARTERS, target=33),
        line_chart("Lines", "Lines.", {"Mutuals": QUARTERS, "VCSEs": QUARTERS}, target=33),
    ):
        root = parse(chart)
        assert all(el.get("style") is None for el in root.iter())
        assert not list(root.iter(f"{SVG}script"))
        assert not [name for el in root.iter() for name in el.attrib if name.startswith("on")]


def test_a_line_chart_draws_a_line_and_markers_per_series_with_a_legend() -> None:
    root = parse(line_chart(
        "Group shares", "Shares of mutuals and VCSEs.",
        {"Mutuals": QUARTERS, "VCSEs": [(label, value / 2) for label, value in QUARTERS]},
    ))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert lines[0].get("stroke") != lines[1].get("stroke")
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray"), "not told apart by colour alone"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Mutuals" in texts and "VCSEs" in texts
    # The higher series is drawn higher (smaller y) at every point.
    first = [float(p.split(",")[1]) for p in lines[0].get("points", "").split()]
    second = [float(p.split(",")[1]) for p in lines[1].get("points", "").split()]
    assert all(a < b for a, b in zip(first, second, strict=True))


def test_a_missing_value_breaks_the_line() -> None:
    points = [("Q1", 1.0), ("Q2", 2.0), ("Q3", None), ("Q4", 3.0), ("Q5", 4.0)]
    root = parse(line_chart("Lines", "Lines.", {"Mutuals": points}))
    assert len(list(root.iter(f"{SVG}polyline"))) == 2


def test_many_categories_still_give_a_valid_chart() -> None:
    bars = [(f"{2015 + i // 4} Q{i % 4 + 1}", float(i)) for i in range(48)]
    root = parse(bar_chart("Twelve years", "Every quarter since 2015.", bars, target=33))
    assert len(rects(root)) == 48
    axis_labels = [t.text for t in root.iter(f"{SVG}text") if t.text and " Q" in t.text]
    assert 0 < len(axis_labels) <= 48


@pytest.mark.parametrize(
    ("value", "unit", "precise", "text"),
    [
        (33, "%", False, "33%"),
        (33.333, "%", True, "33.3%"),
        (1_240_000, "£", False, "£1.2m"),
        (850_000, "£", False, "£850k"),
        (900, "£", False, "£900"),
        (12, "", False, "12"),
        (4, " contracts", False, "4 contracts"),
    ],
)
def test_values_are_written_with_their_unit(value: float, unit: str, precise: bool, text: str) -> None:
    assert format_value(value, unit, precise=precise) == text

"""SVG charts: well-formed, accessible, escaped, deterministic."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from svcnotes.site.charts import bar_chart, fmt_percent, line_chart, nice_ticks, stacked_bar

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & \'quote\''
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def all_text(root: ET.Element) -> str:
    return " ".join("".join(el.itertext()) for el in root.iter(f"{SVG}text"))


@pytest.mark.parametrize("make", [
    lambda: bar_chart(["产品质量", "交期", "其他"], [5, 3, 0], title="按类别"),
    lambda: line_chart(MONTHS, {"满意度": [0.9] * 12}, title="满意度趋势", target=0.85, fmt=fmt_percent),
    lambda: stacked_bar(["1月", "2月"], {"质量异常": [2, 1], "非质量异常": [1, 4]}, title="按原因"),
])
def test_charts_are_well_formed_accessible_svg(make):
    root = parse(make())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert not any(el.get("style") for el in root.iter()), "inline styles break the site's CSP"


def test_bar_chart_escapes_hostile_labels_and_title():
    svg = bar_chart([HOSTILE, "ok"], [1, 2], title=HOSTILE)
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == HOSTILE
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))


def test_line_and_stacked_charts_escape_hostile_series_names_and_labels():
    for svg in (
        line_chart([HOSTILE, "b"], {HOSTILE: [1, 2]}, title="t", target=1.5, target_label=HOSTILE),
        stacked_bar([HOSTILE, "b"], {HOSTILE: [1, 2]}, title="t"),
    ):
        assert "<script>" not in svg
        root = parse(svg)
        assert HOSTILE in all_text(root) or HOSTILE[:5] in all_text(root)


def test_bar_chart_shows_labels_and_values_as_text():
    text = all_text(parse(bar_chart(["产品质量", "交期"], [12, 3], title="x")))
    assert "产品质量" in text and "交期" in text and "12" in text and "3" in text


def test_desc_states_the_data_in_words():
    root = parse(bar_chart(["交期"], [4], title="x"))
    assert root.find(f"{SVG}desc").text == "交期: 4"


def test_charts_are_deterministic():
    args = (MONTHS, {"新增": list(range(12)), "结案": list(range(12, 0, -1))})
    assert line_chart(*args, title="趋势", target=6) == line_chart(*args, title="趋势", target=6)


def test_line_chart_draws_a_dashed_target_line_and_legend():
    root = parse(line_chart(MONTHS, {"满意度": [0.8] * 12}, title="t", target=0.85, target_label="目标", fmt=fmt_percent))
    dashed = [el for el in root.iter(f"{SVG}line") if el.get("stroke-dasharray")]
    assert dashed
    assert "目标" in all_text(root) and "满意度" in all_text(root)


def test_line_chart_leaves_gaps_for_missing_months():
    values = [1, 2, None, 4, 5, None, None, 8, 9, 10, 11, 12]
    root = parse(line_chart(MONTHS, {"s": values}, title="t"))
    assert len(list(root.iter(f"{SVG}polyline"))) == 3
    assert len(list(root.iter(f"{SVG}circle"))) == 9


def test_empty_data_gives_a_labelled_placeholder():
    root = parse(bar_chart([], [], title="空", no_data="无数据"))
    assert "无数据" in all_text(root)
    root = parse(line_chart([], {}, title="空"))
    assert root.get("role") == "img"


def test_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError):
        bar_chart(["a"], [1, 2], title="t")
    with pytest.raises(ValueError):
        line_chart(["a", "b"], {"s": [1]}, title="t")


def test_two_charts_on_one_page_get_different_ids():
    a = parse(bar_chart(["a"], [1], title="A")).find(f"{SVG}title").get("id")
    b = parse(bar_chart(["a"], [2], title="A")).find(f"{SVG}title").get("id")
    assert a != b


def test_nice_ticks_cover_the_maximum_with_round_steps():
    assert nice_ticks(17) == [0, 5, 10, 15, 20]
    assert nice_ticks(0.92)[-1] >= 0.92
    assert nice_ticks(0) == [0.0, 1.0]

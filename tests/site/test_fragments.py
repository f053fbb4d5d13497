"""The fast record-page fragments produce exactly the markup of the macros they replace."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from svcnotes.site.forms import record_sections
from svcnotes.site.fragments import sections_html, timeline_html
from svcnotes.site.i18n import translator
from svcnotes.store.repository import Repository

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '<script>alert(1)</script>"\' onmouseover=x &amp; 客诉'
MACROS = '{% import "_macros.html" as m with context %}[{{ m.sections(items) }}][{{ m.history_timeline(history) }}]'


def _template(fast: bool):
    env = Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=select_autoescape(["html"], default_for_string=True))
    if fast:
        env.globals.update(sections_html=sections_html, timeline_html=timeline_html)
    return env.from_string(MACROS)


TEMPLATES = {True: _template(True), False: _template(False)}


def render(fast: bool, locale: str, items, history) -> str:
    return TEMPLATES[fast].render(items=items, history=history, root="../../", t=translator(locale))


HISTORIES = [
    [],
    [{"at": "2026-11-02 09:30", "author": HOSTILE, "message": "", "commit": "", "changes": []}],
    [{"at": "2026-11-03 10:00", "author": "张伟", "message": HOSTILE, "commit": "0123456789abcdef",
      "changes": [{"label": HOSTILE, "old": "", "new": HOSTILE, "text": HOSTILE},
                  {"label": "状态", "old": "已登记", "new": "已结案", "text": "张伟 将状态从 已登记 改为 已结案"},
                  {"label": "审批人 周强", "old": "", "new": HOSTILE, "proof": True, "text": "周强 的核决：" + HOSTILE}]},
     {"at": "2026-11-02 09:30", "author": "li.na", "message": "new", "commit": "fedcba9876543210", "changes": []}],
]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_fast_fragments_match_the_macros_on_every_demo_record(locale):
    repo = Repository.open(ROOT / "records")
    snapshot = repo.snapshot()
    names = {r.id: str(r.get("short_name") or r.get("name")) for r in snapshot.records["customer"]}
    compared = 0
    for record in snapshot.all():
        items = record_sections(record.kind, record.data, locale, config=repo.config, lines=record.lines, names=names,
                                href=lambda kind, rid: f"x/{rid}.html")
        history = HISTORIES[compared % len(HISTORIES)]
        assert render(True, locale, items, history) == render(False, locale, items, history), record.path
        compared += 1
    assert compared > 400


def test_fast_fragments_escape_hostile_values_like_the_macros():
    items = [{"key": "basic", "title": HOSTILE, "fields": [
        {"name": "title", "label": HOSTILE, "type": "text", "empty": False, "text": HOSTILE, "href": "a\"b.html", "badge": HOSTILE},
        {"name": "x", "label": "x", "type": "long", "empty": False, "text": HOSTILE},
        {"name": "y", "label": "y", "type": "list", "empty": False, "items": [{"text": HOSTILE}, {"text": "b", "href": "<b>"}]},
        {"name": "z", "label": "z", "type": "table", "empty": False,
         "table": {"columns": [HOSTILE], "rows": [[{"text": HOSTILE, "badge": "major"}]]}},
        {"name": "w", "label": "w", "type": "text", "empty": True, "text": ""},
    ]}]
    fast = render(True, "zh-CN", items, HISTORIES[2])
    assert fast == render(False, "zh-CN", items, HISTORIES[2])
    assert "<script>" not in fast and "&lt;script&gt;" in fast


def test_scrub_replaces_exactly_the_code_points_html_forbids():
    from svcnotes.site.markup import scrub

    def forbidden(cp: int) -> bool:  # HTML: controls other than ASCII whitespace, noncharacters, surrogates
        return (cp < 0x20 and chr(cp) not in "\t\n\x0c\r") or 0x7F <= cp <= 0x9F or 0xFDD0 <= cp <= 0xFDEF \
            or (cp & 0xFFFE) == 0xFFFE or 0xD800 <= cp <= 0xDFFF

    every = "".join(chr(cp) for cp in range(0x110000))
    expected = "".join("\ufffd" if forbidden(cp) else chr(cp) for cp in range(0x110000))
    assert scrub(every) == expected


@pytest.mark.parametrize("value", ["", "plain 客诉", "<a href='x'>&\"</a>", 12, 3.5, None, "&amp;", "\u2028\x00"])
def test_esc_escapes_exactly_like_markupsafe(value):
    from markupsafe import Markup, escape

    from svcnotes.site.tables import esc

    assert esc(value) == str(escape(value))
    assert esc(Markup("<b>ok</b>")) == "<b>ok</b>"


REGISTER = '{% import "_macros.html" as m with context %}{{ m.register("t", columns, rows, "caption", filters=[]) }}'


def _register_template(fast: bool):
    from svcnotes.site.tables import tbody_html

    env = Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=select_autoescape(["html"], default_for_string=True))
    if fast:
        env.globals["tbody"] = tbody_html
    return env.from_string(REGISTER)


def test_fast_register_rows_match_the_macro_on_every_demo_register_and_hostile_cells():
    from datetime import date

    from svcnotes.site.context import cell, column, row
    from svcnotes.site.pages import Site, register_page, register_parts

    repo = Repository.open(ROOT / "records")
    snapshot = repo.snapshot()
    site = Site({k: list(v) for k, v in snapshot.records.items()}, repo.config, "zh-CN", date(2026, 11, 23), snapshot=snapshot)
    fast, slow = _register_template(True), _register_template(False)
    pages = [register_page(site, part) for part in register_parts(site, split=50)]
    hostile = [column("a", HOSTILE, type="num", filter=True), column("b", "b", filter=True), column("c", "c")]
    pages.append(type("P", (), {"context": {"columns": hostile, "rows": [
        row({"a": cell(HOSTILE, sort=HOSTILE, value=HOSTILE, href=HOSTILE, badge=HOSTILE), "b": cell(3, sort=3)},
            url=HOSTILE, flags=[HOSTILE, "overdue"]),
        row({}, url=None)]}})())
    for page in pages:
        ctx = {"columns": page.context["columns"], "rows": page.context["rows"], "root": "../", "t": translator("zh-CN")}
        assert fast.render(**ctx) == slow.render(**ctx)
    assert len(pages) > 10

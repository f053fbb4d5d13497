"""The one HTML of record-page fragments and register tables (fragments.py, tables.py): its markup
pinned on hostile values through the macros that call it, and the escaping it relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcnotes.site.build import make_env
from svcnotes.site.context import cell, column, row
from svcnotes.site.i18n import translator

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '<b>"x\' & 客诉'
SAFE = "&lt;b&gt;&#34;x&#39; &amp; 客诉"
ENV = make_env([ROOT / "templates"])


def render(source: str, **context: object) -> str:
    return ENV.from_string('{% import "_macros.html" as m with context %}' + source).render(
        root="../", t=translator("en"), **context)


def test_form_sections_markup() -> None:
    items = [{"key": "basic", "title": HOSTILE, "fields": [
        {"name": "title", "label": HOSTILE, "type": "text", "empty": False, "text": HOSTILE, "href": "a\"b.html", "badge": "major"},
        {"name": "x", "label": "x", "type": "long", "empty": False, "text": HOSTILE},
        {"name": "y", "label": "y", "type": "list", "empty": False, "items": [{"text": HOSTILE}, {"text": "b", "href": "<b>"}]},
        {"name": "z", "label": "z", "type": "table", "empty": False,
         "table": {"columns": [HOSTILE], "rows": [[{"text": HOSTILE, "badge": "major"}]]}},
        {"name": "w", "label": "w", "type": "text", "empty": True, "text": ""},
    ]}]
    assert render("{{ m.sections(items) }}", items=items) == SECTIONS.replace("{SAFE}", SAFE)


def test_history_timeline_markup() -> None:
    history = [{"at": "2026-11-03 10:00", "author": "张伟", "message": HOSTILE, "commit": "0123456789abcdef",
                "changes": [{"label": "状态", "old": "已登记", "new": "已结案", "text": "张伟 将状态从 已登记 改为 已结案"},
                            {"label": "审批人 周强", "old": "", "new": HOSTILE, "proof": True, "text": HOSTILE}]},
               {"at": "2026-11-02 09:30", "author": "li.na", "message": "", "commit": "", "changes": []}]
    assert render("{{ m.history_timeline(history) }}", history=history) == TIMELINE.replace("{SAFE}", SAFE)
    assert render("{{ m.history_timeline([]) }}") == TIMELINE_EMPTY


def test_register_table_markup_with_totals() -> None:
    cols = [column("a", HOSTILE, type="num", filter=True), column("b", "b", filter=True), column("c", "c")]
    rows = [row({"a": cell(HOSTILE, sort=HOSTILE, value=HOSTILE, href="x.html", badge="major"), "b": cell(3, sort=3)},
                url="r.html", flags=["overdue"], queues=["open", "mine:li.na"]),
            row({"c": cell("plain")}, url="s.html")]
    totals = {"a": cell("合计"), "b": cell(7, badge="major")}
    out = render('{{ m.register("t", cols, rows, "caption", tools=false, totals=totals) }}', cols=cols, rows=rows, totals=totals)
    assert out == REGISTER.replace("{SAFE}", SAFE)
    assert render("{{ m.cell(c) }}", c=cell(HOSTILE, href="<x>", badge="major")) == \
        f'<a href="../&lt;x&gt;"><span class="badge badge-major">{SAFE}</span></a>'


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



# The markup as the macros made it before fragments.py and tables.py became its one implementation.
SECTIONS = (
    '\n'
    '<section class="form-section section-basic" aria-labelledby="s-basic">\n'
    '  <h2 id="s-basic">{SAFE}</h2>\n'
    '  <dl class="form-grid">\n'
    '    <div class="field field-title type-text">\n'
    '      <dt>{SAFE}</dt>\n'
    '      <dd><a href="../a&#34;b.html"><span class="badge badge-major">{SAFE}</span></a></dd>\n'
    '    </div>\n'
    '    <div class="field field-x type-long">\n'
    '      <dt>x</dt>\n'
    '      <dd><div class="long-text">{SAFE}</div></dd>\n'
    '    </div>\n'
    '    <div class="field field-y type-list">\n'
    '      <dt>y</dt>\n'
    '      <dd><ul class="inline-list"><li>{SAFE}</li><li><a href="../&lt;b&gt;">b</a></li></ul></dd>\n'
    '    </div>\n'
    '    <div class="field field-z type-table">\n'
    '      <dt>z</dt>\n'
    '      <dd>\n'
    '<div class="table-wrap" role="region" aria-label="z: table" tabindex="0"><table class="data nested">\n'
    '  <thead><tr><th scope="col">{SAFE}</th></tr></thead>\n'
    '  <tbody><tr><td><span class="badge badge-major">{SAFE}</span></td></tr></tbody>\n'
    '</table></div></dd>\n'
    '    </div>\n'
    '    <div class="field field-w type-text is-empty">\n'
    '      <dt>w</dt>\n'
    '      <dd><span class="blank">—</span></dd>\n'
    '    </div>\n'
    '  </dl>\n'
    '</section>'
)
TIMELINE = (
    '<section class="history" aria-labelledby="h-history">\n'
    '  <h2 id="h-history">History</h2>\n'
    '  <ol class="timeline">\n'
    '    <li>\n'
    '      <p class="when"><time datetime="2026-11-03 10:00">2026-11-03 10:00</time> · 张伟 · <code title="Commit">01234567</code></p><p class="message">{SAFE}</p>\n'
    '      <ul class="changes"><li>张伟 将状态从 已登记 改为 已结案</li><li class="proof">{SAFE}</li></ul>\n'
    '    </li>\n'
    '    <li>\n'
    '      <p class="when"><time datetime="2026-11-02 09:30">2026-11-02 09:30</time> · li.na</p>\n'
    '    </li>\n'
    '  </ol>\n'
    '</section>'
)
TIMELINE_EMPTY = (
    '<section class="history" aria-labelledby="h-history">\n'
    '  <h2 id="h-history">History</h2>\n'
    '  <p class="muted">No recorded changes</p>\n'
    '</section>'
)
REGISTER = (
    '<div class="register" id="t" data-register data-csv-name="t">\n'
    '  <div class="table-wrap" role="region" aria-labelledby="t-caption" tabindex="0">\n'
    '  <table class="data">\n'
    '    <caption id="t-caption">caption</caption>\n'
    '    <thead><tr>\n'
    '      <th scope="col" class="col-num" data-key="a" data-type="num">{SAFE}</th>\n'
    '      <th scope="col" class="col-text" data-key="b" data-type="text">b</th>\n'
    '      <th scope="col" class="col-text" data-key="c" data-type="text">c</th>\n'
    '    </tr></thead>\n'
    '    <tbody>\n'
    '      <tr data-q="open mine:li.na" class="is-overdue" data-f-a="{SAFE}" data-f-b="3"><th scope="row" class="col-num nw" data-sort="{SAFE}"><a href="../x.html"><span class="badge badge-major">{SAFE}</span></a></th><td class="col-text nw" data-sort="3">3</td><td class="col-text"></td>\n'
    '      </tr>\n'
    '      <tr><th scope="row" class="col-num nw"><a href="../s.html"></a></th><td class="col-text nw"></td><td class="col-text">plain</td>\n'
    '      </tr>\n'
    '    </tbody>\n'
    '    <tfoot><tr><th scope="row">合计</th><td class="col-text"><span class="badge badge-major">7</span></td><td class="col-text"></td>\n'
    '    </tr></tfoot>\n'
    '  </table>\n'
    '  </div>\n'
    '  <p class="empty" data-empty hidden>No records match the filters</p>\n'
    '</div>'
)

"""The default theme renders every page from plain context, escapes data and obeys the CSP."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment
from markupsafe import Markup

from svcnotes.site.charts import bar_chart
from svcnotes.site.context import base_context, cell, column, filters_for, row, search_entry, search_index_js
from svcnotes.site.forms import record_sections

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HOSTILE = '<script>alert(1)</script>"\' onmouseover=x'


class Audit(HTMLParser):
    """Collects what the CSP forbids: inline scripts, style attributes, event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []
        self.tags: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        names = dict(attrs)
        if tag == "script":
            self._script = True
            if "src" not in names:
                self.bad.append("inline script")
        if tag == "style":
            self.bad.append("style element")
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.bad.append(f"{tag}[{name}]")

    def handle_data(self, data):
        if self._script and data.strip():
            self.bad.append("script body")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False


def env() -> Environment:
    from svcnotes.site.build import make_env

    return make_env([TEMPLATES])  # with the globals the macros call (tables.py, fragments.py)


def ctx(locale: str, url: str, section: str, **extra):
    return base_context(locale=locale, url=url, title=HOSTILE, section=section, site_title="客户服务部",
                        generated="2026-11-20 10:00", breadcrumbs=[("客诉", "complaints/index.html"), (HOSTILE, "")],
                        **extra)


def register_context():
    cols = [column("id", "编号"), column("status", "状态", filter=True), column("days", "天数", type="num")]
    rows = [row({"id": cell("C-2611-007"), "status": cell("调查中", value="investigating", badge="investigating"),
                 "days": cell(12, sort=12)}, url="complaints/2026/C-2611-007.html", flags=["overdue"]),
            row({"id": cell(HOSTILE), "status": cell(HOSTILE, value=HOSTILE), "days": cell(1, sort=1)})]
    return {"columns": cols, "rows": rows, "filters": filters_for(cols, rows)}


def record_context(kind: str, data: dict):
    return {
        "record": {"kind": kind, "id": data["id"], "title": HOSTILE, "status": data.get("status", ""),
                   "status_label": "调查中", "path": f"records/{kind}s/x.md", "in_agreement": False,
                   "deadline": {"state": "overdue", "target": "2026-11-20", "limit": "2026-11-25", "days_open": 21}},
        "sections": record_sections(kind, data, "zh-CN", href=lambda k, i: f"{k}s/{i}.html"),
        "body_html": Markup("<p>正文</p>"),
        "history": [{"at": "2026-11-06 10:00", "author": HOSTILE, "message": "update", "commit": "abcdef1234567",
                     "changes": [{"label": "状态", "old": "已登记", "new": HOSTILE, "text": HOSTILE}]}],
        "problems": [{"code": "E104", "field": "status", "message": HOSTILE, "line": 3}],
        "related": [{"id": "rel", "title": "客诉", **register_context()}],
    }


PAGES = {
    "dashboard.html": ("index.html", "dashboard", lambda: {
        "cards": [{"label": HOSTILE, "value": 3, "href": "complaints/index.html", "tone": "bad"}],
        "charts": [{"title": "t", "svg": Markup(bar_chart([HOSTILE], [1], title="x")), "caption": HOSTILE}],
        "lists": [{"id": "overdue", "title": "逾期", **register_context()}]}),
    "complaints.html": ("complaints/index.html", "complaints", register_context),
    "customers.html": ("customers/index.html", "customers", register_context),
    "callbacks.html": ("callbacks/index.html", "callbacks", register_context),
    "notes.html": ("notes/index.html", "notes", register_context),
    "complaint.html": ("complaints/2026/C-2611-007.html", "complaints", lambda: record_context("complaint", {
        "id": "C-2611-007", "status": "investigating", "customer": "hengda", "amount": Decimal("1200"),
        "request": ["return"], "capa": [{"action": HOSTILE, "owner": "li", "due": date(2026, 12, 1), "status": "open"}],
        "cause_analysis": HOSTILE})),
    "customer.html": ("customers/hengda.html", "customers", lambda: record_context("customer", {
        "id": "hengda", "name": HOSTILE, "tier": "key", "contacts": [{"name": "王", "phone": "1"}]})),
    "callback.html": ("callbacks/2026/CB-2611-001.html", "callbacks", lambda: record_context("callback", {
        "id": "CB-2611-001", "status": "scheduled", "kind": "periodic", "due": date(2026, 11, 30)})),
    "note.html": ("notes/2026/N-2611-001.html", "notes", lambda: record_context("note", {
        "id": "N-2611-001", "kind": "handover", "summary": HOSTILE, "open_issues": [HOSTILE]})),
    "reports.html": ("reports/index.html", "reports", lambda: {
        "reports": [{"title": HOSTILE, "href": "reports/monthly-2026-11.html", "period": "2026-11"}]}),
    "report.html": ("reports/monthly-2026-11.html", "reports", lambda: {
        "report": {"title": HOSTILE, "period": "2026-11", "compiled": "2026-12-05"},
        "charts": [{"title": "t", "svg": Markup(bar_chart(["a"], [1], title="x"))}],
        "tables": [{"id": "by-category", "title": "类别", "totals": {"days": cell(13)}, **register_context()}]}),
    "search.html": ("search.html", "search", dict),
}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_renders_escaped_and_csp_clean(name, locale):
    url, section, extra = PAGES[name]
    html = env().get_template(name).render(**ctx(locale, url, section, **extra()))
    assert "<script>alert" not in html
    audit = Audit()
    audit.feed(html)
    assert audit.bad == []
    assert f'<html lang="{locale}">' in html
    for tag in ("header", "nav", "main", "footer"):
        assert tag in audit.tags
    assert 'href="#main"' in html
    root = "../" * url.count("/")
    assert f'href="{root}static/site.css"' in html
    assert "Content-Security-Policy" in html


def test_register_rows_carry_filter_and_sort_attributes():
    html = env().get_template("complaints.html").render(**ctx("zh-CN", "complaints/index.html", "complaints",
                                                              **register_context()))
    assert 'data-f-status="investigating"' in html
    assert 'data-sort="12"' in html
    assert 'class="is-overdue"' in html
    assert '<option value="investigating">调查中</option>' in html
    assert 'href="../complaints/2026/C-2611-007.html"' in html


def test_complaint_page_follows_the_paper_form_order():
    html = env().get_template("complaint.html").render(**ctx("zh-CN", "complaints/2026/C-2611-007.html",
                                                             "complaints", **PAGES["complaint.html"][2]()))
    order = [html.index(f'id="s-{key}"') for key in ("intake", "product", "request", "classification",
                                                        "investigation", "settlement", "approvals", "capa",
                                                        "communication", "closure")]
    assert order == sorted(order)
    assert "<p>正文</p>" in html


def test_search_index_js_assigns_a_global_and_cannot_close_a_script():
    js = search_index_js([search_entry(url="complaints/2026/C-2611-007.html", title="</script>支架",
                                       kind="complaint", kind_label="客诉", text=["恒达"])])
    assert js.startswith("window.SVCNOTES_INDEX = [")
    assert "</script>" not in js and "支架" in js


def test_site_js_and_css_exist_and_js_has_no_dependencies():
    js = (TEMPLATES / "static" / "site.js").read_text(encoding="utf-8")
    assert "\\uFEFF" in js and "aria-sort" in js
    search = (TEMPLATES / "static" / "search.js").read_text(encoding="utf-8")
    assert "SVCNOTES_GRAMS" in search and "SVCNOTES_PARTS" in search
    assert not re.search(r"\b(import|require)\s*\(", js + search)
    css = (TEMPLATES / "static" / "site.css").read_text(encoding="utf-8")
    assert "@media print" in css and "position: sticky" in css

"""The built site in headless Chromium: dashboard, register filters, Chinese search, history, locales, live reload."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.site.helpers import build

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh page that records console errors and failed requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    yield pg
    context.close()


def _main_text(page) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(page.inner_text("main", timeout=2000))
    except Exception:  # the page is reloading right now
        return ""


def test_dashboard_loads_with_cards_charts_and_no_errors(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "index.html").as_uri())
    assert page.locator("ul.cards li.card").count() >= 10
    assert page.locator("figure.chart-figure svg[role=img]").count() >= 6
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.errors == []


def test_register_filter_narrows_rows_and_is_remembered_in_the_url(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "complaints/index.html").as_uri())
    rows = page.locator("#complaints tbody tr")
    total = rows.count()
    page.select_option("#complaints select[data-filter=status]", "closed")
    visible = page.locator("#complaints tbody tr:not([hidden])")
    shown = visible.count()
    assert 0 < shown < total
    assert all(v == "closed" for v in visible.evaluate_all("rs => rs.map(r => r.getAttribute('data-f-status'))"))
    assert "complaints.status=closed" in page.url
    page.reload()
    assert page.locator("#complaints tbody tr:not([hidden])").count() == shown  # restored from the hash
    page.fill("#complaints input[data-filter-text]", "zzzz-no-such-thing")
    assert page.locator("#complaints tbody tr:not([hidden])").count() == 0
    assert page.locator("#complaints [data-empty]").is_visible()
    assert page.errors == []


def test_register_sorts_by_a_column(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "complaints/index.html").as_uri())
    page.click("#complaints th[data-key=days_open] button")
    days = page.locator("#complaints tbody tr td.col-num").evaluate_all("tds => tds.map(td => +td.dataset.sort)")
    assert days == sorted(days)


def test_search_finds_a_chinese_substring_and_opens_the_record(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "search.html").as_uri())
    page.fill("#search-q", "尺寸")  # part of a word: Chinese has no spaces between words
    first = page.locator("[data-search-results] li a").first
    first.wait_for()
    title = first.inner_text()
    assert "尺寸" in title or page.locator("[data-search-results] li").count() > 0
    first.click()
    page.wait_for_load_state()
    assert "/complaints/" in page.url or "/customers/" in page.url or "/notes/" in page.url or "/callbacks/" in page.url
    assert page.locator("h1").count() == 1 and page.errors == []


def test_complaint_page_shows_the_history_timeline(page, site_repo: Path) -> None:  # type: ignore[no-untyped-def]
    site, _ = build(site_repo)
    page.goto((site / "complaints/2026/C-2611-001.html").as_uri())
    timeline = page.locator("section.history ol.timeline > li")
    assert timeline.count() == 2
    newest = timeline.first
    assert "C-2611-001: start investigating" in newest.inner_text()
    assert newest.locator("ul.changes li").first.inner_text() == "赵敏 将状态从 已登记 改为 调查中"
    assert page.errors == []


def test_english_build_shows_english_navigation(page, site_repo: Path) -> None:  # type: ignore[no-untyped-def]
    site, _ = build(site_repo, "--locale", "en")
    page.goto((site / "index.html").as_uri())
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav.site-nav").inner_text().split() [:2] == ["Dashboard", "Complaint"]
    page.click("nav.site-nav >> text=Complaint register")
    assert page.locator("h1").inner_text() == "Complaint tracking register"


def test_serve_rebuilds_on_a_record_edit_and_the_open_page_reloads(page, site_repo: Path) -> None:  # type: ignore[no-untyped-def]
    from svcnotes.cli.site import _options, run_build
    from svcnotes.site.serve import serve
    from svcnotes.store.repository import Repository

    out = site_repo / "site"
    options = _options(str(out), None, False, None, False, True, live_reload=True)
    said: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=serve, kwargs=dict(
        root=site_repo, out=out, port=0, build_first=True, stop=stop, echo=said.append,
        rebuild=lambda: run_build(Repository.open(site_repo), options)), daemon=True)
    thread.start()
    try:
        deadline = time.time() + 30
        while not any(s.startswith("Serving on ") for s in said) and time.time() < deadline:
            time.sleep(0.05)
        url = next(s for s in said if s.startswith("Serving on ")).split()[-1]
        assert url.startswith("http://127.0.0.1:")
        page.goto(url + "notes/2026/N-2611-001.html")
        assert "要求本周内答复" in page.inner_text("main")
        time.sleep(1.5)  # let live-reload.js read the first version stamp
        note = site_repo / "records/notes/2026/N-2611-001.md"
        note.write_text(note.read_text(encoding="utf-8").replace("要求本周内答复", "要求周五前答复"), encoding="utf-8")
        deadline = time.time() + 20  # polled from Python: the CSP forbids wait_for_function's eval
        while "要求周五前答复" not in _main_text(page) and time.time() < deadline:
            time.sleep(0.2)
        assert "要求周五前答复" in _main_text(page)
    finally:
        stop.set()
        thread.join(10)
    assert page.errors == []

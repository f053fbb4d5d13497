"""The site as the department's daily workbench, in headless Chromium at 1400×1000 and 390×844:
the dashboard's counts lead to exactly their lists, registers open on what needs doing, filters
follow the workflow, charts are titled and readable, search finds and leads, a phone gets cards."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from svcnotes.model.schema import KINDS
from svcnotes.site.i18n import enum_label

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


def _page(browser, viewport):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport)
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    return context, pg


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context, pg = _page(browser, DESKTOP)
    yield pg
    context.close()


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    context, pg = _page(browser, PHONE)
    yield pg
    context.close()


def _visible_rows(page, register: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#{register} tbody tr:not([hidden])")


def _settled(page, register: str, check, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    """The visible rows once `check(rows)` holds: a queue link changes the URL hash, and the
    register re-filters on the hashchange event that follows (polled from Python: the CSP forbids eval)."""
    import time

    deadline = time.time() + timeout
    rows = _visible_rows(page, register)
    while not check(rows) and time.time() < deadline:
        page.wait_for_timeout(50)
    return rows


def _card(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator("ul.cards li.card", has=page.locator(".card-label", has_text=re.compile(f"^{label}$")))


@pytest.mark.parametrize("label,queue,flag", [("未结客诉", "open", None), ("即将到期", "due_soon", "is-due_soon"),
                                              ("逾期客诉", "overdue", "is-overdue"), ("已升级", "escalated", None)])
def test_each_dashboard_count_opens_exactly_its_list(page, demo_site: Path, label: str, queue: str, flag: str | None) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "index.html").as_uri())
    card = _card(page, label)
    count = int(card.locator(".card-value").inner_text())
    card.locator("a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"complaints/index.html#complaints.queue={queue}")
    rows = _visible_rows(page, "complaints")
    assert rows.count() == count > 0
    queues = rows.evaluate_all("rs => rs.map(r => r.getAttribute('data-q'))")
    assert all(queue in q.split() for q in queues)
    if flag:
        assert all(flag in (c or "") for c in rows.evaluate_all("rs => rs.map(r => r.className)"))
    assert page.locator(f"nav.queue-bar a[data-queue-link={queue}][aria-current]").count() == 1
    assert page.errors == []


def test_callbacks_card_opens_this_weeks_callbacks_soonest_first(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "index.html").as_uri())
    card = _card(page, "本周应回访")
    count = int(card.locator(".card-value").inner_text())
    card.locator("a").click()
    page.wait_for_load_state()
    rows = _visible_rows(page, "callbacks")
    assert rows.count() == count > 0
    due = rows.evaluate_all("rs => rs.map(r => r.cells[1].dataset.sort)")
    assert due == sorted(due) and due[-1] <= "2026-11-29"


def test_register_opens_on_open_complaints_with_a_way_to_see_all(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "complaints/index.html").as_uri())
    total = page.locator("#complaints tbody tr").count()
    rows = _visible_rows(page, "complaints")
    open_n = rows.count()
    assert 0 < open_n < total
    closed = enum_label("zh-CN", "complaint_status", "closed")
    assert closed not in rows.evaluate_all("rs => rs.map(r => r.innerText)").__str__()
    limits = rows.evaluate_all("rs => rs.map(r => r.querySelector('td[data-sort]') && r.cells[8].dataset.sort)")
    assert limits == sorted(limits)  # the most urgent (earliest hard limit) first
    page.click("nav.queue-bar a[data-queue-link=all]")
    assert _settled(page, "complaints", lambda rows: rows.count() == total).count() == total
    page.reload()
    assert _visible_rows(page, "complaints").count() == total  # the choice is kept in the URL


def test_filter_options_follow_the_workflow_and_severity_order(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "complaints/index.html").as_uri())
    for name in ("status", "severity"):
        values = page.locator(f"#complaints select[data-filter={name}] option").evaluate_all("os => os.map(o => o.value)")[1:]
        declared = [v for v in KINDS["complaint"].by_name[name].choices if v in values]
        assert values == declared, name


def test_capa_tracker_filters_by_status_and_overdue(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "reports/capa.html").as_uri())
    labels = page.locator("#capa .filters label").all_inner_texts()
    assert any(text.startswith("状态") for text in labels), labels
    assert any("逾期" in text for text in labels), labels


def test_charts_have_visible_titles_and_text_that_stays_readable(page, phone, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    for pg in (page, phone):
        pg.goto((demo_site / "index.html").as_uri())
        titles = pg.locator("figure.chart-figure .chart-title")
        assert titles.count() >= 6 and all(t.strip() for t in titles.all_inner_texts())
        sizes = pg.locator("figure.chart-figure svg text").evaluate_all(
            "ts => ts.filter(t => t.getBBox().width > 0).map(t => t.getBoundingClientRect().height)")
        assert sizes and min(sizes) >= 9, min(sizes)


def test_customer_file_shows_its_satisfaction_chart(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "customers/hengda-auto.html").as_uri())
    figure = page.locator("figure.chart-figure")
    assert figure.count() == 1 and "满意度" in figure.locator(".chart-title").inner_text()
    assert figure.locator("svg circle").count() >= 2


def test_search_box_on_every_page_leads_to_results_with_customer_date_status_and_match(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "complaints/2026/C-2603-005.html").as_uri())
    page.fill("header .site-search input", "导轨滑块")
    page.press("header .site-search input", "Enter")
    page.wait_for_load_state()
    assert "search.html" in page.url
    first = page.locator("[data-search-results] li", has=page.locator(".badge-kind-complaint")).first
    first.wait_for()
    meta = first.locator(".search-meta").inner_text()
    assert re.search(r"\d{4}-\d\d-\d\d", meta) and "鸿运" in meta  # date and customer
    assert first.locator(".search-snippet mark, .search-head a").count() >= 1
    assert page.errors == []


def test_full_customer_name_finds_as_much_as_the_short_name(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "search.html").as_uri())

    def found(q: str) -> int:
        page.fill("#search-q", q)
        page.wait_for_timeout(400)
        page.locator("[data-search-count]").filter(has_text=re.compile(r"找到|没有")).wait_for()
        while "正在搜索" in page.inner_text("[data-search-count]"):
            page.wait_for_timeout(100)
        return int(re.search(r"找到 (\d+)", page.inner_text("[data-search-count]")).group(1))  # type: ignore[union-attr]

    short, full = found("恒达汽车"), found("恒达汽车零部件有限公司")
    assert full >= short - 2 and full > 10, (short, full)


def test_search_qualifiers_filters_and_paging(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "search.html").as_uri())
    page.fill("#search-q", "客户:恒达 状态:已结案")
    page.wait_for_timeout(800)
    metas = page.locator("[data-search-results] .search-meta").all_inner_texts()
    assert metas and all("恒达汽车" in m and "已结案" in m for m in metas)
    page.fill("#search-q", "批次")
    page.wait_for_timeout(800)
    assert page.locator("[data-search-results] li").count() == 50
    page.click("[data-search-more]")
    assert page.locator("[data-search-results] li").count() == 100
    page.select_option("[data-search-kind]", "customer")
    page.wait_for_timeout(300)
    assert set(page.locator("[data-search-results] .badge").all_inner_texts()) <= {"客户档案"}


def test_callback_results_are_named_by_customer_not_twice_by_number(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto((demo_site / "search.html").as_uri())
    page.fill("#search-q", "CB-2612-004")
    page.locator("[data-search-results] li a").first.wait_for()
    title = page.locator("[data-search-results] li a").first.inner_text()
    assert title.count("CB-2612-004") == 1 and len(title) > len("CB-2612-004 ")


def test_phone_shows_register_rows_as_cards_and_the_whole_navigation(phone, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    phone.goto((demo_site / "complaints/index.html").as_uri())
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    links = phone.locator("nav.site-nav a")
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], links.nth(i).inner_text()
    assert not phone.locator("#complaints thead").is_visible()
    cell = phone.locator("#complaints tbody tr:not([hidden]) td[data-label]").first
    assert cell.get_attribute("data-label") and cell.is_visible()
    assert not phone.locator("#complaints select[data-filter=status]").is_visible()  # folded behind 筛选
    assert phone.errors == []


def test_personal_queues_follow_the_person_chosen(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    from svcnotes.model.config import load_config
    from svcnotes.store.repository import Repository
    from svcnotes.workflow.approvals import can_approve
    from tests.site.conftest import ROOT

    config, _ = load_config(ROOT)
    complaints = Repository(ROOT).snapshot().records["complaint"]
    deputy = next(p for p in config.staff.values() if "deputy_gm" in p.roles)
    expected_approve = {r.id for r in complaints if r.status == "proposed" and r.get("proposed_by") != deputy.id
                        and can_approve(deputy, r.get("amount"), str(r.get("severity") or "normal"), config, r.get("currency"))}
    page.goto((demo_site / "complaints/index.html").as_uri() + "#complaints.queue=approve")
    assert _visible_rows(page, "complaints").count() == 0  # nobody chosen yet
    page.select_option("#complaints select[data-me]", deputy.id)
    shown = set(_visible_rows(page, "complaints").evaluate_all("rs => rs.map(r => r.cells[0].innerText.trim())"))
    assert shown == expected_approve and shown
    assert page.locator("[data-queue-count=approve]").inner_text() == str(len(expected_approve))
    page.reload()  # the person is remembered in this browser
    assert page.locator("#complaints select[data-me]").input_value() == deputy.id
    rep = next(r.get("owner") for r in complaints if r.status in ("registered", "investigating") and r.get("owner"))
    page.select_option("#complaints select[data-me]", rep)
    page.click("nav.queue-bar a[data-queue-link=mine]")
    rows = _settled(page, "complaints", lambda rows: "queue=mine" in page.url and rows.count() > 0 and
                    set(rows.evaluate_all("rs => rs.map(r => r.getAttribute('data-f-owner'))")) == {rep})
    owners = rows.evaluate_all("rs => rs.map(r => r.getAttribute('data-f-owner'))")
    assert owners and set(owners) == {rep}

"""Accessibility: axe-core (the copy bundled with the axe-playwright-python package) finds no
WCAG 2.1 A/AA or best-practice violation on any page type, at 1400×1000 and at 390×844, with the
register queues, search results and phone cards in place."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PAGES = ["index.html", "complaints/index.html", "complaints/index.html#complaints.queue=all",
         "complaints/2026/C-2603-005.html", "customers/index.html", "customers/hengda-auto.html",
         "callbacks/index.html", "callbacks/2026/CB-2611-001.html", "notes/index.html",
         "reports/index.html", "reports/capa.html", "reports/monthly-2026-10.html", "reports/overdue.html",
         "search.html#q=恒达"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    package = pytest.importorskip("axe_playwright_python", reason="axe-playwright-python (axe-core) is not installed")
    return (Path(package.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("viewport", [(1400, 1000), (390, 844)], ids=["desktop", "phone"])
def test_axe_finds_no_violation_on_any_page_type(browser, demo_site: Path, axe_source: str, viewport) -> None:  # type: ignore[no-untyped-def]
    # axe is injected through the DevTools protocol; the pages' CSP (script-src 'self') stays as it is for the site
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, bypass_csp=True)
    page = context.new_page()
    found = []
    try:
        for url in PAGES:
            path, _, fragment = url.partition("#")
            page.goto((demo_site / path).as_uri() + (f"#{fragment}" if fragment else ""))
            page.wait_for_timeout(300)
            page.evaluate(axe_source)
            result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})")
            found += [f"{url}: {v['id']} ({v['impact']}) {v['nodes'][0]['target']}" for v in result["violations"]]
    finally:
        context.close()
    assert found == []

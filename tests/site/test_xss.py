"""No record content can run script: every XSS payload and BLNS string, in every field, on every page.

The hostile repository puts each payload into customer names, complaint titles, scalar and list
fields, nested tables, bodies and a history change (see xssrepo.py), six records per kind with
about 400 payloads each. Every page is checked statically (CSP meta, no inline script, handler
or javascript: URL) and then loaded in Chromium, asserting that no dialog opened, no alert,
confirm or prompt was called, no CSP violation was reported, no element carries an on* handler,
and that the hostile text is still shown as text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from tests.site.helpers import audit, broken_links, build, collapse, pages
from tests.site.xssrepo import make_repo

GUARD = """
window.__called = [];
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  const original = window[name];
  window[name] = function () { window.__called.push(name); return original.apply(window, arguments); };
}
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""

DOM_AUDIT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(el.tagName + "[" + a.name + "]");
      if (/^\\s*(javascript|vbscript):/i.test(a.value) && /^(href|src|action|formaction|xlink:href|data)$/i.test(a.name))
        bad.push(el.tagName + "[" + a.name + "=" + a.value.slice(0, 30) + "]");
    }
    if (/^(IFRAME|FRAME|FRAMESET|OBJECT|EMBED|APPLET|BASE|STYLE)$/.test(el.tagName)) bad.push(el.tagName);
  }
  for (const s of document.scripts) {
    const src = s.getAttribute("src") || "";
    if (!/(^|\\/)(static\\/site\\.js|static\\/search\\.js|static\\/live-reload\\.js|search\\/[a-z0-9-]+\\.js)$/.test(src)) bad.push("SCRIPT " + src.slice(0, 40));
  }
  return {bad, called: window.__called, csp: window.__csp};
}"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[list[str]]]:
    """The hostile repository built once (zh-CN, with history)."""
    if not CORPORA.is_dir():
        pytest.skip(f"real-data corpora not found at {CORPORA} (../shared is absent)")
    root, parts = make_repo(tmp_path_factory.mktemp("xss") / "repo", CORPORA)
    site, _ = build(root)
    return site, parts


def test_hostile_site_pages_are_static_csp_clean_and_links_resolve(hostile: tuple[Path, list[list[str]]]) -> None:
    site, _ = hostile
    assert len(pages(site)) >= 30
    for page in pages(site):
        a = audit(page)
        assert a.csp, page
        assert a.bad == [], f"{page.relative_to(site)}: {a.bad[:5]}"
    assert broken_links(site) == []


def _visible_payloads(chunk: list[str]) -> list[str]:
    """Payloads whose text a browser shows unchanged (no control characters, no bidi/zero-width tricks)."""
    return [p for p in chunk if p.isascii() and p.isprintable() and p.strip()]


@pytest.mark.browser
def test_no_payload_runs_script_on_any_page(browser, hostile: tuple[Path, list[list[str]]]) -> None:  # type: ignore[no-untyped-def]
    site, _ = hostile
    context = browser.new_context()
    context.add_init_script(GUARD)
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        for path in pages(site):
            page.goto(path.as_uri(), wait_until="load")
            if path.name == "search.html":
                page.fill("#search-q", "script")
                page.locator("[data-search-results] li").first.wait_for()
            page.wait_for_timeout(50)
            result = page.evaluate(DOM_AUDIT)
            rel = path.relative_to(site)
            assert result["bad"] == [], f"{rel}: {result['bad'][:5]}"
            assert result["called"] == [], f"{rel}: injected script called {result['called']}"
            assert result["csp"] == [], f"{rel}: CSP violations {result['csp'][:5]}"
        assert dialogs == [] and errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_hostile_text_is_shown_escaped_not_dropped(browser, hostile: tuple[Path, list[list[str]]]) -> None:  # type: ignore[no-untyped-def]
    site, parts = hostile
    page = browser.new_page()
    try:
        page.goto((site / "complaints/index.html").as_uri())
        register = collapse(page.inner_text("#complaints tbody"))
        for i, chunk in enumerate(parts, 1):
            page.goto((site / f"complaints/2026/C-2611-{i:03d}.html").as_uri())
            title = collapse(page.inner_text("h1"))
            reporter = collapse(page.inner_text(".field-reporter dd"))
            tags = collapse(page.inner_text(".field-tags dd"))
            for p in _visible_payloads(chunk):
                shown = collapse(p)
                assert shown in title, f"title of C-2611-{i:03d} lost {p!r}"
                assert shown in reporter and shown in tags and shown in register, p
            page.goto((site / f"customers/xss-{i}.html").as_uri())
            assert collapse(chunk[0]) in collapse(page.inner_text("h1")) or not _visible_payloads(chunk[:1])
        page.goto((site / "search.html").as_uri())
        page.fill("#search-q", "<script>alert")
        first = page.locator("[data-search-results] li a").first
        first.wait_for()
        assert "<script>alert" in first.inner_text().lower()
    finally:
        page.close()


def test_markdown_bodies_are_sanitised_to_formatting_only(hostile: tuple[Path, list[list[str]]]) -> None:
    site, _ = hostile
    html = (site / "complaints/2026/C-2611-001.html").read_text(encoding="utf-8")
    body = html[html.index('<div class="prose">'):]
    body = body[:body.index("</section>")]
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", body))
    assert tags <= {"div", "p", "a", "img", "code", "pre", "em", "strong", "br", "ul", "ol", "li", "blockquote", "h1", "h2",
                    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "span", "b", "i", "u", "s",
                    "del", "ins", "sub", "sup", "kbd", "abbr", "dl", "dt", "dd", "tfoot"}, tags

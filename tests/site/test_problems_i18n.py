"""A record's problems on its page are in the site's language (organisation.locale or --locale)."""

from __future__ import annotations

import html
from pathlib import Path

from tests.cli.test_i18n import BAD
from tests.conftest import write
from tests.site.helpers import build

PAGE = "complaints/2026/C-2611-009.html"


def _problem_line(page: str) -> str:
    start = page.index('<section class="problems"')
    items = page[start:page.index("</section>", start)]
    return html.unescape(items[items.index("<li>") + 4:items.index("</li>")])


def test_problems_on_a_page_in_the_sites_language(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-009.md", BAD)
    zh, _ = build(repo)  # organisation.locale = zh-CN
    assert _problem_line((zh / PAGE).read_text(encoding="utf-8")) == "<code>E104</code> 状态: 'closd' 不是有效的状态值 (第 4 行)"
    en, _ = build(repo, "--locale", "en", out=repo / "site-en")
    assert _problem_line((en / PAGE).read_text(encoding="utf-8")) == "<code>E104</code> Status: 'closd' is not a valid status (line 4)"
    redacted, _ = build(repo, "--redact", out=repo / "site-redacted")
    assert "'closd' 不是有效的状态值" in _problem_line((redacted / PAGE).read_text(encoding="utf-8"))

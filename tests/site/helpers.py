"""Helpers for the site tests: building sites, walking pages, checking links and the CSP rules."""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from click.testing import CliRunner

from svcnotes.cli import cli

TODAY = "2026-11-23"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def build(root: Path, *args: str, out: Path | None = None) -> tuple[Path, str]:
    """Run `svcnotes -C root build --out OUT --today TODAY ARGS`; return the output folder and stdout."""
    out = out or root / "site"
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--out", str(out), "--today", TODAY, *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, result.output


def pages(site: Path) -> list[Path]:
    """Every HTML page of a built site."""
    return sorted(site.rglob("*.html"))


class PageAudit(HTMLParser):
    """Collects links, CSP-forbidden constructs and the visible text of one page."""

    URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "xlink:href", "background"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.bad: list[str] = []
        self.csp = False
        self.text: list[str] = []
        self._skip = 0
        self._prose = 0  # depth inside a record body: its links are the author's, not the site's

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k: v or "" for k, v in attrs}
        if tag == "div" and (self._prose or names.get("class") == "prose"):
            self._prose += 1
        if tag == "script":
            self._skip += 1
            if "src" not in names:
                self.bad.append("inline <script>")
        if tag == "style":
            self.bad.append("<style> element")
        if tag == "meta" and names.get("http-equiv", "").lower() == "content-security-policy":
            self.csp = "script-src 'self'" in names.get("content", "") and "unsafe-inline" not in names.get("content", "")
        for name, value in names.items():
            if name.startswith("on"):
                self.bad.append(f"<{tag} {name}>")
            if name == "style":
                self.bad.append(f"<{tag} style>")
            if name in self.URL_ATTRS:
                if re.match(r"\s*(javascript|vbscript|data):", value, re.I) and not (tag == "img" and value.startswith("data:image/")):
                    self.bad.append(f"<{tag} {name}={value[:40]!r}>")
                if tag in ("a", "link", "script", "img") and not self._prose:
                    self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._prose:
            self._prose -= 1
        if tag == "script":
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def audit(page: Path) -> PageAudit:
    """Parse one page."""
    a = PageAudit()
    a.feed(page.read_text(encoding="utf-8"))
    a.close()
    return a


def broken_links(site: Path) -> list[str]:
    """Every internal link or resource (href/src) of every page that names no file in the site."""
    broken = []
    for page in pages(site):
        for link in audit(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or not parts.path:
                continue  # external (record bodies may link out) or a same-page anchor
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {link}")
    return broken


def search_index(site: Path) -> list[dict[str, str]]:
    """The entries of every search part (search/*.js), in the order the search page lists results."""
    import html as markup

    from svcnotes.site.search import part_url, parts_of

    page = (site / "search.html").read_text(encoding="utf-8")
    index = json.loads(markup.unescape(re.search(r'data-index="([^"]*)"', page).group(1)))  # type: ignore[union-attr]
    entries: list[dict[str, str]] = []
    for group, _, n in index["g"]:
        for p in reversed(range(len(parts_of(n, index["p"])))):
            text = (site / part_url(group, p)).read_text(encoding="utf-8")
            entries += json.loads(text[text.index("] = ") + 4: text.rindex(";")])
    return entries


def collapse(text: str) -> str:
    """Whitespace collapsed and normalised the way a browser's innerText shows it."""
    return " ".join(unicodedata.normalize("NFC", text).split())

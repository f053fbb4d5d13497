"""Markdown bodies -> sanitised HTML, with one reused Markdown instance and a content-hash cache.

Rendering Markdown is the dominant cost of a build, so bodies are cached by the hash of their
text (in memory and, when a cache folder is given, on disk between builds). The HTML that
Markdown produces is then cleaned with nh3: only formatting tags survive, links keep safe
schemes only, and images must be relative (the site makes no external request).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import markdown
import nh3

from svcnotes.store import cachefile

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"},
              "abbr": {"title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_EXTERNAL = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//|\\\\)")
VERSION = "4"  # bump when the rendering or sanitising rules change: invalidates the disk cache
MADE_BY = "\0made_by"  # the disk cache's entry naming the code that rendered it (MarkdownRenderer made_by)


def _made_by() -> str:
    """What made a cached body's HTML, part of its key: VERSION, Markdown and nh3, and this module's source."""
    if not _MADE_BY:
        from svcnotes.store.bulk import source_key

        _MADE_BY.append(f"{VERSION}\0{markdown.__version__}\0{getattr(nh3, '__version__', '')}\0"
                        f"{source_key('site/markup.py')}\0")
    return _MADE_BY[0]


_MADE_BY: list[str] = []


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """Images only from relative paths (an external src would be a request the CSP forbids);
    URLs percent-encoded so that a hostile one is at least a valid, inert URL."""
    if attr in ("href", "src"):
        if (tag == "img" and _EXTERNAL.match(value)) or not value.strip():
            return None
        return quote(value.strip(), safe="/:?#&=%;,+@!$'()*~._-")
    return value


_IMG = re.compile(r"<img\b([^>]*)>")
_A = re.compile(r"<a\b([^>]*)>")
# Code points HTML forbids in a document (C0/C1 controls, noncharacters, surrogates) are shown as
# U+FFFD. Written as the complement of what is allowed: a negated class of a few ranges is ~6x
# faster than listing the forbidden ones, and scrub runs over every byte of every page.
_ALLOWED = ("\t\n\x0c\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd"
            + "".join(f"{chr(plane << 16)}-{chr((plane << 16) | 0xFFFD)}" for plane in range(1, 17)))
FORBIDDEN = re.compile(f"[^{_ALLOWED}]")


def scrub(text: str) -> str:
    """Replace the code points an HTML document may not contain by U+FFFD."""
    return FORBIDDEN.sub("\ufffd", text)


def _img(m: re.Match[str]) -> str:
    attrs = m.group(1)
    if " src=" not in attrs:
        return ""  # its source was external or unsafe: nothing left to show
    return m.group(0) if " alt=" in attrs else f'<img alt=""{attrs}>'


def _a(m: re.Match[str]) -> str:
    attrs = m.group(1)
    return m.group(0) if " href=" in attrs else "<a>"  # rel needs an href (valid HTML)


def sanitise(html: str) -> str:
    """Clean an HTML fragment down to formatting tags (no script, no handlers, no styles)."""
    clean = nh3.clean(html, tags=set(TAGS), attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                      url_schemes=set(URL_SCHEMES), attribute_filter=_attribute_filter,
                      clean_content_tags={"script", "style"}, link_rel="noopener noreferrer")
    return _A.sub(_a, _IMG.sub(_img, clean))


class MarkdownRenderer:
    """Markdown -> safe HTML with a cache keyed by the body's content hash."""

    def __init__(self, cache_file: Path | None = None, made_by: str = "") -> None:
        self._md: markdown.Markdown | None = None  # made on the first body not in the cache
        self._cache: dict[str, str] = {}
        self.fresh: dict[str, str] = {}  # rendered by this process since the last take_fresh() (workers report these)
        self._cache_file = cache_file
        self._dirty = False
        self._made_by = made_by  # the code and libraries that render (the disk cache of other code is not used)
        if cache_file is not None:
            self._cache = _load(cache_file)
            if self._cache.pop(MADE_BY, "") != made_by:
                self._cache = {}

    def render(self, text: str) -> str:
        """The sanitised HTML of one Markdown body ('' for an empty body)."""
        if not text or not text.strip():
            return ""
        key = hashlib.blake2b((_made_by() + text).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        html = self._cache.get(key)
        if html is None:
            if self._md is None:
                self._md = _markdown()
            self._md.reset()
            html = sanitise(self._md.convert(text))
            self._cache[key] = html
            self.fresh[key] = html
            self._dirty = True
        return html

    def take_fresh(self) -> dict[str, str]:
        """What this process rendered since the last take (a render worker sends it with each task)."""
        fresh, self.fresh = self.fresh, {}
        return fresh

    def add(self, rendered: dict[str, str]) -> None:
        """Take bodies another process rendered into this cache."""
        if rendered:
            self._cache.update(rendered)
            self._dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        """Write the disk cache (atomically) if anything new was rendered."""
        if self._cache_file is None or not self._dirty:
            return
        self._cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({**self._cache, MADE_BY: self._made_by}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._cache_file)
        self._dirty = False


def _markdown() -> markdown.Markdown:
    """The Markdown converter: tables, fenced code, sane lists (the extensions given as objects, not
    names, so markdown does not scan every installed package's entry points to find them)."""
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    return markdown.Markdown(extensions=[TableExtension(), FencedCodeExtension(), SaneListExtension()], output_format="html")


def _load(path: Path) -> dict[str, str]:
    """The disk cache, or an empty one when it is missing or corrupt (the cache is never needed)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        cachefile.ignored(path)
        return {}
    kept = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}
    if not isinstance(data, dict) or len(kept) != len(data):
        cachefile.ignored(path)
    return kept

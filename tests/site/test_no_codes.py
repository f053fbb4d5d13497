"""No internal code on a Chinese page: every page of the demo site, built in zh-CN, is scanned for
the codes the schema and the config declare (status, severity, role, department, category and
every other enum value, staff ids, customer ids, field names and paths, booleans, report buckets).

The list of codes is derived from the schema and the config, never copied, so a new enum value or
staff member is covered the day it is declared. The English build is checked the other way round:
no Chinese text in its chrome."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from svcnotes.model.config import load_config
from svcnotes.model.schema import KINDS
from svcnotes.store.repository import Repository
from tests.site.conftest import ROOT
from tests.site.helpers import build, pages


def declared_codes(root: Path) -> dict[str, str]:
    """code -> where it is declared, for every code a person should never read on a page."""
    from svcnotes.reports import base, callbacks

    config, _ = load_config(root)
    codes: dict[str, str] = {}
    for kind, spec in KINDS.items():
        for f in spec.fields:
            subs = [f, *f.fields, *([f.item] if f.item else [])]
            for x in subs:
                for value in x.choices:
                    codes.setdefault(value, f"{kind}.{f.name} value")
                if x.choices_from:
                    for value in getattr(config, x.choices_from):
                        codes.setdefault(value, f"config {x.choices_from}")
            if "_" in f.name:  # plain words like 'title' or 'due' could be English prose; a_b never is
                codes.setdefault(f.name, f"{kind} field")
    for person in config.staff.values():
        codes.setdefault(person.id, "staff id")
        for role in person.roles:
            codes.setdefault(role, "staff role")
    for level in config.approval_levels:
        codes.setdefault(level.role, "approval role")
    for customer in Repository(root).snapshot().records["customer"]:
        codes.setdefault(customer.id, "customer id")  # pages name customers, they never show their file slug
    for value in (*callbacks.OUTCOMES, base.UNSET, "true", "false", "True", "False", "None", "null"):
        codes.setdefault(value, "report bucket or literal")
    return codes


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a reader sees: no scripts, no source-path <code>, no record body and no commit
    message (both are people's own words, in whatever language they wrote them)."""

    SKIP = {"script", "style", "code", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = bool(self.stack and self.stack[-1][1]) or tag in self.SKIP or "prose" in classes or "message" in classes
        self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def visible_text(page: Path) -> str:
    parser = VisibleText()
    parser.feed(page.read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.parts).split())


# A field path (`纠正和预防措施[0].status`) or a YAML/JSON dump (`{by: li.gang, role: ...}`).
SHAPES = re.compile(r"\[\d+\]\.?\w*|\{\s*\w+:\s|\[\{")


def leaks(site: Path, codes: dict[str, str]) -> list[str]:
    pattern = re.compile(r"(?<![\w.\-/])(" + "|".join(sorted(map(re.escape, codes), key=len, reverse=True)) + r")(?![\w\-])")
    found = []
    for page in pages(site):
        text = visible_text(page)
        for m in SHAPES.finditer(text):
            found.append(f"{page.relative_to(site)}: {m.group(0)!r} (field path or data dump) in …{text[max(0, m.start() - 30):m.end() + 30]}…")
        for m in pattern.finditer(text):
            found.append(f"{page.relative_to(site)}: {m.group(1)!r} ({codes[m.group(1)]}) in …{text[max(0, m.start() - 30):m.end() + 30]}…")
    return found


@pytest.fixture(scope="module")
def zh_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "svcnotes.toml").is_file():
        pytest.skip("the bundled demo records are absent")
    out, _ = build(ROOT, out=tmp_path_factory.mktemp("zh") / "site")
    return out


def test_the_code_list_is_derived_and_covers_what_people_saw() -> None:
    codes = declared_codes(ROOT)
    for seen in ("closed", "resolved", "deputy_gm", "gm_office", "approved", "late", "on_time", "unreachable", "unset",
                 "xu.jun", "true", "cause_class"):
        assert seen in codes, seen


def test_no_internal_code_on_any_chinese_page(zh_site: Path) -> None:
    found = leaks(zh_site, declared_codes(ROOT))
    assert found == [], f"{len(found)} codes shown:\n" + "\n".join(found[:60])


def test_no_internal_code_on_any_english_page(tmp_path_factory: pytest.TempPathFactory) -> None:
    """In English, plain codes ('closed', 'quality') are English words too: the codes no English
    sentence contains (snake_case values, dotted staff ids, customer slugs) and field paths are checked."""
    if not (ROOT / "svcnotes.toml").is_file():
        pytest.skip("the bundled demo records are absent")
    out, _ = build(ROOT, "--locale", "en", out=tmp_path_factory.mktemp("en") / "site")
    codes = {k: v for k, v in declared_codes(ROOT).items() if any(c in k for c in "_.-")}
    found = leaks(out, codes)
    assert found == [], f"{len(found)} codes shown:\n" + "\n".join(found[:60])

"""The search page in headless Chromium finds what a scan of every entry finds (tests/site/search_oracle.py),
in the same order, for Chinese words, English words, ids, customer and staff names and qualifiers."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.site import search_oracle
from tests.site.helpers import search_index

pytestmark = pytest.mark.browser

QUERIES = ["尺寸", "恒达汽车", "恒达汽车零部件有限公司", "导轨滑块", "批次 2610", "C-2603-005", "c-2611", "CB-2612-004",
           "N-26", "zhang.wei", "张伟", "hengda-auto", "客户:恒达 状态:已结案", "负责人:张伟 毛刺", "张", "a", "so2610",
           "刘建国", "no-such-thing-xyz", "毛刺 超标", "类型:回访", "status:closed", "customer:安科 批次", "Customer:安科 批次"]


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh page that records errors and every request it makes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.requests = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    pg.on("request", lambda r: pg.requests.append(r.url))  # type: ignore[attr-defined]
    yield pg
    context.close()


def wait(page, done: Callable[[str], bool], seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    """Poll the result count's text until `done` holds (the page's CSP forbids evaluated strings)."""
    deadline = time.monotonic() + seconds
    while not done(page.inner_text("[data-search-count]")):
        assert time.monotonic() < deadline, page.inner_text("[data-search-count]")
        page.wait_for_timeout(20)


def search(page, query: str) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """Type a query; once every part it needs is loaded: (the count shown, the urls listed)."""
    page.fill("#search-q", "")
    wait(page, lambda t: t == "")
    page.fill("#search-q", query)
    wait(page, lambda t: bool(re.search(r"找到|没有", t)) and "正在搜索" not in t)
    text = page.inner_text("[data-search-count]")
    m = re.search(r"找到 (\d+)", text)
    urls = page.locator("[data-search-results] li .search-head a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    return (int(m.group(1)) if m else 0), urls


def test_search_page_finds_what_a_scan_of_every_entry_finds_in_the_same_order(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    entries = search_index(demo_site)
    page.goto((demo_site / "search.html").as_uri())
    for query in QUERIES:
        expected = search_oracle.results(entries, query)
        count, urls = search(page, query)
        assert (count, urls) == (len(expected), expected[:50]), query
    assert page.errors == []


def test_kind_filter_finds_what_the_scan_finds(page, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    entries = search_index(demo_site)
    page.goto((demo_site / "search.html").as_uri())
    page.select_option("[data-search-kind]", "customer")
    for query in ("恒达", "张伟", "有限公司"):
        expected = search_oracle.results(entries, query, kind="customer")
        assert search(page, query) == (len(expected), expected[:50]), query


def _index(site: Path) -> dict:  # type: ignore[type-arg]
    import html
    import json

    page = (site / "search.html").read_text(encoding="utf-8")
    return json.loads(html.unescape(re.search(r'data-index="([^"]*)"', page).group(1)))  # type: ignore[union-attr,no-any-return]


@pytest.mark.parametrize("query", ["导轨滑块", "C-2603-005"])
def test_a_query_fetches_only_the_gram_shards_of_its_terms_and_the_parts_holding_matches(page, demo_site: Path, query: str) -> None:  # type: ignore[no-untyped-def]
    from svcnotes.site.search import grams, part_url, parts_of, shard_of

    entries = search_index(demo_site)
    expected = search_oracle.results(entries, query)
    index = _index(demo_site)
    page.goto((demo_site / "search.html").as_uri())
    assert not [u for u in page.requests if "/search/" in u]  # nothing of the index before a key is typed
    count, urls = search(page, query)
    assert (count, urls[0]) == (len(expected), expected[0])  # the right first result
    fetched = [u.split("/site/", 1)[1] for u in page.requests if "/search/" in u]
    assert len(fetched) == len(set(fetched))  # nothing twice
    shards = {f"search/g{shard_of(g, index['m'])}.js" for g in grams(query.lower())}
    assert {u for u in fetched if u.startswith("search/g")} == shards
    all_parts = [part_url(g, p) for g, _, n in index["g"] for p in range(len(parts_of(n, index["p"])))]
    parts = [u for u in fetched if not u.startswith("search/g")]
    need = grams(query.lower())
    candidates = {url for url in all_parts for e in _part(demo_site, url) if need <= grams(e["x"])}  # what the grams allow
    holding = {url for url in all_parts for e in _part(demo_site, url) if e["u"] in expected}
    assert holding <= set(parts) == candidates
    assert parts[0] == "search/customers.js" or "search/customers.js" not in parts  # customer files first
    index_bytes = sum((demo_site / u).stat().st_size for u in all_parts) + sum(
        (demo_site / f"search/g{b}.js").stat().st_size for b in range(index["m"]))
    assert sum((demo_site / u).stat().st_size for u in fetched) < index_bytes * (0.75 if len(expected) > 10 else 0.2)
    assert page.errors == []


def _part(site: Path, url: str) -> list[dict[str, str]]:
    import json

    text = (site / url).read_text(encoding="utf-8")
    return json.loads(text[text.index("] = ") + 4: text.rindex(";")])  # type: ignore[no-any-return]

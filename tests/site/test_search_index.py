"""The search index (svcnotes.site.search): posting lists round-trip, every entry holding a term holds
the term's grams, so the candidates a query's grams give always include every match."""

from __future__ import annotations

import random
from pathlib import Path

from svcnotes.site.search import decode, encode, fragments, grams, part_url, parts_of, shard_count, shard_of
from tests.site import search_oracle
from tests.site.helpers import build, search_index

TEXTS = ["c-2611-001 支架尺寸超差\x01c-2611-001 恒达汽车 恒达汽车零部件有限公司 hengda-auto zhang.wei 张伟\x01客户来电",
         "mounting holes misaligned at installation. invoice amount does not match the contract.",
         "cb-2612-004 恒达汽车 · 投诉处理后回访\x01so2610-0926 批次 2610　精密轴套",
         "emoji 😀 and ümlaut ÜBER straße"]


def test_posting_lists_round_trip_runs_and_gaps() -> None:
    rng = random.Random(7)
    for positions in ([], [0], [0, 1], [5], [0, 1, 2, 3, 9, 10, 40, 41, 42, 1_000_000],
                      sorted(rng.sample(range(200_000), 3000)), list(range(17_200))):
        text = encode(positions)
        assert decode(text) == positions
        assert '"' not in text and "\\" not in text and "<" not in text
    assert len(encode(list(range(17_200)))) <= 4  # a gram in every entry costs a few bytes, not 17,200 numbers


def test_chinese_is_found_by_character_pairs_and_ids_by_ascii_triples() -> None:
    assert grams("客诉") == {"客诉"}
    assert grams("c-2611") == {"c-2", "-26", "261", "611"}
    assert grams("a客b") == {"a客", "客b"}
    assert grams("ab") == set() and grams("客") == set()
    assert grams("ab cd\x01ef") == set()  # no gram spans a separator


def test_every_substring_of_a_text_has_its_grams_in_the_text() -> None:
    for text in TEXTS:
        have = grams(text)
        for i in range(len(text)):
            for j in range(i + 1, min(len(text), i + 12) + 1):
                assert grams(text[i:j]) <= have, text[i:j]


def test_shards_spread_grams_and_grow_with_the_index() -> None:
    assert shard_count(0) == 1 and shard_count(16_000) == 1 and shard_count(16_001) == 2
    assert shard_count(1_400_000) == 128 and shard_count(10**10) == 4096  # about 16 KB each, at most 4096
    used = {shard_of(g, 64) for text in TEXTS for g in grams(text)}
    assert len(used) > 32
    assert shard_of("恒达", 64) == 2176807505 % 64 == shard_of("恒达", 64)  # fnv1a("恒达"), as search.js computes it


def test_parts_count_from_the_oldest_so_a_new_record_changes_one_part() -> None:
    assert parts_of(300, 128) == [(172, 300), (44, 172), (0, 44)]
    assert parts_of(301, 128)[:2] == [(173, 301), (45, 173)]  # the newest entry first: parts 0 and 1 keep their records
    assert parts_of(5, 128) == [(0, 5)] and part_url("complaint-2026-11", 0) == "search/complaint-2026-11.js"
    assert part_url("complaint-2026-11", 2) == "search/complaint-2026-11-3.js"


def test_a_groups_fragments_name_every_entry_holding_each_gram() -> None:
    import json

    entries = [{"x": t} for t in TEXTS]
    for b, members in fragments(entries, 8).items():
        for gram, postings in json.loads("{" + members + "}").items():
            assert shard_of(gram, 8) == b
            assert decode(postings) == [i for i, t in enumerate(TEXTS) if gram in grams(t)]


def test_a_shard_of_fewer_joins_the_fine_shards_it_covers() -> None:
    """shard_of(g, m) == shard_of(g, 4096) % m for m a power of two: the cache keeps 4096 fine shards
    whatever the number of files."""
    for text in TEXTS:
        for g in grams(text):
            assert all(shard_of(g, m) == shard_of(g, 4096) % m for m in (1, 2, 64, 1024))


def test_gram_candidates_include_every_match_of_the_demo_queries(tmp_path: Path) -> None:
    """Python's reading of the built index (what search.js does) against a scan of every entry."""
    from tests.site.test_search import QUERIES

    root = Path(__file__).resolve().parents[2]
    site, _ = build(root, out=tmp_path / "site")
    entries = search_index(site)
    import html
    import json
    import re

    index = json.loads(html.unescape(re.search(r'data-index="([^"]*)"', (site / "search.html").read_text(encoding="utf-8")).group(1)))  # type: ignore[union-attr]
    bases, base = {}, 0
    for group, _, n in index["g"]:
        bases[group] = base
        base += n
    order = [g for g, _, _ in index["g"]]

    def postings(gram: str) -> set[int]:
        text = (site / f"search/g{shard_of(gram, index['m'])}.js").read_text(encoding="utf-8")
        data = json.loads(text[text.index("] = ") + 4: text.rindex(";")])
        return {bases[g] + p for g in order if gram in data.get(g, {}) for p in decode(data[g][gram])}

    # position in the page's order: groups in order, each newest first (search_index lists them so)
    for query in QUERIES:
        terms, fields = search_oracle.parse(query)
        texts = terms + [v for keys, v in fields if len(keys) == 1]
        candidates: set[int] | None = None
        for text in texts:
            for gram in grams(text):
                candidates = postings(gram) if candidates is None else candidates & postings(gram)
        expected = set(search_oracle.results(entries, query))
        found = {entries[i]["u"] for i in (candidates if candidates is not None else range(len(entries)))}
        assert expected <= found, query
        if candidates is not None and expected:
            assert len(found) < len(entries) / 2, query  # the grams narrow the search


def test_an_edit_recomputes_only_its_groups_grams_and_a_rename_every_group_showing_the_name(site_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_repo, out=out)
    cache = site_repo / ".svcnotes-cache" / "search"

    def files() -> set[str]:  # group.key.pickle: a group made again gets a file of a new key
        return {p.name for p in cache.glob("*.pickle")}

    def made(since: set[str]) -> set[str]:
        return {name.split(".")[0] for name in files() - since}

    before = files()
    assert {name.split(".")[0] for name in before} == {"complaint-2026-11", "callback-2026-11", "note-2026-11", "customers"}
    note = site_repo / "records/notes/2026/N-2611-001.md"
    note.write_text(note.read_text(encoding="utf-8").replace("要求本周内答复", "要求周五前答复"), encoding="utf-8")
    build(site_repo, out=out)
    assert made(before) == {"note-2026-11"}
    assert "周五" in (out / "search/note-2026-11.js").read_text(encoding="utf-8")
    after = files()
    customer = site_repo / "records/customers/hengda-auto.md"
    customer.write_text(customer.read_text(encoding="utf-8").replace("恒达汽车零部件有限公司", "恒达精密汽车零部件有限公司"), encoding="utf-8")
    build(site_repo, out=out)
    renamed = made(after)
    assert renamed == {"complaint-2026-11", "callback-2026-11", "note-2026-11", "customers"}  # every entry shows its customer's full name
    assert all("恒达精密" in (out / f"search/{g}.js").read_text(encoding="utf-8") for g in renamed)


def test_two_sites_built_in_turn_keep_each_others_search_work(site_repo: Path, tmp_path: Path) -> None:
    """A second output folder with other options (here --no-history) does not throw away the first
    site's per-group search work: building the first again makes no group again."""
    cache = site_repo / ".svcnotes-cache" / "search"
    build(site_repo, out=tmp_path / "site")
    first = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pickle")}
    build(site_repo, "--no-history", out=tmp_path / "other")
    assert len(list(cache.glob("*.pickle"))) == 2 * len(first)  # each site's versions, side by side
    note = site_repo / "records/notes/2026/N-2611-001.md"
    note.write_text(note.read_text(encoding="utf-8").replace("要求本周内答复", "要求周五前答复"), encoding="utf-8")
    build(site_repo, out=tmp_path / "site")
    again = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pickle")}
    kept = {name for name in first if not name.startswith("note-")}  # the edit is in a note
    assert kept and all(again.get(name) == first[name] for name in kept)  # read back, not made again


def test_a_theme_change_keeps_the_search_work_and_files(site_repo: Path, tmp_path: Path) -> None:
    """The search index is made by code from the records, never from a template: a repository that
    overrides base.html rebuilds every page but makes no search group again and rewrites no part."""
    from svcnotes.site.build import default_templates

    out = tmp_path / "site"
    build(site_repo, out=out)
    cache = site_repo / ".svcnotes-cache" / "search"
    work = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pickle")}
    parts = {p.name: p.stat().st_mtime_ns for p in (out / "search").glob("*.js")}
    own = site_repo / "templates"
    own.mkdir()
    base = (default_templates() / "base.html").read_text(encoding="utf-8")
    (own / "base.html").write_text(base.replace("</body>", "<!-- restyled -->\n</body>"), encoding="utf-8")
    build(site_repo, out=out)
    assert all(p.read_text(encoding="utf-8").rstrip().endswith("<!-- restyled -->\n</body>\n</html>")
               for p in out.rglob("*.html"))
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pickle")} == work
    assert {p.name: p.stat().st_mtime_ns for p in (out / "search").glob("*.js")} == parts

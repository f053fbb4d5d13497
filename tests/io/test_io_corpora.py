"""The example mappings against the real corpora in ../shared/corpora (skipped when absent)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from svcnotes.io.mapping import load_mapping, parse_mapping, suggest_mapping
from svcnotes.io.plan import plan_import
from svcnotes.io.tabular import read_table

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"
EXAMPLES = ROOT / "docs" / "import-examples"
CAR = CORPORA / "cn-car-complaints-12365auto"
CFPB = CORPORA / "cfpb-complaints" / "complaints_sample_tgschwartz.csv"
pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason=f"corpora not found at {CORPORA}")

CASES = [(CFPB, "cfpb-complaints.toml", 6623)] + [
    (CAR / name, "12365auto-complaints.toml", 600) for name in (
        "renqiang06_2020-06_utf8.csv", "renqiang06_2021-02_utf8.csv",
        "sodagreen-qf_2021-01_utf8.csv", "David-YYJ_2020-06_gbk.csv")]


def load(name: str):
    """An example mapping, with the first responder `svcnotes import --as` would add."""
    mapping, problems = load_mapping(EXAMPLES / name)
    assert [p.format() for p in problems] == []
    return dataclasses.replace(mapping, defaults={**mapping.defaults, "first_responder": "zhang.wei"})


@pytest.mark.parametrize(("path", "mapping_name", "rows"), CASES, ids=lambda v: getattr(v, "name", str(v)))
def test_every_corpus_row_is_accounted_for(path: Path, mapping_name: str, rows: int) -> None:
    table = read_table(path)
    plan = plan_import(table, load(mapping_name), "complaint")
    counts = plan.counts()
    assert sum(counts.values()) == len(plan.results) == table.total == rows
    assert len({r.row for r in plan.results}) == rows
    assert counts["imported"] == rows, plan.rows("rejected")[:3]
    assert not [p for p in plan.problems if p.is_error]
    again = plan_import(read_table(path), load(mapping_name), "complaint", [r.key for r in plan.records])
    assert again.counts() == {"imported": 0, "duplicate": rows, "rejected": 0}


def test_gbk_and_utf8_snapshots_give_the_same_records() -> None:
    mapping = load("12365auto-complaints.toml")
    utf8 = plan_import(read_table(CAR / "renqiang06_2020-06_utf8.csv"), mapping)
    gbk = read_table(CAR / "David-YYJ_2020-06_gbk.csv")
    assert gbk.encoding == "gb18030"
    gbk_plan = plan_import(gbk, mapping)

    def strip(plan):
        return [({k: v for k, v in r.data.items() if k != "imported"}, r.body, r.key) for r in plan.records]

    assert strip(utf8) == strip(gbk_plan)
    assert [c.data for c in utf8.customers] == [c.data for c in gbk_plan.customers]
    # the GBK file re-saves the same complaints: after the UTF-8 import it brings nothing new
    after = plan_import(gbk, mapping, existing_keys=[r.key for r in utf8.records])
    assert after.counts()["duplicate"] == 600


def test_corpus_values_are_typed_and_trimmed() -> None:
    plan = plan_import(read_table(CAR / "David-YYJ_2020-06_gbk.csv"), load("12365auto-complaints.toml"))
    assert all(not r.data["title"].endswith(("\t", " ")) for r in plan.records)
    assert {r.data["status"] for r in plan.records} == {"registered", "investigating", "resolved", "closed"}
    assert all(r.data["tags"] and all(t for t in r.data["tags"]) for r in plan.records)
    cfpb = plan_import(read_table(CFPB), load("cfpb-complaints.toml"))
    assert cfpb.source == CFPB.name and len(cfpb.customers) <= 710
    assert {r.data["status"] for r in cfpb.records} == {"closed", "investigating"}
    accepted = [r.data.get("customer_accepted") for r in cfpb.records]
    assert (accepted.count(False), accepted.count(True)) == (9, 23)  # Consumer disputed? Yes / No; N/A is empty
    multiline = [r for r in cfpb.records if "\n" in r.body]
    assert multiline and all(r.data["imported"][0]["row"] >= 4 for r in cfpb.records)


@pytest.mark.parametrize("path", [CFPB, CAR / "David-YYJ_2020-06_gbk.csv"], ids=lambda p: p.name)
def test_suggested_mappings_parse_for_the_corpora(path: Path) -> None:
    table = read_table(path)
    text = suggest_mapping(table.headers, "complaint", [r.values for r in table.rows[:500]])
    mapping, problems = parse_mapping(text)
    assert not [p for p in problems if p.is_error] and mapping.key
    plan = plan_import(table, mapping)
    assert sum(plan.counts().values()) == table.total

"""The example mappings against the real corpora in ../shared/corpora (skipped when absent)."""

from __future__ import annotations

import dataclasses
import re
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


CN_HEADER = "投诉编号,投诉品牌,投诉车系,投诉车型,问题简述,典型问题,投诉时间,投诉状态"


def _utf8_rows() -> tuple[str, list[str]]:
    lines = (CAR / "renqiang06_2020-06_utf8.csv").read_text(encoding="utf-8").splitlines()
    return lines[0], lines[1:]


def test_example_mapping_reads_the_chinese_header_gbk_copy(tmp_path: Path) -> None:
    # an Excel re-save of 300 complaints with Chinese headers, 330 of its rows exact copies, in GBK
    _, rows = _utf8_rows()
    rows = [re.sub(r",2020-06-0(\d),", r",2020/6/\1,", r) for r in rows[:300]]  # Excel's date style
    body = rows + rows[:30] + rows  # 630 rows, 330 of them copies of earlier ones
    path = tmp_path / "投诉导出_gbk.csv"
    path.write_bytes(("\r\n".join([CN_HEADER, *body]) + "\r\n").encode("gbk"))
    table = read_table(path)
    assert table.encoding == "gb18030" and table.total == 630
    plan = plan_import(table, load("12365auto-complaints.toml"), "complaint")
    assert [p.format() for p in plan.problems if p.code.startswith("M")] == []
    assert plan.counts() == {"imported": 300, "duplicate": 330, "rejected": 0}
    assert sum(plan.counts().values()) == 630
    utf8 = plan_import(read_table(CAR / "renqiang06_2020-06_utf8.csv"), load("12365auto-complaints.toml"))
    assert [r.data["title"] for r in plan.records] == [r.data["title"] for r in utf8.records if r.row <= 301]


def test_example_mapping_reads_the_bom_file_with_misaligned_columns_and_no_ids(tmp_path: Path) -> None:
    # 20 pages of 30 rows glued together, each page starting with a byte-order mark; the title
    # column comes first and the id column is empty (the scraper lost it)
    header, rows = _utf8_rows()
    names = header.split(",")
    order = ["desc", "brand", "car_model", "type", "id", "problem", "datetime", "status"]
    import csv
    import io

    parsed = list(csv.reader(io.StringIO("\n".join(rows))))
    lines = []
    for n, cells in enumerate(parsed):
        values = dict(zip(names, cells, strict=True))
        values["id"] = ""
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow([values[k] for k in order])
        lines.append(("\ufeff" if n % 30 == 0 else "") + out.getvalue())
    path = tmp_path / "car_complain_bom.csv"
    path.write_bytes(("\ufeff" + ",".join(order) + "\n" + "\n".join(lines) + "\n").encode("utf-8"))
    plan = plan_import(read_table(path), load("12365auto-complaints.toml"), "complaint")
    assert sum(plan.counts().values()) == 600
    assert plan.counts()["rejected"] == 0
    assert plan.counts()["imported"] + plan.counts()["duplicate"] == 600
    assert all(r.reason.startswith("same key as row ") for r in plan.rows("duplicate"))
    assert not [r for r in plan.records if "\ufeff" in r.data["title"] or "\ufeff" in r.body]
    assert [p.code for p in plan.problems] == ["I004"]  # keyed by content, said once


def test_rejects_file_keeps_cells_as_the_file_has_them(tmp_path: Path) -> None:
    header, rows = _utf8_rows()
    bad = rows[0].replace(",2020-06-08,", ",2020-06-31,")  # not a calendar date; desc keeps its tab
    tabbed = next(r for r in rows if "\t" in r)
    path = tmp_path / "some.csv"
    path.write_text("\n".join([header, bad, tabbed.replace(",2020-06-", ",2020-13-"), "1,2\n"]), encoding="utf-8")
    plan = plan_import(read_table(path), load("12365auto-complaints.toml"), "complaint")
    assert plan.counts() == {"imported": 0, "duplicate": 0, "rejected": 3}
    rejected = list(csv_rows(plan.rejected_csv()))
    assert rejected[0] == ["row", "outcome", "reason", *header.split(",")]
    assert "\t" in rejected[2][7]  # the trailing tab of desc is kept for the person fixing the row
    assert rejected[3][:3] == ["4", "rejected", "missing fields: 2 of 8 columns"]


def csv_rows(text: str):
    import csv
    import io

    return csv.reader(io.StringIO(text))

"""Planning an import: typed records, one outcome per row, duplicates, customers, provenance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from svcnotes.io.mapping import parse_mapping
from svcnotes.io.plan import customer_slug, plan_import
from svcnotes.io.tabular import read_csv_text

MAP = '''
kind = "complaint"
source = "legacy"
key = ["编号"]
[columns]
"编号" = []
"投诉日期" = "received_at"
"客户名称" = "customer"
"问题" = "title"
"状态" = "status"
"金额" = "amount"
"描述" = "body"
[values.status]
"已结案" = "closed"
"处理中" = "investigating"
[defaults]
channel = "phone"
category = "other"
severity = "normal"
first_responder = "zhang.wei"
'''
CSV = """编号,投诉日期,客户名称,问题,状态,金额,描述
A1,2020/6/8,恒达汽车,支架尺寸超差,已结案,"1,200.50",客户来电
A2,2020年5月1日,Acme Corp.,异响,处理中,N/A,
A1,2020/6/8,恒达汽车,支架尺寸超差,已结案,"1,200.50",again
A3,2020-06-31,恒达汽车,日期错,已结案,,
A4,2020-06-09,恒达汽车,状态怪,暂停,,
A5,2020-06-09
,2020-06-09,无编号,x,已结案,,
"""


def plan(existing: tuple[str, ...] = (), customers: dict[str, str] | None = None):
    mapping, problems = parse_mapping(MAP)
    assert not [p for p in problems if p.is_error]
    return plan_import(read_csv_text(CSV, "legacy.csv"), mapping, "complaint", existing, customers=customers)


def test_every_row_gets_exactly_one_outcome() -> None:
    p = plan()
    assert [(r.row, r.outcome) for r in p.results] == [
        (2, "imported"), (3, "imported"), (4, "duplicate"), (5, "rejected"), (6, "rejected"), (7, "rejected"), (8, "imported")]
    assert p.counts() == {"imported": 3, "duplicate": 1, "rejected": 3}
    assert p.summary() == "legacy.csv: 7 rows: 3 imported, 1 duplicate, 3 rejected; 3 new customers"


def test_a_row_with_an_empty_key_is_keyed_by_its_content_not_rejected() -> None:
    p = plan()
    row = next(r for r in p.records if r.row == 8)
    assert row.key.startswith("legacy:row-") and row.data["customer"] == customer_slug("无编号")
    assert [x.format() for x in p.problems if x.code == "I004"] == [
        "legacy.csv: I004 key: 1 row(s) have nothing in the key column(s) 编号: each is keyed by its whole content "
        "instead (exact copies count as duplicates)"]
    again = plan(tuple(r.key for r in p.records))
    assert again.counts() == {"imported": 0, "duplicate": 4, "rejected": 3}


def test_rows_are_typed_per_schema_with_provenance() -> None:
    p = plan()
    first = next(r for r in p.records if r.row == 2)
    assert first.data["received_at"] == datetime(2020, 6, 8)
    assert first.data["registered_at"] == date(2020, 6, 8)
    assert first.data["amount"] == Decimal("1200.50") and first.data["currency"] == "CNY"
    assert first.data["status"] == "closed"
    assert first.data["imported"] == [{"source": "legacy.csv", "row": 2, "key": "legacy:A1"}]
    assert first.body == "客户来电"
    assert list(first.data)[:3] == ["title", "status", "customer"]  # schema order
    assert [r.row for r in p.records] == [3, 2, 8]  # received order, for YYMM numbering


def test_reasons_name_the_field_and_the_fix() -> None:
    reasons = {r.row: r.reason for r in plan().rows("rejected")}
    assert reasons[5].startswith("received_at: '2020-06-31' is not a real calendar date")
    assert "status: '暂停' is not a status we know" in reasons[6] and "[values.status]" in reasons[6]
    assert reasons[7] == "missing fields: 2 of 7 columns"
    assert plan().rejected_csv().splitlines()[0] == "row,outcome,reason,编号,投诉日期,客户名称,问题,状态,金额,描述"


def test_running_again_with_earlier_keys_imports_nothing() -> None:
    first = plan()
    again = plan(tuple(r.key for r in first.records))
    assert again.counts()["imported"] == 0 and again.counts()["duplicate"] == 4


def test_customers_are_matched_by_name_or_created_with_stable_slugs() -> None:
    p = plan(customers={"ACME CORP": "acme"})
    assert [c.name for c in p.customers] == ["恒达汽车", "无编号"]
    assert p.customers[0].data == {"id": customer_slug("恒达汽车"), "name": "恒达汽车", "tier": "normal"}
    by_row = {r.row: r.data["customer"] for r in p.records}
    assert by_row[3] == "acme" and by_row[2] == customer_slug("恒达汽车")
    assert customer_slug("恒达汽车").startswith("cust-") and len(customer_slug("恒达汽车")) == 11
    assert customer_slug("Acme Corp.") == "acme-corp" and customer_slug("Société Générale") == "societe-generale"


def test_missing_required_fields_reject_the_row() -> None:
    mapping, _ = parse_mapping('kind = "complaint"\nkey = ["id"]\n[columns]\nid = "title"\n')
    p = plan_import(read_csv_text("id\n1\n"), mapping)
    assert p.results[0].outcome == "rejected"
    assert p.results[0].reason.startswith("missing required status, customer, received_at, registered_at, channel")


def test_customer_import_makes_ids_and_skips_known_names() -> None:
    mapping, _ = parse_mapping('kind = "customer"\nkey = ["名称"]\n[columns]\n"名称" = "name"\n"分级" = "tier"\n'
                               '[values.tier]\n"重点" = "key"\n[defaults]\ntier = "normal"\n')
    p = plan_import(read_csv_text("名称,分级\n恒达汽车,重点\nAcme,\n老客户,\n"), mapping, customers={"老客户": "old"})
    assert [(r.data["id"], r.data["tier"]) for r in p.records] == [(customer_slug("恒达汽车"), "key"), ("acme", "normal")]
    assert p.rows("duplicate")[0].reason == "customer 'old' has this name"
    assert p.customers == []


def test_a_mapped_id_is_kept_and_an_id_the_repository_has_is_a_duplicate() -> None:
    mapping, _ = parse_mapping(MAP.replace('"编号" = []', '"编号" = "id"'))
    rows = read_csv_text("编号,投诉日期,客户名称,问题,状态\nC-2006-007,2020/6/8,hengda-auto,支架,已结案\n"
                         "C-2006-001,2020/6/8,恒达汽车,异响,已结案\n2006-9,2020/6/8,恒达汽车,异响,已结案\n", "legacy.csv")
    p = plan_import(rows, mapping, "complaint", customers={"恒达汽车零部件有限公司": "hengda-auto"}, ids=["C-2006-001"])
    assert [(r.row, r.outcome) for r in p.results] == [(2, "imported"), (3, "duplicate"), (4, "rejected")]
    assert p.records[0].data["id"] == "C-2006-007" and p.records[0].data["customer"] == "hengda-auto"  # matched by id
    assert p.results[1].reason == "C-2006-001 is already in the repository"
    assert p.results[2].reason == "id: '2006-9' is not a complaint id (like C-2611-007)"

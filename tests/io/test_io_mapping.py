"""The TOML import mapping: parsing, every problem reported, suggestions from headers."""

from __future__ import annotations

from svcnotes.io.mapping import check_headers, parse_mapping, render_template, suggest_mapping

GOOD = '''
kind = "complaint"
source = "legacy"
key = ["编号"]
na = ["N/A", "无"]
date_formats = ["%m/%d/%Y"]
[columns]
"投诉日期" = "received_at"
"客户名称" = "customer"
"状态" = ["status", "resolution"]
[template]
body = "品牌: {品牌}"
[values.status]
"已结案" = "closed"
[defaults]
severity = "normal"
improvement_tracked = false
'''


def test_a_good_mapping_parses() -> None:
    m, problems = parse_mapping(GOOD)
    assert problems == []
    assert m.kind == "complaint" and m.key == ("编号",) and m.na == ("N/A", "无")
    assert m.columns["状态"] == ("status", "resolution")
    assert m.defaults == {"severity": "normal", "improvement_tracked": "false"}
    assert m.used_columns() == {"编号", "投诉日期", "客户名称", "状态", "品牌"}


def test_every_problem_is_reported_with_its_line() -> None:
    text = 'kind = "complaint"\ncolour = 1\n[columns]\n"日期" = "recieved_at"\n[values.status]\n"结案" = "clossed"\n'
    _, problems = parse_mapping(text, "m.toml")
    got = [p.format() for p in problems]
    assert "m.toml:2: M001 colour: unknown key 'colour' (did you mean 'columns'?)" in got
    assert "m.toml:4: M003 日期: 'recieved_at' is not a complaint field you can import into (did you mean 'received_at'?)" in got
    assert "m.toml:6: M005 结案: value map of status: 'clossed' is not a valid status (did you mean 'closed'?)" in got
    assert any(p.code == "M006" and not p.is_error for p in problems)  # no key columns


def test_toml_syntax_errors_and_wrong_kind() -> None:
    _, problems = parse_mapping("kind = \n")
    assert problems[0].code == "M000"
    _, problems = parse_mapping('kind = "complaint"\nkey = ["id"]\n', kind="customer")
    assert [p.code for p in problems] == ["M002"]


def test_missing_columns_are_errors_only_for_key_columns() -> None:
    m, _ = parse_mapping(GOOD)
    problems = check_headers(m, ["投诉日期", "客户名称", "状态", "品牌"], "f.csv")
    assert [(p.code, p.field) for p in problems] == [("M010", "编号")]


def test_templates_drop_lines_whose_columns_are_empty() -> None:
    assert render_template("A: {a}\nB: {b}\nC", {"a": "1", "b": ""}) == "A: 1\nC"


def test_suggest_knows_chinese_headers_and_parses_back() -> None:
    headers = ["编号", "投诉日期", "客户名称", "品牌", "问题", "状态", "备注"]
    rows = [{"状态": "已结案"}, {"状态": "处理中"}, {"状态": "怪状态"}]
    text = suggest_mapping(headers, "complaint", rows)
    assert 'key = ["编号"]' in text
    for line in ('"投诉日期" = "received_at"', '"客户名称" = "customer"', '"问题" = "title"',
                 '"状态" = "status"', '"备注" = "body"', '"已结案" = "closed"', '"处理中" = "investigating"'):
        assert line in text
    m, problems = parse_mapping(text)
    assert m.kind == "complaint" and all(not p.is_error for p in problems)


def test_suggest_knows_the_cfpb_header() -> None:
    headers = ["Date received", "Product", "Issue", "Consumer complaint narrative", "Company",
               "Submitted via", "Company response to consumer", "Complaint ID"]
    m, _ = parse_mapping(suggest_mapping(headers, "complaint"))
    assert m.key == ("Complaint ID",)
    assert {c: t[0] for c, t in m.columns.items()} == {
        "Date received": "received_at", "Product": "category", "Issue": "title",
        "Consumer complaint narrative": "body", "Company": "customer", "Submitted via": "channel",
        "Company response to consumer": "status"}

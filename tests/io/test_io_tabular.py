"""Reading CSV and XLSX into rows: encodings, line endings, quoting, misaligned rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from svcnotes.io.tabular import decode, read_csv_text, read_table

CSV = "编号,客户名称,问题,投诉日期\n1,恒达汽车,支架尺寸超差\t,2020/6/8\n2,\"华东 \"\"精密\"\"\",\"异响\n多行\",2020-06-09\n"


def test_utf8_bom_gbk_and_crlf_read_the_same(tmp_path: Path) -> None:
    variants = {
        "utf8.csv": CSV.encode("utf-8"),
        "bom.csv": CSV.encode("utf-8-sig"),
        "gbk.csv": CSV.replace("\n", "\r\n").encode("gbk"),
        "utf16.csv": CSV.encode("utf-16"),
    }
    tables = {}
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
        tables[name] = read_table(tmp_path / name)
    assert [t.encoding for t in tables.values()] == ["utf-8", "utf-8-sig", "gb18030", "utf-16"]
    first = tables["utf8.csv"]
    assert first.headers == ["编号", "客户名称", "问题", "投诉日期"]
    for t in tables.values():
        assert [r.values for r in t.rows] == [r.values for r in first.rows]
    assert first.rows[0].values["问题"] == "支架尺寸超差"  # trailing tab trimmed
    assert first.rows[1].values["客户名称"] == '华东 "精密"'
    assert first.rows[1].values["问题"] == "异响\n多行"


def test_row_numbers_are_file_lines_even_after_multiline_fields() -> None:
    t = read_csv_text('a,b\r\n1,"x\r\ny"\n2,z\r3,w\n')
    assert [(r.number, r.values["a"]) for r in t.rows] == [(2, "1"), (4, "2"), (5, "3")]
    assert t.rows[0].values["b"] == "x\ny"


def test_misaligned_rows_are_reported_not_raised() -> None:
    t = read_csv_text("a,b,c\n1,2,3\n4,5\n\n6,7,8,9\n10,11,12,,\n")
    assert [r.number for r in t.rows] == [2, 6]
    assert [(b.number, b.reason) for b in t.bad_rows] == [
        (3, "missing fields: 2 of 3 columns"), (5, "extra fields: 4 cells for 3 columns")]
    assert t.total == 4


def test_junk_above_the_header_is_skipped() -> None:
    t = read_csv_text("Archive:  x.zip\n  inflating: x.csv\nid,name\n1,a\n2,b\n")
    assert t.header_row == 3 and t.headers == ["id", "name"] and len(t.rows) == 2


def test_blank_and_repeated_headers_get_names() -> None:
    t = read_csv_text("a,,a\n1,2,3\n")
    assert t.headers == ["a", "col2", "a.2"]


def test_encoding_override_and_fallback() -> None:
    assert decode("é".encode("latin-1") + b"abc", "latin-1") == ("éabc", "latin-1")
    text, used = decode("客户投诉记录，质量问题".encode("gbk"))
    assert text == "客户投诉记录，质量问题" and used == "gb18030"


def test_xlsx_keeps_dates_and_reads_numbers_as_text(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["编号", "投诉日期", "金额", "备注"])
    ws.append([482028, datetime(2020, 6, 8), 1234.5, "  异响 "])
    ws.append([482029, 43990, None, None])
    ws.append([None, None, None, None])
    book.save(tmp_path / "r.xlsx")
    t = read_table(tmp_path / "r.xlsx")
    assert t.headers == ["编号", "投诉日期", "金额", "备注"]
    assert t.rows[0].values == {"编号": "482028", "投诉日期": datetime(2020, 6, 8), "金额": "1234.5", "备注": "异响"}
    assert t.rows[1].values["投诉日期"] == "43990" and t.rows[1].number == 3
    assert t.total == 2


def test_a_trailing_comma_on_the_header_line_is_not_another_column() -> None:
    t = read_csv_text("id,name,\n1,a\n2,b\n")
    assert t.headers == ["id", "name"] and [r.values for r in t.rows] == [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}]


def test_the_header_is_the_line_with_the_expected_columns() -> None:
    text = "导出,2020年6月,,\n说明,车质网,投诉,列表\n投诉编号,投诉品牌,投诉时间,投诉状态\n1,a,2020/6/8,x\n"
    assert read_csv_text(text).headers == ["说明", "车质网", "投诉", "列表"]  # the usual width alone is fooled
    t = read_csv_text(text, expect=[("id", "投诉编号"), ("brand", "投诉品牌"), "datetime", "status"])
    assert t.header_row == 3 and t.headers == ["投诉编号", "投诉品牌", "投诉时间", "投诉状态"] and len(t.rows) == 1


def test_byte_order_marks_and_zero_width_marks_leave_values() -> None:
    t = read_csv_text("\ufeffid,title\n1,\ufeff\u200b标题\u200b\n\ufeff2,a\u200db\n")
    assert t.headers == ["id", "title"]
    assert [r.values for r in t.rows] == [{"id": "1", "title": "标题"}, {"id": "2", "title": "a\u200db"}]
    assert t.rows[0].raw == ("1", "\ufeff\u200b标题\u200b")


def test_the_apostrophe_exports_put_before_formula_like_text_comes_off() -> None:
    t = read_csv_text("id,title\n1,'=SUM(A1)\n2,'-5\n3,'quoted'\n")
    assert [r.values["title"] for r in t.rows] == ["=SUM(A1)", "-5", "'quoted'"]


def test_a_large_file_is_read_row_by_row_and_a_sheet_keeps_the_columns_near_its_header(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from svcnotes.io.tabular import BadRow, Row, open_table

    path = tmp_path / "big.csv"
    path.write_bytes(("编号,问题\r\n" + "".join(f"{n},异响 {n}\r\n" for n in range(50_000))).encode("gb18030"))
    stream = open_table(path)
    assert (stream.encoding, stream.headers, stream.estimate) == ("gb18030", ["编号", "问题"], 50_000)
    first = next(iter(stream))
    assert isinstance(first, Row) and first.number == 2 and first.values == {"编号": "0", "问题": "异响 0"}
    assert sum(1 for _ in stream) == 49_999  # the rest, one at a time
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "问题"])
    for n in range(40):
        sheet.append([n, f"问题 {n}"] + (["备注"] if n == 35 else []))
    book.save(tmp_path / "r.xlsx")
    items = list(open_table(tmp_path / "r.xlsx"))
    bad = [i for i in items if isinstance(i, BadRow)]
    assert len(items) == 40 and [(b.number, b.reason, b.cells) for b in bad] == [
        (37, "extra fields: cells beyond the 2 headed columns", ("35", "问题 35", "备注"))]

"""`svcnotes export`: CSV with a BOM for Excel, XLSX with typed cells, localized headers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from svcnotes.cli import cli
from tests.conftest import git, write

PROPOSED = """\
---
id: C-2611-002
title: 包装破损
status: proposed
customer: hengda-auto
received_at: 2026-11-03 10:00
registered_at: 2026-11-03
channel: email
first_responder: li.na
category: delivery
severity: normal
cause_class: non_quality
cause_analysis: 运输中挤压
responsible_dept: logistics
countermeasure: 加固包装
resolution: allowance
amount: 1234.5
currency: CNY
proposed_by: li.na
---
"""


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def test_csv_export_starts_with_a_bom_and_speaks_one_language(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(repo), "export", "complaint-list"], catch_exceptions=False)
    assert result.exit_code == 0
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].split(",")[:4] == ["客诉编号", "主题", "状态", "客户"]
    assert lines[1].startswith("C-2611-001,支架尺寸超差,已登记,hengda-auto,2026-11-02 09:30,2026-11-02,电话,zhang.wei,")
    assert ",产品质量,一般," in lines[1]
    english = run(repo, "export", "complaint-list", "--locale", "en").stdout_bytes.decode("utf-8-sig").split("\r\n")
    assert english[0].startswith("Number,Title,Status,Customer,Received at")
    assert english[1].startswith("C-2611-001,支架尺寸超差,Registered,hengda-auto,2026-11-02 09:30,2026-11-02,Phone,")


def test_report_csv_values_are_labels_in_the_headers_language(repo: Path) -> None:
    zh = run(repo, "export", "register", "--today", "2026-11-10").stdout_bytes.decode("utf-8-sig").split("\r\n")
    assert zh[1] == "C-2611-001,2026-11-02,2026-11-02,hengda-auto,恒达汽车零部件有限公司,支架尺寸超差,产品质量,一般,已登记,张伟,2026-11-17,2026-11-22,8,否,否,,"
    en = run(repo, "export", "register", "--today", "2026-11-10", "--locale", "en").stdout_bytes.decode("utf-8-sig")
    assert en.split("\r\n")[1].endswith(",Product quality,Normal,Registered,张伟,2026-11-17,2026-11-22,8,no,no,,")


def test_personal_fields_are_left_out_unless_asked_for(repo: Path) -> None:
    header = run(repo, "export", "complaint-list").stdout_bytes.decode("utf-8-sig").split("\r\n")[0]
    assert "客户反映人" not in header
    header = run(repo, "export", "complaint-list", "--include-personal").stdout_bytes.decode("utf-8-sig").split("\r\n")[0]
    assert "客户反映人" in header


def test_xlsx_kind_export_keeps_dates_as_dates_and_amounts_as_numbers(repo: Path, tmp_path: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-002.md", PROPOSED)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "proposed")
    out = tmp_path / "complaints.xlsx"
    result = run(repo, "export", "complaint-list", "--out", str(out))
    assert result.exit_code == 0
    ws = openpyxl.load_workbook(out).active
    headers = [c.value for c in ws[1]]
    row = {h: c.value for h, c in zip(headers, ws[3], strict=False)}
    assert row["客诉编号"] == "C-2611-002"
    assert row["受理时间"] == datetime(2026, 11, 3, 10, 0)
    assert row["登记日期"] == datetime(2026, 11, 3)  # Excel has no date-only cells: a date at midnight
    assert ws.cell(row=3, column=headers.index("登记日期") + 1).number_format == "yyyy-mm-dd"
    assert row["客诉损失金额"] == 1234.5 and isinstance(row["客诉损失金额"], float)


def test_xlsx_report_export_types_the_register(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "register.xlsx"
    result = run(repo, "export", "register", "--out", str(out), "--today", "2026-11-10")
    assert result.exit_code == 0
    ws = openpyxl.load_workbook(out).active
    assert ws.title == "客户抱怨案件登记追踪表"
    values = [c.value for c in ws[2]]
    assert "C-2611-001" in values
    assert any(isinstance(v, datetime) for v in values)
    assert any(isinstance(v, int) and not isinstance(v, bool) for v in values)


def test_xlsx_without_out_is_a_usage_error(repo: Path) -> None:
    result = run(repo, "export", "complaint-list", "--format", "xlsx")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "Error: XLSX needs --out FILE.xlsx"


def test_unknown_export_name_suggests_the_nearest_and_lists_the_names_once(repo: Path) -> None:
    result = run(repo, "export", "registr")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: nothing to export called 'registr' (did you mean 'register'?); export names: reports: register, monthly, "
        "overdue, callbacks, capa, weekly, supervision; record lists: customer-list, complaint-list, callback-list, "
        "note-list; data (every record of every kind, lossless, for re-import)")


def test_a_kind_name_says_which_export_is_the_report_and_which_the_records(repo: Path) -> None:
    result = run(repo, "export", "callback")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: 'callback' is not an export name: 'callbacks' is the callback compliance report, "
        "'callback-list' every callback record, 'data' every record for re-import")
    assert run(repo, "export", "callbacks", "--period", "2026-11").exit_code == 0
    assert run(repo, "export", "callback-list").exit_code == 0


def test_xlsx_report_has_autofilter_frozen_header_and_print_setup(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "register.xlsx"
    assert run(repo, "export", "register", "--out", str(out), "--today", "2026-11-10").exit_code == 0
    ws = openpyxl.load_workbook(out).active
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:Q2"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$1"


def test_export_of_an_invalid_repository_is_refused_unless_allowed(repo: Path, tmp_path: Path) -> None:
    path = repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: registered", "status: closd"), encoding="utf-8")
    result = run(repo, "export", "complaint-list")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: records/complaints/2026/C-2611-001.md:4: E104 status: 'closd' is not a valid status")
    assert lines[-1] == ("export refused: 1 error(s) in the records would be written as empty cells; "
                         "fix them (svcnotes validate) or pass --allow-invalid")
    assert result.stdout == ""
    assert run(repo, "export", "data", str(tmp_path / "d.xlsx")).exit_code == 1
    assert not (tmp_path / "d.xlsx").exists()
    allowed = run(repo, "export", "complaint-list", "--allow-invalid")
    assert allowed.exit_code == 0 and allowed.stderr.startswith("warning: records/complaints/2026/C-2611-001.md:4: E104")


def test_csv_cells_render_dates_and_booleans_as_text() -> None:
    from svcnotes.io.export import Sheet, SheetColumn, to_csv

    sheet = Sheet("t", [SheetColumn("d", "D", "date"), SheetColumn("b", "B", "bool")], [{"d": date(2026, 1, 2), "b": True}], "en")
    assert to_csv(sheet) == "\ufeffD,B\r\n2026-01-02,yes\r\n".encode("utf-8")


def test_text_that_looks_like_a_formula_stays_text(repo: Path, tmp_path: Path) -> None:
    path = repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: 支架尺寸超差", "title: '=HYPERLINK(\"http://x\",\"点我\")'"),
                    encoding="utf-8")
    lines = run(repo, "export", "complaint-list").stdout_bytes.decode("utf-8-sig").split("\r\n")
    assert lines[1].startswith('C-2611-001,"\'=HYPERLINK(""http://x"",""点我"")",')
    out = tmp_path / "list.xlsx"
    assert run(repo, "export", "complaint-list", "--out", str(out)).exit_code == 0
    cell = openpyxl.load_workbook(out).active["B2"]
    assert cell.value == '=HYPERLINK("http://x","点我")' and cell.data_type == "s"
    data = tmp_path / "data.xlsx"
    assert run(repo, "export", "data", str(data)).exit_code == 0
    cell = openpyxl.load_workbook(data)["complaints"]["B2"]
    assert cell.value == '=HYPERLINK("http://x","点我")' and cell.data_type == "s"

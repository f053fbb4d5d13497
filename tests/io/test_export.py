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


def test_csv_export_starts_with_a_bom_and_has_localized_headers(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(repo), "export", "complaints"], catch_exceptions=False)
    assert result.exit_code == 0
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].split(",")[:4] == ["客诉编号", "主题", "状态", "客户"]
    assert lines[1].startswith("C-2611-001,支架尺寸超差,registered,hengda-auto,2026-11-02 09:30,2026-11-02,")
    english = run(repo, "export", "complaints", "--locale", "en").stdout_bytes.decode("utf-8-sig")
    assert english.split("\r\n")[0].startswith("Number,Title,Status,Customer,Received at")


def test_personal_fields_are_left_out_unless_asked_for(repo: Path) -> None:
    header = run(repo, "export", "complaints").stdout_bytes.decode("utf-8-sig").split("\r\n")[0]
    assert "客户反映人" not in header
    header = run(repo, "export", "complaints", "--include-personal").stdout_bytes.decode("utf-8-sig").split("\r\n")[0]
    assert "客户反映人" in header


def test_xlsx_kind_export_keeps_dates_as_dates_and_amounts_as_numbers(repo: Path, tmp_path: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-002.md", PROPOSED)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "proposed")
    out = tmp_path / "complaints.xlsx"
    result = run(repo, "export", "complaints", "--out", str(out))
    assert result.exit_code == 0
    ws = openpyxl.load_workbook(out).active
    headers = [c.value for c in ws[1]]
    row = {h: c.value for h, c in zip(headers, ws[3])}
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
    result = run(repo, "export", "complaints", "--format", "xlsx")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "Error: XLSX needs --out FILE.xlsx"


def test_unknown_export_name_suggests_the_nearest(repo: Path) -> None:
    result = run(repo, "export", "complaint-list")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith("Error: nothing to export called 'complaint-list'")


def test_csv_cells_render_dates_and_booleans_as_text() -> None:
    from svcnotes.io.export import Sheet, SheetColumn, to_csv

    sheet = Sheet("t", [SheetColumn("d", "D", "date"), SheetColumn("b", "B", "bool")], [{"d": date(2026, 1, 2), "b": True}], "en")
    assert to_csv(sheet) == "\ufeffD,B\r\n2026-01-02,yes\r\n".encode("utf-8")

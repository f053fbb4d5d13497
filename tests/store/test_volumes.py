"""records/volumes.csv: the monthly volumes the KPIs divide by — read strictly, validated, imported from spreadsheets."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook

from svcnotes.cli import cli
from svcnotes.store.repository import Repository
from svcnotes.store.volumes import MonthVolume, parse_volumes
from tests.conftest import write


def invoke(root: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def test_blank_cells_are_not_recorded_and_chinese_headers_are_understood() -> None:
    table = parse_volumes("月份,出货批次,交货批次,服务次数\n2026-09,550,,\n2026年10月,\"1,250\",760,0\n")
    assert table.problems == ()
    assert table.months["2026-09"] == MonthVolume("2026-09", 550, None, None, 2)
    assert (table.get("2026-10", "shipments"), table.get("2026-10", "service_jobs")) == (1250, 0)
    assert table.get("2026-11", "shipments") is None


def test_validate_reports_every_bad_cell_of_the_volume_table_with_its_line(repo: Path) -> None:
    write(repo, "records/volumes.csv", "month,shipments,deliveries,service_job\n2026-13,10,,\n2026-10,abc,-3,\n"
                                       "2026-10,5,,\n")
    result = invoke(repo, "validate")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "warning: records/volumes.csv:1: W704 service_job: unknown column 'service_job' (did you mean 'service_jobs'?)",
        "records/volumes.csv:2: E701 month: '2026-13' is not a month (write YYYY-MM, e.g. 2026-10)",
        "records/volumes.csv:3: E702 shipments: 'abc' is not a whole number "
        "(write a count >= 0, or leave the cell empty when it is not known)",
        "records/volumes.csv:3: E702 deliveries: '-3' is not a whole number "
        "(write a count >= 0, or leave the cell empty when it is not known)",
        "records/volumes.csv:4: E701 month: month 2026-10 appears twice (first on line 3) (keep one row per month)",
        "4 error(s), 1 warning(s)",
    ]


def test_a_valid_volume_table_passes_validate(repo: Path) -> None:
    write(repo, "records/volumes.csv", "month,shipments,deliveries,service_jobs\n2026-10,800,760,25\n")
    result = invoke(repo, "validate")
    assert result.exit_code == 0, result.output
    assert Repository(repo).snapshot().volumes.get("2026-10", "deliveries") == 760


def test_import_merges_a_spreadsheet_into_the_table_and_commits_it(repo: Path, tmp_path: Path) -> None:
    write(repo, "records/volumes.csv", "month,shipments,deliveries,service_jobs\n2026-09,550,500,\n")
    book = Workbook()
    sheet = book.active
    sheet.append(["月份", "出货批次", "服务次数"])
    sheet.append(["2026-09", None, 30])
    sheet.append(["2026-10", 800, 25])
    book.save(tmp_path / "出货统计.xlsx")
    result = invoke(repo, "volumes", "import", str(tmp_path / "出货统计.xlsx"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 month(s) in records/volumes.csv: 2026-09, 2026-10 (commit ")
    assert (repo / "records/volumes.csv").read_text(encoding="utf-8") == (
        "month,shipments,deliveries,service_jobs\n2026-09,550,500,30\n2026-10,800,,25\n")
    log = subprocess.run(["git", "log", "-1", "--format=%s", "--", "records/volumes.csv"], cwd=repo, check=True,
                         capture_output=True, text=True).stdout
    assert log == "volumes: 2026-09..2026-10 from 出货统计.xlsx\n"
    assert invoke(repo, "volumes", "list").output.splitlines()[1:] == ["2026-09,550,500,30", "2026-10,800,,25"]


def test_import_of_a_sheet_with_a_bad_cell_writes_nothing(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "volumes.csv").write_text("month,shipments\n2026-10,八百\n", encoding="gb18030")
    result = invoke(repo, "volumes", "import", str(tmp_path / "volumes.csv"))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == ("volumes.csv:2: E702 shipments: '八百' is not a whole number "
                                             "(write a count >= 0, or leave the cell empty when it is not known)")
    assert not (repo / "records/volumes.csv").exists()


def test_a_damaged_volume_table_is_a_located_error_not_a_traceback(repo: Path) -> None:
    (repo / "records").mkdir(exist_ok=True)
    (repo / "records/volumes.csv").write_bytes(b"month,shipments\n2026-10,8\x0000\n")
    result = invoke(repo, "validate")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("records/volumes.csv:2: E702 shipments: '8\x0000' is not a whole number")
    (repo / "records/volumes.csv").write_bytes("month,shipments\n2026-10,八百\n".encode("gb18030"))
    assert invoke(repo, "validate").output.splitlines()[0] == (
        "records/volumes.csv: E703 the file is not UTF-8 (save it as CSV UTF-8, or bring it in with "
        "'svcnotes volumes import FILE')")

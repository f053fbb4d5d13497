"""`svcnotes report NAME`: every report in every format, localized headers, period errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.reports import REPORTS

PERIOD = {"monthly": ["--month", "2026-10"], "callbacks": ["--month", "2026-10"], "supervision": ["--month", "2026-10"],
          "weekly": ["--week", "2026-W44"], "register": [], "overdue": [], "capa": []}


def invoke(root: Path, *args: str, lang: str = "en"):
    return CliRunner().invoke(cli, ["--lang", lang, "-C", str(root), "report", *args, "--today", "2026-11-05"],
                              catch_exceptions=False)


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_prints_as_json_with_its_name_and_period(reports_repo: Path, name: str) -> None:
    result = invoke(reports_repo, name, *PERIOD[name], "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["report"] == name
    assert data["period"] == (PERIOD[name][1] if PERIOD[name] else None)
    assert data["today"] == "2026-11-05"


@pytest.mark.parametrize("name", list(REPORTS))
@pytest.mark.parametrize("fmt", ["table", "csv", "md"])
def test_every_report_prints_in_every_text_format(reports_repo: Path, name: str, fmt: str) -> None:
    result = invoke(reports_repo, name, *PERIOD[name], "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.output.strip()


def test_monthly_table_shows_figures_in_the_language_of_messages(reports_repo: Path) -> None:
    result = invoke(reports_repo, "monthly", "--month", "2026-10", lang="zh-CN")
    lines = result.output.splitlines()
    assert lines[0] == "客诉案件统计表  2026-10  编制日期 2026-11-05"
    assert "  结案及时率（处理期限内） 2026-10: 60.0% (处理期限内结案 3 / 本月结案 5; 目标 >= 100.0%; 未达标)" in lines
    assert "  目标期限内结案率 2026-10: 60.0% (目标期限内结案 3 / 本月结案 5; 目标 >= 100.0%; 未达标)" in lines
    assert "  客诉损失金额 (USD): 2000" in lines


def test_callbacks_in_english_show_targets_and_whether_they_were_met(reports_repo: Path) -> None:
    result = invoke(reports_repo, "callbacks", "--month", "2026-10", "--locale", "en")
    assert "  Completion rate 2026-10: 50.0% (done 3 / callbacks due 6; target >= 100.0%; not met)" in result.output.splitlines()
    assert "  Satisfaction rate 2026-10: 66.7% (scores 4-5 2 / scored callbacks 3; target >= 60.0%; met)" in \
        result.output.splitlines()


def test_a_kpi_without_shipments_says_so_in_every_format(reports_repo: Path) -> None:
    table = invoke(reports_repo, "supervision", "--month", "2026-11", "--locale", "en").output.splitlines()
    assert "  Valid-complaint rate 2026-11: n/a — enter shipments for 2026-11 (established complaints 1 / " \
           "shipments not recorded; target <= 1.0%)" in table
    zh = invoke(reports_repo, "supervision", "--month", "2026-11", lang="zh-CN").output.splitlines()
    assert "  有效客诉率 2026-11: 无法计算 — 请录入 2026-11 的出货批次 (有效客诉 1 / 出货批次 未录入; 目标 <= 1.0%)" in zh
    data = json.loads(invoke(reports_repo, "supervision", "--month", "2026-11", "--format", "json", "--locale", "en").output)
    valid = {f["key"]: f for f in data["figures"]}["valid_complaint_rate"]
    assert (valid["value"], valid["met"], valid["period"]) == (None, None, "2026-11")
    assert valid["numerator"] == {"label": "established complaints", "value": 1}
    assert valid["denominator"] == {"label": "shipments", "value": None}
    assert valid["missing"] == "n/a — enter shipments for 2026-11"
    row = {r["kpi"]: r for r in data["rows"]}["Valid-complaint rate"]
    assert (row["period"], row["denominator"], row["note"]) == ("2026-11", "shipments not recorded",
                                                               "n/a — enter shipments for 2026-11")


def test_register_csv_has_localized_headers_and_one_line_per_complaint(reports_repo: Path) -> None:
    result = invoke(reports_repo, "register", "--format", "csv", "--locale", "en")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0][:3] == ["Number", "Received", "Registered"]
    assert len(rows) == 11  # header + 10 complaints
    assert rows[2][0] == "C-2609-002" and rows[2][14] == "yes"  # overdue


def test_json_rows_carry_typed_values_as_data(reports_repo: Path) -> None:
    data = json.loads(invoke(reports_repo, "overdue", "--format", "json").output)
    assert data["rows"][0]["id"] == "C-2609-002"
    assert data["rows"][0]["days_over"] == 21 and data["rows"][0]["limit"] == "2026-10-15"
    assert {f["key"]: f["value"] for f in data["figures"]}["reply_overdue"] == 1


def test_markdown_escapes_table_pipes_and_has_a_heading(reports_repo: Path) -> None:
    result = invoke(reports_repo, "supervision", "--month", "2026-10", "--format", "md", "--locale", "en")
    assert result.output.startswith("# Service supervision report\n")
    assert "| Indicator | Period | Actual | Target | Direction | Met | Numerator | Denominator | Note |" in result.output


def test_bad_month_is_a_usage_error(reports_repo: Path) -> None:
    result = invoke(reports_repo, "monthly", "--month", "2026-13")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--month': '2026-13' is not a month; write YYYY-MM, e.g. 2026-10")


def test_bad_week_is_a_usage_error(reports_repo: Path) -> None:
    result = invoke(reports_repo, "weekly", "--week", "2026-44")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--week': '2026-44' is not an ISO week; write YYYY-Www, e.g. 2026-W44")


def test_week_given_to_a_monthly_report_is_refused(reports_repo: Path) -> None:
    result = invoke(reports_repo, "monthly", "--week", "2026-W44")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "error: report 'monthly' takes --month, not --week"


def test_period_given_to_the_overdue_list_is_refused(reports_repo: Path) -> None:
    result = invoke(reports_repo, "overdue", "--month", "2026-10")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "error: report 'overdue' takes no period, not --month"


def test_unknown_report_name_lists_the_choices(reports_repo: Path) -> None:
    result = invoke(reports_repo, "yearly")
    assert result.exit_code == 2
    assert "'yearly' is not one of 'register', 'monthly', 'overdue', 'callbacks', 'capa', 'weekly', 'supervision'" in result.output


def test_monthly_without_month_uses_the_month_containing_today(reports_repo: Path) -> None:
    data = json.loads(invoke(reports_repo, "monthly", "--format", "json").output)
    assert data["period"] == "2026-11"


def test_cli_names_match_the_registry() -> None:
    from svcnotes.cli.reports import REPORT_NAMES

    assert REPORT_NAMES == tuple(REPORTS)

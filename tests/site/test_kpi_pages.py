"""The dashboard and report pages show each KPI with its period, numerator, denominator and target,
and say what to enter when a denominator was never recorded (never a made-up ratio)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from tests.reports.conftest import fill_reports_repo


@pytest.fixture
def reports_repo(repo: Path) -> Path:
    """The reports fixture (complaints, callbacks, notes, records/volumes.csv; see tests/reports/conftest.py)."""
    return fill_reports_repo(repo)


def build(root: Path, today: str, *args: str) -> Path:
    out = root / f"site-{today}-{'-'.join(a.strip('-') for a in args)}"
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--out", str(out), "--today", today, *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def cards(page: Path) -> dict[str, tuple[str, str]]:
    """Dashboard cards: label -> (value, note)."""
    text = page.read_text(encoding="utf-8")
    found = re.findall(r'<span class="card-value">(.*?)</span>\s*<span class="card-label">(.*?)</span>'
                       r'(?:<span class="card-note">(.*?)</span>)?', text, re.S)
    return {html.unescape(label): (html.unescape(value), html.unescape(note)) for value, label, note in found}


def test_dashboard_kpis_divide_by_the_recorded_shipments_and_service_jobs(reports_repo: Path) -> None:
    shown = cards(build(reports_repo, "2026-10-31") / "index.html")
    # October: 6 established complaints / 800 shipments; 1 rework / 25 service jobs (records/volumes.csv)
    assert shown["有效客诉率"] == ("0.8%", "2026-10 · 有效客诉 6 / 出货批次 800 · 目标 ≤ 1%")
    assert shown["售后返工率"] == ("4%", "2026-10 · 返工处理客诉 1 / 服务次数 25 · 目标 ≤ 5%")
    assert shown["目标期限内结案率"][1] == "2026-10 · 目标期限内结案 3 / 本月结案 5 · 目标 ≥ 100%"
    assert shown["结案及时率（处理期限内）"][1] == "2026-10 · 处理期限内结案 3 / 本月结案 5 · 目标 ≥ 100%"


def test_dashboard_says_what_to_enter_when_the_month_has_no_shipments(reports_repo: Path) -> None:
    zh = cards(build(reports_repo, "2026-11-05") / "index.html")
    assert zh["有效客诉率"] == ("无法计算", "2026-11 · 有效客诉 1 / 出货批次 未录入 · 目标 ≤ 1% · "
                                       "无法计算 — 请录入 2026-11 的出货批次")
    en = cards(build(reports_repo, "2026-11-05", "--locale", "en") / "index.html")
    assert en["Valid-complaint rate"] == ("n/a", "2026-11 · established complaints 1 / shipments not recorded · "
                                                 "Target ≤ 1% · n/a — enter shipments for 2026-11")
    assert en["Rework rate"][0] == "n/a" and en["Rework rate"][1].endswith("n/a — enter service jobs for 2026-11")


def test_supervision_page_lists_period_numerator_denominator_and_target_of_every_kpi(reports_repo: Path) -> None:
    page = (build(reports_repo, "2026-11-05", "--locale", "en") / "reports/supervision-2026-11.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"\s+", " ", text)
    assert "Valid-complaint rate 2026-11 n/a — enter shipments for 2026-11 ≤ 1% established complaints 1 / shipments " \
           "not recorded" in text
    for header in ("Period", "Numerator", "Denominator", "Target"):
        assert f">{header}<" in page
    october = (build(reports_repo, "2026-11-05") / "reports/supervision-2026-10.html").read_text(encoding="utf-8")
    assert "有效客诉 6 / 出货批次 800" in html.unescape(october)


def test_complaint_page_shows_when_the_quality_report_is_due_and_whether_it_is_in(reports_repo: Path) -> None:
    site = build(reports_repo, "2026-11-05", "--locale", "en")
    page = html.unescape((site / "complaints/2026/C-2610-006.html").read_text(encoding="utf-8"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # the 15-day target beside the 20-day limit: past the first, not yet the second
    assert "Closure target 2026-11-04 Hard limit 2026-11-09 Days open 16 days" in text
    assert "Status Past the target" in text
    assert "Quality report due 2026-10-24 Overdue" in text  # investigation started 10-21, no report yet
    late = html.unescape((site / "complaints/2026/C-2610-002.html").read_text(encoding="utf-8"))
    assert "Quality report due" in late and "In late" in late


def test_a_redacted_dashboard_keeps_the_real_kpis(reports_repo: Path) -> None:
    shown = cards(build(reports_repo, "2026-10-31", "--redact") / "index.html")
    assert shown["有效客诉率"] == ("0.8%", "2026-10 · 有效客诉 6 / 出货批次 800 · 目标 ≤ 1%")

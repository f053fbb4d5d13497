"""Every report against figures worked out by hand on the fixture in conftest.py (today 2026-11-05)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from svcnotes.reports import REPORTS, Report, parse_month, parse_week, run_report
from svcnotes.store.repository import Repository
from tests.reports.conftest import TODAY


def run(root: Path, name: str, period: str | None = None, today: date = TODAY) -> Report:
    repo = Repository(root)
    snap = repo.snapshot()
    assert snap.problems == []
    parsed = None if period is None else (parse_week(period) if "W" in period else parse_month(period))
    return run_report(name, snap, repo.config, parsed, today)


def by_id(report: Report, key: str = "id") -> dict[str, dict]:
    return {row[key]: row for row in report.rows}


def test_registry_names_every_report_once() -> None:
    assert list(REPORTS) == ["register", "monthly", "overdue", "callbacks", "capa", "weekly", "supervision"]


def test_register_lists_every_complaint_with_deadline_owner_and_flags(reports_repo: Path) -> None:
    r = run(reports_repo, "register")
    assert [row["id"] for row in r.rows][:2] == ["C-2609-001", "C-2609-002"]
    assert r.value("total") == 10
    assert r.value("open") == 5  # C-2609-002, C-2610-003, -006, -007, C-2611-001
    assert r.value("overdue") == 2  # C-2609-002 (limit 10-15) and C-2610-003 (limit 10-28) < 11-05
    rows = by_id(r)
    c9 = rows["C-2609-002"]
    assert c9["limit"] == date(2026, 10, 15)  # 09-25 + 20 days
    assert c9["days_open"] == 41  # 09-25 -> 11-05: 5 + 31 + 5
    assert (c9["overdue"], c9["escalate_to"], c9["customer_name"]) == (True, "gm_office", "星海船舶")
    c1 = rows["C-2610-001"]
    assert (c1["days_open"], c1["overdue"]) == (13, False)  # closed 10-15: 15 - 2
    assert rows["C-2610-006"]["escalate_to"] == "gm"  # critical, not yet overdue (limit 11-09)
    assert rows["C-2610-007"]["reopens"] == "C-2610-002"
    assert rows["C-2610-007"]["owner"] == "zhang.wei"


def test_register_for_a_month_keeps_the_complaints_registered_in_it(reports_repo: Path) -> None:
    r = run(reports_repo, "register", "2026-10")
    assert [row["id"] for row in r.rows] == [f"C-2610-00{n}" for n in range(1, 8)]  # 7 registered in October


def test_monthly_counts_by_every_breakdown(reports_repo: Path) -> None:
    r = run(reports_repo, "monthly", "2026-10")
    counts = {(row["dimension_key"], row["item"]): (row["count"], row["share"]) for row in r.rows}
    assert r.value("registered") == 7  # C-2610-001..007
    assert counts[("category", "product_quality")] == (3, 3 / 7)  # -001, -003, -006
    assert counts[("category", "delivery")] == (2, 2 / 7)  # -002, -007
    assert counts[("category", "billing")] == (1, 1 / 7)
    assert ("category", "installation") not in counts  # C-2609-002 is September's
    assert counts[("cause_class", "quality")] == (2, 2 / 7)  # -001, -003
    assert counts[("cause_class", "non_quality")] == (3, 3 / 7)  # -002, -004, -005
    assert counts[("cause_class", "unset")] == (2, 2 / 7)  # -006, -007 not investigated yet
    assert counts[("severity", "minor")] == (2, 2 / 7)  # -002, -005
    assert counts[("severity", "normal")] == (3, 3 / 7)  # -001, -004, -007
    assert counts[("severity", "critical")] == (1, 1 / 7)
    assert counts[("resolution", "not_established")] == (1, 1 / 7)
    assert counts[("resolution", "unset")] == (2, 2 / 7)


def test_monthly_responsibility_ratios_exclude_not_established(reports_repo: Path) -> None:
    r = run(reports_repo, "monthly", "2026-10")
    shares = {row["item"]: row["share"] for row in r.rows if row["dimension_key"] == "responsible_dept"}
    # 6 established (7 minus C-2610-005): manufacturing -001 -003; logistics -002; sales -004; unset -006 -007
    assert shares == {"manufacturing": 2 / 6, "logistics": 1 / 6, "sales": 1 / 6, "unset": 2 / 6}
    assert (r.value("established"), r.value("not_established")) == (6, 1)


def test_monthly_closure_amounts_reopened_and_due_date(reports_repo: Path) -> None:
    r = run(reports_repo, "monthly", "2026-10")
    # ended in October: C-2609-001 (10-05 > limit 09-30, late), C-2610-001 (10-15 <= 10-22), C-2610-002 (10-30 > 10-25,
    # late), C-2610-004 (10-20 <= 11-01), C-2610-005 (10-16 <= 11-03) -> 3 of 5 on time
    assert (r.value("closed"), r.value("closed_on_time"), r.value("on_time_rate")) == (5, 3, 3 / 5)
    assert r.value("avg_handling_days") == 14.6  # (25 + 13 + 25 + 8 + 2) / 5 = 73 / 5
    assert r.value("amount_CNY") == Decimal(1500)  # 1000 + 500 + 0 registered in October (C-2609-001's 300 is September's)
    assert r.value("amount_USD") == Decimal(2000)  # C-2610-003
    assert r.value("reopened") == 1  # C-2610-007 reopens C-2610-002
    assert r.value("due_by") == date(2026, 11, 10)


def test_monthly_trend_stacks_twelve_months_by_cause_class(reports_repo: Path) -> None:
    trend = next(s for s in run(reports_repo, "monthly", "2026-10").series if s.key == "trend")
    assert trend.labels[0] == "2025-11" and trend.labels[-1] == "2026-10"
    assert trend.values["quality"][-2:] == (2.0, 2.0)  # September: C-2609-001, -002; October: -001, -003
    assert trend.values["non_quality"][-1] == 3.0 and trend.values["unset"][-1] == 2.0


def test_overdue_list_orders_by_days_over_and_shows_escalations_and_broken_promises(reports_repo: Path) -> None:
    r = run(reports_repo, "overdue")
    assert [row["id"] for row in r.rows] == ["C-2609-002", "C-2610-003", "C-2610-006"]
    rows = by_id(r)
    assert rows["C-2609-002"]["days_over"] == 21  # limit 10-15 -> 11-05
    assert rows["C-2610-003"]["days_over"] == 8  # limit 10-28 -> 11-05
    assert rows["C-2610-006"]["reply_overdue"] is True  # promised 11-02, no reply by 11-05
    assert (r.value("overdue"), r.value("escalated_gm"), r.value("escalated_gm_office"), r.value("reply_overdue")) == (2, 1, 2, 1)


def test_overdue_list_before_the_limits_has_only_the_critical_case(reports_repo: Path) -> None:
    r = run(reports_repo, "overdue", today=date(2026, 10, 21))
    # 10-21: C-2609-002 is past 10-15 (overdue); C-2610-003 (limit 10-28) and major -> gm; -006 critical -> gm
    assert [(row["id"], row["escalate_to"]) for row in r.rows] == [
        ("C-2609-002", "gm_office"), ("C-2610-003", "gm"), ("C-2610-006", "gm")]


def test_callback_compliance_for_october(reports_repo: Path) -> None:
    r = run(reports_repo, "callbacks", "2026-10")
    # due in October, cancelled CB-2610-007 excluded: CB-2610-001..006 = 6
    assert r.value("due") == 6
    assert r.value("done") == 3  # -001, -002, -003
    assert r.value("done_late") == 1  # -002 done 10-12, due 10-10
    assert r.value("unreachable") == 1  # -004
    assert r.value("missed") == 2  # -005 (missed) and -006 (still scheduled, due 10-28 < 11-05)
    assert r.value("completion_rate") == 3 / 6
    assert r.figure("completion_rate").met is False  # target 100 %
    assert r.value("satisfaction_rate") == 2 / 3  # scores 5, 4, 3: two of three are >= 4
    assert r.figure("satisfaction_rate").met is True  # fixture target 60 %
    assert r.value("average_score") == 4.0  # (5 + 4 + 3) / 3
    assert by_id(r)["CB-2610-002"]["outcome"] == "late"


def test_callback_not_yet_due_is_pending_not_missed(reports_repo: Path) -> None:
    r = run(reports_repo, "callbacks", "2026-10", today=date(2026, 10, 27))
    assert by_id(r)["CB-2610-006"]["outcome"] == "pending"  # due 10-28, today 10-27
    assert (r.value("missed"), r.value("pending")) == (1, 1)


def test_satisfaction_trend_has_gaps_where_no_callback_was_scored(reports_repo: Path) -> None:
    (trend,) = run(reports_repo, "callbacks", "2026-10").series
    assert trend.values["satisfaction"][-2:] == (0.0, 2 / 3)  # September: one score of 2
    assert trend.values["satisfaction"][0] is None  # 2025-11: nothing
    assert trend.values["completion"][-2:] == (1.0, 0.5)
    assert trend.target == 0.6


def test_capa_tracker_counts_open_overdue_done_verified(reports_repo: Path) -> None:
    r = run(reports_repo, "capa")
    assert [(row["complaint"], row["item"]) for row in r.rows] == [
        ("C-2609-002", 1), ("C-2610-001", 1), ("C-2610-003", 1), ("C-2610-003", 2)]
    # open: C-2609-002#1 (due 11-10) and C-2610-003#1 (due 10-31, overdue on 11-05)
    assert (r.value("total"), r.value("open"), r.value("overdue"), r.value("done"), r.value("verified")) == (4, 2, 1, 1, 1)


def test_capa_tracker_for_a_month_keeps_actions_due_in_it(reports_repo: Path) -> None:
    r = run(reports_repo, "capa", "2026-10")
    assert [(row["complaint"], row["item"]) for row in r.rows] == [("C-2610-001", 1), ("C-2610-003", 1)]


def test_weekly_report_for_week_44(reports_repo: Path) -> None:
    r = run(reports_repo, "weekly", "2026-W44")
    assert r.value("contacts") == 2  # call_in 10-26, on_site 10-27 (hand-over is not a contact; 10-20 is outside)
    assert (r.value("contacts_call_in"), r.value("contacts_on_site"), r.value("contacts_call_out")) == (1, 1, 0)
    sections: dict[str, list[str]] = {}
    for row in r.rows:
        sections.setdefault(row["section_key"], []).append(row["id"] if row["section_key"] != "open_issue" else row["text"])
    assert sections["new_complaint"] == ["C-2610-007", "C-2611-001"]  # registered 10-28, 11-01
    assert sections["closed_complaint"] == ["C-2610-002"]  # closed 10-30
    assert sections["callback_done"] == ["CB-2610-003"]  # done 10-27
    assert sections["open_issue"] == ["C-2610-003 换货待发", "星海船舶回访未联系上"]
    # open at the week's end (11-01): not ended by then
    assert sections["open_complaint"] == ["C-2609-002", "C-2610-003", "C-2610-006", "C-2610-007", "C-2611-001"]


def test_weekly_open_complaints_are_counted_as_of_the_week_end(reports_repo: Path) -> None:
    r = run(reports_repo, "weekly", "2026-W42")  # 10-12..10-18
    open_ids = [row["id"] for row in r.rows if row["section_key"] == "open_complaint"]
    # registered by 10-18 and not ended by then: -2609-002, -2610-002 (closed 10-30), -003; C-2610-001 closed 10-15,
    # -004 registered 10-12 (closed 10-20), -005 ended 10-16
    assert open_ids == ["C-2609-002", "C-2610-002", "C-2610-003", "C-2610-004"]
    assert r.value("closed_complaint") == 2  # C-2610-001 (10-15), C-2610-005 (10-16)


def test_supervision_kpis_against_targets(reports_repo: Path) -> None:
    r = run(reports_repo, "supervision", "2026-10")
    kpi = {row["key"]: (row["value"], row["met"]) for row in r.rows}
    assert kpi["on_target_closure"] == (3 / 5, False)  # -001, -004, -005 closed by their 15-day target date
    assert kpi["on_time_closure"] == (3 / 5, False)  # as in the monthly statistics; target 100 %
    assert kpi["quality_report_on_time"] == (2 / 4, False)  # -001, -003 on time; -002 late; -006 outstanding
    assert kpi["callback_completion"] == (3 / 6, False)
    assert kpi["satisfaction"] == (2 / 3, True)  # target 60 % in the fixture
    assert kpi["rework_rate"] == (1 / 25, True)  # C-2610-001 resolved by rework / 25 service jobs recorded; <= 5 %
    assert kpi["valid_complaint_rate"] == (6 / 800, True)  # 6 established / 800 shipments; <= 1 %


def test_every_kpi_names_its_period_numerator_denominator_and_target(reports_repo: Path) -> None:
    r = run(reports_repo, "supervision", "2026-10")
    rows = {row["key"]: row for row in r.rows}
    assert len(rows) == 7
    for f in r.figures:
        assert f.period == "2026-10" and f.target is not None
        assert f.numerator is not None and f.denominator is not None
    valid = r.figure("valid_complaint_rate")
    assert (valid.numerator.text("en"), valid.denominator.text("en")) == ("established complaints 6", "shipments 800")
    assert (rows["valid_complaint_rate"]["numerator"].zh, rows["valid_complaint_rate"]["denominator"].zh) == (
        "有效客诉 6", "出货批次 800")
    assert rows["rework_rate"]["denominator"].en == "service jobs 25"


def test_a_kpi_without_its_recorded_base_says_what_to_enter_instead_of_a_ratio(reports_repo: Path) -> None:
    r = run(reports_repo, "supervision", "2026-11")  # no row for 2026-11 in records/volumes.csv
    valid = r.figure("valid_complaint_rate")
    assert valid.value is None and valid.met is None
    assert valid.numerator.value == 1 and valid.denominator.value is None  # C-2611-001 is established so far
    assert valid.missing.en == "n/a — enter shipments for 2026-11"
    assert valid.missing.zh == "无法计算 — 请录入 2026-11 的出货批次"
    september = run(reports_repo, "supervision", "2026-09")
    assert september.value("valid_complaint_rate") == 2 / 550
    rework = september.figure("rework_rate")  # shipments recorded, service jobs not, no on-site note in September
    assert rework.value is None and rework.missing.en == "n/a — enter service jobs for 2026-09"


def test_service_jobs_are_counted_from_on_site_notes_when_the_table_has_none(reports_repo: Path) -> None:
    (reports_repo / "records/volumes.csv").write_text("month,shipments\n2026-10,800\n", encoding="utf-8")
    rework = run(reports_repo, "supervision", "2026-10").figure("rework_rate")
    assert rework.value == 1 / 1  # one rework / N-2610-002, the month's only on-site note
    assert rework.denominator.text("en") == "service jobs (on-site notes) 1"


def test_the_valid_complaint_rate_can_divide_by_deliveries(reports_repo: Path) -> None:
    config = (reports_repo / "svcnotes.toml").read_text(encoding="utf-8")
    (reports_repo / "svcnotes.toml").write_text(config.replace("[targets]\n", "[targets]\nvalid_complaint_base = \"deliveries\"\n"),
                                                encoding="utf-8")
    valid = run(reports_repo, "supervision", "2026-10").figure("valid_complaint_rate")
    assert (valid.value, valid.denominator.text("zh")) == (6 / 760, "交货批次 760")
    assert run(reports_repo, "supervision", "2026-09").figure("valid_complaint_rate").missing.en == \
        "n/a — enter deliveries for 2026-09"


def test_supervision_trend_has_one_value_per_month(reports_repo: Path) -> None:
    series = {s.key: s for s in run(reports_repo, "supervision", "2026-10").series}
    assert series["trend_rework_rate"].values["rework_rate"][-2:] == (None, 1 / 25)  # September: no service jobs
    assert series["trend_valid_complaint_rate"].values["valid_complaint_rate"][-3:] == (None, 2 / 550, 6 / 800)
    assert series["trend_on_time_closure"].values["on_time_closure"][-2] is None  # nothing ended in September


def test_register_shows_and_counts_the_target_beside_the_limit(reports_repo: Path) -> None:
    r = run(reports_repo, "register")
    rows = by_id(r)
    c6 = rows["C-2610-006"]  # registered 10-20: target 11-04, limit 11-09; today 11-05
    assert (c6["target"], c6["limit"], c6["past_target"], c6["overdue"]) == (date(2026, 11, 4), date(2026, 11, 9), True, False)
    assert (r.value("past_target"), r.value("overdue")) == (3, 2)  # C-2609-002, C-2610-003 are past both


def test_quality_reports_are_tracked_on_the_overdue_list_and_counted_monthly(reports_repo: Path) -> None:
    overdue = by_id(run(reports_repo, "overdue"))
    assert overdue["C-2610-006"]["quality_report_due"] == date(2026, 10, 24)  # investigation started 10-21 + 3
    assert overdue["C-2610-006"]["quality_report_overdue"] is True
    assert overdue["C-2610-003"]["quality_report_overdue"] is False  # reported 10-11
    assert run(reports_repo, "overdue").value("quality_report_overdue") == 2  # C-2609-002 and C-2610-006
    monthly = run(reports_repo, "monthly", "2026-10")
    assert [monthly.value(k) for k in ("quality_reports", "quality_reports_on_time", "quality_reports_late",
                                       "quality_reports_outstanding")] == [4, 2, 1, 1]
    assert monthly.value("quality_report_rate") == 2 / 4
    early = run(reports_repo, "monthly", "2026-10", today=date(2026, 10, 23))  # -006's report not yet due
    assert early.figure("quality_report_rate").basis == "2/3"


def test_monthly_counts_closure_against_the_target_and_the_limit(reports_repo: Path) -> None:
    r = run(reports_repo, "monthly", "2026-10")
    assert (r.value("closed_on_target"), r.value("closed_on_time")) == (3, 3)  # -001, -004, -005 by both dates
    assert (r.figure("on_target_rate").target, r.figure("on_time_rate").target) == (1.0, 1.0)
    path = reports_repo / "records/complaints/2026/C-2610-004.md"  # registered 10-12: target 10-27, limit 11-01
    path.write_text(path.read_text(encoding="utf-8").replace("closed_at: 2026-10-20", "closed_at: 2026-10-30"), encoding="utf-8")
    r = run(reports_repo, "monthly", "2026-10")
    assert (r.value("closed_on_target"), r.value("closed_on_time")) == (2, 3)  # past its target, within its limit
    assert (r.value("on_target_rate"), r.value("on_time_rate")) == (2 / 5, 3 / 5)
    kpi = run(reports_repo, "supervision", "2026-10")
    assert (kpi.value("on_target_closure"), kpi.value("on_time_closure")) == (2 / 5, 3 / 5)


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_runs_on_an_empty_repository(repo: Path, name: str) -> None:
    (repo / "records/complaints/2026/C-2611-001.md").unlink()
    report = run(repo, name)
    if name == "supervision":  # the seven KPIs are always listed, without values
        assert [(row["value"], row["met"]) for row in report.rows] == [(None, None)] * 7
    else:
        assert report.rows == ()
    assert report.name == name

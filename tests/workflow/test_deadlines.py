"""Deadlines on the working calendar: limit, due soon, overdue, holds, escalation, promise flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from svcnotes.model.config import Config
from svcnotes.model.config import Deadline as Rule
from svcnotes.model.record import Record
from svcnotes.workflow.deadlines import complaint_deadline, due_rows, escalation_rows, overdue_rows

D = date.fromisoformat
HOLIDAYS = frozenset(date(2026, 10, d) for d in range(1, 8))
WORKING = Config(working_days=True, holidays=HOLIDAYS, extra_working_days=frozenset({D("2026-09-27"), D("2026-10-10")}))
CALENDAR = Config()


def complaint(**data: Any) -> Record:
    base = {"status": "investigating", "customer": "hengda-auto", "title": "支架尺寸超差", "severity": "normal",
            "registered_at": D("2026-09-28"), "received_at": datetime(2026, 9, 28, 9, 30), "owner": "zhang.wei"}
    base.update(data)
    record_id = str(base.pop("id", "C-2609-001"))
    return Record("complaint", record_id, f"records/complaints/2026/{record_id}.md", base)


def callback(record_id: str, due: str, status: str = "scheduled") -> Record:
    return Record("callback", record_id, f"records/callbacks/2026/{record_id}.md",
                  {"customer": "hengda-auto", "kind": "periodic", "due": D(due), "status": status, "assigned_to": "li.na"})


def test_limit_counts_twenty_working_days_across_the_holiday_block() -> None:
    d = complaint_deadline(complaint(), WORKING, D("2026-10-12"))
    assert (d.target, d.limit) == (D("2026-10-23"), D("2026-10-30"))
    assert d.days_open == 6  # 09-29, 09-30, 10-08, 10-09, 10-10 (调休 Saturday), 10-12
    assert not d.overdue and not d.due_soon


def test_calendar_days_ignore_the_holidays() -> None:
    d = complaint_deadline(complaint(), CALENDAR, D("2026-10-12"))
    assert (d.target, d.limit, d.days_open) == (D("2026-10-13"), D("2026-10-18"), 14)


@pytest.mark.parametrize("today, due_soon, overdue, days_left", [
    ("2026-10-26", False, False, 4),
    ("2026-10-27", True, False, 3),
    ("2026-10-30", True, False, 0),
    ("2026-10-31", False, True, -0),   # Saturday after the limit: overdue, no working day passed yet
    ("2026-11-02", False, True, -1),
])
def test_due_soon_and_overdue_at_chosen_today(today: str, due_soon: bool, overdue: bool, days_left: int) -> None:
    d = complaint_deadline(complaint(), WORKING, D(today))
    assert (d.due_soon, d.overdue, d.days_left) == (due_soon, overdue, days_left)
    assert d.escalate_to == ("gm_office" if overdue else "")


def test_per_severity_limits_apply() -> None:
    config = replace(WORKING, deadlines={**WORKING.deadlines, "critical": Rule(3, 5)})
    d = complaint_deadline(complaint(severity="critical"), config, D("2026-10-12"))
    assert d.limit == D("2026-10-10")
    assert d.overdue and d.escalations == ("gm", "gm_office")


def test_on_hold_interval_pauses_the_clock_and_is_shown() -> None:
    record = complaint(on_hold=[{"from": D("2026-10-12"), "to": D("2026-10-14"), "reason": "客户加工中未确定"}])
    d = complaint_deadline(record, WORKING, D("2026-10-31"))
    assert d.paused_days == 3
    assert d.limit == D("2026-11-04")
    assert not d.overdue
    assert [h.label() for h in d.holds] == ["2026-10-12..2026-10-14 (3d, 客户加工中未确定)"]


def test_open_hold_runs_until_today_and_pause_can_be_switched_off() -> None:
    record = complaint(on_hold=[{"from": D("2026-10-12")}])
    assert complaint_deadline(record, WORKING, D("2026-10-13")).paused_days == 2
    assert complaint_deadline(record, replace(WORKING, pause_on_hold=False), D("2026-10-13")).paused_days == 0


def test_overlapping_holds_count_each_day_once() -> None:
    record = complaint(on_hold=[{"from": D("2026-10-12"), "to": D("2026-10-14")},
                                {"from": D("2026-10-13"), "to": D("2026-10-15")}])
    assert complaint_deadline(record, WORKING, D("2026-10-31")).paused_days == 4


def test_major_complaint_escalates_to_gm_at_registration() -> None:
    d = complaint_deadline(complaint(severity="major"), WORKING, D("2026-09-28"))
    assert d.escalate_to == "gm" and d.escalations == ("gm",)


def test_closed_complaint_is_never_overdue_but_may_have_closed_late() -> None:
    record = complaint(status="closed", closed_at=D("2026-11-03"))
    d = complaint_deadline(record, WORKING, D("2026-12-01"))
    assert not d.overdue and d.closed_late and d.escalations == ()
    assert d.days_open == 22


@pytest.mark.parametrize("today, flagged", [("2026-10-09", False), ("2026-10-10", True)])
def test_promise_without_reply_is_flagged_the_day_after(today: str, flagged: bool) -> None:
    record = complaint(promised_reply_at=datetime(2026, 10, 9, 17, 0))
    d = complaint_deadline(record, WORKING, D(today))
    assert d.reply_overdue is flagged and d.promise_unkept is flagged


def test_unkept_promise_is_flagged_whatever_the_state() -> None:
    record = complaint(status="closed", closed_at=D("2026-10-20"), promised_reply_at=datetime(2026, 10, 9, 17, 0))
    assert complaint_deadline(record, WORKING, D("2026-10-21")).promise_unkept


def test_late_reply_breaks_the_promise_and_a_timely_one_keeps_it() -> None:
    late = complaint(promised_reply_at=datetime(2026, 10, 9, 17, 0), replied_at=datetime(2026, 10, 9, 18, 0))
    kept = complaint(promised_reply_at=datetime(2026, 10, 9, 17, 0), replied_at=datetime(2026, 10, 9, 16, 0))
    assert complaint_deadline(late, WORKING, D("2026-10-12")).promise_broken
    assert not complaint_deadline(kept, WORKING, D("2026-10-12")).promise_unkept


def test_overdue_rows_list_late_complaints_promises_and_callbacks() -> None:
    complaints = [complaint(), complaint(id="C-2610-002", registered_at=D("2026-10-28"),
                                         promised_reply_at=datetime(2026, 10, 29, 12, 0))]
    callbacks = [callback("CB-2610-001", "2026-10-30"), callback("CB-2610-002", "2026-10-30", status="done")]
    rows = overdue_rows(complaints, callbacks, WORKING, D("2026-11-02"))
    assert [(r["id"], r["flag"]) for r in rows] == [
        ("C-2610-002", "promise_unkept"), ("C-2609-001", "overdue"), ("CB-2610-001", "overdue")]


def test_due_rows_list_complaints_due_soon_replies_and_callbacks_due() -> None:
    complaints = [complaint(), complaint(id="C-2610-002", registered_at=D("2026-10-28"),
                                         promised_reply_at=datetime(2026, 10, 29, 12, 0))]
    callbacks = [callback("CB-2610-001", "2026-10-30"), callback("CB-2610-003", "2026-11-05")]
    rows = due_rows(complaints, callbacks, WORKING, D("2026-10-27"))
    assert [(r["id"], r["flag"], r["due"]) for r in rows] == [
        ("C-2610-002", "reply_due", D("2026-10-29")), ("C-2609-001", "due_soon", D("2026-10-30")),
        ("CB-2610-001", "due", D("2026-10-30"))]


def test_escalation_rows_name_who_and_since_when() -> None:
    complaints = [complaint(severity="critical", registered_at=D("2026-09-28")), complaint(id="C-2610-005",
                                                                                       registered_at=D("2026-10-26"))]
    rows = escalation_rows(complaints, WORKING, D("2026-11-02"))
    assert [(r["id"], r["escalate_to"], r["since"]) for r in rows] == [
        ("C-2609-001", "gm", D("2026-09-28")), ("C-2609-001", "gm_office", D("2026-10-31"))]

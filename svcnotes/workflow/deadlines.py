"""Deadlines derived from registration: target, limit, days open, due soon, overdue, escalation.

The clock counts from `registered_at` in calendar or working days; intervals of `on_hold`
(waiting on the customer, e.g. 客户加工中未确定) pause it when configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.workflow.calendar import Calendar

OPEN_END = frozenset({"closed", "not_established"})


@dataclass(frozen=True)
class Deadline:
    """Derived timing of one complaint on a given day."""

    target: date | None
    limit: date | None
    days_open: int
    paused_days: int
    due_soon: bool
    overdue: bool
    escalate_to: str  # "" | "gm" (major/critical at registration) | "gm_office" (overdue)
    reply_overdue: bool  # a promised reply time passed with no reply


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def paused_days(record: Record, cal: Calendar, until: date) -> int:
    """Counted days inside the record's on_hold intervals, up to `until`."""
    total = 0
    for hold in record.get("on_hold", []):
        start = _day(hold.get("from"))
        if start is None:
            continue
        end = min(_day(hold.get("to")) or until, until)
        total += cal.between(start - timedelta(days=1), end) if end >= start else 0
    return total


def complaint_deadline(record: Record, config: Config, today: date) -> Deadline:
    """Target, limit and flags of a complaint as of `today`."""
    cal = Calendar.from_config(config)
    registered = _day(record.get("registered_at")) or _day(record.get("received_at"))
    severity = record.get("severity", "normal")
    rule = config.deadlines.get(severity) or config.deadlines["normal"]
    closed = _day(record.get("closed_at")) if record.status in OPEN_END else None
    end = closed or today
    is_open = record.status not in OPEN_END
    promised = record.get("promised_reply_at")
    reply_overdue = bool(promised and not record.get("replied_at") and promised.date() < today and is_open)
    if registered is None:
        return Deadline(None, None, 0, 0, False, False, "", reply_overdue)
    paused = paused_days(record, cal, end) if config.pause_on_hold else 0
    target = cal.add(registered, rule.target_days + paused)
    limit = cal.add(registered, rule.limit_days + paused)
    days_open = max(cal.between(registered, end) - paused, 0)
    overdue = is_open and today > limit
    due_soon = is_open and not overdue and cal.between(today, limit) <= config.due_soon_days
    escalate = "gm_office" if overdue else ("gm" if severity in ("major", "critical") and is_open else "")
    return Deadline(target, limit, days_open, paused, due_soon, overdue, escalate, reply_overdue)


def callback_overdue(record: Record, today: date) -> bool:
    """A scheduled callback whose due date has passed."""
    due = record.get("due")
    return record.status == "scheduled" and isinstance(due, date) and due < today


def annotate(kind: str, records: Iterable[Record], config: Config, today: date) -> list[dict[str, Any]]:
    """Rows of record data plus the derived timing columns (due_date, days_open, overdue, ...)."""
    rows = []
    for record in records:
        row = dict(record.data)
        if kind == "complaint":
            d = complaint_deadline(record, config, today)
            row.update(due_date=d.limit, target_date=d.target, days_open=d.days_open, overdue=d.overdue,
                       due_soon=d.due_soon, escalate_to=d.escalate_to, reply_overdue=d.reply_overdue,
                       paused_days=d.paused_days)
        elif kind == "callback":
            row["overdue"] = callback_overdue(record, today)
        rows.append(row)
    return rows

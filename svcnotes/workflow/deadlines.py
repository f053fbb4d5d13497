"""Deadlines derived from registration: target, limit, days open, due soon, overdue, escalation.

The clock counts from `registered_at` in calendar or working days (see calendar.py); the
record's `on_hold` intervals (waiting on the customer, e.g. 客户加工中未确定; `from` and `to`
both included, an open `to` runs until today) pause it when `deadlines.pause_on_hold` is set, and
every interval is reported with the days it paused. A promised reply time (承诺答复时间) that
passes without a reply is flagged whatever the complaint's status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.model.schema import FINISHED
from svcnotes.workflow.calendar import Calendar, days_in

ESCALATING_SEVERITIES = frozenset({"major", "critical"})


@dataclass(frozen=True)
class Hold:
    """One waiting-on-customer interval and the counted days it paused the clock (up to today)."""

    start: date
    end: date | None
    reason: str
    days: int

    def label(self) -> str:
        """`2026-10-08..2026-10-12 (3d, 客户加工中未确定)`; an open interval ends in '..'."""
        end = self.end.isoformat() if self.end else ""
        reason = f", {self.reason}" if self.reason else ""
        return f"{self.start.isoformat()}..{end} ({self.days}d{reason})"


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
    reply_overdue: bool  # a promised reply time passed with no reply yet
    holds: tuple[Hold, ...] = ()
    days_left: int | None = None  # counted days to the limit; negative once overdue
    closed_late: bool = False  # closed after the limit
    promise_broken: bool = False  # replied, but after the promised time
    escalations: tuple[str, ...] = ()  # every escalation that applies: "gm", "gm_office"

    @property
    def promise_unkept(self) -> bool:
        """The promised reply time passed without a reply, or the reply came late."""
        return self.reply_overdue or self.promise_broken


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def holds_of(record: Record, cal: Calendar, registered: date | None, until: date,
             most: int = 30) -> tuple[Hold, ...]:
    """The record's on_hold intervals, each with the counted days it paused up to `until`.

    Days before registration or already paused by an earlier (overlapping) interval count once;
    a hold pauses no day more than `most` (deadlines.max_hold_days) days after its start.
    """
    seen: set[date] = set()
    out = []
    for hold in record.get("on_hold", []):
        start = _day(hold.get("from"))
        if start is None:
            continue
        end = _day(hold.get("to"))
        first = max(start, registered + timedelta(days=1)) if registered else start
        # a hold pauses at most `most` calendar days (from and to included): then the clock runs again
        last = min(end or until, until, start + timedelta(days=most - 1))
        days = {d for d in days_in(first, last) if cal.counts(d)} - seen
        seen |= days
        out.append(Hold(start, end, str(hold.get("reason") or ""), len(days)))
    return tuple(out)


def paused_days(record: Record, cal: Calendar, until: date) -> int:
    """Counted days inside the record's on_hold intervals, up to `until`."""
    registered = _day(record.get("registered_at")) or _day(record.get("received_at"))
    return sum(h.days for h in holds_of(record, cal, registered, until))


def _promise(record: Record, today: date) -> tuple[bool, bool]:
    """(reply overdue, promise broken) of the promised reply time, whatever the status."""
    promised = record.get("promised_reply_at")
    if not isinstance(promised, (date, datetime)):
        return False, False
    if not isinstance(promised, datetime):
        promised = datetime.combine(promised, datetime.max.time())
    replies = [v for v in (record.get("replied_at"), record.get("told_at")) if isinstance(v, datetime)]
    if not replies:
        return promised.date() < today, False
    return False, min(replies) > promised


def complaint_deadline(record: Record, config: Config, today: date) -> Deadline:
    """Target, limit and flags of a complaint as of `today`."""
    cal = Calendar.from_config(config)
    registered = _day(record.get("registered_at")) or _day(record.get("received_at"))
    severity = record.get("severity", "normal")
    rule = config.deadlines.get(severity) or config.deadlines["normal"]
    is_open = record.status not in FINISHED
    closed = None if is_open else _day(record.get("closed_at"))
    end = min(closed or today, today)
    reply_overdue, promise_broken = _promise(record, today)
    if registered is None:
        return Deadline(None, None, 0, 0, False, False, "", reply_overdue, promise_broken=promise_broken)
    holds = holds_of(record, cal, registered, end, config.max_hold_days) if config.pause_on_hold else ()
    held_too_long = is_open and any(h.end is None and (today - h.start).days + 1 > config.max_hold_days for h in holds)
    paused = sum(h.days for h in holds)
    target = cal.add(registered, rule.target_days + paused)
    limit = cal.add(registered, rule.limit_days + paused)
    days_open = max(cal.between(registered, end) - paused, 0)
    overdue = is_open and today > limit
    days_left = cal.between(today, limit) if limit >= today else -cal.between(limit, today)
    due_soon = is_open and not overdue and days_left <= config.due_soon_days
    closed_late = closed is not None and closed > limit
    escalations = tuple(e for e, on in (("gm", severity in ESCALATING_SEVERITIES and is_open),
                                        ("gm_office", overdue or held_too_long)) if on)
    escalate = "gm_office" if overdue or held_too_long else ("gm" if "gm" in escalations else "")
    return Deadline(target, limit, days_open, paused, due_soon, overdue, escalate, reply_overdue, holds,
                    days_left if is_open else None, closed_late, promise_broken, escalations)


def callback_overdue(record: Record, today: date) -> bool:
    """A scheduled callback whose due date has passed."""
    due = record.get("due")
    return record.status == "scheduled" and isinstance(due, date) and due < today


def callback_due(record: Record, config: Config, today: date) -> bool:
    """A scheduled callback due today, within due_soon_days, or already late."""
    due = record.get("due")
    return (record.status == "scheduled" and isinstance(due, date)
            and due <= today + timedelta(days=config.due_soon_days))


def annotate(kind: str, records: Iterable[Record], config: Config, today: date) -> list[dict[str, Any]]:
    """Rows of record data plus the derived timing columns (due_date, days_open, overdue, ...)."""
    rows = []
    for record in records:
        row = dict(record.data)
        if kind == "complaint":
            d = complaint_deadline(record, config, today)
            row.update(due_date=d.limit, target_date=d.target, days_open=d.days_open, overdue=d.overdue,
                       due_soon=d.due_soon, escalate_to=d.escalate_to, reply_overdue=d.reply_overdue,
                       promise_unkept=d.promise_unkept, paused_days=d.paused_days, days_left=d.days_left,
                       holds=[h.label() for h in d.holds], closed_late=d.closed_late)
        elif kind == "callback":
            row["overdue"] = callback_overdue(record, today)
        rows.append(row)
    return rows


def _complaint_row(record: Record, d: Deadline, flag: str, due: date | None, today: date | None = None) -> dict[str, Any]:
    """One row; `today` given for a promise row, whose days_left are calendar days to the promise."""
    days_left = (due - today).days if today and due else d.days_left
    return {"kind": "complaint", "id": record.id, "customer": record.get("customer"), "what": record.get("title"),
            "status": record.status, "owner": record.get("owner") or record.get("first_responder"),
            "due": due, "days_left": days_left, "days_open": d.days_open, "paused_days": d.paused_days,
            "holds": [h.label() for h in d.holds], "flag": flag}


def _callback_row(record: Record, today: date, flag: str) -> dict[str, Any]:
    due = record.get("due")
    return {"kind": "callback", "id": record.id, "customer": record.get("customer"), "what": record.get("kind"),
            "status": record.status, "owner": record.get("assigned_to"), "due": due,
            "days_left": (due - today).days if isinstance(due, date) else None, "flag": flag}


def _order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["due"] or date.max, r["kind"] != "complaint", r["id"]))


def due_rows(complaints: Iterable[Record], callbacks: Iterable[Record], config: Config, today: date) -> list[dict[str, Any]]:
    """What needs doing soon: complaints due soon (or with a promise falling due) and callbacks due."""
    rows = []
    soon = today + timedelta(days=config.due_soon_days)
    for record in complaints:
        d = complaint_deadline(record, config, today)
        if d.due_soon:
            rows.append(_complaint_row(record, d, "due_soon", d.limit))
        promised = _day(record.get("promised_reply_at"))
        if (promised and today <= promised <= soon and not d.reply_overdue and not d.promise_broken
                and not record.get("replied_at") and not record.get("told_at")):
            rows.append(_complaint_row(record, d, "reply_due", promised, today))
    for record in callbacks:
        if callback_due(record, config, today):
            rows.append(_callback_row(record, today, "overdue" if callback_overdue(record, today) else "due"))
    return _order(rows)


def overdue_rows(complaints: Iterable[Record], callbacks: Iterable[Record], config: Config, today: date) -> list[dict[str, Any]]:
    """What is late (逾期): complaints past their limit, unkept reply promises, callbacks past due."""
    rows = []
    for record in complaints:
        d = complaint_deadline(record, config, today)
        if d.overdue:
            rows.append(_complaint_row(record, d, "overdue", d.limit))
        # A reply still missing is listed whatever the status; a late reply only while the case is
        # open (afterwards it is history, shown by the flag and the reports).
        if d.reply_overdue or (d.promise_broken and record.status not in FINISHED):
            rows.append(_complaint_row(record, d, "promise_unkept", _day(record.get("promised_reply_at")), today))
    for record in callbacks:
        if callback_overdue(record, today):
            rows.append(_callback_row(record, today, "overdue"))
    return _order(rows)


def escalation_rows(complaints: Iterable[Record], config: Config, today: date) -> list[dict[str, Any]]:
    """Open escalations: major/critical to the general manager from registration, overdue to the GM office."""
    rows = []
    for record in complaints:
        d = complaint_deadline(record, config, today)
        for to in d.escalations:
            since = _day(record.get("registered_at")) if to == "gm" else (d.limit + timedelta(days=1) if d.limit else None)
            reason = f"severity {record.get('severity')}" if to == "gm" else f"overdue since {since}"
            rows.append({**_complaint_row(record, d, to, d.limit), "escalate_to": to, "since": since,
                         "severity": record.get("severity"), "reason": reason})
    return sorted(rows, key=lambda r: (r["since"] or date.max, r["id"], r["escalate_to"]))

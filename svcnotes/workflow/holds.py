"""Holds (等待客户): intervals a complaint waits on the customer, which pause the deadline clock.

Each hold has `from`, `to` (empty while it lasts), `reason` and `by` (who put it on hold). A hold
pauses at most `deadlines.max_hold_days` counted days: past that the clock runs again, so the
case turns overdue at its limit and is escalated like any other (deadlines.py). The rules here
are E416 in validate and in the `hold` / `resume` verbs alike; a hold still open past the maximum
as of today is W416 (a warning: time passing does not make the file wrong).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.labels import coded
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity
from svcnotes.model.schema import FINISHED


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def open_hold(data: Mapping[str, Any]) -> int | None:
    """Index of the hold still running (no `to`), or None."""
    for i, hold in enumerate(data.get("on_hold") or []):
        if hold.get("to") is None:
            return i
    return None


def expiry(start: date, config: Config) -> int:
    """The ordinal of the last day a hold from `start` may pause the clock."""
    return start.toordinal() + config.max_hold_days - 1


def held_too_long(index: int, start: date, record_id: str, config: Config, path: str = "",
                  line: int | None = None) -> Problem:
    """W416 for hold `index`, open since `start` for longer than deadlines.max_hold_days.

    A warning, like a date in the future: it depends on today, not on the file, so it must not
    turn a repository invalid (and block every commit) by itself; the deadline clock runs again
    and the case is escalated, which the overdue list and reports show."""
    return Problem("W416", msg("hold {number} has been open since {start}, longer than the maximum {max_hold_days} "
                               "days: the deadline clock runs again and the case is escalated",
                               number=index + 1, start=start, max_hold_days=config.max_hold_days),
                   path, line, f"on_hold[{index}].from", msg("svcnotes resume {record_id} (and chase the customer)",
                                                             record_id=record_id),
                   Severity.WARNING)


def open_hold_expiries(data: Mapping[str, Any], config: Config) -> list[tuple[int, int]]:
    """(index, expiry ordinal) of each hold still open on an open complaint: what `today` decides."""
    if data.get("status") in FINISHED:
        return []
    out = []
    for i, hold in enumerate(data.get("on_hold") or []):
        start = _day(hold.get("from"))
        if start is not None and hold.get("to") is None:
            out.append((i, expiry(start, config)))
    return out


def hold_problems(data: Mapping[str, Any], config: Config, today: date | None = None) -> list[Problem]:
    """E416 for each hold that ends before it starts, lasts longer than deadlines.max_hold_days,
    or is still open on a finished complaint, and when two holds are open at once; W416 (given
    `today`) for one open longer than the maximum."""
    out = []
    most = config.max_hold_days
    running = 0
    for i, hold in enumerate(data.get("on_hold") or []):
        start, end = _day(hold.get("from")), _day(hold.get("to"))
        if start is None:
            continue
        where = f"on_hold[{i}].to"
        if end is not None and end < start:
            out.append(Problem("E416", msg("hold {number} ends {end} before it starts {start}",
                                           number=i + 1, end=end, start=start), field=where,
                               hint=msg("set `to` on or after `from`")))
        elif end is not None and (end - start).days + 1 > most:
            out.append(Problem("E416", msg("hold {number} lasts {days} days, longer than the maximum {most} "
                                           "(deadlines.max_hold_days)",
                                           number=i + 1, days=(end - start).days + 1, most=most), field=where,
                               hint=msg("end it by {end} and put the case on hold again with a new reason if "
                                        "the customer still has not answered",
                                        end=date.fromordinal(start.toordinal() + most - 1))))
        elif end is None:
            running += 1
            if data.get("status") in FINISHED:
                out.append(Problem("E416", msg("hold {number} is still open on a {status} complaint",
                                               number=i + 1, status=coded("complaint_status", data.get('status'))),
                                   field=f"on_hold[{i}].from", hint=msg("set `to` (the day the wait ended)")))
            elif today is not None and today.toordinal() > expiry(start, config):
                out.append(held_too_long(i, start, str(data.get("id", "ID")), config))
            if running > 1:
                out.append(Problem("E416", msg("hold {number} is open while an earlier hold is still open", number=i + 1),
                                   field=f"on_hold[{i}].from", hint=msg("end the earlier hold first (svcnotes resume)")))
    return out

"""Consistency within a record: dates in order, quantities, state-dependent required fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from svcnotes.checks import register_record
from svcnotes.model.config import Config
from svcnotes.model.labels import coded
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity
from svcnotes.model.schema import KINDS

if TYPE_CHECKING:
    from svcnotes.model.record import Record

# (earlier, later) field pairs that must not run backwards, per kind
DATE_ORDER = {
    "complaint": [("ship_date", "received_at"), ("received_at", "registered_at"), ("registered_at", "proposed_at"),
                  ("proposed_at", "told_at"), ("registered_at", "told_at"), ("received_at", "closed_at"),
                  ("told_at", "closed_at")],
    "callback": [],
    "customer": [("agreement_start", "agreement_end"), ("since", "agreement_end")],
    "note": [],
}


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def is_imported(record: Record) -> bool:
    """Imported history: state rules the old data cannot meet are warnings, not errors."""
    return bool(record.data.get("imported"))


@register_record(codes=("E301",))
def check_date_order(record: Record, config: Config) -> list[Problem]:
    """Dates of a record run forwards (received <= registered <= proposed <= told <= closed)."""
    out = []
    data = record.data
    for early, late in DATE_ORDER[record.kind]:
        a, b = data.get(early), data.get(late)
        if isinstance(a, (date, datetime)) and isinstance(b, (date, datetime)) and _day(b) < _day(a):
            out.append(Problem("E301", msg("{late} {b:%Y-%m-%d} is before {early} {a:%Y-%m-%d}",
                                           late=late, b=b, early=early, a=a), record.path,
                               record.line(late), late, msg("{late} must not be earlier than {early}",
                                                            late=late, early=early)))
    return out


@register_record(["complaint"], codes=("E302",))
def check_quantities(record: Record, config: Config) -> list[Problem]:
    """The defective quantity is not larger than the quantity."""
    qty, bad = record.data.get("quantity"), record.data.get("defective_qty")
    if isinstance(qty, int) and isinstance(bad, int) and bad > qty:
        return [Problem("E302", msg("defective quantity {bad} is larger than the quantity {qty}", bad=bad, qty=qty), record.path,
                        record.line("defective_qty"), "defective_qty", msg("check both numbers"))]
    return []


# per kind: (field, status) pairs where the status requires the field
_REQUIRED_IN = {name: tuple(f for f in KINDS[name].fields if f.required_in) for name in ("complaint", "callback")}


@register_record(["complaint", "callback"], codes=("E303",), statuses=frozenset(s for k in _REQUIRED_IN.values()
                                                                             for f in k for s in f.required_in))
def check_state_requirements(record: Record, config: Config) -> list[Problem]:
    """Fields a status requires are present (e.g. approvals once approved, closed_at once closed)."""
    status = record.status
    if not status:
        return []
    out = []
    kind = KINDS[record.kind]
    for f in _REQUIRED_IN[record.kind]:
        if status in f.required_in and record.data.get(f.name) in (None, "", []):
            out.append(Problem("E303", msg("a {status} {kind} needs {name} ({zh})",
                                           status=coded(f"{kind.name}_status", status), kind=kind.named, name=f.name, zh=f.zh), record.path,
                               record.lines.get(f.name) or record.line("status"), f.name, msg("fill in '{name}:' or move the record "
                                                                                              "back", name=f.name),
                               Severity.WARNING if is_imported(record) else Severity.ERROR))
    return out

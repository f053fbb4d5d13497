"""Moving a complaint through its status table: one `transition()` over the declared rules.

The table itself (every allowed move; finished and open statuses and the pipeline derived from it)
is declared once next to the statuses in `svcnotes/model/schema.py`. Entering a status is
checked by the very rules `svcnotes validate` runs on the record as it would be after the move
(registered in svcnotes/checks and svcnotes/workflow/rules.py, each a `Check` value that states
the statuses it applies in); a move the table does not allow is E401. So a verb refuses exactly
what validate would report, under the same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from svcnotes.checks import Check
from svcnotes.model.config import Config
from svcnotes.model.labels import coded
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, did_you_mean
from svcnotes.model.record import Record
from svcnotes.model.schema import COMPLAINT_FLOW, COMPLAINT_TRANSITIONS, FINISHED, KINDS

if TYPE_CHECKING:
    from svcnotes.store.repository import Snapshot

TRANSITIONS = COMPLAINT_TRANSITIONS


class InvalidTransition(Exception):
    """A transition was refused; carries the problems (which rule failed, what to fill in)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.format() for p in problems))
        self.problems = problems


def allowed(status: str) -> frozenset[str]:
    """The statuses a complaint may move to from `status`."""
    return TRANSITIONS.get(status, frozenset())


def reopen_hint(record_id: str) -> str:
    """What to do about a finished complaint the customer does not accept."""
    return msg("if the customer did not accept, run: svcnotes reopen {record}", record=record_id)


def guards(status: str) -> list[Check]:
    """The complaint rules that apply in `status` (what entering it checks), in the order their
    modules are listed (RULE_MODULES) and defined (whatever order they were imported in)."""
    from svcnotes.workflow.validation import RULE_MODULES, registry

    found = [c for c in registry() if (c.kinds is None or "complaint" in c.kinds)
             and c.statuses is not None and status in c.statuses]
    return sorted(found, key=lambda c: (RULE_MODULES.index(c.module) if c.module in RULE_MODULES else len(RULE_MODULES),
                                        c.fn.__code__.co_firstlineno))


def creation_problems(kind: str, data: Mapping[str, Any]) -> list[Problem]:
    """E605 when a new record of a kind with a status table starts anywhere but its initial status
    (imported history excepted): it enters the workflow at the start and moves through it."""
    initial = KINDS[kind].initial_status
    status = data.get("status")
    if not initial or status in (None, initial) or data.get("imported"):
        return []
    return [Problem("E605", msg("a new {kind} starts as '{initial}', not '{status}'",
                                kind=KINDS[kind].named, initial=initial, status=status), field="status",
                    hint=msg("create it {initial} and move it through the workflow (svcnotes transition ID STATUS)",
                             initial=initial))]


def move_problems(record: Record, to: str) -> list[Problem]:
    """E401 when the table does not allow moving `record` to `to` (unknown status included)."""
    current = record.status
    line = record.line("status")
    if to not in KINDS["complaint"].statuses:
        return [Problem("E401", msg("'{to}' is not a complaint status", to=to), record.path, line, "status",
                        did_you_mean(to, KINDS["complaint"].statuses))]
    if to != current and to not in allowed(current):
        targets = ", ".join(sorted(allowed(current))) or msg("none: it is final")
        hint = msg("from {old} a complaint may go to: {targets}", old=coded("complaint_status", current), targets=targets)
        if current in FINISHED:
            hint = msg("{hint}; {reopen}", hint=hint, reopen=reopen_hint(record.id))
        return [Problem("E401", msg("cannot move {current} → {to}", current=coded("complaint_status", current),
                                    to=coded("complaint_status", to)), record.path, line, "status", hint)]
    return []


def transition(record: Record, to: str, changes: Mapping[str, Any], config: Config,
               snapshot: Snapshot | None) -> tuple[dict[str, Any], list[Problem]]:
    """Check moving `record` to status `to` with `changes`; return (changes incl. status, problems).

    Any error problem means the transition is refused. The problems are validate's own on the
    record as it would be (per-record rules; with a snapshot the cross-record rules too), located
    in the record's file (a field the record does not have yet points at its status line).
    """
    out = {**changes, "status": to}
    moved = move_problems(record, to)
    if moved:
        return out, moved
    from svcnotes.workflow.validation import record_problems, record_rule_problems

    merged = {k: v for k, v in {**record.data, **out}.items() if v is not None}
    after = Record(record.kind, record.id, record.path, merged, record.body, record.lines)
    found = record_problems(snapshot, [after], config) if snapshot is not None else record_rule_problems(after, config)
    line = record.line("status")
    return out, [replace(p, line=p.line or line) for p in found]


INITIAL = COMPLAINT_FLOW.initial

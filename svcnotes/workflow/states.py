"""The complaint state machine as data: TRANSITIONS, GUARDS per target status, one `transition()`.

registered → investigating → proposed → approved → resolved → closed; `not_established` ends a
groundless complaint from registered, investigating or proposed. A proposal may go back to
investigating, an approved case back to proposed (to revise it; its approvals then need renewing).
Required fields come from the schema's `required_in`; the other guards are declared below.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from svcnotes.model.config import Config
from svcnotes.model.problems import Problem
from svcnotes.model.schema import KINDS
from svcnotes.workflow import approvals

if TYPE_CHECKING:
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Snapshot

TRANSITIONS: dict[str, frozenset[str]] = {
    "registered": frozenset({"investigating", "not_established"}),
    "investigating": frozenset({"proposed", "not_established"}),
    "proposed": frozenset({"approved", "investigating", "not_established"}),
    "approved": frozenset({"resolved", "proposed"}),
    "resolved": frozenset({"closed"}),
    "closed": frozenset(),
    "not_established": frozenset(),
}
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


class InvalidTransition(Exception):
    """A transition was refused; carries the problems (which guard failed, what to fill in)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.format() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class GuardContext:
    """What a guard sees: the record as it would be after the transition, config and snapshot."""

    data: Mapping[str, Any]
    to: str
    config: Config
    snapshot: Snapshot | None


@dataclass(frozen=True)
class Guard:
    """A named condition a target status demands; `check` returns unlocated problems."""

    name: str
    doc: str
    check: Callable[[GuardContext], list[Problem]]


def _required(ctx: GuardContext) -> list[Problem]:
    out = []
    for f in KINDS["complaint"].fields:
        if ctx.to in f.required_in and ctx.data.get(f.name) in (None, "", []):
            out.append(Problem("E402", f"a {ctx.to} complaint needs {f.name} ({f.zh})", field=f.name,
                               hint=f"fill in {f.name} ({f.zh} / {f.en})"))
    return out


def _approvals_valid(ctx: GuardContext) -> list[Problem]:
    return approvals.approval_problems(ctx.data, ctx.config)


def _approvals_cover(ctx: GuardContext) -> list[Problem]:
    problem = approvals.coverage_problem(ctx.data, ctx.config)
    return [problem] if problem else []


def callback_problems(data: Mapping[str, Any], snapshot: Snapshot | None) -> list[Problem]:
    """E408 unless the post-resolution callback is done or `callback_waived` gives a reason."""
    if str(data.get("callback_waived") or "").strip():
        return []
    if snapshot is not None:
        for cb in snapshot.records.get("callback", []):
            if cb.data.get("complaint") == data.get("id") and cb.data.get("kind") == "post_resolution" and cb.status == "done":
                return []
    return [Problem("E408", "the post-resolution callback (回访) is not done", field="callback_waived",
                    hint="finish it (svcnotes callback done CB-...) or waive it with a reason (--callback-waived REASON)")]


def capa_problems(data: Mapping[str, Any], config: Config) -> list[Problem]:
    """E407 when improvement is tracked and the CAPA is not verified by the quality department."""
    if data.get("improvement_tracked") is not True:
        return []
    entries = data.get("capa") or []
    if not entries:
        return [Problem("E407", "improvement is tracked but no CAPA (纠正和预防措施) is recorded", field="capa",
                        hint=f"add one: svcnotes capa add {data.get('id', 'ID')} --action ... --owner ... --due ...")]
    out = []
    for i, entry in enumerate(entries):
        verifier = config.staff.get(str(entry.get("verified_by") or ""))
        if entry.get("status") != "verified":
            out.append(Problem("E407", f"CAPA {i + 1} is {entry.get('status') or 'open'}, not verified",
                               field=f"capa[{i}].status",
                               hint=f"the quality department verifies it: svcnotes capa verify {data.get('id', 'ID')} {i + 1}"))
        elif verifier is None or not is_quality(verifier.department, verifier.roles):
            out.append(Problem("E407", f"CAPA {i + 1} is not verified by the quality department",
                               field=f"capa[{i}].verified_by", hint="verified_by must be a quality-department staff member"))
    return out


def find_phrases(text: str, phrases: tuple[str, ...]) -> list[tuple[str, int]]:
    """Every (phrase, index) occurrence of the forbidden phrases in `text`, in order."""
    found = []
    for phrase in phrases:
        start = text.find(phrase)
        while start >= 0:
            found.append((phrase, start))
            start = text.find(phrase, start + len(phrase))
    return sorted(found, key=lambda item: item[1])


def _conduct(ctx: GuardContext) -> list[Problem]:
    out = []
    for f in KINDS["complaint"].fields:
        value = ctx.data.get(f.name)
        if f.customer_facing and isinstance(value, str):
            out.extend(Problem("E409", f"forbidden phrase '{phrase}' in customer-facing text ({f.zh})", field=f.name,
                               hint="rephrase it (服务禁用语)") for phrase, _ in find_phrases(value, ctx.config.forbidden_phrases))
    return out


def is_quality(department: str, roles: tuple[str, ...] = ()) -> bool:
    """True for the quality department (质量管理部), which verifies corrective actions."""
    return department == approvals.QUALITY_DEPARTMENT or approvals.QUALITY_DEPARTMENT in roles


REQUIRED = Guard("required fields", "Fields the schema requires in the target status (required_in).", _required)
APPROVALS_VALID = Guard("approvals valid", "No void approval, each approver holds the role, four eyes.", _approvals_valid)
APPROVALS_COVER = Guard("approval authority", "A valid approval covers the amount (critical: the GM).", _approvals_cover)
CALLBACK_DONE = Guard("post-resolution callback", "The callback is done or waived with a reason.",
                      lambda ctx: callback_problems(ctx.data, ctx.snapshot))
CONDUCT = Guard("forbidden phrases", "Customer-facing text holds no forbidden phrase (服务禁用语).", _conduct)
CAPA_VERIFIED = Guard("CAPA verified", "Tracked improvement has every CAPA verified by quality.",
                      lambda ctx: capa_problems(ctx.data, ctx.config))

GUARDS: dict[str, tuple[Guard, ...]] = {
    "registered": (REQUIRED, CONDUCT),
    "investigating": (REQUIRED, CONDUCT),
    "proposed": (REQUIRED, CONDUCT),
    "approved": (REQUIRED, APPROVALS_VALID, APPROVALS_COVER, CONDUCT),
    "resolved": (REQUIRED, APPROVALS_VALID, APPROVALS_COVER, CONDUCT),
    "closed": (REQUIRED, APPROVALS_VALID, APPROVALS_COVER, CALLBACK_DONE, CAPA_VERIFIED, CONDUCT),
    "not_established": (REQUIRED, CONDUCT),
}


def allowed(status: str) -> frozenset[str]:
    """The statuses a complaint may move to from `status`."""
    return TRANSITIONS.get(status, frozenset())


def check_guards(data: Mapping[str, Any], to: str, config: Config, snapshot: Snapshot | None) -> list[Problem]:
    """Every failing guard of status `to` for data as it would be (unlocated; message names the guard)."""
    ctx = GuardContext(data, to, config, snapshot)
    out = []
    for guard in GUARDS.get(to, ()):
        out.extend(replace(p, message=f"guard '{guard.name}': {p.message}") for p in guard.check(ctx))
    return out


def transition(record: Record, to: str, changes: Mapping[str, Any], config: Config,
               snapshot: Snapshot | None) -> tuple[dict[str, Any], list[Problem]]:
    """Check moving `record` to status `to` with `changes`; return (changes incl. status, problems).

    Any error problem means the transition is refused; each names the failed guard and the field
    to fill in, located in the record's file.
    """
    current = record.status
    out = {**changes, "status": to}
    line = record.line("status")
    if to not in KINDS["complaint"].statuses:
        from svcnotes.model.problems import did_you_mean

        return out, [Problem("E401", f"'{to}' is not a complaint status", record.path, line, "status",
                             did_you_mean(to, KINDS["complaint"].statuses))]
    if to != current and to not in allowed(current):
        targets = ", ".join(sorted(allowed(current))) or "none: it is final"
        hint = f"from {current} a complaint may go to: {targets}"
        if current == "closed":
            hint += f"; if the customer did not accept, run: svcnotes reopen {record.id}"
        return out, [Problem("E401", f"cannot move {current} → {to}", record.path, line, "status", hint)]
    merged = {**record.data, **changes, "status": to}
    merged = {k: v for k, v in merged.items() if v is not None}
    problems = [replace(p, path=record.path, line=record.line(p.field) or line)
                for p in check_guards(merged, to, config, snapshot)]
    return out, problems

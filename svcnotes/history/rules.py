"""Rules on single history events, shared by the PR gate and the audit of main.

Each rule looks at one commit's change to one record (an Event) and returns unlocated-by-line
problems (path set, line filled in by the caller when it has the file): illegal transitions,
edits of closed records, deletions, and approvals not made by the approver themselves.
"""

from __future__ import annotations

from dataclasses import replace

from svcnotes.history.log import Event
from svcnotes.model.config import Config
from svcnotes.model.fields import render_scalar
from svcnotes.model.problems import Problem
from svcnotes.model.schema import FINISHED, KINDS, PIPELINE
from svcnotes.workflow import approvals
from svcnotes.workflow.states import allowed

# Fields a closed (or not_established) complaint may still change: tags, former numbers, CAPA
# verification by quality (often weeks after closure), the callback waiver, extension fields.
AFTER_CLOSURE = frozenset({"tags", "aliases", "capa", "callback_waived"})
_PIPELINE = PIPELINE
GOOD_SIGNATURES = frozenset({"G", "U"})


def _top(field: str) -> str:
    return field.split("[", 1)[0].split(".", 1)[0]


def transition_problems(event: Event) -> list[Problem]:
    """E601/E605: every status change in a commit follows TRANSITIONS; new complaints start registered."""
    if event.kind != "complaint":
        return []
    change = event.status_change
    if change is None:
        return []
    old, new = change
    where = f"in commit {event.sha[:10]} by {event.author} <{event.email}>"
    if old is None:
        initial = KINDS["complaint"].initial_status
        if event.action == "created" and new != initial and not event.facts.get("imported"):
            return [Problem("E605", f"new complaint starts as '{new}', not '{initial}' ({where})", event.path,
                            field="status", hint="create it registered and move it through the workflow")]
        return []
    if new is None or new in allowed(str(old)):
        return []
    if old in _PIPELINE and new in _PIPELINE and _PIPELINE.index(new) > _PIPELINE.index(old):
        what = f"skips a state: {old} → {new}"
        hint = f"go through {' → '.join(_PIPELINE[_PIPELINE.index(old):_PIPELINE.index(new) + 1])}, one commit each"
    else:
        what = f"moves backwards or out of a final state: {old} → {new}"
        targets = ", ".join(sorted(allowed(str(old)))) or "none: it is final"
        hint = f"from {old} a complaint may go to: {targets}"
        if old in FINISHED:
            hint += "; if the customer did not accept, open a new complaint that reopens it (svcnotes reopen)"
    return [Problem("E601", f"illegal transition {what} ({where})", event.path, field="status", hint=hint)]


def closed_edit_problems(event: Event, base_status: str | None) -> list[Problem]:
    """E602: a closed or not-established complaint changes only the fields allowed after closure."""
    if event.kind != "complaint" or base_status not in FINISHED or event.action == "deleted":
        return []
    bad = sorted({_top(c.field) for c in event.changes
                  if _top(c.field) not in AFTER_CLOSURE and not _top(c.field).startswith(("x_", "x-"))
                  and _top(c.field) != "id"})
    if not bad:
        return []
    return [Problem("E602", f"edits the {base_status} record ({', '.join(bad)}) in commit {event.sha[:10]} by "
                            f"{event.author}", event.path, field=bad[0],
                    hint=f"after closure only {', '.join(sorted(AFTER_CLOSURE))} may change; "
                         "a customer who does not accept gets a new complaint (svcnotes reopen)")]


def deletion_problems(event: Event) -> list[Problem]:
    """E603: records are never deleted (the audit trail and the numbering depend on them)."""
    if event.action != "deleted":
        return []
    return [Problem("E603", f"deletes record {event.record_id} (commit {event.sha[:10]} by {event.author})",
                    event.old_path or event.path, hint="restore the file; end a groundless complaint as not_established")]


def approval_problems(event: Event, config: Config) -> list[Problem]:
    """E611-E616: every approval a commit adds was committed by its approver, who holds the role,
    has the authority for the amount, is not the proposer (and signed, when the config asks)."""
    out: list[Problem] = []
    author = config.staff_by_email(event.email)
    severity = str(event.facts.get("severity") or "normal")
    for entry in event.approvals_added:
        by = str(entry.get("by") or "")
        role = str(entry.get("role") or "")
        field = "approvals"
        commit = f"commit {event.sha[:10]} by {event.author} <{event.email}>"
        if author is None or author.id != by:
            out.append(Problem("E611", f"approval by {by} was not committed by {by} ({commit})", event.path, field=field,
                               hint=f"only {by} may add this approval: they run 'svcnotes approve {event.record_id}' "
                                    "and push the commit under their own git e-mail"))
        staff = config.staff.get(by)
        if staff is not None and role and role not in staff.roles:
            out.append(Problem("E612", f"approver {by} does not hold the role '{role}'", event.path, field=field,
                               hint=f"{by} holds: {', '.join(staff.roles) or 'no roles'}"))
        elif role and not approvals.role_covers(role, entry.get("amount"), severity, config):
            needed = approvals.required_role(entry.get("amount"), severity, config)
            out.append(Problem("E613", f"approver {by} ({role}) lacks the authority for amount "
                                       f"{render_scalar(entry.get('amount') or 0)}{' (critical)' if severity == 'critical' else ''}:"
                                       f" it needs '{needed}'", event.path, field=field,
                               hint=f"a '{needed}' must approve (核决权限)"))
        if by and by == event.facts.get("proposed_by"):
            out.append(Problem("E614", f"{by} approved their own proposal", event.path, field=field,
                               hint="someone other than the proposer must approve (four eyes)"))
        if config.signed_approvals and event.signature not in GOOD_SIGNATURES:
            out.append(Problem("E616", f"approval by {by} is in an unsigned or unverified commit ({commit})", event.path,
                               field=field, hint="approval.signed = true: sign the commit (git commit -S)"))
    return out


def event_problems(event: Event, config: Config, base_status: str | None = None) -> list[Problem]:
    """Every rule on one event (base_status: the record's status before the change being judged)."""
    problems = (transition_problems(event) + deletion_problems(event) + approval_problems(event, config)
                + closed_edit_problems(event, base_status))
    return [replace(p, path=p.path or event.path) for p in problems]

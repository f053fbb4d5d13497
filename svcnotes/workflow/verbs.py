"""The everyday complaint verbs over a Repository: each writes atomically and makes ONE commit.

assign, investigate, propose, approve, resolve, close, reject (not_established), reopen,
capa add|done|verify, hold, resume, handover and the generic `transition_to`. Every verb: the
actor is the staff member behind the git identity (UnknownActor otherwise), a record file with
uncommitted edits is refused (UncommittedEdits; CommitOptions.allow_dirty includes them), the
record as it would be written is checked by validate's own rules (states.transition, then the
store's write check across records; InvalidTransition carries the located problems and nothing is
written), and the commit message is `C-2611-007: investigating → proposed` with Svc-* trailers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from svcnotes.model.config import Staff
from svcnotes.model.fields import render_scalar
from svcnotes.model.labels import coded
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem
from svcnotes.model.schema import FINISHED, KINDS
from svcnotes.workflow import approvals
from svcnotes.workflow.commits import CommitOptions, commit_change, current_actor, ensure_clean
from svcnotes.workflow.rules import capa_verifier_problems
from svcnotes.workflow.states import TRANSITIONS, InvalidTransition, allowed, transition

if TYPE_CHECKING:
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Repository

# Fields a verb stamps on entering a status, unless the record or the caller already has them.
STAMPS: dict[str, tuple[str, ...]] = {
    "investigating": ("investigation_started_at",),
    "proposed": ("proposed_by", "proposed_at"),
    "resolved": ("told_at", "replied_at"),
    "closed": ("closed_at",),
    "not_established": ("closed_at",),
}
APPROVABLE = frozenset({s for s in TRANSITIONS if "approved" in TRANSITIONS[s]} | {"approved"})  # approved again
REOPEN_COPY = ("title", "customer", "channel", "reporter", "order_no", "part_no", "quantity", "ship_date",
               "defective_qty", "request", "request_note", "category", "severity", "currency")


@dataclass(frozen=True)
class Outcome:
    """What a verb did: the record as written, the commit (None if not committed), files touched."""

    record: Record
    commit: str | None
    paths: tuple[str, ...]
    subject: str
    created: tuple[Record, ...] = ()


def now_on(today: date) -> datetime:
    """`today` at the current wall-clock minute (so --today moves the date, not the time)."""
    return datetime.combine(today, datetime.now().time().replace(second=0, microsecond=0))


def _refuse(record: Record, code: str, message: str, field: str, hint: str) -> InvalidTransition:
    return InvalidTransition([Problem(code, message, record.path, record.line(field) or record.line("status"), field, hint)])


def _load(repo: Repository, record_id: str, options: CommitOptions) -> Record:
    record = repo.complaints.get(record_id)
    ensure_clean(repo, [record.path], options)
    return record


def _stamp(record: Record, to: str, changes: dict[str, Any], actor: Staff, today: date) -> dict[str, Any]:
    values = {"proposed_by": actor.id, "proposed_at": now_on(today), "told_at": now_on(today),
              "closed_at": today, "investigation_started_at": today}
    for name in STAMPS.get(to, ()):
        if changes.get(name) is None and record.get(name) is None:
            changes[name] = changes.get("told_at") if name == "replied_at" else values[name]
    return changes


def _write(repo: Repository, record: Record, to: str, changes: Mapping[str, Any], action: str, actor: Staff,
           options: CommitOptions, trailers: Mapping[str, str] | None = None, subject: str = "",
           after: Callable[[Record], list[Record]] | None = None) -> Outcome:
    """Check the transition (to == current for plain edits), write, run `after`, commit once."""
    from svcnotes.store.repository import Rejected

    before = record.status
    checked, problems = transition(record, to, changes, repo.config, repo.snapshot())
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InvalidTransition(errors)
    try:
        updated = repo.complaints.update(record, checked)  # the store checks the text it writes, too
    except Rejected as exc:
        raise InvalidTransition(exc.problems) from None
    created = after(updated) if after else []
    paths = (updated.path, *(r.path for r in created))
    subject = subject or f"{record.id}: {before} → {to}"
    lines = {"Svc-Record": record.id, "Svc-Action": action}
    if before != to:
        lines.update({"Svc-From": before, "Svc-To": to})
    lines.update({"Svc-Actor": actor.id, **(trailers or {})})
    sha = commit_change(repo, list(paths), subject, lines, options)
    return Outcome(updated, sha, paths, subject, tuple(created))


def transition_to(repo: Repository, record_id: str, to: str, changes: Mapping[str, Any], options: CommitOptions,
                  today: date) -> Outcome:
    """Move a complaint to status `to` with typed `changes` (the generic verb)."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    if to == record.status:
        raise _refuse(record, "E401", msg("{record} is already {to}", record=record.id, to=coded("complaint_status", to)), "status",
                      msg("from {to} a complaint may go to: {names}",
                          to=coded("complaint_status", to), names=', '.join(sorted(allowed(to))) or msg("none: it is final")))
    return _write(repo, record, to, _stamp(record, to, dict(changes), actor, today), "transition", actor, options)


def investigate(repo: Repository, record_id: str, options: CommitOptions, today: date) -> Outcome:
    """registered → investigating."""
    return transition_to(repo, record_id, "investigating", {}, options, today)


def propose(repo: Repository, record_id: str, values: Mapping[str, Any], options: CommitOptions, today: date) -> Outcome:
    """Propose the handling: cause, responsibility, countermeasure, resolution and amount (→ proposed).

    improvement_tracked defaults to true for quality causes and false for non-quality (human) ones.
    Revising an approved case drops the approvals the new values void.
    """
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    changes = {k: v for k, v in values.items() if v is not None}
    cause = changes.get("cause_class", record.get("cause_class"))
    if "improvement_tracked" not in changes and record.get("improvement_tracked") is None and cause:
        changes["improvement_tracked"] = cause == "quality"
    if record.get("currency") is None and "currency" not in changes:
        changes["currency"] = repo.config.currency
    changes.update(proposed_by=actor.id, proposed_at=now_on(today))
    if record.get("approvals"):
        merged = {**record.data, **changes}
        kept = [a for a in record.get("approvals") if not approvals.void_reason(a, merged)]
        if len(kept) != len(record.get("approvals")):
            changes["approvals"] = kept or None
    return _write(repo, record, "proposed", changes, "propose", actor, options)


def approve(repo: Repository, record_id: str, options: CommitOptions, today: date) -> Outcome:
    """Record the actor's approval of the proposed resolution and amount (→ approved when it covers)."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    if record.status not in APPROVABLE:
        raise _refuse(record, "E401", msg("only a proposed complaint can be approved; {record} is {status}",
                                          record=record.id, status=coded("complaint_status", record.status)),
                      "status", msg("propose it first: svcnotes propose {record} ...", record=record.id))
    amount, severity = record.get("amount", Decimal(0)), str(record.get("severity", "normal"))
    currency = record.get("currency")
    unconvertible = approvals.currency_problem(record.data, repo.config)
    if unconvertible is not None:
        raise _refuse(record, unconvertible.code, unconvertible.message, "currency", unconvertible.hint)
    if actor.id == record.get("proposed_by"):
        raise _refuse(record, "E405", msg("{actor} proposed this settlement and cannot approve it (four eyes)",
                                          actor=actor.id),
                      "proposed_by", msg("ask a {role} to approve it",
                                         role=approvals.required_role(amount, severity, repo.config, currency)))
    role = approvals.approving_role(actor, amount, severity, repo.config, currency)
    if role is None:
        needed = approvals.required_role(amount, severity, repo.config, currency)
        raise _refuse(record, "E406", msg("{actor} ({roles}) may not approve amount {amount} {currency}{critical}",
                                          actor=actor.id, roles=', '.join(actor.roles) or msg("no roles"),
                                          amount=render_scalar(amount), currency=currency or repo.config.currency,
                                          critical=msg(" on a critical complaint") if severity == 'critical' else ''),
                      "amount", msg("it needs the role '{needed}'", needed=needed))
    entry = {"by": actor.id, "role": role, "at": now_on(today), "resolution": record.get("resolution"),
             "amount": amount, "digest": approvals.approval_digest(record)}
    kept = [a for a in record.get("approvals", []) if not approvals.void_reason(a, record)]
    subject = f"{record.id}: {record.status} → approved" if record.status != "approved" else f"{record.id}: approved again by {actor.id}"
    return _write(repo, record, "approved", {"approvals": [*kept, entry]}, "approve", actor, options,
                  {"Svc-Approval-Role": role, "Svc-Approval-Amount": render_scalar(amount)}, subject)


def _post_resolution(repo: Repository, today: date, options: CommitOptions) -> Callable[[Record], list[Record]]:
    """The callbacks hook (another module, optional): create the post-resolution callback, uncommitted."""
    def hook(record: Record) -> list[Record]:
        try:
            module = importlib.import_module("svcnotes.workflow.callbacks")
        except ModuleNotFoundError as exc:
            if exc.name != "svcnotes.workflow.callbacks":
                raise
            return []
        create = getattr(module, "create_post_resolution", None)
        if create is None:
            return []
        made = create(repo, record, today, CommitOptions(commit=False, allow_dirty=options.allow_dirty))
        if made is None:
            return []
        return [r for r in (made if isinstance(made, (list, tuple)) else [made]) if hasattr(r, "path")]
    return hook


def resolve(repo: Repository, record_id: str, values: Mapping[str, Any], options: CommitOptions, today: date) -> Outcome:
    """Record how and when the customer was told and the result (→ resolved); creates the callback."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    changes = _stamp(record, "resolved", {k: v for k, v in values.items() if v is not None}, actor, today)
    return _write(repo, record, "resolved", changes, "resolve", actor, options, after=_post_resolution(repo, today, options))


def close(repo: Repository, record_id: str, accepted: bool, callback_waived: str | None, options: CommitOptions,
          today: date) -> Outcome:
    """Close a resolved complaint (customer accepted or not; not accepted prompts `reopen`)."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    changes: dict[str, Any] = {"customer_accepted": accepted}
    if callback_waived:
        changes["callback_waived"] = callback_waived
    return _write(repo, record, "closed", _stamp(record, "closed", changes, actor, today), "close", actor, options)


def reject(repo: Repository, record_id: str, reason: str, options: CommitOptions, today: date) -> Outcome:
    """End a groundless complaint as not_established (客诉不成立), with the reason as its result."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    if not reason.strip():
        raise _refuse(record, "E402", msg("a groundless complaint needs the reason"), "result", msg("pass --reason TEXT"))
    changes = {"resolution": "not_established", "result": reason}
    return _write(repo, record, "not_established", _stamp(record, "not_established", changes, actor, today),
                  "reject", actor, options)


def reopen(repo: Repository, record_id: str, options: CommitOptions, today: date, note: str = "") -> Outcome:
    """Open a NEW complaint that `reopens` a finished one, closed or not_established (the original
    stays as it is): the procedure's new form with the original attached."""
    actor = current_actor(repo)
    original = repo.complaints.get(record_id)
    if original.status not in FINISHED:
        targets = ", ".join(sorted(allowed(original.status)))
        raise _refuse(original, "E411", msg("{original} is {status}; only a {finished} complaint can be reopened",
                                            original=original.id, status=coded("complaint_status", original.status),
                                            finished=' or '.join(sorted(FINISHED))), "status",
                      msg("it is still open: carry on with it (from {status} it may go to: {targets})",
                          status=coded("complaint_status", original.status), targets=targets))
    data = {k: original.data[k] for k in REOPEN_COPY if original.data.get(k) is not None}
    data.update(status=KINDS["complaint"].initial_status, received_at=now_on(today), registered_at=today, first_responder=actor.id,
                owner=actor.id, reopens=original.id)
    body = f"客户不接受 {original.id} 的处理结果，重开本案（原案附后：{original.path}）。\n"
    if note:
        body += "\n" + note.strip() + "\n"
    created = repo.complaints.create(data, body)
    subject = f"{created.id}: reopens {original.id}"
    sha = commit_change(repo, [created.path], subject,
                        {"Svc-Record": created.id, "Svc-Action": "reopen", "Svc-To": created.status,
                         "Svc-Reopens": original.id, "Svc-Actor": actor.id}, options)
    return Outcome(created, sha, (created.path,), subject)


def handover(repo: Repository, record_id: str, to: str, note: str, options: CommitOptions, today: date,
             assign: bool = False) -> Outcome:
    """Written hand-over (首问制) from the current owner to `to`; `assign=True` lets anyone reassign."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    holder = record.get("owner") or record.get("first_responder")
    if to not in repo.config.staff:
        raise _refuse(record, "E205", msg("'{to}' is not in the staff directory", to=to), "owner", msg("name a staff id from svcnotes.toml"))
    if to == holder:
        raise _refuse(record, "E414", msg("{to} already owns {record}", to=to, record=record.id), "owner", msg("name someone else"))
    if not assign and actor.id != holder:
        raise _refuse(record, "E414", msg("only the current owner {holder} can hand {record} over (you are {actor})",
                                          holder=holder, record=record.id, actor=actor.id),
                      "owner", msg("ask {holder}, or reassign it: svcnotes assign {record} --to {to}",
                                   holder=holder, record=record.id, to=to))
    note = note.strip() or (f"assigned by {actor.id}" if assign else "")
    if not note:
        raise _refuse(record, "E414", msg("a hand-over must be written down"), "handovers", msg("pass --note TEXT"))
    entry = {"from": holder, "to": to, "at": now_on(today), "note": note}
    action = "assign" if assign else "handover"
    return _write(repo, record, record.status, {"handovers": [*record.get("handovers", []), entry], "owner": to},
                  action, actor, options, {"Svc-Owner-From": str(holder), "Svc-Owner-To": to},
                  f"{record.id}: {action} {holder} → {to}")


def assign(repo: Repository, record_id: str, to: str, options: CommitOptions, today: date, note: str = "") -> Outcome:
    """Give the case to `to` (a dispatcher's hand-over, recorded like any other)."""
    return handover(repo, record_id, to, note, options, today, assign=True)


def _capa_entry(record: Record, number: int) -> dict[str, Any]:
    entries = record.get("capa", [])
    if not 1 <= number <= len(entries):
        raise _refuse(record, "E412", msg("{record} has no CAPA {number} (it has {count})",
                                          record=record.id, number=number, count=len(entries)), "capa",
                      msg("number from 1 to {count}", count=len(entries)) if entries else msg("add one: svcnotes capa add {record} ...",
                                                                             record=record.id))
    return dict(entries[number - 1])


def _capa_write(repo: Repository, record: Record, number: int, entry: dict[str, Any], action: str, actor: Staff,
                options: CommitOptions) -> Outcome:
    entries = [dict(e) for e in record.get("capa", [])]
    if number > len(entries):
        entries.append(entry)
    else:
        entries[number - 1] = entry
    return _write(repo, record, record.status, {"capa": entries}, f"capa-{action}", actor, options,
                  {"Svc-Capa": str(number)}, f"{record.id}: CAPA {number} {action}")


def capa_add(repo: Repository, record_id: str, action: str, owner: str, due: date, options: CommitOptions,
             today: date) -> Outcome:
    """Add a corrective/preventive action (纠正和预防措施), status open."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    if owner not in repo.config.staff:
        raise _refuse(record, "E205", msg("'{owner}' is not in the staff directory", owner=owner), "capa",
                      msg("name a staff id from svcnotes.toml"))
    if due < today:
        raise _refuse(record, "E419", msg("CAPA due date {due} is in the past (today is {today})", due=due, today=today), "capa",
                      msg("give a due date from today on (--due YYYY-MM-DD)"))
    entry = {"action": action, "owner": owner, "due": due, "status": "open"}
    return _capa_write(repo, record, len(record.get("capa", [])) + 1, entry, "add", actor, options)


def capa_done(repo: Repository, record_id: str, number: int, options: CommitOptions, today: date) -> Outcome:
    """Mark CAPA `number` (1-based) done, awaiting verification by quality."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    entry = _capa_entry(record, number)
    if entry.get("status") == "verified":
        raise _refuse(record, "E412", msg("CAPA {number} is already verified", number=number),
                      f"capa[{number - 1}].status", msg("nothing to do"))
    return _capa_write(repo, record, number, {**entry, "status": "done"}, "done", actor, options)


def capa_verify(repo: Repository, record_id: str, number: int, options: CommitOptions, today: date) -> Outcome:
    """The quality department verifies CAPA `number` is effective (verified_by, verified_at)."""
    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    entry = _capa_entry(record, number)
    if entry.get("status") != "done":
        raise _refuse(record, "E412", msg("CAPA {number} is {status}: only a done CAPA can be verified",
                                          number=number, status=coded("capa_status", entry.get('status') or "open")), f"capa[{number - 1}].status",
                      msg("its owner marks it done first: svcnotes capa done {record} {number}",
                          record=record.id, number=number)
                      if entry.get("status") != "verified" else msg("it is verified already"))
    entry.update(status="verified", verified_by=actor.id, verified_at=today)
    refused = capa_verifier_problems(entry, number - 1, repo.config)
    if refused:
        raise _refuse(record, refused[0].code, msg("{actor} cannot verify CAPA {number}: {message}",
                                                   actor=actor.id, number=number, message=refused[0].message),
                      f"capa[{number - 1}].status", refused[0].hint)
    return _capa_write(repo, record, number, entry, "verify", actor, options)


def hold(repo: Repository, record_id: str, reason: str, options: CommitOptions, today: date,
         start: date | None = None) -> Outcome:
    """Put an open complaint on hold (waiting on the customer) from `start` (default today), with
    the reason and who: the deadline clock pauses, for at most deadlines.max_hold_days."""
    from svcnotes.workflow.holds import open_hold

    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    if record.status in FINISHED:
        raise _refuse(record, "E416", msg("{record} is {status}: a finished complaint cannot be put on hold",
                                          record=record.id, status=coded("complaint_status", record.status)),
                      "status", msg("nothing is running on it"))
    running = open_hold(record.data)
    if running is not None:
        raise _refuse(record, "E416", msg("{record} is already on hold since {start}",
                                          record=record.id, start=record.get('on_hold')[running].get('from')),
                      f"on_hold[{running}].from", msg("resume it first: svcnotes resume {record}", record=record.id))
    if not reason.strip():
        raise _refuse(record, "E416", msg("a hold needs its reason"), "on_hold", msg("pass --reason TEXT (e.g. 客户加工中未确定)"))
    entry = {"from": start or today, "reason": reason.strip(), "by": actor.id}
    holds = [*record.get("on_hold", []), entry]
    return _write(repo, record, record.status, {"on_hold": holds}, "hold", actor, options,
                  {"Svc-Hold-From": render_scalar(entry["from"])}, f"{record.id}: on hold ({reason.strip()})")


def resume(repo: Repository, record_id: str, options: CommitOptions, today: date, end: date | None = None) -> Outcome:
    """End the running hold on `end` (default today): the deadline clock runs again."""
    from svcnotes.workflow.holds import open_hold

    actor = current_actor(repo)
    record = _load(repo, record_id, options)
    running = open_hold(record.data)
    if running is None:
        raise _refuse(record, "E416", msg("{record} is not on hold", record=record.id), "on_hold",
                      msg("put it on hold: svcnotes hold {record} "
                                                                                    "--reason ...", record=record.id))
    holds = [dict(h) for h in record.get("on_hold", [])]
    holds[running].update({"to": end or today, "resumed_by": actor.id})
    return _write(repo, record, record.status, {"on_hold": holds}, "resume", actor, options,
                  {"Svc-Hold-To": render_scalar(end or today)}, f"{record.id}: resumed")

"""Callbacks (回访): creating them after a resolution or an on-site job, the periodic schedule,
attempts with the unreachable hand-over, done (with an optional linked complaint) and cancel.

Every mutation writes atomically and makes one commit (trailers Svc-Record, Svc-Action, ...).
Creation is idempotent: an existing callback with the same identity is never duplicated.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from svcnotes.model.message import msg
from svcnotes.workflow.commits import CommitOptions, commit_change, current_actor, ensure_clean

if TYPE_CHECKING:
    from svcnotes.model.config import Config
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Repository

UNREACHABLE_RESULTS = frozenset({"no_answer", "busy"})
OPEN_STATUSES = frozenset({"scheduled", "unreachable"})
# Times of day for "keep trying at different times" (在不同时间段继续联系): hour the slot starts.
DAY_PARTS = (("morning", 0), ("afternoon", 12), ("evening", 18))
REP_ROLE = "rep"
DEFAULT_OPTIONS = CommitOptions()  # frozen, so one shared default is safe


class CallbackError(Exception):
    """A callback operation was refused; the message says why and what to do instead."""


def day_part(at: datetime) -> str:
    """morning (before 12:00), afternoon (12:00-17:59) or evening (18:00 on)."""
    name = DAY_PARTS[0][0]
    for part, hour in DAY_PARTS:
        if at.hour >= hour:
            name = part
    return name


def is_unreachable(attempts: Iterable[Mapping[str, Any]], needed: int) -> bool:
    """At least `needed` unreachable attempts, spread over min(needed, 3) different times of day."""
    misses = [a for a in attempts if a.get("result") in UNREACHABLE_RESULTS and isinstance(a.get("at"), datetime)]
    parts = {day_part(a["at"]) for a in misses}
    return needed > 0 and len(misses) >= needed and len(parts) >= min(needed, len(DAY_PARTS))


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the end of a shorter month (01-31 + 1 month = 02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def periodic_dues(delivered: date, first: date, last: date) -> list[date]:
    """Periodic callback dates of a project in [first, last]: monthly in year one, quarterly after."""
    out: list[date] = []
    months = 1
    while True:
        due = add_months(delivered, months)
        if due > last:
            return out
        if due >= first:
            out.append(due)
        months += 1 if months < 12 else 3


def annual_needs_dues(month: int, first: date, last: date) -> list[date]:
    """Next-year-needs callbacks (新需求管理): one per year whose `month` overlaps [first, last],
    due on that month's last day (the whole month is the window to call)."""
    out = []
    for year in range(first.year, last.year + 1):
        start = date(year, month, 1)
        end = date(year, month, _cal.monthrange(year, month)[1])
        if start <= last and end >= first:
            out.append(end)
    return out


@dataclass(frozen=True)
class Planned:
    """A callback the schedule wants: its identity (customer, kind, project, due) and assignee."""

    customer: str
    kind: str
    project: str
    due: date
    assigned_to: str | None

    @property
    def key(self) -> tuple[str, str, str, date]:
        """What makes two callbacks the same one."""
        return (self.customer, self.kind, self.project, self.due)


def callback_key(record: Record) -> tuple[str, str, str, Any]:
    """The identity of an existing callback: customer, kind, project and due."""
    return (record.get("customer", ""), record.get("kind", ""), record.get("project", ""), record.get("due"))


def plan(customers: Iterable[Record], config: Config, first: date, through: date) -> list[Planned]:
    """Every periodic and annual-needs callback due in [first, through] (pure: no I/O)."""
    out = []
    for customer in customers:
        owner = customer.get("account_owner")
        for project in customer.get("projects", []):
            delivered = project.get("delivered_on")
            if isinstance(delivered, date):
                out += [Planned(customer.id, "periodic", str(project.get("name") or ""), due, owner)
                        for due in periodic_dues(delivered, first, through)]
        out += [Planned(customer.id, "annual_needs", "", due, owner)
                for due in annual_needs_dues(config.annual_needs_month, first, through)]
    return sorted(out, key=lambda p: (p.due, p.customer, p.kind, p.project))


def _actor_id(repo: Repository) -> str:
    return current_actor(repo).id


def _new(repo: Repository, values: dict[str, Any]) -> Record:
    data = {"status": "scheduled", **{k: v for k, v in values.items() if v not in (None, "")}}
    return repo.callbacks.create(data)


def _day(value: Any, fallback: date) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else fallback


def create_post_resolution(repo: Repository, complaint: Record, today: date,
                           options: CommitOptions = DEFAULT_OPTIONS) -> Record | None:
    """The complaint's post-resolution callback, due callback_after_resolution_days after the
    customer was told (or after `today`); None when the complaint already has one."""
    if any(cb.get("complaint") == complaint.id and cb.get("kind") == "post_resolution" for cb in repo.callbacks.list()):
        return None
    due = _day(complaint.get("told_at"), today) + timedelta(days=repo.config.callback_after_resolution_days)
    record = _new(repo, {"customer": complaint.get("customer"), "complaint": complaint.id, "kind": "post_resolution",
                         "due": due, "assigned_to": complaint.get("owner") or complaint.get("first_responder")})
    commit_change(repo, [record.path], f"{record.id}: post-resolution callback for {complaint.id}",
                  {"Svc-Record": record.id, "Svc-Action": "create", "Svc-To": "scheduled",
                   "Svc-Complaint": complaint.id}, options)
    return record


def create_post_service(repo: Repository, note: Record, today: date,
                        options: CommitOptions = DEFAULT_OPTIONS) -> Record | None:
    """The post-service callback of an on-site service note, due callback_after_service_days after
    the job; None for other note kinds, notes without a customer, or when one already exists."""
    if note.get("kind") != "on_site" or not note.get("customer"):
        return None
    if any(cb.get("note") == note.id and cb.get("kind") == "post_service" for cb in repo.callbacks.list()):
        return None
    due = _day(note.get("at"), today) + timedelta(days=repo.config.callback_after_service_days)
    record = _new(repo, {"customer": note.get("customer"), "note": note.id, "complaint": note.get("complaint"),
                         "kind": "post_service", "due": due, "assigned_to": note.get("author")})
    commit_change(repo, [record.path], f"{record.id}: post-service callback for {note.id}",
                  {"Svc-Record": record.id, "Svc-Action": "create", "Svc-To": "scheduled", "Svc-Note": note.id}, options)
    return record


def schedule(repo: Repository, through: date, today: date, options: CommitOptions = DEFAULT_OPTIONS,
             since: date | None = None) -> list[Record]:
    """Create the periodic and annual-needs callbacks due from `since` (default today) to
    `through` that do not exist yet; one commit for the run. Running it twice creates nothing."""
    first = since or today
    if through < first:
        raise CallbackError(msg("--through {through} is before {first}; give a later date", through=through, first=first))
    existing = {callback_key(cb) for cb in repo.callbacks.list()}
    created = []
    for planned in plan(repo.customers.list(), repo.config, first, through):
        if planned.key in existing:
            continue
        existing.add(planned.key)
        created.append(_new(repo, {"customer": planned.customer, "kind": planned.kind, "project": planned.project,
                                   "due": planned.due, "assigned_to": planned.assigned_to}))
    if created:
        commit_change(repo, [r.path for r in created],
                      f"schedule callbacks through {through.isoformat()}: {len(created)} new",
                      {"Svc-Record": ", ".join(r.id for r in created), "Svc-Action": "schedule",
                       "Svc-Through": through.isoformat()}, options)
    return created


def _open(repo: Repository, record_id: str, options: CommitOptions) -> Record:
    record = repo.callbacks.get(record_id)
    if record.status not in OPEN_STATUSES:
        raise CallbackError(msg("{id} is {status}; only scheduled or unreachable callbacks can change", id=record.id,
                                  status=record.status))
    ensure_clean(repo, [record.path], options)
    return record


def hand_over_to(config: Config, current: str | None, tried: Iterable[str]) -> str | None:
    """Another rep for an unreachable callback: one who has not tried yet, else any other rep."""
    reps = sorted(s.id for s in config.staff.values() if REP_ROLE in s.roles and s.id != current)
    fresh = [r for r in reps if r not in set(tried)]
    found = fresh or reps
    return found[0] if found else None


def attempt(repo: Repository, record_id: str, result: str, at: datetime, note: str = "",
            options: CommitOptions = DEFAULT_OPTIONS) -> Record:
    """Log one contact attempt; once unreachable_after attempts failed at different times of day
    the callback becomes `unreachable` and is handed to another rep (recorded in the commit)."""
    from svcnotes.model.schema import ATTEMPT_RESULTS

    if result not in ATTEMPT_RESULTS:
        raise CallbackError(msg("'{result}' is not an attempt result; use one of {choices}", result=result,
                                  choices=", ".join(ATTEMPT_RESULTS)))
    record = _open(repo, record_id, options)
    actor = _actor_id(repo)
    entry = {"at": at, "by": actor, "result": result, "note": note or None}
    attempts = sorted([*record.get("attempts", []), entry], key=lambda a: a.get("at") or datetime.min)
    changes: dict[str, Any] = {"attempts": attempts}
    trailers = {"Svc-Record": record.id, "Svc-Action": "attempt", "Svc-Result": result}
    subject = f"{record.id}: attempt {at:%Y-%m-%d %H:%M} {result}"
    if record.status == "scheduled" and is_unreachable(attempts, repo.config.unreachable_after_attempts):
        current = record.get("assigned_to")
        new_rep = hand_over_to(repo.config, current, [a.get("by") for a in attempts])
        changes["status"] = "unreachable"
        trailers.update({"Svc-From": "scheduled", "Svc-To": "unreachable"})
        subject = f"{record.id}: scheduled → unreachable"
        if new_rep:
            changes["assigned_to"] = new_rep
            trailers.update({"Svc-Handover-From": current or "", "Svc-Handover-To": new_rep})
            subject += f", handed over to {new_rep}"
    updated = repo.callbacks.update(record, changes)
    commit_change(repo, [updated.path], subject, trailers, options)
    return updated


def done(repo: Repository, record_id: str, channel: str, satisfaction: int | None, comments: str = "",
         follow_up: bool = False, *, at: datetime | None = None, today: date | None = None,
         open_complaint: Mapping[str, Any] | None = None, options: CommitOptions = DEFAULT_OPTIONS) -> Record:
    """Record a completed callback: channel, satisfaction 1-5 and comments (required at 2 or below).

    With `open_complaint` (extra complaint values: title, category, severity ...) a linked complaint
    is opened for the callback's customer in the same commit and set as follow_up_complaint.
    """
    from svcnotes.model.schema import CHANNELS

    if channel not in CHANNELS:
        raise CallbackError(msg("'{channel}' is not a channel; use one of {choices}", channel=channel,
                                  choices=", ".join(CHANNELS)))
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise CallbackError(msg("satisfaction {value} is out of range; give 1 (very dissatisfied) to 5", value=satisfaction))
    if satisfaction is not None and satisfaction <= 2 and not comments.strip():
        raise CallbackError(msg("satisfaction {value} needs the customer's comments; pass --comments", value=satisfaction))
    record = _open(repo, record_id, options)
    actor = _actor_id(repo)
    when = at or datetime.combine(today or date.today(), datetime.now().time().replace(second=0, microsecond=0))
    changes: dict[str, Any] = {"status": "done", "conducted_by": actor, "done_at": when, "channel": channel,
                               "satisfaction": satisfaction, "comments": comments.strip() or None,
                               "follow_up": True if open_complaint is not None else (follow_up or None)}
    paths = []
    trailers = {"Svc-Record": record.id, "Svc-Action": "done", "Svc-From": record.status, "Svc-To": "done",
                "Svc-Satisfaction": "" if satisfaction is None else str(satisfaction)}
    if open_complaint is not None:
        complaint = _open_complaint(repo, record, open_complaint, when, actor, channel, comments)
        changes["follow_up_complaint"] = complaint.id
        paths.append(complaint.path)
        trailers["Svc-Follow-Up"] = complaint.id
    updated = repo.callbacks.update(record, changes)
    commit_change(repo, [updated.path, *paths], f"{record.id}: {record.status} → done", trailers, options)
    return updated


def _open_complaint(repo: Repository, callback: Record, values: Mapping[str, Any], when: datetime, actor: str,
                    channel: str, comments: str) -> Record:
    from svcnotes.workflow.intake import create_record

    data = {"title": f"回访不满意: {callback.id}", "category": "other", "severity": "normal",
            "channel": channel, **{k: v for k, v in values.items() if v is not None},
            "customer": callback.get("customer"), "received_at": when}
    body = f"回访 {callback.id} 中客户不满意，开立客诉。\n\n{comments.strip()}\n" if comments.strip() else ""
    return create_record(repo, "complaint", data, body, when.date(), actor, CommitOptions(commit=False))


def cancel(repo: Repository, record_id: str, reason: str, options: CommitOptions = DEFAULT_OPTIONS) -> Record:
    """Cancel a scheduled or unreachable callback; a reason is required."""
    if not reason.strip():
        raise CallbackError(msg("a cancelled callback needs a reason; pass --reason"))
    record = _open(repo, record_id, options)
    updated = repo.callbacks.update(record, {"status": "cancelled", "cancel_reason": reason.strip()})
    commit_change(repo, [updated.path], f"{record.id}: {record.status} → cancelled",
                  {"Svc-Record": record.id, "Svc-Action": "cancel", "Svc-From": record.status, "Svc-To": "cancelled"},
                  options)
    return updated


def at_time(day: date, clock: str) -> datetime:
    """A datetime from a date and 'HH:MM' text."""
    return datetime.combine(day, time.fromisoformat(clock))

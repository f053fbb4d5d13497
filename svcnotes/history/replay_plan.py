"""The plan of a replay: every record of a finished repository turned into dated, attributed steps.

Pure: reads typed records, returns `Step`s (when, who, which record, which branch, what to do). The
steps call the core verbs through a `Doer` (see replay.py), which runs them with the commit
switched off, pins the fields the verb stamped from the wall clock to the recorded values, and
commits as the staff member on the recorded date. Time order between records is kept where one
depends on another (a complaint closes after its callback is done; a reopening follows the close).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from svcnotes.history.replay import Doer
    from svcnotes.model.record import Record

MINUTE = timedelta(minutes=1)
# Complaint fields filled after intake, by the step that fills them (the rest arrive at intake).
INVESTIGATION = ("cause_class", "cause_analysis", "responsible_dept", "investigation_started_at", "quality_report_at")
PROPOSAL = ("cause_class", "cause_analysis", "responsible_dept", "countermeasure", "improvement_tracked",
            "production", "resolution", "amount", "currency")
RESOLUTION = ("told_at", "told_via", "result", "resolution_letter")
LATER = frozenset({"id", "status", *PROPOSAL, "proposed_by", "proposed_at", "approvals", "capa", "replied_at",
                   "customer_reply", *RESOLUTION, "closed_at", "customer_accepted", "handovers", "callback_waived",
                   "on_hold", "reopens", "investigation_started_at", "quality_report_at"}) - {"currency"}
CALLBACK_SETUP = ("customer", "complaint", "note", "project", "kind", "due", "assigned_to")


@dataclass
class Step:
    """One commit of the replay: when, by whom, on which record and branch, and what to run."""

    at: datetime
    record: str
    actor: str
    action: str
    run: Callable[[Doer], list[str]]
    branch: str | None = None
    merge: str | None = None
    records: tuple[str, ...] = ()
    seq: int = 0

    @property
    def owners(self) -> tuple[str, ...]:
        """Every record this step creates or changes (a schedule batch has several)."""
        return self.records or (self.record,)


@dataclass
class Plan:
    """The steps, plus the first and last moments of the replayed period."""

    steps: list[Step] = field(default_factory=list)
    start: datetime = datetime(2000, 1, 1)

    def add(self, step: Step) -> Step:
        """Append a step, numbering it so equal times keep the order of planning."""
        step.seq = len(self.steps)
        self.steps.append(step)
        return step


def at_day(day: date | datetime, clock: time) -> datetime:
    """A datetime on `day` (a date, or a datetime's date) at `clock`."""
    return datetime.combine(day.date() if isinstance(day, datetime) else day, clock)


def chain(times: list[datetime]) -> list[datetime]:
    """Times made strictly increasing (a later step never commits before an earlier one)."""
    out: list[datetime] = []
    for t in times:
        out.append(t if not out or t > out[-1] else out[-1] + MINUTE)
    return out


def plan_replay(records: Mapping[str, list[Record]], scheduler: str, limit_ids: set[str] | None = None) -> Plan:
    """Steps that rebuild `records` (by kind) from nothing, in the order the department worked."""
    by_id = {r.id: r for rs in records.values() for r in rs}
    callbacks = records.get("callback", [])
    pr_callback = {cb.get("complaint"): cb for cb in callbacks if cb.get("kind") == "post_resolution"}
    ps_callback = {cb.get("note"): cb for cb in callbacks if cb.get("kind") == "post_service"}
    first = [r.get("received_at") for r in records.get("complaint", [])] + [r.get("at") for r in records.get("note", [])]
    first += [at_day(r.get("due"), time(8, 0)) - timedelta(days=30) for r in callbacks]
    start = at_day(min([t for t in first if isinstance(t, datetime)], default=datetime(2026, 1, 1)), time(8, 0)) - timedelta(days=1)
    plan = Plan(start=start)
    done_time: dict[str, datetime] = {}
    for cb in callbacks:
        if cb.get("done_at"):
            done_time[cb.id] = cb.get("done_at")
    for i, customer in enumerate(records.get("customer", [])):
        plan.add(Step(start + i * MINUTE, customer.id, customer.get("account_owner") or scheduler, "create",
                      _create_customer(customer)))
    close_time: dict[str, datetime] = {}
    for complaint in sorted(records.get("complaint", []), key=lambda r: r.get("received_at")):
        _plan_complaint(plan, complaint, by_id, pr_callback.get(complaint.id), close_time)
    for note in records.get("note", []):
        note_cb = ps_callback.get(note.id)
        plan.add(Step(note.get("at"), note.id, note.get("author"), "create", _create_note(note, note_cb),
                      records=(note.id, note_cb.id) if note_cb else ()))
    _plan_schedules(plan, [cb for cb in callbacks if cb.get("kind") not in ("post_resolution", "post_service")], scheduler)
    for cb in callbacks:
        _plan_callback(plan, cb, by_id)
    if limit_ids is not None:
        plan.steps = [s for s in plan.steps if set(s.owners) <= limit_ids]
    return plan


def _create_customer(customer: Record) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        return doer.create("customer", customer, dict(customer.data), customer.body)
    return run


def _create_note(note: Record, cb: Record | None) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        paths = doer.write_numbered(cb, status="scheduled") if cb is not None else []
        before = doer.callback_paths()
        paths = doer.create("note", note, {k: v for k, v in note.data.items() if k != "id"}, note.body) + paths
        doer.drop_new_callbacks(before)
        return paths
    return run


def _plan_complaint(plan: Plan, c: Record, by_id: Mapping[str, Record], callback: Record | None,
                    close_time: dict[str, datetime]) -> None:
    status = c.status
    received: datetime = c.get("received_at")
    handovers = list(c.get("handovers") or [])
    owner0 = handovers[0]["from"] if handovers else c.get("owner")
    events: list[tuple[datetime, str, str, Callable[[Doer], list[str]], str]] = []  # at, actor, action, run, where

    def holder(at: datetime) -> str:
        who = owner0
        for h in handovers:
            if h["at"] <= at:
                who = h["to"]
        return who or c.get("first_responder")

    intake = {k: v for k, v in c.data.items() if k not in LATER}
    intake["owner"] = owner0
    start = received
    original = c.get("reopens")
    if original and original in close_time:
        start = max(start, close_time[original] + MINUTE)
    events.append((start, c.get("first_responder"), "create", _intake(c, intake), "main"))
    proposed_at = c.get("proposed_at")
    approvals = list(c.get("approvals") or [])
    ends = [t for t in (proposed_at, c.get("replied_at"), at_day(c.get("closed_at"), time(17, 30)) if c.get("closed_at") else None)
            if isinstance(t, datetime)]
    if status != "registered":
        nxt = min(ends, default=received + timedelta(hours=4))
        t_inv = min(received + timedelta(hours=2), received + (nxt - received) / 2)
        events.append((t_inv, holder(t_inv), "investigate", _investigate(c), ""))
    if c.get("replied_at") and c.get("customer_reply") and not (c.get("told_at") and c.get("replied_at") >= c.get("told_at")):
        events.append((c.get("replied_at"), holder(c.get("replied_at")), "reply", _edit(c, ("replied_at", "customer_reply"), "reply"), ""))
    for i, h in enumerate(handovers):
        events.append((h["at"], h["from"], "handover", _handover(c, i), ""))
    if proposed_at and status != "not_established":  # a groundless case is rejected, not proposed
        events.append((proposed_at, c.get("proposed_by"), "propose", _propose(c), "branch" if approvals else ""))
    for n, _entry in enumerate(c.get("capa") or [], start=1):
        t_add = (proposed_at or received) + MINUTE * n
        events.append((t_add, c.get("proposed_by") or holder(t_add), "capa-add", _capa(c, n, "add"), ""))
    for i, a in enumerate(approvals):
        events.append((a["at"], a["by"], "approve", _approve(c, i), ""))
    if approvals:
        last = approvals[-1]
        events.append((last["at"], last["by"], "merge", lambda doer: [], "merge"))
    for n, entry in enumerate(c.get("capa") or [], start=1):
        if entry.get("status") in ("done", "verified"):
            when = entry.get("verified_at") or entry.get("due")
            t_done = at_day(when, time(9, 0)) if when else received
            events.append((t_done, entry.get("owner"), "capa-done", _capa(c, n, "done"), ""))
        if entry.get("status") == "verified":
            events.append((at_day(entry["verified_at"], time(10, 0)), entry.get("verified_by"), "capa-verify",
                           _capa(c, n, "verify"), ""))
    if c.get("told_at") and status in ("resolved", "closed"):
        events.append((c.get("told_at"), holder(c.get("told_at")), "resolve", _resolve(c, callback), ""))
    if status in ("closed", "not_established") and c.get("closed_at"):
        t_close = at_day(c.get("closed_at"), time(17, 30))
        if callback is not None and callback.get("done_at"):
            t_close = max(t_close, callback.get("done_at") + MINUTE)
        events.append((t_close, holder(t_close), "close" if status == "closed" else "reject", _close(c), ""))
    # by time; at the same minute, in the order the verbs must run
    order = ["create", "investigate", "reply", "handover", "propose", "capa-add", "approve", "merge", "capa-done",
             "capa-verify", "resolve", "close", "reject"]
    events.sort(key=lambda e: (e[0], order.index(e[2])))
    times = chain([e[0] for e in events])
    branch = f"resolution/{c.id}"
    on_branch = False
    for t, (_, actor, action, run, where) in zip(times, events, strict=True):
        if where == "branch":
            on_branch = True
        step = Step(t, c.id, actor, action, run, branch=branch if on_branch and where != "merge" else None,
                    merge=branch if where == "merge" else None)
        if where == "merge":
            on_branch = False
        plan.add(step)
        if action in ("close", "reject"):
            close_time[c.id] = t


def _intake(c: Record, values: dict[str, Any]) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        if c.get("reopens"):
            return doer.reopen(c, values)
        return doer.create("complaint", c, values, c.body)
    return run


def _investigate(c: Record) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        changes = {k: c.get(k) for k in INVESTIGATION if c.get(k) is not None}
        return doer.verb(c, "transition_to", "investigating", changes, pin=tuple(changes))
    return run


def _edit(c: Record, fields: tuple[str, ...], action: str) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        return doer.edit(c, {k: c.get(k) for k in fields}, action)
    return run


def _handover(c: Record, i: int) -> Callable[[Doer], list[str]]:
    h = c.get("handovers")[i]

    def run(doer: Doer) -> list[str]:
        return doer.verb(c, "handover", h["to"], h.get("note") or "", pin=("handovers",), upto={"handovers": i + 1})
    return run


def _propose(c: Record) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        values = {k: c.get(k) for k in PROPOSAL if c.get(k) is not None}
        return doer.verb(c, "propose", values, pin=(*values, "proposed_by", "proposed_at"))
    return run


def _approve(c: Record, i: int) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        return doer.verb(c, "approve", pin=("approvals",), upto={"approvals": i + 1})
    return run


def _capa(c: Record, n: int, what: str) -> Callable[[Doer], list[str]]:
    entry = c.get("capa")[n - 1]

    def run(doer: Doer) -> list[str]:
        if what == "add":
            return doer.verb(c, "capa_add", entry["action"], entry["owner"], entry["due"])
        if what == "done":
            return doer.verb(c, "capa_done", n)
        return doer.verb(c, "capa_verify", n)
    return run


def _resolve(c: Record, callback: Record | None) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        paths = doer.write_numbered(callback, status="scheduled") if callback is not None else []
        values = {k: c.get(k) for k in RESOLUTION if c.get(k) is not None}
        pin = tuple(values)
        if c.get("replied_at") and c.get("replied_at") >= c.get("told_at"):
            values.update(replied_at=c.get("replied_at"), customer_reply=c.get("customer_reply"))
            pin += ("replied_at", "customer_reply")
        before = doer.callback_paths()
        paths = doer.verb(c, "resolve", values, pin=pin) + paths
        doer.drop_new_callbacks(before)
        return paths
    return run


def _close(c: Record) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        if c.status == "not_established":
            return doer.verb(c, "reject", c.get("result") or "客诉不成立", pin=("closed_at", "result", "resolution"))
        return doer.verb(c, "close", bool(c.get("customer_accepted")), c.get("callback_waived"),
                         pin=("closed_at", "customer_accepted", "callback_waived"))
    return run


def _plan_schedules(plan: Plan, callbacks: list[Record], scheduler: str) -> None:
    """Planned callbacks (periodic, annual needs, surveys) are scheduled a month at a time."""
    by_month: dict[tuple[int, int], list[Record]] = {}
    for cb in callbacks:
        by_month.setdefault((cb.get("due").year, cb.get("due").month), []).append(cb)
    for (year, month), group in sorted(by_month.items()):
        group.sort(key=lambda cb: cb.id)
        prev = date(year, month, 1) - timedelta(days=1)
        t = at_day(prev.replace(day=min(20, prev.day)), time(9, 0))
        earliest = [a["at"] for cb in group for a in (cb.get("attempts") or []) if isinstance(a.get("at"), datetime)]
        earliest += [cb.get("done_at") for cb in group if cb.get("done_at")]
        if earliest and min(earliest) - timedelta(hours=1) < t:
            t = min(earliest) - timedelta(hours=1)
        plan.add(Step(t, group[0].id, scheduler, "schedule", _schedule(group, year, month),
                      records=tuple(cb.id for cb in group)))


def _schedule(group: list[Record], year: int, month: int) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        doer.subject = f"schedule callbacks due {year}-{month:02d}: {len(group)} new"
        return [p for cb in group for p in doer.write_numbered(cb, status="scheduled")]
    return run


def _plan_callback(plan: Plan, cb: Record, by_id: Mapping[str, Record]) -> None:
    """Attempts, then done / cancelled / missed, then the link to a complaint it raised."""
    status = cb.status
    attempts = list(cb.get("attempts") or [])
    done_at = cb.get("done_at")
    steps: list[tuple[datetime, str, str, Callable[[Doer], list[str]]]] = []
    for a in attempts:
        if status == "done" and a.get("result") == "reached" and a.get("at") == done_at:
            continue
        steps.append((a["at"], a.get("by") or cb.get("assigned_to"), "attempt", _attempt(cb, a)))
    due = cb.get("due")
    if status == "done":
        steps.append((done_at, cb.get("conducted_by"), "done", _callback_done(cb)))
    elif status == "cancelled":
        steps.append((at_day(due - timedelta(days=1), time(10, 0)), cb.get("assigned_to"), "cancel", _callback_cancel(cb)))
    elif status == "missed":
        steps.append((at_day(due + timedelta(days=3), time(18, 0)), cb.get("assigned_to"), "missed", _callback_missed(cb)))
    linked = cb.get("follow_up_complaint")
    if linked and linked in by_id:
        t = by_id[linked].get("received_at") + MINUTE
        steps.append((t, cb.get("conducted_by") or cb.get("assigned_to"), "link", _callback_link(cb)))
    steps.sort(key=lambda s: s[0])
    created = None  # a callback made by a verb is worked on only after that verb ran
    if cb.get("kind") == "post_resolution" and cb.get("complaint") in by_id:
        created = by_id[cb.get("complaint")].get("told_at")
    elif cb.get("kind") == "post_service" and cb.get("note") in by_id:
        created = by_id[cb.get("note")].get("at")
    times = chain(([created] if isinstance(created, datetime) else []) + [s[0] for s in steps])
    times = times[1:] if isinstance(created, datetime) else times
    for t, (_, actor, action, run) in zip(times, steps, strict=True):
        plan.add(Step(t, cb.id, actor, action, run))


def _attempt(cb: Record, a: Mapping[str, Any]) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        return doer.callback(cb, "attempt", a["result"], a["at"], a.get("note") or "", pin=("attempts",))
    return run


def _callback_done(cb: Record) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        return doer.callback(cb, "done", cb.get("channel"), cb.get("satisfaction"), cb.get("comments") or "",
                             bool(cb.get("follow_up")), at=cb.get("done_at"),
                             pin=("attempts", "done_at", "conducted_by", "follow_up", "comments"))
    return run


def _callback_cancel(cb: Record) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        return doer.callback(cb, "cancel", cb.get("cancel_reason") or "cancelled", pin=("cancel_reason",))
    return run


def _callback_missed(cb: Record) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        return doer.edit(cb, {"status": "missed"}, "missed")
    return run


def _callback_link(cb: Record) -> Callable[[Doer], list[str]]:
    def run(doer: Doer) -> list[str]:
        return doer.edit(cb, {"follow_up_complaint": cb.get("follow_up_complaint")}, "follow-up")
    return run

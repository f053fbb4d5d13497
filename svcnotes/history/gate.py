"""The PR gate (`svcnotes check --base REF`): validate the head, then judge what the PR changes.

Every record the PR changes (git diff merge-base..HEAD) is compared with its version at the merge
base, and every commit of the PR is judged by the history rules: illegal transitions, edits of
closed records, deletions, numbers colliding with the base, approvals not committed by the
approver (or lacking role/authority, or by the proposer), approvals the PR voided.
A handful of git processes whatever the size of the repository or the PR.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from svcnotes.history import rules
from svcnotes.history.diff import parse_blob
from svcnotes.history.gitread import (GitError, diff_tree, head_sha, is_ancestor, merge_base, paths_ever, read_blobs,
                                     read_log)
from svcnotes.history.events import Event, EventBuilder
from svcnotes.model.problems import Problem, sort_key
from svcnotes.model.record import Record
from svcnotes.workflow import approvals as appr

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository


class BadBase(Exception):
    """The base revision does not exist or shares no history with HEAD."""


@dataclass
class RecordDiff:
    """One record the PR changes: git status, paths, base and head versions, the PR's events on it."""

    status: str
    path: str
    old_path: str
    kind: str
    base: Record | None
    head: Record | None
    events: list[Event] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The record's number at the head (or at the base when deleted)."""
        return (self.head or self.base).id if (self.head or self.base) else PurePosixPath(self.path).stem


@dataclass
class PullRequest:
    """What a PR changes: the merge base and every changed record with its events."""

    base_ref: str
    merge_base: str
    head: str
    records: list[RecordDiff]


def _kind(path: str) -> str:
    parts = path.split("/")
    return {"customers": "customer", "complaints": "complaint", "callbacks": "callback",
            "notes": "note"}.get(parts[1] if len(parts) > 2 else "", "")


def pull_request(repo: Repository, base_ref: str) -> PullRequest:
    """Read what HEAD changes relative to its merge base with `base_ref` (BadBase when impossible)."""
    root = repo.root
    head = head_sha(root)
    if head is None or head_sha(root, base_ref) is None:
        raise BadBase(f"'{base_ref}' is not a commit here" if head else "the repository has no commits")
    try:
        base = merge_base(root, base_ref, head)
    except GitError:
        raise BadBase(f"HEAD and '{base_ref}' share no history") from None
    changes = [f for f in diff_tree(root, base, head) if f.path.endswith(".md") and _kind(f.path or f.old_path)]
    commits = read_log(root, head, [base], signatures=repo.config.signed_approvals)
    builder = EventBuilder(root, repo.config)
    events = builder.events(commits)
    raw = read_blobs(root, [b for f in changes for b in (f.old_blob, f.new_blob)])
    lineage_at: dict[str, int] = {}
    for event in events:
        lineage_at[event.path] = event.lineage
    by_lineage: dict[int, list[Event]] = {}
    for event in events:
        by_lineage.setdefault(event.lineage, []).append(event)
    records = []
    for f in changes:
        base_rec = parse_blob(raw[f.old_blob], f.old_path, repo.config) if f.status != "A" and f.old_blob in raw else None
        head_rec = parse_blob(raw[f.new_blob], f.path, repo.config) if f.status != "D" and f.new_blob in raw else None
        lineage = lineage_at.get(f.path)
        records.append(RecordDiff(f.status, f.path, f.old_path if f.status != "A" else "", _kind(f.path), base_rec,
                                  head_rec, by_lineage.get(lineage, []) if lineage is not None else []))
    return PullRequest(base_ref, base, head, records)


def _locate(problem: Problem, rec: RecordDiff) -> Problem:
    target = rec.head if rec.head is not None and problem.path == rec.path else None
    if target is None or problem.line:
        return problem
    return replace(problem, line=target.lines.get(problem.field) or target.line(problem.field) or target.line("status"))


def _collisions(repo: Repository, pr: PullRequest) -> list[Problem]:
    new = [r for r in pr.records if r.status == "A" and r.kind != "customer"]
    if not new:
        return []
    ever = {PurePosixPath(p).stem for p in _paths_ever(repo, pr.base_ref)}
    out = []
    for rec in new:
        if rec.id in ever:
            out.append(Problem("E604", f"number {rec.id} is already taken on {pr.base_ref} (another branch created it)",
                               rec.path, rec.head.line("id") if rec.head else 1, "id",
                               f"run: svcnotes renumber {rec.id}  (moves this record to the next free number and "
                               "updates every reference)"))
    return out


def _paths_ever(repo: Repository, base_ref: str) -> set[str]:
    """Every record file the base ever had: from the history store when it describes an ancestor of
    the base (plus the commits since), else one `git log` over the base's whole history."""
    from svcnotes.history.store import peek_store

    store = peek_store(repo.root)
    if store is not None:
        with store:
            stored = store.head
            base = head_sha(repo.root, base_ref)
            if base and (stored == base or is_ancestor(repo.root, stored, base)):
                since = paths_ever(repo.root, base, exclude=[stored]) if stored != base else set()
                return store.paths() | since
    return paths_ever(repo.root, base_ref)


def _approval_checks(repo: Repository, rec: RecordDiff) -> list[Problem]:
    head, base = rec.head, rec.base
    if head is None or rec.kind != "complaint":
        return []
    out = []
    before = list(base.data.get("approvals") or []) if base else []
    for i, entry in enumerate(head.data.get("approvals") or []):
        if entry in before:
            continue
        where = f"approvals[{i}].by"
        line = head.lines.get(where) or head.line("approvals")
        introducing = [e for e in rec.events if entry in e.approvals_added]
        if not introducing:
            out.append(Problem("E611", f"approval by {entry.get('by')} was not introduced by any commit of "
                                       f"{entry.get('by')} in this PR", rec.path, line, where,
                               f"{entry.get('by')} runs 'svcnotes approve {head.id}' and pushes it"))
            continue
        event = replace(introducing[-1], approvals_added=[entry])
        out.extend(replace(p, line=line, field=where) for p in rules.approval_problems(event, repo.config))
    for i, entry in enumerate(head.data.get("approvals") or []):
        if entry in before and base is not None and not appr.void_reason(entry, base):
            reason = appr.void_reason(entry, head)
            if reason:
                out.append(Problem("E615", f"this PR voids approval {i + 1} by {entry.get('by')}: {reason}", rec.path,
                                   head.lines.get(f"approvals[{i}].amount") or head.line("amount"), f"approvals[{i}]",
                                   f"the approver must approve again: svcnotes approve {head.id}"))
    return out


def _event_checks(repo: Repository, rec: RecordDiff) -> list[Problem]:
    out = []
    status = rec.base.status if rec.base else None
    for event in rec.events:
        judged = replace(event, approvals_added=[])
        out.extend(_locate(p, rec) for p in rules.event_problems(judged, repo.config, status))
        change = event.status_change
        if change is not None:
            status = change[1]
    if rec.status == "D" and not any(e.action == "deleted" for e in rec.events):
        out.append(Problem("E603", f"deletes record {rec.id}", rec.old_path or rec.path,
                           hint="restore the file; end a groundless complaint as not_established"))
    return out


def check_pr(repo: Repository, base_ref: str, validate: bool = True,
             today: date | None = None) -> tuple[list[Problem], PullRequest]:
    """Every problem of the PR: the head's validation plus the history rules on what it changes."""
    pr = pull_request(repo, base_ref)
    problems: list[Problem] = []
    if validate:
        from svcnotes.workflow.validation import validate_repository

        problems.extend(validate_repository(repo, None, today))
    problems.extend(_collisions(repo, pr))
    for rec in pr.records:
        problems.extend(_event_checks(repo, rec))
        problems.extend(_approval_checks(repo, rec))
    seen: set[tuple[str, int | None, str, str]] = set()
    unique = []
    for p in sorted(problems, key=sort_key):
        key = (p.path, p.line, p.code, p.message)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, pr

"""Audit queries over the history index, and the repository as it stood at the end of a day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

from svcnotes.history.diff import Change, parse_blob
from svcnotes.history.gitread import read_blobs, tree_blobs
from svcnotes.history.log import Event, first_parent_chain, open_log
from svcnotes.model.config import Config
from svcnotes.store.repository import Snapshot


@dataclass(frozen=True)
class LogFilter:
    """What `svcnotes log` selects: dates (inclusive), author (staff id, name or e-mail), kind, field, record."""

    since: date | None = None
    until: date | None = None
    author: str = ""
    kind: str = ""
    field: str = ""
    record: str = ""


def staff_of(email: str, config: Config) -> str:
    """The staff id behind a git e-mail ('' when unknown)."""
    person = config.staff_by_email(email)
    return person.id if person else ""


def _author_matches(event: Event, who: str, config: Config) -> bool:
    who = who.strip().lower()
    return who in (event.author.lower(), event.email.lower(), staff_of(event.email, config).lower())


def _field_matches(change: Change, name: str) -> bool:
    return change.field == name or change.field.startswith((name + ".", name + "["))


class History(Protocol):
    """What queries read: a HistoryIndex in memory, or the history store (streamed)."""

    def iter_events(self) -> Iterator[Event]: ...

    def lineage_by_id(self, record_id: str) -> int | None: ...


def query(history: History, flt: LogFilter, config: Config) -> Iterator[dict[str, Any]]:
    """One row per matching (commit, record, field change); with no field filter, one per commit and record.

    Rows are produced as the events are read, so a query over the whole history holds one row at a time.
    """
    wanted = history.lineage_by_id(flt.record) if flt.record else None
    if flt.record and wanted is None:
        return
    staff: dict[str, str] = {}
    dated = flt.since is not None or flt.until is not None
    for event in history.iter_events():
        if dated:
            day = event.date.date()
            if flt.since and day < flt.since or flt.until and day > flt.until:
                continue
        if flt.kind and event.kind != flt.kind:
            continue
        if wanted is not None and event.lineage != wanted:
            continue
        if flt.author and not _author_matches(event, flt.author, config):
            continue
        who = staff.get(event.email)
        if who is None:
            who = staff[event.email] = staff_of(event.email, config)
        if flt.field:
            base = {"date": event.date, "commit": event.sha[:10], "author": event.author, "email": event.email,
                    "staff": who, "record": event.record_id, "kind": event.kind, "action": event.action,
                    "subject": event.subject, "pr": event.pr[:10], "path": event.path}
            for change in event.changes:
                if _field_matches(change, flt.field):
                    yield {**base, "field": change.field, "old": change.old, "new": change.new}
        else:
            changes = event.changes
            yield {"date": event.date, "commit": event.sha[:10], "author": event.author, "email": event.email,
                   "staff": who, "record": event.record_id, "kind": event.kind, "action": event.action,
                   "subject": event.subject, "pr": event.pr[:10], "path": event.path,
                   "field": ", ".join([c[0] for c in changes[:6]]) + (", ..." if len(changes) > 6 else ""),
                   "old": None, "new": None}


def commit_as_of(commits: dict[str, tuple[str, tuple[str, ...], datetime]], head: str, day: date) -> str | None:
    """The last commit on HEAD's first-parent chain committed on or before the end of `day`
    (`commits`: sha -> subject, parents, committed)."""
    end = datetime.combine(day, time.max)
    found = None
    for sha in first_parent_chain(commits, head):
        when = commits[sha][2]
        local = when.replace(tzinfo=None)
        if local <= end:
            found = sha
    return found


def snapshot_at(root: Path, config: Config, rev: str, kinds: tuple[str, ...] = ("complaints", "customers")) -> Snapshot:
    """Every record of `kinds` as stored in commit `rev` (two git processes: ls-tree, cat-file)."""
    snap = Snapshot()
    blobs: dict[str, str] = {}
    for folder in kinds:
        blobs.update(tree_blobs(Path(root), rev, f"records/{folder}/"))
    raw = read_blobs(Path(root), blobs.values())
    for path in sorted(blobs):
        if not path.endswith(".md") or blobs[path] not in raw:
            continue
        record = parse_blob(raw[blobs[path]], path, config)
        if record is not None:
            snap.add(record)
    return snap


def snapshot_as_of(root: Path, config: Config, day: date) -> tuple[Snapshot, str | None]:
    """The complaints and customers exactly as they stood on main at the end of `day`, and that commit."""
    store = open_log(root, config)
    if store is None:
        return Snapshot(), None
    with store:
        sha = commit_as_of(store.commits(), store.head, day)
    if sha is None:
        return Snapshot(), None
    return snapshot_at(root, config, sha), sha

"""Every record's timeline from one pass over `git log` for the whole repository.

`open_log(root, config)` gives the history store at HEAD (svcnotes.history.store): per record (a
*lineage*, which follows renames such as `svcnotes renumber`), the commits that touched it, with
author, dates, message, trailers, the PR merge it arrived in and field-level changes. It is cached
under `.svcnotes-cache/history/`; when the cached HEAD is an ancestor of the new one only the new
commits are read. A missing or corrupt cache only makes it slower, never wrong. `svcnotes log`
streams its events, so memory does not grow with the history.

`load_index(root, config)` holds the whole history in memory as a HistoryIndex, for callers that
walk it several times.

`record_history(root, config, record_id, path, paths)` answers one record (`svcnotes history ID`)
without the whole history: from the store when there is one (refreshed incrementally), else from
one `git log` limited to the record's paths (its file and its former numbers), one `cat-file` and
one graph read for the PR merges, giving the same timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from svcnotes.history.events import Event, EventBuilder, pr_merges
from svcnotes.history.gitread import blob_sha, head_sha, read_graph, read_log
from svcnotes.history.store import CACHE_DIR, HistoryStore, open_store
from svcnotes.model.config import Config

__all__ = ["CACHE_DIR", "Event", "HistoryIndex", "HistoryStore", "RecordHistory", "ShardReader", "load_index",
           "open_log", "record_history", "scan_record"]


def open_log(root: Path, config: Config, use_cache: bool = True) -> HistoryStore | None:
    """The history store at HEAD (None without commits): `iter_events()`, `lineage_by_id()`, ...

    A store that has to be written from scratch is written when first read: a first `iter_events()`
    streams the events as git log is read."""
    return open_store(root, config, use_cache, stream=True)


@dataclass
class HistoryIndex:
    """Every record's timeline at one HEAD, in memory, with lookups by id, alias and path."""

    head: str = ""
    commits: dict[str, tuple[str, tuple[str, ...], datetime]] = field(default_factory=dict)  # sha -> subject, parents, committed
    events: list[Event] = field(default_factory=list)
    pr_of: dict[str, str] = field(default_factory=dict)
    lineage_of: dict[tuple[str, str], int] = field(default_factory=dict)
    path_lineage: dict[str, int] = field(default_factory=dict)
    next_lineage: int = 0
    by_lineage: dict[int, list[int]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def iter_events(self) -> Iterator[Event]:
        """Every event in commit order."""
        return iter(self.events)

    def lineage_by_id(self, record_id: str) -> int | None:
        """The lineage of the record that has (or had) this number."""
        return self.ids.get(record_id)

    def lineage_for(self, root: Path, record_id: str, path: str | None = None) -> int | None:
        """The lineage of a record: by its current file (exact blob) when given, else by any id it had."""
        if path:
            found = self.lineage_of.get((path, _current_blob(root, path)), self.path_lineage.get(path))
            if found is not None:
                return found
        return self.ids.get(record_id)

    def timeline(self, lineage: int) -> list[Event]:
        """The events of one record, oldest first."""
        return [self.events[i] for i in self.by_lineage.get(lineage, ())]

    def ids_of(self, lineage: int) -> list[str]:
        """Every number a record has had, in order of appearance."""
        return _ids_in(self.timeline(lineage))

    def first_parent_chain(self) -> list[str]:
        """HEAD's first-parent chain, oldest first (main's history as merged)."""
        return first_parent_chain(self.commits, self.head)


def first_parent_chain(commits: dict[str, tuple[str, tuple[str, ...], datetime]], head: str) -> list[str]:
    """HEAD's first-parent chain, oldest first, from sha -> (subject, parents, committed)."""
    chain: list[str] = []
    sha: str | None = head
    while sha and sha in commits:
        chain.append(sha)
        parents = commits[sha][1]
        sha = parents[0] if parents else None
    return chain[::-1]


def load_index(root: Path, config: Config, use_cache: bool = True) -> HistoryIndex:
    """The whole history of HEAD in memory (from the store, refreshed incrementally)."""
    store = open_store(root, config, use_cache)
    if store is None:
        return HistoryIndex()
    with store:
        index = HistoryIndex(store.head, store.commits(), list(store.iter_events()), store.pr_of())
        index.lineage_of, index.path_lineage, index.ids, index.next_lineage = store.lineage_maps()
    for i, event in enumerate(index.events):
        index.by_lineage.setdefault(event.lineage, []).append(i)
    return index


class RecordHistory(NamedTuple):
    """One record's timeline: every number it has had (in order) and its events, oldest first."""

    ids: list[str]
    events: list[Event]


def _ids_in(events: Iterable[Event]) -> list[str]:
    seen: dict[str, None] = {}
    for event in events:
        for rid in (event.old_id, event.record_id):
            if rid:
                seen.setdefault(rid)
    return list(seen)


def _current_blob(root: Path, path: str) -> str:
    try:
        return blob_sha((root / path).read_bytes())
    except OSError:
        return ""


def scan_record(root: Path, config: Config, record_id: str, path: str | None, paths: Sequence[str],
                head: str | None = None) -> RecordHistory:
    """One record's timeline straight from git: `git log` limited to its paths, the same lineage rules as
    the index (renames between those paths, re-creation under a new number keeping the old as alias).

    `path` is the record's current file (None when it no longer exists); `paths` every file it may have
    had (its former numbers' files). Three git processes, independent of the repository's size in records.
    """
    root = Path(root)
    head = head or head_sha(root) or ""
    wanted = list(dict.fromkeys(p for p in ([path] if path else []) + list(paths) if p))
    if not head or not wanted:
        return RecordHistory([], [])
    builder = EventBuilder(root, config)
    events = builder.events(read_log(root, head, paths=wanted))
    lineage = None
    if path:
        lineage = builder.lineage_of.get((path, _current_blob(root, path)), builder.path_lineage.get(path))
    if lineage is None:
        for event in events:
            if record_id in (event.old_id, event.record_id):
                lineage = event.lineage
    mine = [e for e in events if e.lineage == lineage] if lineage is not None else []
    if mine:
        graph = read_graph(root, head, mine[0].sha)
        pr_of = pr_merges({c.sha: c.parents for c in graph}, head)
        subjects = {c.sha: c.message for c in graph}
        for event in mine:
            event.pr = pr_of.get(event.sha, "")
            event.pr_subject = subjects.get(event.pr, "")
    return RecordHistory(_ids_in(mine), mine)


def record_history(root: Path, config: Config, record_id: str, path: str | None, paths: Sequence[str] = (),
                   use_cache: bool = True) -> RecordHistory:
    """One record's timeline at HEAD: from the history store when there is one (refreshed incrementally),
    else by `scan_record`. Never builds the whole history. Empty when the record has no history.
    """
    root = Path(root)
    head = head_sha(root)
    if not head:
        return RecordHistory([], [])
    store = open_store(root, config, build=False) if use_cache else None
    if store is not None:
        with store:
            lineage = store.lineage_for(record_id, path)
            events = list(store.iter_events(lineage)) if lineage is not None else []
        return RecordHistory(_ids_in(events), events)
    return scan_record(root, config, record_id, path, paths, head)


class ShardReader:
    """Many records' timelines from the history store: for bulk readers such as the site build.

    `open` brings the store to HEAD once (extending it incrementally, or building it when there is
    none); `events` then costs one indexed lookup per record. Each process opens its own connection,
    so a reader made before a fork works in the children.
    """

    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    @classmethod
    def open(cls, root: Path, config: Config) -> ShardReader | None:
        """A reader over the store at HEAD; None without commits."""
        store = open_store(root, config)
        return cls(store) if store is not None else None

    def events(self, record_id: str, path: str | None) -> list[Event]:
        """The record's events, oldest first (the same lineage rules as `record_history`)."""
        lineage = self.store.lineage_for(record_id, path)
        return list(self.store.iter_events(lineage)) if lineage is not None else []

"""The history index: every record's timeline from one pass over `git log` for the whole repository.

`load_index(root, config)` returns a HistoryIndex for HEAD: per record (a *lineage*, which follows
renames such as `svcnotes renumber`), the commits that touched it, with author, dates, message,
trailers, the PR merge it arrived in and field-level changes. The index is cached under
`.svcnotes-cache/history/` keyed by HEAD; when the cached HEAD is an ancestor of the new one only
the new commits are read. A missing or corrupt cache only makes it slower, never wrong.

`record_history(root, config, record_id, path, paths)` answers one record (`svcnotes history ID`)
without the whole index: from the per-record shard `records.sqlite` (written beside the index,
refreshed incrementally from the new commits only) when there is one, else from one `git log`
limited to the record's paths (its file and its former numbers), one `cat-file` and one graph read
for the PR merges, giving the same timeline as the index.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

from svcnotes.history.diff import Change, diff_records
from svcnotes.history.gitread import (BlobReader, Commit, blob_sha, head_sha, is_ancestor, read_graph, read_log,
                                     stream_log)
from svcnotes.history.versions import MISSING, Version, VersionReader
from svcnotes.model.config import CONFIG_FILE, Config

CACHE_DIR = ".svcnotes-cache/history"
CACHE_VERSION = 5
SHARD_FILE = "records.sqlite"
SHARD_VERSION = 1


@dataclass(slots=True)
class Event:
    """One commit's change to one record: what happened, who did it, and which fields changed."""

    sha: str
    author: str
    email: str
    date: datetime
    subject: str
    trailers: dict[str, str]
    action: str  # created, changed, renamed, deleted
    kind: str
    record_id: str
    old_id: str
    path: str
    old_path: str
    blob: str
    old_blob: str
    lineage: int
    changes: list[Change] = field(default_factory=list)
    approvals_added: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # severity, proposed_by, imported of the new version
    signature: str = ""  # git's %G? (only when read with signatures)
    pr: str = ""
    pr_subject: str = ""

    @property
    def status_change(self) -> tuple[Any, Any] | None:
        """(old, new) status when this commit changed it."""
        for change in self.changes:
            if change.field == "status":
                return change.old, change.new
        return None


def _kind(path: str) -> str:
    parts = path.split("/")
    return {"customers": "customer", "complaints": "complaint", "callbacks": "callback",
            "notes": "note"}.get(parts[1] if len(parts) > 2 else "", "")


class _Builder:
    """Turns commits into events, keeping lineage state so it can continue incrementally."""

    def __init__(self, root: Path, config: Config, lineage_of: dict[tuple[str, str], int] | None = None,
                 path_lineage: dict[str, int] | None = None, next_lineage: int = 0) -> None:
        self.root = root
        self.config = config
        self.lineage_of = {} if lineage_of is None else lineage_of
        self.path_lineage = {} if path_lineage is None else path_lineage
        self.next_lineage = next_lineage
        self.versions = VersionReader(config)

    def events(self, commits: Iterable[Commit] | Iterable[list[Commit]], batched: bool = False) -> list[Event]:
        """Events of `commits` (oldest first; or of batches of commits when `batched`), blobs read by one git process."""
        out: list[Event] = []
        with BlobReader(self.root) as blobs:
            if batched:
                for batch in commits:
                    out.extend(self._batch(batch, blobs))  # type: ignore[arg-type]
            else:
                batch: list[Commit] = []
                for commit in commits:  # type: ignore[assignment]
                    batch.append(commit)  # type: ignore[arg-type]
                    if len(batch) >= 1000:
                        out.extend(self._batch(batch, blobs))
                        batch = []
                out.extend(self._batch(batch, blobs))
        return out

    def _batch(self, commits: list[Commit], blobs: BlobReader) -> list[Event]:
        changes = [(commit, f) for commit in commits if not commit.is_merge for f in commit.files
                   if (f.path.endswith(".md") or f.old_path.endswith(".md")) and _kind(f.path or f.old_path)]
        got: dict[tuple[str, str], Version | None] = {}
        missing: list[tuple[str, str]] = []
        for _, f in changes:
            for blob, path in ((f.old_blob, f.old_path) if f.status != "A" else ("", ""),
                               (f.new_blob, f.path) if f.status != "D" else ("", "")):
                if path and (blob, path) not in got:
                    found = self.versions.cached(blob, path)
                    got[(blob, path)] = None if found is MISSING else found  # type: ignore[assignment]
                    if found is MISSING:
                        missing.append((blob, path))
        if missing:
            raw = blobs.read(blob for blob, _ in missing)
            for blob, path in missing:
                got[(blob, path)] = self.versions.read(raw[blob], blob, path) if blob in raw else None
        out: list[Event] = []
        told: dict[str, tuple[str, dict[str, str]]] = {}  # sha -> subject, trailers (computed once per commit)
        for commit, f in changes:
            said = told.get(commit.sha)
            if said is None:
                said = told[commit.sha] = (commit.subject, commit.trailers)
            old = got[(f.old_blob, f.old_path)] if f.status != "A" else None
            new = got[(f.new_blob, f.path)] if f.status != "D" else None
            lineage = self._lineage(f.status, f.old_path, f.old_blob, f.path, f.new_blob, new)
            action = {"A": "created", "D": "deleted", "R": "renamed"}.get(f.status, "changed")
            rid = (new.id if new else old.id if old else PurePosixPath(f.path).stem)
            out.append(Event(
                commit.sha, commit.author, commit.email, commit.date, said[0], said[1],
                action, _kind(f.path), rid, old.id if old else "", f.path, f.old_path if f.status != "A" else "",
                f.new_blob if f.status != "D" else "", f.old_blob if f.status != "A" else "", lineage,
                diff_records(old, new), _approvals_added(old, new), _facts(new or old), commit.signature))
        return out

    def _lineage(self, status: str, old_path: str, old_blob: str, path: str, new_blob: str,
                 new: Version | None) -> int:
        lineage = None
        if status != "A":
            lineage = self.lineage_of.get((old_path, old_blob), self.path_lineage.get(old_path))
        elif new is not None:
            for alias in new.data.get("aliases") or ():
                # a record re-created under a new number that keeps the old one as an alias
                cand = self.path_lineage.get(str(PurePosixPath(path).with_name(f"{alias}.md")))
                if cand is not None:
                    lineage = cand
                    break
        if lineage is None:
            lineage = self.next_lineage
            self.next_lineage += 1
        if status != "D":
            self.lineage_of[(path, new_blob)] = lineage
            self.path_lineage[path] = lineage
        return lineage


def _facts(record: Version | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {"severity": record.data.get("severity"), "proposed_by": record.data.get("proposed_by"),
            "imported": bool(record.data.get("imported")), "status": record.data.get("status")}


def _approvals_added(old: Version | None, new: Version | None) -> list[dict[str, Any]]:
    before = list(old.data.get("approvals") or ()) if old else []
    after = list(new.data.get("approvals") or ()) if new else []
    return [dict(a) for a in after if a not in before]


def pr_merges(commits: Iterable[Commit], head: str, known: dict[str, str] | None = None,
              seen: set[str] | None = None) -> dict[str, str]:
    """commit -> the first merge on HEAD's first-parent chain that brought it in ('' = directly on it).

    `known`/`seen` continue an earlier computation (every ancestor of the old HEAD is in `seen`).
    """
    parents = {c.sha: c.parents for c in commits}
    pr_of = dict(known or {})
    seen = set(seen or ())
    chain: list[str] = []
    sha: str | None = head
    while sha and sha not in seen and sha in parents:
        chain.append(sha)
        sha = parents[sha][0] if parents[sha] else None
    for sha in reversed(chain):
        seen.add(sha)
        pr_of[sha] = ""
        stack = list(parents[sha][1:])
        while stack:
            other = stack.pop()
            if other in seen or other not in parents:
                continue
            seen.add(other)
            pr_of[other] = sha
            stack.extend(parents[other])
    return pr_of


@dataclass
class HistoryIndex:
    """Every record's timeline at one HEAD, with lookups by id, alias and path."""

    head: str = ""
    commits: dict[str, tuple[str, tuple[str, ...], datetime]] = field(default_factory=dict)  # sha -> subject, parents, committed
    events: list[Event] = field(default_factory=list)
    pr_of: dict[str, str] = field(default_factory=dict)
    lineage_of: dict[tuple[str, str], int] = field(default_factory=dict)
    path_lineage: dict[str, int] = field(default_factory=dict)
    next_lineage: int = 0
    by_lineage: dict[int, list[int]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def _reindex(self) -> None:
        self.by_lineage = {}
        self.ids = {}
        for i, event in enumerate(self.events):
            self.by_lineage.setdefault(event.lineage, []).append(i)
        for i, event in enumerate(self.events):
            for rid in (event.old_id, event.record_id):
                if rid:
                    self.ids[rid] = event.lineage
            pr = self.pr_of.get(event.sha, "")
            event.pr = pr
            event.pr_subject = self.commits[pr][0] if pr in self.commits else ""

    def lineage_for(self, root: Path, record_id: str, path: str | None = None) -> int | None:
        """The lineage of a record: by its current file (exact blob) when given, else by any id it had."""
        if path:
            try:
                blob = blob_sha((root / path).read_bytes())
            except OSError:
                blob = ""
            found = self.lineage_of.get((path, blob), self.path_lineage.get(path))
            if found is not None:
                return found
        return self.ids.get(record_id)

    def timeline(self, lineage: int) -> list[Event]:
        """The events of one record, oldest first."""
        return [self.events[i] for i in self.by_lineage.get(lineage, ())]

    def ids_of(self, lineage: int) -> list[str]:
        """Every number a record has had, in order of appearance."""
        seen: dict[str, None] = {}
        for event in self.timeline(lineage):
            for rid in (event.old_id, event.record_id):
                if rid:
                    seen.setdefault(rid)
        return list(seen)

    def first_parent_chain(self) -> list[str]:
        """HEAD's first-parent chain, oldest first (main's history as merged)."""
        chain: list[str] = []
        sha: str | None = self.head
        while sha and sha in self.commits:
            chain.append(sha)
            parents = self.commits[sha][1]
            sha = parents[0] if parents else None
        return chain[::-1]


def _config_key(root: Path) -> str:
    try:
        data = (root / CONFIG_FILE).read_bytes()
    except OSError:
        data = b""
    return hashlib.sha1(data).hexdigest()


def build_index(root: Path, config: Config, base: HistoryIndex | None = None, head: str | None = None) -> HistoryIndex:
    """Build (or extend `base` to) the index of HEAD: one `git log` and one `cat-file` process."""
    head = head or head_sha(root) or ""
    if not head:
        return HistoryIndex()
    index = base or HistoryIndex()
    exclude = [index.head] if base and base.head else []
    builder = _Builder(root, config, index.lineage_of, index.path_lineage, index.next_lineage)
    new: set[str] = set()

    def batches() -> Iterator[list[Commit]]:
        for batch in stream_log(root, head, exclude):
            for c in batch:
                index.commits[c.sha] = (c.subject, c.parents, c.committed)
                new.add(c.sha)
            yield batch

    index.events.extend(builder.events(batches(), batched=True))
    index.next_lineage = builder.next_lineage
    index.lineage_of, index.path_lineage = builder.lineage_of, builder.path_lineage
    all_commits = [Commit(sha, parents, "", "", when, when, "") for sha, (_, parents, when) in index.commits.items()]
    index.pr_of = pr_merges(all_commits, head, index.pr_of if base else None, set(index.commits) - new
                            if base else None)
    index.head = head
    index._reindex()
    return index


def load_index(root: Path, config: Config, use_cache: bool = True) -> HistoryIndex:
    """The history index of HEAD, from the cache when possible (refreshed incrementally)."""
    root = Path(root)
    head = head_sha(root)
    if not head:
        return HistoryIndex()
    folder = root / CACHE_DIR
    key = _config_key(root)
    cached: HistoryIndex | None = None
    if use_cache and folder.is_dir():
        for entry in sorted(folder.glob("index-*.pickle")):
            try:
                with open(entry, "rb") as handle:
                    version, ckey, got = pickle.load(handle)
                if version == CACHE_VERSION and ckey == key and isinstance(got, HistoryIndex):
                    cached = got
            except Exception:  # a corrupt cache is ignored: it can only make us slower
                cached = None
            if cached is not None:
                break
    if cached is not None and cached.head == head:
        return cached
    if cached is not None and not is_ancestor(root, cached.head, head):
        cached = None
    index = build_index(root, config, cached, head)
    if use_cache:
        _save(folder, head, key, index)
    return index


def _save(folder: Path, head: str, key: str, index: HistoryIndex) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((CACHE_VERSION, key, index), handle, protocol=pickle.HIGHEST_PROTOCOL)
        target = folder / f"index-{head}.pickle"
        os.replace(tmp, target)
        for old in folder.glob("index-*.pickle"):
            if old != target:
                old.unlink(missing_ok=True)
        _write_shard(folder, key, index)
    except (OSError, sqlite3.Error):
        pass


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


# -- the per-record shard: .svcnotes-cache/history/records.sqlite ---------------------------------

_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE lineage (id INTEGER PRIMARY KEY, events BLOB NOT NULL);
CREATE TABLE ids (id TEXT PRIMARY KEY, lineage INTEGER NOT NULL);
CREATE TABLE blobs (path TEXT NOT NULL, blob TEXT NOT NULL, lineage INTEGER NOT NULL, PRIMARY KEY (path, blob));
CREATE TABLE paths (path TEXT PRIMARY KEY, lineage INTEGER NOT NULL);
"""


def _write_shard(folder: Path, key: str, index: HistoryIndex) -> None:
    """Write the per-record shard of a whole index (atomically: a new file replaces the old one)."""
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".sqlite.tmp")
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        with conn:
            conn.executescript(_SCHEMA)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("version", str(SHARD_VERSION)), ("config", key), ("head", index.head),
                ("next_lineage", str(index.next_lineage))])
            conn.executemany("INSERT INTO lineage VALUES (?, ?)", (
                (lineage, pickle.dumps([index.events[i] for i in positions], pickle.HIGHEST_PROTOCOL))
                for lineage, positions in index.by_lineage.items()))
            conn.executemany("INSERT INTO ids VALUES (?, ?)", index.ids.items())
            conn.executemany("INSERT INTO blobs VALUES (?, ?, ?)", ((p, b, n) for (p, b), n in index.lineage_of.items()))
            conn.executemany("INSERT INTO paths VALUES (?, ?)", index.path_lineage.items())
        conn.close()
        os.replace(tmp, folder / SHARD_FILE)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class _ShardMap:
    """A lineage lookup (blobs or paths table) read lazily from the shard, with new entries kept in memory."""

    def __init__(self, conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
        self.conn, self.table, self.columns = conn, table, columns
        self.new: dict[Any, int] = {}

    def get(self, key: Any, default: int | None = None) -> int | None:
        """The lineage stored under `key` (a path, or a (path, blob) pair)."""
        if key in self.new:
            return self.new[key]
        where = " AND ".join(f"{c} = ?" for c in self.columns)
        row = self.conn.execute(f"SELECT lineage FROM {self.table} WHERE {where}",
                                key if isinstance(key, tuple) else (key,)).fetchone()
        return row[0] if row else default

    def __setitem__(self, key: Any, value: int) -> None:
        self.new[key] = value

    def rows(self) -> list[tuple[Any, ...]]:
        """The new entries as table rows."""
        return [(*(k if isinstance(k, tuple) else (k,)), v) for k, v in self.new.items()]


def _refresh_shard(conn: sqlite3.Connection, root: Path, config: Config, old_head: str, head: str,
                   next_lineage: int) -> None:
    """Extend the shard from `old_head` (an ancestor) to `head`: only the new commits are read."""
    commits = read_log(root, head, [old_head])
    blobs, paths = _ShardMap(conn, "blobs", ("path", "blob")), _ShardMap(conn, "paths", ("path",))
    builder = _Builder(root, config, blobs, paths, next_lineage)  # type: ignore[arg-type]
    events = builder.events(commits)
    pr_of = pr_merges(commits, head)  # every older commit is outside the new range: its PR is already known
    subjects = {c.sha: c.subject for c in commits}
    grouped: dict[int, list[Event]] = {}
    for event in events:
        event.pr = pr_of.get(event.sha, "")
        event.pr_subject = subjects.get(event.pr, "")
        grouped.setdefault(event.lineage, []).append(event)
    with conn:
        for lineage, new in grouped.items():
            row = conn.execute("SELECT events FROM lineage WHERE id = ?", (lineage,)).fetchone()
            old: list[Event] = pickle.loads(row[0]) if row else []
            conn.execute("INSERT OR REPLACE INTO lineage VALUES (?, ?)",
                         (lineage, pickle.dumps(old + new, pickle.HIGHEST_PROTOCOL)))
        for event in events:
            for rid in (event.old_id, event.record_id):
                if rid:
                    conn.execute("INSERT OR REPLACE INTO ids VALUES (?, ?)", (rid, event.lineage))
        conn.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)", blobs.rows())
        conn.executemany("INSERT OR REPLACE INTO paths VALUES (?, ?)", paths.rows())
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         [("head", head), ("next_lineage", str(builder.next_lineage))])


def _from_shard(root: Path, config: Config, record_id: str, path: str | None, head: str) -> RecordHistory | None:
    """The record's timeline from the shard (refreshed to HEAD first); None when there is no usable shard."""
    file = root / CACHE_DIR / SHARD_FILE
    if not file.is_file():
        return None
    conn = sqlite3.connect(file, timeout=5)
    try:
        meta = dict(conn.execute("SELECT k, v FROM meta").fetchall())
        if meta.get("version") != str(SHARD_VERSION) or meta.get("config") != _config_key(root):
            return None
        if meta["head"] != head:
            if not is_ancestor(root, meta["head"], head):
                return None
            _refresh_shard(conn, root, config, meta["head"], head, int(meta["next_lineage"]))
        lineage = None
        if path:
            row = conn.execute("SELECT lineage FROM blobs WHERE path = ? AND blob = ?",
                               (path, _current_blob(root, path))).fetchone()
            row = row or conn.execute("SELECT lineage FROM paths WHERE path = ?", (path,)).fetchone()
            lineage = row[0] if row else None
        if lineage is None:
            row = conn.execute("SELECT lineage FROM ids WHERE id = ?", (record_id,)).fetchone()
            lineage = row[0] if row else None
        if lineage is None:
            return RecordHistory([], [])
        row = conn.execute("SELECT events FROM lineage WHERE id = ?", (lineage,)).fetchone()
        events: list[Event] = pickle.loads(row[0]) if row else []
        return RecordHistory(_ids_in(events), events)
    except Exception:  # a corrupt or foreign shard is ignored: it can only make us slower
        return None
    finally:
        conn.close()


# -- one record without any index ----------------------------------------------------------------

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
    builder = _Builder(root, config)
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
        pr_of = pr_merges(graph, head)
        subjects = {c.sha: c.message for c in graph}
        for event in mine:
            event.pr = pr_of.get(event.sha, "")
            event.pr_subject = subjects.get(event.pr, "")
    return RecordHistory(_ids_in(mine), mine)


def record_history(root: Path, config: Config, record_id: str, path: str | None, paths: Sequence[str] = (),
                   use_cache: bool = True) -> RecordHistory:
    """One record's timeline at HEAD: from the per-record shard when there is one (refreshed incrementally),
    else by `scan_record`. Never builds the whole index. Empty when the record has no history.
    """
    root = Path(root)
    head = head_sha(root)
    if not head:
        return RecordHistory([], [])
    if use_cache:
        found = _from_shard(root, config, record_id, path, head)
        if found is not None:
            return found
    return scan_record(root, config, record_id, path, paths, head)


class ShardReader:
    """Many records' timelines from the per-record shard: for bulk readers such as the site build.

    `open` brings the shard to HEAD once (refreshing it incrementally, or building the index when
    there is no usable shard); `events` then costs one indexed lookup and one unpickle per record.
    Each process opens its own connection, so a reader made before a fork works in the children.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.file = self.root / CACHE_DIR / SHARD_FILE
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    @classmethod
    def open(cls, root: Path, config: Config) -> ShardReader | None:
        """A reader over a shard current at HEAD; None without commits or when no shard can be written."""
        root = Path(root)
        head = head_sha(root)
        if not head:
            return None
        if _from_shard(root, config, "", None, head) is None:
            load_index(root, config)  # builds the index and writes the shard
            if _from_shard(root, config, "", None, head) is None:
                return None
        return cls(root)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            self._conn = sqlite3.connect(f"file:{self.file}?mode=ro", uri=True, timeout=5)
            self._pid = os.getpid()
        return self._conn

    def events(self, record_id: str, path: str | None) -> list[Event]:
        """The record's events, oldest first (the same lineage rules as `record_history`)."""
        conn = self._connection()
        row = None
        if path:
            row = conn.execute("SELECT lineage FROM blobs WHERE path = ? AND blob = ?",
                               (path, _current_blob(self.root, path))).fetchone()
            row = row or conn.execute("SELECT lineage FROM paths WHERE path = ?", (path,)).fetchone()
        row = row or conn.execute("SELECT lineage FROM ids WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            return []
        found = conn.execute("SELECT events FROM lineage WHERE id = ?", (row[0],)).fetchone()
        return pickle.loads(found[0]) if found else []

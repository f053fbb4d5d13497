"""The history store: every record's events at one HEAD, in `.svcnotes-cache/history/history.sqlite`.

It is written during the one pass over `git log` (events are stored as they are made, so memory
stays bounded at any repository size; worker processes type the versions, see ingest.py) and
extended from the new commits only when HEAD moves forward. Readers stream every event in commit
order (`svcnotes log`) or read one record's events through an index (`svcnotes history ID`, the
site's timelines). A store opened to stream (`open_store(..., stream=True)`) and not written yet is
written by its first `iter_events()`, which yields each event as soon as it is made: a cold
`svcnotes log` prints while git log is still running, and never reads its events back. A missing,
corrupt or foreign store is rebuilt: it can only make a command slower, never wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing
from datetime import datetime
from pathlib import Path
from typing import Any

from svcnotes.history.diff import Change
from svcnotes.history.events import ContentReader, Event, EventBuilder, pr_merges, record_changes
from svcnotes.history.gitread import BlobReader, Commit, FileChange, blob_sha, head_sha, is_ancestor, stream_log
from svcnotes.history.ingest import FirstParents, Made, Pool, PullRequests, made_rows
from svcnotes.model.config import CONFIG_FILE, Config
from svcnotes.store import cachefile
from svcnotes.store.bulk import may_fork, paused_gc, source_key, worker_count

CACHE_DIR = ".svcnotes-cache/history"
STORE_FILE = "history.sqlite"
STORE_VERSION = "4"

_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE events (seq INTEGER PRIMARY KEY, lineage INTEGER NOT NULL, sha TEXT NOT NULL, action TEXT NOT NULL,
    kind TEXT NOT NULL, record_id TEXT NOT NULL, old_id TEXT NOT NULL, path TEXT NOT NULL, old_path TEXT NOT NULL,
    blob TEXT NOT NULL, old_blob TEXT NOT NULL, content BLOB NOT NULL);
CREATE TABLE commits (sha TEXT NOT NULL, parents TEXT NOT NULL, subject TEXT NOT NULL, committed TEXT NOT NULL,
    author TEXT NOT NULL, email TEXT NOT NULL, date TEXT NOT NULL, trailers TEXT NOT NULL, signature TEXT NOT NULL);
CREATE TABLE prs (sha TEXT PRIMARY KEY, pr TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE ids (id TEXT PRIMARY KEY, lineage INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE blobs (path TEXT NOT NULL, blob TEXT NOT NULL, lineage INTEGER NOT NULL, PRIMARY KEY (path, blob)) WITHOUT ROWID;
CREATE TABLE paths (path TEXT PRIMARY KEY, lineage INTEGER NOT NULL) WITHOUT ROWID;
"""
# made once a new store is written (an index filled in key order, not row by row as rows come)
_INDEXES = ("CREATE INDEX events_lineage ON events (lineage, seq)", "CREATE UNIQUE INDEX commits_sha ON commits (sha)")
_EVENTS = ("SELECT e.sha, c.author, c.email, c.date, c.subject, c.trailers, e.action, e.kind, e.record_id, e.old_id, "
           "e.path, e.old_path, e.blob, e.old_blob, e.lineage, e.content, c.signature, p.pr, m.subject "
           "FROM events e JOIN commits c ON c.sha = e.sha LEFT JOIN prs p ON p.sha = e.sha "
           "LEFT JOIN commits m ON m.sha = p.pr")


def config_key(root: Path) -> str:
    """A digest of svcnotes.toml and of the code that types and diffs versions (model, store, history):
    events depend on both, so a new configuration or an edited reader or rule means a new store."""
    try:
        data = (root / CONFIG_FILE).read_bytes()
    except OSError:
        data = b""
    return hashlib.sha1(data + source_key("model", "store", "history").encode()).hexdigest()


def load_event(row: tuple[Any, ...]) -> Event:
    """An event from a row of `_EVENTS`."""
    changes, approvals, facts = pickle.loads(row[15])
    return Event(row[0], row[1], row[2], datetime.fromisoformat(row[3]), row[4], json.loads(row[5]),
                 row[6], row[7], row[8], row[9], row[10], row[11], row[12], row[13], row[14],
                 list(map(Change._make, changes)), approvals, facts, row[16], row[17] or "", row[18] or "")


_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False) without a new encoder each time


def _commit_row(c: Commit, subject: str, trailers: dict[str, str]) -> tuple[str, ...]:
    date, committed = c.iso if c.iso[0] else (c.date.isoformat(), c.committed.isoformat())  # both read back alike
    return (c.sha, " ".join(c.parents), subject, committed, c.author, c.email, date,
            _json(trailers) if trailers else "{}", c.signature)


def _told(c: Commit) -> tuple[str, dict[str, str]]:
    """A commit's subject and trailers."""
    return c.subject, c.trailers if "\n\n" in c.message else {}  # one paragraph has no trailers


class _Lookup:
    """A lineage lookup (the blobs or paths table), read lazily, with new entries kept in memory."""

    def __init__(self, conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
        self.conn, self.table = conn, table
        self.sql = f"SELECT lineage FROM {table} WHERE " + " AND ".join(f"{c} = ?" for c in columns)
        self.new: dict[Any, int] = {}

    def get(self, key: Any, default: int | None = None) -> int | None:
        """The lineage stored under `key` (a path, or a (path, blob) pair)."""
        if key in self.new:
            return self.new[key]
        row = self.conn.execute(self.sql, key if isinstance(key, tuple) else (key,)).fetchone()
        return row[0] if row else default

    def __setitem__(self, key: Any, value: int) -> None:
        self.new[key] = value


def _extend(conn: sqlite3.Connection, root: Path, config: Config, head: str, old_head: str = "",
            emit: bool = False) -> Iterator[Event]:
    """Add the events of every commit reachable from `head` but not from `old_head` ('' = all); with `emit`,
    yield each event (PR merge included) as soon as it is written and its merge has been read.

    A whole history is typed by worker processes (ingest.Pool) while this process follows git log,
    assigns lineages and writes, so the work overlaps git's own pass on every core."""
    meta = dict(conn.execute("SELECT k, v FROM meta").fetchall())
    fresh = not old_head
    if fresh:
        builder = EventBuilder(root, config)
        seq = 0
    else:
        builder = EventBuilder(root, config, _Lookup(conn, "blobs", ("path", "blob")),  # type: ignore[arg-type]
                               _Lookup(conn, "paths", ("path",)), int(meta["next_lineage"]))  # type: ignore[arg-type]
        seq = (conn.execute("SELECT max(seq) FROM events").fetchone()[0] or -1) + 1
    parents: dict[str, tuple[str, ...]] = {}
    ids: dict[str, int] = {}
    waiting: deque[Event] = deque()  # events written whose PR merge is not known yet
    insert = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    def write(batch: list[Commit], changes: list[tuple[Commit, FileChange]], made: Iterable[Made]) -> None:
        nonlocal seq
        told = {c.sha: _told(c) for c in batch}
        rows = []
        versions = []  # (path, blob) -> lineage, as the builder records it: written as it grows, not all at the end
        for (commit, f), m in zip(changes, made, strict=True):
            lineage = builder.lineage(f, m[0])
            rows.append((seq, lineage, commit.sha) + m[1:])
            if f.status != "D":
                versions.append((f.path, f.new_blob, lineage))
            seq += 1
            if m[4]:
                ids[m[4]] = lineage
            if m[3]:
                ids[m[3]] = lineage
            if emit:
                done, approvals, facts = pickle.loads(m[9])
                subject, trailers = told[commit.sha]
                waiting.append(Event(commit.sha, commit.author, commit.email, commit.date, subject, trailers, m[1], m[2],
                                     m[3], m[4], m[5], m[6], m[7], m[8], lineage, list(map(Change._make, done)), approvals,
                                     facts, commit.signature))
        conn.executemany(insert, rows)
        conn.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)", versions)
        conn.executemany("INSERT OR REPLACE INTO commits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [_commit_row(c, *told[c.sha]) for c in batch])
        if not emit:  # otherwise PullRequests keeps the graph
            for commit in batch:
                parents[commit.sha] = commit.parents

    def ready(batch: list[Commit]) -> Iterator[Event]:
        """The waiting events whose merge is known, in order."""
        if prs is None:
            return
        prs.read(batch)
        while waiting and waiting[0].sha in prs.pr_of:
            event = waiting.popleft()
            event.pr = prs.pr_of[event.sha]
            event.pr_subject = prs.subjects.get(event.pr, "")
            yield event

    prs: PullRequests | None = None
    with ExitStack() as stack:
        stack.enter_context(paused_gc())  # events and versions hold no cycles: collecting is pure overhead here
        count = worker_count()
        # forked first (before the log's threads); as before, also from `serve`, whose HTTP thread is idle
        pool = stack.enter_context(Pool(root, config, count)) if fresh and count > 1 and may_fork(threads_ok=True) else None
        chain = stack.enter_context(closing(FirstParents(root, head))) if emit else None
        log = stack.enter_context(closing(stream_log(root, head, [old_head] if old_head else [])))
        if pool is not None:
            pending: tuple[list[Commit], list[tuple[Commit, FileChange]]] | None = None
            for batch in log:
                changes = record_changes(batch)
                pool.send([f for _, f in changes])
                if pending is not None:  # the previous batch is done while this one is being read
                    write(*pending, pool.receive())
                    if chain is not None and prs is None:
                        prs = PullRequests(chain.chain())
                    yield from ready(pending[0])
                pending = (batch, changes)
            pool.close()  # the workers end while the last batch is written
            if pending is not None:
                write(*pending, pool.receive())
                if chain is not None and prs is None:
                    prs = PullRequests(chain.chain())
                yield from ready(pending[0])
        else:
            reader = ContentReader(config)
            blobs = stack.enter_context(BlobReader(root))
            for batch in log:
                changes = record_changes(batch)
                write(batch, changes, made_rows(reader, [f for _, f in changes], blobs))
                if chain is not None and prs is None:
                    prs = PullRequests(chain.chain())
                yield from ready(batch)
    # every commit outside the new range was reachable before: its PR is already known
    pr_of = prs.pr_of if prs is not None else pr_merges(parents, head)
    for event in waiting:  # pragma: no cover - every commit's merge is read before the log ends
        event.pr = pr_of.get(event.sha, "")
    yield from waiting
    # in key order: each table's index is appended to rather than split all over
    conn.executemany("INSERT OR REPLACE INTO prs VALUES (?, ?)", sorted((sha, pr) for sha, pr in pr_of.items() if pr))
    conn.executemany("INSERT OR REPLACE INTO ids VALUES (?, ?)", sorted(ids.items()))
    path_lineage = builder.path_lineage if fresh else builder.path_lineage.new  # type: ignore[attr-defined]
    conn.executemany("INSERT OR REPLACE INTO paths VALUES (?, ?)", sorted(path_lineage.items()))
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                     [("head", head), ("next_lineage", str(builder.next_lineage))])
    if fresh:
        for index in _INDEXES:
            conn.execute(index)


def _new(file: str, key: str) -> sqlite3.Connection:
    conn = sqlite3.connect(file, timeout=30)
    conn.execute("PRAGMA page_size = 16384")  # rows of a few hundred bytes: fewer, fuller pages
    conn.execute("PRAGMA journal_mode = OFF")  # a cache: a build that fails leaves nothing behind, and is redone
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: the indexes written in any order stay in memory
    with conn:
        conn.executescript(_SCHEMA)
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [("version", STORE_VERSION), ("config", key)])
    return conn


def _build(file: str, root: Path, config: Config, head: str, key: str) -> sqlite3.Connection:
    conn = _new(file, key)
    with conn:
        for _ in _extend(conn, root, config, head):
            pass
    return conn


class _Building:
    """A store not written yet: written by `events()` (which yields each event as soon as it is known) or
    `finish()`, into a temporary file that replaces the store's file once complete."""

    def __init__(self, tmp: str, file: Path, root: Path, config: Config, head: str, key: str) -> None:
        self.tmp, self.file, self.root, self.config, self.head, self.key = tmp, file, root, config, head, key

    def events(self, emit: bool = True) -> Iterator[Event]:
        """Every event in commit order, as it is written (stopping early leaves no store); none without `emit`."""
        try:
            conn = _new(self.tmp, self.key)
            try:
                with conn:
                    yield from _extend(conn, self.root, self.config, self.head, emit=emit)
            finally:
                conn.close()
            os.replace(self.tmp, self.file)
            _drop_others(self.file.parent)
        finally:
            self.abandon()

    def finish(self) -> None:
        """Write the whole store."""
        for _ in self.events(emit=False):
            pass

    def abandon(self) -> None:
        """Remove what was written so far."""
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


def _drop_others(folder: Path) -> None:
    for old_file in folder.iterdir():  # caches of earlier versions
        if old_file.name != STORE_FILE and not old_file.name.endswith(".tmp"):
            old_file.unlink(missing_ok=True)


def _usable(conn: sqlite3.Connection, root: Path, key: str, head: str) -> str | None:
    """The stored head when the store is ours and HEAD descends from it, else None."""
    meta = dict(conn.execute("SELECT k, v FROM meta").fetchall())
    if meta.get("version") != STORE_VERSION or meta.get("config") != key or "head" not in meta:
        return None
    if meta["head"] != head and not is_ancestor(root, meta["head"], head):
        return None
    return meta["head"]


class HistoryStore:
    """An open store at HEAD. Each process opens its own connection (safe to use after a fork)."""

    def __init__(self, root: Path, file: Path | None, conn: sqlite3.Connection | None = None,
                 building: _Building | None = None) -> None:
        self.root, self.file = Path(root), file
        self._conn, self._pid = conn, os.getpid()
        self._lineages: dict[str, int] | None = None
        self._building = building

    def _db(self) -> sqlite3.Connection:
        if self._building is not None:  # written when first read
            building, self._building = self._building, None
            building.finish()
        if self._conn is None or (self.file is not None and self._pid != os.getpid()):
            self._conn = sqlite3.connect(f"file:{self.file}?mode=ro", uri=True, timeout=30)
            self._pid = os.getpid()
        return self._conn

    def close(self) -> None:
        """Close this process's connection (a store never read is not written)."""
        if self._building is not None:
            self._building.abandon()
            self._building = None
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def head(self) -> str:
        """The commit the store describes."""
        return str(self._db().execute("SELECT v FROM meta WHERE k = 'head'").fetchone()[0])

    def iter_events(self, lineage: int | None = None) -> Iterator[Event]:
        """Every event in commit order (parents first), or one record's (lineage) events.

        A store opened with `stream` and not written yet is written now, each event yielded as soon as
        git log and the workers have made it (and its PR merge has been read)."""
        if lineage is None and self._building is not None:
            building, self._building = self._building, None
            yield from building.events()
            return
        if lineage is None:
            rows: Iterable[tuple[Any, ...]] = self._db().execute(_EVENTS + " ORDER BY e.seq")
        else:
            rows = self._db().execute(_EVENTS + " WHERE e.lineage = ? ORDER BY e.seq", (lineage,))
        for row in rows:
            yield load_event(row)

    def version_of(self, lineage: int) -> int:
        """The place of the lineage's newest event in the store (-1 without events): it changes exactly
        when the lineage's events do, so it versions anything made from them (the site's timelines)."""
        row = self._db().execute("SELECT max(seq) FROM events WHERE lineage = ?", (lineage,)).fetchone()
        return int(row[0]) if row and row[0] is not None else -1

    def lineage_by_id(self, record_id: str) -> int | None:
        """The lineage of the record that has (or had) this number."""
        row = self._db().execute("SELECT lineage FROM ids WHERE id = ?", (record_id,)).fetchone()
        return row[0] if row else None

    def lineage_for(self, record_id: str, path: str | None = None, blob: str | None = None) -> int | None:
        """A record's lineage: by its current file (exact content, then path) when given, else by number.
        `blob` is the file's git blob id when the caller knows it (else the file is read)."""
        db = self._db()
        row = None
        if path:
            if blob is None:
                try:
                    blob = blob_sha((self.root / path).read_bytes())
                except OSError:
                    blob = ""
            row = db.execute("SELECT lineage FROM blobs WHERE path = ? AND blob = ?", (path, blob)).fetchone() \
                or db.execute("SELECT lineage FROM paths WHERE path = ?", (path,)).fetchone()
        return row[0] if row else self.lineage_by_id(record_id)

    def commits(self) -> dict[str, tuple[str, tuple[str, ...], datetime]]:
        """sha -> (subject, parents, committed) of every commit."""
        return {sha: (subject, tuple(parents.split()), datetime.fromisoformat(when))
                for sha, parents, subject, when in self._db().execute("SELECT sha, parents, subject, committed FROM commits")}

    def pr_of(self) -> dict[str, str]:
        """commit -> the merge that brought it into HEAD's first-parent chain (only commits that came in one)."""
        return dict(self._db().execute("SELECT sha, pr FROM prs").fetchall())

    def paths(self) -> set[str]:
        """Every record file that existed in any commit reachable from the store's head."""
        return {p for (p,) in self._db().execute("SELECT path FROM paths")}

    def lineage_maps(self) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int], int]:
        """(path, blob) -> lineage, path -> lineage, id -> lineage, and the next free lineage number."""
        db = self._db()
        blobs = {(p, b): n for p, b, n in db.execute("SELECT path, blob, lineage FROM blobs")}
        paths = dict(db.execute("SELECT path, lineage FROM paths").fetchall())
        ids = dict(db.execute("SELECT id, lineage FROM ids").fetchall())
        nxt = int(db.execute("SELECT v FROM meta WHERE k = 'next_lineage'").fetchone()[0])
        return blobs, paths, ids, nxt


def peek_store(root: Path) -> HistoryStore | None:
    """The cached store as it is (not brought to HEAD), or None when there is none usable."""
    root = Path(root)
    file = root / CACHE_DIR / STORE_FILE
    if not file.is_file():
        return None
    store = HistoryStore(root, file)
    try:
        meta = dict(store._db().execute("SELECT k, v FROM meta").fetchall())
        if meta.get("version") == STORE_VERSION and meta.get("config") == config_key(root) and meta.get("head"):
            return store
    except sqlite3.Error:
        pass
    store.close()
    return None


def open_store(root: Path, config: Config, use_cache: bool = True, build: bool = True,
               stream: bool = False) -> HistoryStore | None:
    """The history store at HEAD: the cached one (extended by the new commits when HEAD moved on), else
    a new one (written to the cache when `use_cache`; without `build`, None instead). None without commits.

    With `stream`, a new store is written when first read: a first `iter_events()` yields the events
    while git log is still being read (a whole-history command then overlaps git's pass)."""
    root = Path(root)
    head = head_sha(root)
    if not head:
        return None
    key = config_key(root)
    folder = root / CACHE_DIR
    file = folder / STORE_FILE
    if use_cache and file.is_file():
        try:
            conn = sqlite3.connect(file, timeout=30)
            try:
                old = _usable(conn, root, key, head)
                if old is not None and old != head:
                    conn.execute("BEGIN IMMEDIATE")  # one refresher at a time; the others wait, then see it done
                    old = _usable(conn, root, key, head)
                    if old is not None and old != head:
                        for _ in _extend(conn, root, config, head, old):
                            pass
                    conn.commit()
            finally:
                conn.close()
            if old is not None:
                return HistoryStore(root, file)
        except (sqlite3.Error, pickle.UnpicklingError, KeyError, ValueError, TypeError):
            cachefile.ignored(file)  # corrupt or foreign: rebuilt below
    if not build:
        return None
    if use_cache:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".sqlite.tmp")
            os.close(fd)
            building = _Building(tmp, file, root, config, head, key)
            if stream:
                return HistoryStore(root, file, building=building)
            building.finish()
            return HistoryStore(root, file)
        except OSError:
            pass  # a read-only work tree: keep it in memory
    return HistoryStore(root, None, _build(":memory:", root, config, head, key))

"""The history store: every record's events at one HEAD, in `.svcnotes-cache/history/history.sqlite`.

It is written during the one pass over `git log` (events are stored as they are made, so memory
stays bounded at any repository size) and extended from the new commits only when HEAD moves
forward. Readers stream every event in commit order (`svcnotes log`) or read one record's events
through an index (`svcnotes history ID`, the site's timelines). A missing, corrupt or foreign store
is rebuilt: it can only make a command slower, never wrong.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from svcnotes.history.diff import Change
from svcnotes.history.events import Event, EventBuilder, pr_merges
from svcnotes.history.gitread import BlobReader, blob_sha, head_sha, is_ancestor, stream_log
from svcnotes.model.config import CONFIG_FILE, Config

CACHE_DIR = ".svcnotes-cache/history"
STORE_FILE = "history.sqlite"
STORE_VERSION = "1"

_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE events (seq INTEGER PRIMARY KEY, lineage INTEGER NOT NULL, sha TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE commits (sha TEXT PRIMARY KEY, parents TEXT NOT NULL, subject TEXT NOT NULL, committed TEXT NOT NULL);
CREATE TABLE prs (sha TEXT PRIMARY KEY, pr TEXT NOT NULL);
CREATE TABLE ids (id TEXT PRIMARY KEY, lineage INTEGER NOT NULL);
CREATE TABLE blobs (path TEXT NOT NULL, blob TEXT NOT NULL, lineage INTEGER NOT NULL, PRIMARY KEY (path, blob));
CREATE TABLE paths (path TEXT PRIMARY KEY, lineage INTEGER NOT NULL);
"""
_INDEX = "CREATE INDEX events_lineage ON events (lineage, seq)"
_EVENTS = ("SELECT e.data, p.pr, m.subject FROM events e LEFT JOIN prs p ON p.sha = e.sha "
           "LEFT JOIN commits m ON m.sha = p.pr")


def config_key(root: Path) -> str:
    """A digest of svcnotes.toml: typed values depend on it, so a new configuration means a new store."""
    try:
        data = (root / CONFIG_FILE).read_bytes()
    except OSError:
        data = b""
    return hashlib.sha1(data).hexdigest()


def dump_event(e: Event) -> bytes:
    """An event as stored (its PR is stored per commit, not per event)."""
    return pickle.dumps((e.sha, e.author, e.email, e.date, e.subject, e.trailers, e.action, e.kind, e.record_id,
                         e.old_id, e.path, e.old_path, e.blob, e.old_blob, e.lineage, [tuple(c) for c in e.changes],
                         e.approvals_added, e.facts, e.signature), pickle.HIGHEST_PROTOCOL)


def load_event(data: bytes, pr: str | None, pr_subject: str | None) -> Event:
    """An event as stored, with the PR merge that brought it in."""
    t = pickle.loads(data)
    return Event(*t[:15], [Change(*c) for c in t[15]], t[16], t[17], t[18], pr or "", pr_subject or "")


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


def _extend(conn: sqlite3.Connection, root: Path, config: Config, head: str, old_head: str = "") -> None:
    """Add the events of every commit reachable from `head` but not from `old_head` ('' = all)."""
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
    with BlobReader(root) as blobs:
        for batch in stream_log(root, head, [old_head] if old_head else []):
            events = builder.batch(batch, blobs)
            conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)",
                             [(seq + i, e.lineage, e.sha, dump_event(e)) for i, e in enumerate(events)])
            seq += len(events)
            conn.executemany("INSERT OR REPLACE INTO commits VALUES (?, ?, ?, ?)",
                             [(c.sha, " ".join(c.parents), c.subject, c.committed.isoformat()) for c in batch])
            for c in batch:
                parents[c.sha] = c.parents
            for e in events:
                for rid in (e.old_id, e.record_id):
                    if rid:
                        ids[rid] = e.lineage
    # every commit outside the new range was reachable before: its PR is already known
    conn.executemany("INSERT OR REPLACE INTO prs VALUES (?, ?)",
                     [(sha, pr) for sha, pr in pr_merges(parents, head).items() if pr])
    conn.executemany("INSERT OR REPLACE INTO ids VALUES (?, ?)", ids.items())
    lineage_of, path_lineage = builder.lineage_of, builder.path_lineage
    if not fresh:
        lineage_of, path_lineage = lineage_of.new, path_lineage.new  # type: ignore[attr-defined]
    conn.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)", ((p, b, n) for (p, b), n in lineage_of.items()))
    conn.executemany("INSERT OR REPLACE INTO paths VALUES (?, ?)", path_lineage.items())
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                     [("head", head), ("next_lineage", str(builder.next_lineage))])
    if fresh:
        conn.execute(_INDEX)


def _build(file: str, root: Path, config: Config, head: str, key: str) -> sqlite3.Connection:
    conn = sqlite3.connect(file, timeout=30)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    with conn:
        conn.executescript(_SCHEMA)
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [("version", STORE_VERSION), ("config", key)])
        _extend(conn, root, config, head)
    return conn


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

    def __init__(self, root: Path, file: Path | None, conn: sqlite3.Connection | None = None) -> None:
        self.root, self.file = Path(root), file
        self._conn, self._pid = conn, os.getpid()
        self._lineages: dict[str, int] | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or (self.file is not None and self._pid != os.getpid()):
            self._conn = sqlite3.connect(f"file:{self.file}?mode=ro", uri=True, timeout=30)
            self._pid = os.getpid()
        return self._conn

    def close(self) -> None:
        """Close this process's connection."""
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
        """Every event in commit order (parents first), or one record's (lineage) events."""
        if lineage is None:
            rows: Iterable[tuple[bytes, str, str]] = self._db().execute(_EVENTS + " ORDER BY e.seq")
        else:
            rows = self._db().execute(_EVENTS + " WHERE e.lineage = ? ORDER BY e.seq", (lineage,))
        for data, pr, subject in rows:
            yield load_event(data, pr, subject)

    def lineage_by_id(self, record_id: str) -> int | None:
        """The lineage of the record that has (or had) this number."""
        row = self._db().execute("SELECT lineage FROM ids WHERE id = ?", (record_id,)).fetchone()
        return row[0] if row else None

    def lineage_for(self, record_id: str, path: str | None = None) -> int | None:
        """A record's lineage: by its current file (exact content, then path) when given, else by number."""
        db = self._db()
        row = None
        if path:
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

    def lineage_maps(self) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int], int]:
        """(path, blob) -> lineage, path -> lineage, id -> lineage, and the next free lineage number."""
        db = self._db()
        blobs = {(p, b): n for p, b, n in db.execute("SELECT path, blob, lineage FROM blobs")}
        paths = dict(db.execute("SELECT path, lineage FROM paths").fetchall())
        ids = dict(db.execute("SELECT id, lineage FROM ids").fetchall())
        nxt = int(db.execute("SELECT v FROM meta WHERE k = 'next_lineage'").fetchone()[0])
        return blobs, paths, ids, nxt


def open_store(root: Path, config: Config, use_cache: bool = True, build: bool = True) -> HistoryStore | None:
    """The history store at HEAD: the cached one (extended by the new commits when HEAD moved on), else
    a new one (written to the cache when `use_cache`; without `build`, None instead). None without commits."""
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
                        _extend(conn, root, config, head, old)
                    conn.commit()
            finally:
                conn.close()
            if old is not None:
                return HistoryStore(root, file)
        except (sqlite3.Error, pickle.UnpicklingError, KeyError, ValueError, TypeError):
            pass  # corrupt or foreign: rebuilt below
    if not build:
        return None
    if use_cache:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".sqlite.tmp")
            os.close(fd)
            try:
                _build(tmp, root, config, head, key).close()
                os.replace(tmp, file)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            for old_file in folder.iterdir():  # caches of earlier versions
                if old_file.name != STORE_FILE and not old_file.name.endswith(".tmp"):
                    old_file.unlink(missing_ok=True)
            return HistoryStore(root, file)
        except OSError:
            pass  # a read-only work tree: keep it in memory
    return HistoryStore(root, None, _build(":memory:", root, config, head, key))

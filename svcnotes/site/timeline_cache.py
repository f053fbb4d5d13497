"""Timelines kept made, beside the history store: a record page reads its entries instead of its events.

Made entries (what `timeline.event_entries` returns for one record) are kept per record lineage in
`.svcnotes-cache/history/timelines.sqlite`, each with the version of the lineage's history it was
made from (its newest event in the history store): a lineage with a new event is made again, one
without is read back as it was. A `salt` covers everything else the entries are made from (code,
locale, svcnotes.toml, customer names, the store file itself); rows of another salt are dropped.
The file lives in the history store's folder, so a history store built anew removes it with its
other leftovers. It is a cache: missing, foreign or corrupt, it is rebuilt (with a warning when it
could not be read), and it can only make a build slower, never a page different.

Render workers (forked) each open their own connection and write what they made in batches; the
last batch is written when the worker (or, in one process, the build) ends.

May import: svcnotes.store.
"""

from __future__ import annotations

import marshal
import os
import sqlite3
from pathlib import Path
from typing import Any

from svcnotes.store import cachefile

FILE = "timelines.sqlite"
VERSION = "1"
BATCH = 64  # entries written per transaction
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS timelines (salt TEXT NOT NULL, lineage INTEGER NOT NULL, version INTEGER NOT NULL,
    entries BLOB NOT NULL, PRIMARY KEY (salt, lineage)) WITHOUT ROWID;
"""
KEEP_SALTS = 2  # e.g. a Chinese and an English site built in turn both stay warm


class TimelineCache:
    """Made timeline entries by (salt, lineage), valid while the lineage's history version is unchanged."""

    def __init__(self, folder: Path, salt: str) -> None:
        self.file = Path(folder) / FILE
        self.salt = salt
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._pending: list[tuple[str, int, int, bytes]] = []
        self._broken = False

    def open(self) -> bool:
        """Create or check the file, and drop rows of salts no build uses any more (call once, before
        the workers fork). False when the folder cannot be written: the cache is then not used."""
        try:
            conn = self._db()
            with conn:
                conn.executescript(_SCHEMA)
                meta = dict(conn.execute("SELECT k, v FROM meta").fetchall())
                if meta.get("version", VERSION) != VERSION:
                    conn.execute("DELETE FROM timelines")
                salts = [s for s in meta.get("salts", "").split() if s != self.salt][:KEEP_SALTS - 1]
                conn.execute(f"DELETE FROM timelines WHERE salt NOT IN ({', '.join('?' * (len(salts) + 1))})",
                             (self.salt, *salts))
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 [("version", VERSION), ("salts", " ".join([self.salt, *salts]))])
        except sqlite3.DatabaseError:
            self._rebuild()
        except OSError:
            self._broken = True
        self.close(write=False)  # a connection must not cross the fork: each worker opens its own
        return not self._broken

    def _rebuild(self) -> None:
        """A file that is not ours (or is damaged): noted, removed and started again."""
        cachefile.ignored(self.file)
        self._remove()
        try:
            with self._db() as conn:
                conn.executescript(_SCHEMA)
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("version", VERSION), ("salts", self.salt)])
        except (sqlite3.DatabaseError, OSError):
            self._broken = True

    def _remove(self) -> None:
        self.close(write=False)
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.file}{suffix}")
            except OSError:
                pass

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # each forked worker opens its own
            self._conn = sqlite3.connect(self.file, timeout=30)
            self._conn.execute("PRAGMA journal_mode = WAL")  # the workers write while the others read
            self._conn.execute("PRAGMA synchronous = OFF")  # a cache: a lost write is made again next time
            self._pid = os.getpid()
            self._pending = []
            _at_exit(self)
        return self._conn

    def get(self, lineage: int, version: int) -> list[dict[str, Any]] | None:
        """The entries made for this lineage at this version, or None."""
        if self._broken:
            return None
        try:
            row = self._db().execute("SELECT version, entries FROM timelines WHERE salt = ? AND lineage = ?",
                                     (self.salt, lineage)).fetchone()
            if row is None or row[0] != version:
                return None
            entries = marshal.loads(row[1])
        except (sqlite3.DatabaseError, ValueError, EOFError, TypeError):
            self._broken = True  # noted, and removed: the next build starts it again
            cachefile.ignored(self.file)
            self._remove()
            return None
        return entries if isinstance(entries, list) else None

    def put(self, lineage: int, version: int, entries: list[dict[str, Any]]) -> None:
        """Keep the entries made for this lineage at this version (written in batches)."""
        if self._broken:
            return
        self._db()
        self._pending.append((self.salt, lineage, version, marshal.dumps(entries)))
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what was made since the last batch."""
        if not self._pending or self._broken or self._pid != os.getpid():
            return
        rows, self._pending = self._pending, []
        try:
            with self._db() as conn:
                conn.executemany("INSERT OR REPLACE INTO timelines VALUES (?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError:
            self._broken = True

    def close(self, write: bool = True) -> None:
        """Write the last batch and close this process's connection."""
        if write:
            self.flush()
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None


_EXITING: dict[int, list[TimelineCache]] = {}  # pid -> the caches to close when that process ends


def _at_exit(cache: TimelineCache) -> None:
    """Close `cache` (writing its last batch) when this process ends: a forked render worker ends
    through multiprocessing's exit path, which runs the finalizers registered in it (not atexit)."""
    pid = os.getpid()
    if pid not in _EXITING:
        from svcnotes.store.bulk import at_exit

        _EXITING[pid] = []
        at_exit(_close_all, pid)
    _EXITING[pid].append(cache)


def _close_all(pid: int) -> None:
    for cache in _EXITING.pop(pid, []):
        cache.close()

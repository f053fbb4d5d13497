"""One stat pass over the record files, in parts: what the caches and the validate fingerprint are keyed by.

A folder is a kind folder's own files, or one of its sub-folders with everything below it (a year
of complaints). A folder of more than PART_FILES entries is cut into parts by a common prefix of
the entry names, as short as keeps each part within PART_FILES (a month of complaints: C-2611...),
so a part holds a contiguous run of the folder in name order and an edit touches a small part.
Each part carries a digest of its files' 'path NUL size NUL mtime' lines, its newest mtime and the
lines themselves (in repo.scan order), so one walk serves both the fingerprint of a warm
`validate` and the per-file caches of a cold or partial one. In a large repository a forked process
walks about half of the folders.

May import: svcnotes.model, svcnotes.store (no higher layer).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from svcnotes.model.schema import KINDS

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository

RECORDS_DIR = "records"
Stamped = tuple[str, int, int]  # relative path, size, mtime_ns (as scanned)
PARALLEL_MIN_FOLDER_BYTES = 1 << 20  # about 30,000 files on ext4: below that a fork costs more than it saves
PART_FILES = 1000  # entries a folder holds before it is cut into parts
_NAME = attrgetter("name")
_KIND_RANK = {kind.folder: i for i, kind in enumerate(KINDS.values())}


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the record files: where it is, its digest, newest mtime (ns) and stat lines."""

    folder: str  # 'records/customers' or 'records/complaints/2026'
    deep: bool  # a sub-folder of a kind folder with everything below it, or (False) a kind folder's own files
    prefix: str  # the entries of the folder whose names start with this ('' when the folder is one part)
    digest: str
    newest: int
    lines: str  # 'path NUL size NUL mtime' per file, in scan order, joined by newlines

    @property
    def name(self) -> str:
        """A name unique among the parts (the key of its cache file)."""
        return f"{self.folder}{'/' if self.deep else ''}\0{self.prefix}"

    def stamps(self) -> list[Stamped]:
        """(path, size, mtime_ns) of the part's files, in scan order."""
        out = []
        if self.lines:
            for line in self.lines.split("\n"):
                rel, size, mtime = line.split("\0")
                out.append((rel, int(size), int(mtime)))
        return out


@dataclass(frozen=True, slots=True)
class Scan:
    """Every part of a repository's record files, and the time (seconds) just before the first stat."""

    parts: list[Part]
    started: float

    def trusted(self, mtime_ns: int, racy_seconds: float) -> bool:
        """Whether a file last modified at `mtime_ns` was already settled when this scan started: a
        later same-size write within the same mtime tick could not have gone unseen."""
        return mtime_ns < int((self.started - racy_seconds) * 1e9)


def scan_parts(repo: Repository, workers: int | None = None) -> Scan:
    """Stat every record file once, part by part (a forked process takes about half in a large repository)."""
    root = str(repo.root)
    started = time.time()
    parts: list[tuple[str, bool, int]] = []  # (folder, with sub-folders, size of the folder as a hint)
    for kind in KINDS.values():
        rel_dir = f"{RECORDS_DIR}/{kind.folder}"
        try:
            with os.scandir(f"{root}/{rel_dir}") as entries:
                subs = sorted((f"{rel_dir}/{e.name}", True, e.stat().st_size) for e in entries
                              if not e.name.startswith(".") and e.is_dir())
        except (FileNotFoundError, NotADirectoryError):
            continue
        parts.append((rel_dir, False, os.stat(f"{root}/{rel_dir}").st_size))
        parts += subs
    workers = workers if workers is not None else int(os.environ.get("SVCNOTES_WORKERS") or os.cpu_count() or 1)
    hints = sum(size for _p, _s, size in parts)
    if workers > 1 and len(parts) > 1 and hints >= PARALLEL_MIN_FOLDER_BYTES and _may_fork():
        mine, theirs = _halves(parts)
        found = _forked(lambda: _walk_parts(root, theirs), lambda: _walk_parts(root, mine))
        order = {(folder, deep): i for i, (folder, deep, _size) in enumerate(parts)}
        found.sort(key=lambda p: order[p.folder, p.deep])  # stable: a folder's parts stay in name order
    else:
        found = _walk_parts(root, parts)
    return Scan(found, started)


def fingerprint(repo: Repository, scan: Scan, config_key: str) -> tuple[str, int]:
    """A hash of every record file's path, size and mtime plus `config_key`; and the newest mtime (ns)."""
    digest = hashlib.blake2b(config_key.encode(), digest_size=16)
    for part in sorted(scan.parts, key=attrgetter("name")):
        digest.update(f"{part.name}\0{part.digest}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest(), max((part.newest for part in scan.parts), default=0)


def in_scan_order(parts: list[Part], values: dict[str, list[tuple[str, Any]]]) -> list[tuple[str, Any]]:
    """The parts' (path, value) lists joined in repo.scan order: a kind folder's own files fall
    between its sub-folders by name."""
    out: list[tuple[str, Any]] = []
    own: list[tuple[str, Any]] = []  # the kind folder's own files not placed yet, last name first
    kind = ""
    for part in parts:
        if not part.deep:  # a kind folder's own files: the first part of the kind (scan_parts' order)
            if part.folder != kind:
                out += reversed(own)
                own = []
                kind = part.folder
            own[:0] = reversed(values[part.name])
            continue
        folder = part.folder.rsplit("/", 1)[1]
        while own and own[-1][0].rsplit("/", 1)[1] < folder:
            out.append(own.pop())
        out += values[part.name]
    out += reversed(own)
    return out


def scan_key(rel: str) -> tuple[int, list[str]]:
    """A path's place in repo.scan order (kinds in schema order, then names folder by folder)."""
    parts = rel.split("/")
    return _KIND_RANK.get(parts[1], len(_KIND_RANK)) if len(parts) > 1 else -1, parts[2:]


def _may_fork() -> bool:
    """Whether worker processes may be forked: not from a process running other threads (a watcher,
    a language server), where a child can inherit a lock held by one of them and hang."""
    import threading

    return hasattr(os, "fork") and threading.active_count() == 1


def _halves(parts: list[tuple[str, bool, int]]) -> tuple[list[tuple[str, bool, int]], list[tuple[str, bool, int]]]:
    """Two groups of about equal folder size (largest first, each to the lighter group)."""
    groups: tuple[list[tuple[str, bool, int]], list[tuple[str, bool, int]]] = ([], [])
    weights = [0, 0]
    for part in sorted(parts, key=lambda p: -p[2]):
        lighter = 0 if weights[0] <= weights[1] else 1
        groups[lighter].append(part)
        weights[lighter] += part[2]
    return groups


def _walk_parts(root: str, folders: list[tuple[str, bool, int]]) -> list[Part]:
    """The Parts of each (folder, deep) in `folders`, in the same order (a folder's parts in name order)."""
    out = []
    for rel_dir, deep, _size in folders:
        try:
            with os.scandir(f"{root}/{rel_dir}") as it:
                entries = [e for e in it if not e.name.startswith(".") and (deep or not e.is_dir())]
        except (FileNotFoundError, NotADirectoryError):
            entries = []
        entries.sort(key=_NAME)
        for prefix, group in _cut(entries):
            lines: list[str] = []
            newest = _stat_entries(root, rel_dir, group, lines)
            text = "\n".join(lines)
            digest = hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
            out.append(Part(rel_dir, deep, prefix, digest, newest, text))
    return out


def _cut(entries: list[os.DirEntry[str]]) -> list[tuple[str, list[os.DirEntry[str]]]]:
    """(prefix, entries) runs of a folder's entries (sorted by name) sharing a prefix of the
    shortest length that keeps every run within PART_FILES; one run when the folder is small."""
    if len(entries) <= PART_FILES:
        return [("", entries)]
    names = [e.name for e in entries]
    for size in range(1, max(len(n) for n in names) + 1):
        counts: dict[str, int] = {}
        for name in names:
            counts[name[:size]] = counts.get(name[:size], 0) + 1
        if max(counts.values()) <= PART_FILES:
            break
    runs: list[tuple[str, list[os.DirEntry[str]]]] = []
    for entry in entries:
        prefix = entry.name[:size]
        if not runs or runs[-1][0] != prefix:
            runs.append((prefix, []))
        runs[-1][1].append(entry)
    return runs


def _stat_entries(root: str, rel_dir: str, entries: list[os.DirEntry[str]], out: list[str]) -> int:
    """Append the stat lines of `entries` of rel_dir (sub-folders walked whole); the newest mtime."""
    newest = 0
    for entry in entries:
        name = entry.name
        if entry.is_dir():
            newest = max(newest, _stat_lines(root, f"{rel_dir}/{name}", out))
        elif name.endswith(".md"):
            st = entry.stat()
            out.append(f"{rel_dir}/{name}\0{st.st_size}\0{st.st_mtime_ns}")
            if st.st_mtime_ns > newest:
                newest = st.st_mtime_ns
    return newest


def _stat_lines(root: str, rel_dir: str, out: list[str]) -> int:
    """Append 'path NUL size NUL mtime' of the *.md in rel_dir and below in scan order (entries by
    name, sub-folders where their name falls); the newest mtime."""
    try:
        with os.scandir(f"{root}/{rel_dir}") as it:
            entries = [e for e in it if not e.name.startswith(".")]
    except (FileNotFoundError, NotADirectoryError):
        return 0
    entries.sort(key=_NAME)
    return _stat_entries(root, rel_dir, entries, out)


def _forked(child: Callable[[], list[Any]], parent: Callable[[], list[Any]]) -> list[Any]:
    """parent() + child(), the child's part computed in a forked process meanwhile (here if that fails)."""
    if not hasattr(os, "fork"):
        return parent() + child()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return parent() + child()
    if pid == 0:  # the child: compute, send, leave without running any cleanup of the parent's
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(child(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        mine = parent()
    finally:  # reap the child whatever happens here
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _pid, status = os.waitpid(pid, 0)
    try:
        theirs = pickle.loads(data) if status == 0 else None
    except Exception:  # noqa: BLE001 - a child that failed only costs time
        theirs = None
    return mine + (theirs if isinstance(theirs, list) else child())

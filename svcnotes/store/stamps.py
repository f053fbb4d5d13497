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
import stat
import time
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

from svcnotes.model.schema import KINDS

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository

RECORDS_DIR = "records"
Stamped = tuple[str, int, int]  # relative path, size, mtime_ns (as scanned)
PARALLEL_MIN_FOLDER_BYTES = 1 << 20  # about 30,000 files on ext4: below that a fork costs more than it saves
PART_FILES = 1000  # entries a folder holds before it is cut into parts
_KIND_RANK = {kind.folder: i for i, kind in enumerate(KINDS.values())}


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the record files: where it is, its digest, newest mtime (ns) and stat lines."""

    folder: str  # 'records/customers' or 'records/complaints/2026'
    deep: bool  # a sub-folder of a kind folder with everything below it, or (False) a kind folder's own files
    prefix: str  # the entries of the folder whose names start with this ('' when the folder is one part)
    digest: str
    folder_newest: int  # the newest mtime (ns) in the whole folder the part was cut from
    lines: str  # 'path NUL size NUL mtime' per file, in scan order, joined by NUL (no name holds one)

    @property
    def name(self) -> str:
        """A name unique among the parts (the key of its cache file)."""
        return f"{self.folder}{'/' if self.deep else ''}\0{self.prefix}"

    @property
    def newest(self) -> int:
        """The newest mtime (ns) of the part's files (0 when it has none)."""
        if not self.lines:
            return 0
        return max(map(int, self.lines.split("\0")[2::3]))

    def stamps(self) -> list[Stamped]:
        """(path, size, mtime_ns) of the part's files, in scan order."""
        if not self.lines:
            return []
        flat = self.lines.split("\0")
        return [(rel, int(size), int(mtime)) for rel, size, mtime in zip(flat[::3], flat[1::3], flat[2::3], strict=True)]


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
                subs = sorted((f"{rel_dir}/{e.name}", True, e.stat(follow_symlinks=False).st_size) for e in entries
                              if not e.name.startswith(".") and not e.name.endswith(".md")
                              and e.is_dir(follow_symlinks=False))
        except OSError:
            continue
        parts.append((rel_dir, False, os.stat(f"{root}/{rel_dir}").st_size))
        parts += subs
    from svcnotes.store import bulk  # the worker processes' module (it imports this one)

    hints = sum(size for _p, _s, size in parts)
    if bulk.worker_count(workers) > 1 and len(parts) > 1 and hints >= PARALLEL_MIN_FOLDER_BYTES:
        mine, theirs = _halves(parts)
        found = bulk.forked_pair(lambda: _walk_parts(root, theirs), lambda: _walk_parts(root, mine))
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
    return digest.hexdigest(), max((part.folder_newest for part in scan.parts), default=0)


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
        lines: list[str] = []
        newest = _stat_lines(root, rel_dir, lines, deep)
        for prefix, group in _cut(lines, len(rel_dir) + 1):
            text = "\0".join(group)
            digest = hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
            out.append(Part(rel_dir, deep, prefix, digest, newest, text))
    return out


def _cut(lines: list[str], base: int) -> list[tuple[str, list[str]]]:
    """(prefix, lines) runs of a folder's stat lines (in scan order; the paths below the folder
    start at `base`) sharing a prefix of the shortest length that keeps every run within
    PART_FILES; one run when the folder is small. A run is contiguous in scan order: paths that
    share a prefix lie between the first and the last of them."""
    if len(lines) <= PART_FILES:
        return [("", lines)]
    size = base + len(os.path.commonprefix([lines[0][base:], lines[-1][base:]]))
    while True:
        size += 1
        cut = itemgetter(slice(0, size))
        if max(Counter(map(cut, lines)).values()) <= PART_FILES:
            break
    return [(prefix[base:].split("\0", 1)[0], list(group)) for prefix, group in groupby(lines, key=cut)]


def _stat_lines(root: str, rel_dir: str, out: list[str], deep: bool = True) -> int:
    """Append 'path NUL size NUL mtime' of the *.md in rel_dir (and below, if deep) in scan order:
    entries by name, a sub-folder's files where its name falls. The newest mtime (ns)."""
    newest = 0
    files: list[str] = []
    folders: list[str] = []
    try:
        with os.scandir(f"{root}/{rel_dir}") as entries:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                if name.endswith(".md") and entry.is_file(follow_symlinks=False):  # the common case, fast
                    st = entry.stat(follow_symlinks=False)
                    size, mtime = st.st_size, st.st_mtime_ns
                else:
                    found = stamp_entry(entry)
                    if found is None:
                        if deep:
                            folders.append(name)
                        continue
                    if not found:
                        continue
                    size, mtime = found
                files.append(f"{rel_dir}/{name}\0{size}\0{mtime}")
                if mtime > newest:
                    newest = mtime
    except OSError:
        return 0
    files.sort()  # by name: a name ends at its NUL, which sorts before any character
    if not folders:
        out += files
        return newest
    start = len(rel_dir) + 1
    named: list[tuple[str, str | None]] = [(line[start:line.index("\0", start)], line) for line in files]
    named += [(name, None) for name in folders]
    named.sort(key=itemgetter(0))
    for name, line in named:
        if line is not None:
            out.append(line)
        else:
            newest = max(newest, _stat_lines(root, f"{rel_dir}/{name}", out))
    return newest


def stamp_entry(entry: os.DirEntry[str]) -> tuple[int, int] | tuple[()] | None:
    """What the scan does with a folder entry: None to walk into it (a real folder), () to skip it,
    else (size, mtime_ns) to list it as a record file. Anything named like a record that is not a
    regular file (a link, a FIFO, a folder named X.md), any link to a folder and any broken or looping
    link is listed, so that
    reading it reports a located error (store.loader.read_bytes) instead of hiding it, following it
    out of the repository, or blocking on it. Never raises; never follows a link into a walk."""
    name = entry.name
    try:
        if entry.is_symlink():
            try:
                st = os.stat(entry.path)  # the target's stamps: an edited target is re-read
            except OSError:  # broken, or a loop: whatever it was meant to be, say so
                st = entry.stat(follow_symlinks=False)
                return st.st_size, st.st_mtime_ns
            if name.endswith(".md") or stat.S_ISDIR(st.st_mode):
                return st.st_size, st.st_mtime_ns
            return ()
        if entry.is_dir(follow_symlinks=False):
            if name.endswith(".md"):
                st = entry.stat(follow_symlinks=False)
                return st.st_size, st.st_mtime_ns
            return None
        if name.endswith(".md"):
            st = entry.stat(follow_symlinks=False)
            return st.st_size, st.st_mtime_ns
    except OSError:
        return (0, 0) if name.endswith(".md") else ()
    return ()

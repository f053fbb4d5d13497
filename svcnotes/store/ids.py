"""Number allocation: C-YYMM-NNN, monthly serials, never reused, safe across processes.

A number is taken when its file exists now, existed in any commit (deleted or renumbered records
included), or is recorded as an alias. Allocation holds an exclusive lock until the new file is
written, so two `svcnotes new` running at once never take the same number.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path


class LockTimeout(Exception):
    """Another svcnotes process held the numbering lock for too long."""


@contextlib.contextmanager
def numbering_lock(root: Path, timeout: float = 30.0) -> Iterator[None]:
    """An exclusive inter-process lock for number allocation (flock where available)."""
    from svcnotes.store.transaction import state_dir

    lock_dir, in_git = state_dir(root)  # the git dir (a worktree's too, or above a sub-folder root)
    if not in_git:
        lock_dir = root
    path = lock_dir / "svcnotes-numbering.lock"
    handle = open(path, "a+")
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            fcntl = None  # type: ignore[assignment]
        deadline = time.monotonic() + timeout
        while fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockTimeout(f"{path} is held by another process") from None
                time.sleep(0.02)
        yield
    finally:
        handle.close()


def month_code(day: date) -> str:
    """YYMM of a date."""
    return f"{day.year % 100:02d}{day.month:02d}"


def serials(prefix: str, yymm: str, names: Iterable[str]) -> set[int]:
    """Serial numbers of ids `PREFIX-YYMM-NNN` found in file names or ids."""
    pattern = re.compile(rf"(?:^|/){re.escape(prefix)}-{yymm}-(\d{{3,}})(?:\.md)?$")
    found = set()
    for name in names:
        m = pattern.search(name)
        if m:
            found.add(int(m.group(1)))
    return found


def next_number(prefix: str, day: date, taken: set[int]) -> str:
    """The next free id for the month of `day` given the serials already taken."""
    serial = max(taken, default=0) + 1
    return f"{prefix}-{month_code(day)}-{serial:03d}"


def mentioned_ids(base: Path, prefix: str) -> list[str]:
    """Ids `PREFIX-YYMM-NNN` written in record files under `base` that have aliases (former numbers).

    A plain byte scan: much cheaper than loading every record, and it sees files another process
    wrote a moment ago. Every number mentioned in such a file counts as taken, which is safe.
    """
    pattern = re.compile(rb"(?<![A-Za-z0-9])" + re.escape(prefix.encode()) + rb"-\d{4}-\d{3,}(?!\d)")
    found: list[str] = []
    for dirpath, _dirs, files in os.walk(base):
        for name in files:
            if name.endswith(".md"):
                path = os.path.join(dirpath, name)
                try:  # only regular files: a FIFO named like a record would block the read
                    if not stat.S_ISREG(os.lstat(path).st_mode):
                        continue
                    with open(path, "rb") as handle:
                        data = handle.read()
                except OSError:
                    continue
                if b"aliases" in data:
                    found.extend(m.decode("ascii") for m in pattern.findall(data))
    return found


def folder_names(folder: Path) -> list[str]:
    """File names in a folder (empty when it does not exist)."""
    try:
        return [entry.name for entry in os.scandir(folder)]
    except FileNotFoundError:
        return []


class Allocator:
    """Numbers for many records at once: the taken serials of a month are computed once, then incremented.

    `taken_names(yy)` returns every file name or id that counts as taken for a year (folder, git
    history, aliases); it is called once per year. Use it under `numbering_lock` until every file
    it numbered is written, as `KindStore.create_many` does.
    """

    def __init__(self, prefix: str, taken_names: Callable[[str], Iterable[str]]) -> None:
        self.prefix = prefix
        self._taken_names = taken_names
        self._years: dict[str, list[str]] = {}
        self._last: dict[str, int] = {}

    def mark(self) -> dict[str, int]:
        """Where each month's numbering stands now (to `rewind` to when the numbers after it are not used)."""
        return dict(self._last)

    def rewind(self, mark: dict[str, int]) -> None:
        """Take back the numbers handed out since `mark` (none of them was written): they go out again."""
        self._last = dict(mark)

    def next(self, day: date) -> str:
        """The next free id for `day`'s month (never one taken before or handed out by this allocator)."""
        yymm = month_code(day)
        if yymm not in self._last:
            yy = yymm[:2]
            if yy not in self._years:
                self._years[yy] = list(self._taken_names(yy))
            self._last[yymm] = max(serials(self.prefix, yymm, self._years[yy]), default=0)
        self._last[yymm] += 1
        return f"{self.prefix}-{yymm}-{self._last[yymm]:03d}"

"""The repository lock: one svcnotes write command at a time per working tree.

An flock on `<git dir>/svcnotes.lock` (or `<root>/.svcnotes.lock` outside git): the kernel drops
it when the holder dies, so a killed command never leaves a stale lock. A waiting command is told
who holds it (pid and command line, written into the file by the holder) and gives up with
LockTimeout after SVCNOTES_LOCK_TIMEOUT seconds (default 120).

May import: svcnotes.model, svcnotes.store (no higher layer).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from svcnotes.model.message import msg

WAIT_MESSAGE_AFTER = 1.0  # seconds of waiting before saying so
_HELD: dict[int, RepoLock] = {}  # fd -> lock held by this process


def held_fds() -> tuple[int, ...]:
    """File descriptors of the locks this process holds: passed on to git (and so to its hooks), so
    a command killed while git runs keeps the lock until that git is done too."""
    return tuple(_HELD)


class LockTimeout(Exception):
    """Another svcnotes command held the repository lock for longer than the timeout."""


def process_alive(pid: object) -> bool:
    """Whether another process (not this one) with this pid is running: the owner of a journal or
    mark that may still be at work. A killed process nobody has reaped yet (a zombie, which an
    orphan can stay for a while) is not running."""
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether the process has ended and waits to be reaped (Linux /proc; elsewhere: not known, False)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:][:1] == b"Z"  # the state follows the command name in parentheses


def lock_timeout() -> float:
    """Seconds to wait for the repository lock (SVCNOTES_LOCK_TIMEOUT, default 120)."""
    try:
        return float(os.environ.get("SVCNOTES_LOCK_TIMEOUT") or 120)
    except ValueError:
        return 120.0


def command_line() -> str:
    """What this process is, for a waiting command's message."""
    args = [os.path.basename(sys.argv[0]) if sys.argv else "python", *sys.argv[1:]]
    return " ".join(args)[:200]


class RepoLock:
    """An exclusive, process-wide lock on one file; the holder's pid and command are kept in it."""

    def __init__(self, path: Path, build: bool = False) -> None:
        self.path = path
        self.build = build  # the site build's lock (a build waits for another build), not the repository's
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._handle is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; False when another process holds it."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {command_line()}\n")
        handle.flush()
        self._handle = handle
        _HELD[handle.fileno()] = self
        return True

    def holder(self) -> str:
        """'pid N: command' of the process holding the lock (as it wrote it), or ''."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""
        pid, _, command = text.partition(" ")
        return f"pid {pid}: {command}" if pid.isdigit() else ""

    def acquire(self, notify: Callable[[str], None] | None = None, timeout: float | None = None) -> None:
        """Wait for the lock (saying so after a second); LockTimeout when it stays held."""
        timeout = lock_timeout() if timeout is None else timeout
        started = time.monotonic()
        told = False
        while not self.try_acquire():
            waited = time.monotonic() - started
            if waited > timeout:
                holder = self.holder() or msg("unknown process")
                raise LockTimeout(
                    msg("another build held the build lock for {seconds:.0f} s ({holder})", seconds=timeout, holder=holder)
                    if self.build else
                    msg("another svcnotes command held the repository lock for {seconds:.0f} s ({holder})",
                        seconds=timeout, holder=holder))
            if not told and waited >= WAIT_MESSAGE_AFTER and notify is not None:
                holder = self.holder() or msg("unknown process")
                notify(msg("waiting for another build to finish ({holder}) ...", holder=holder) if self.build else
                       msg("waiting for another svcnotes command to finish ({holder}) ...", holder=holder))
                told = True
            time.sleep(0.05)

    def release(self) -> None:
        """Let the next command in (closing the file drops the flock)."""
        if self._handle is not None:
            _HELD.pop(self._handle.fileno(), None)
            self._handle.close()
            self._handle = None

"""Writing many commits through one `git fast-import` process (replays, demo repositories).

One process for the whole history instead of `git add` + `git commit` per step: commits on any
branch, with their own author, committer and dates, and --no-ff style merges (two parents).
May import store.gitops only.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from svcnotes.store.gitops import GitError


@dataclass(frozen=True)
class Person:
    """A git identity at a moment: name, e-mail, local time and its UTC offset (+0800)."""

    name: str
    email: str
    at: datetime
    tz: str = "+0800"

    def line(self) -> bytes:
        """`Name <email> <epoch> <tz>` as fast-import's raw date format wants it."""
        sign = -1 if self.tz.startswith("-") else 1
        offset = timedelta(hours=int(self.tz[1:3]), minutes=int(self.tz[3:5])) * sign
        epoch = int((self.at - offset - datetime(1970, 1, 1)).total_seconds())
        return f"{self.name} <{self.email}> {epoch} {self.tz}".encode()


class FastImport:
    """A running `git fast-import` into the repository at `root`; `close()` waits for it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=root,
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.marks = 0
        self.heads: dict[str, int] = {}

    def _data(self, payload: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"data %d\n" % len(payload) + payload + b"\n")

    def commit(self, branch: str, who: Person, text: str, files: Mapping[str, bytes | None],
               parent: int | None = None, merge: int | None = None) -> int:
        """A commit on `branch` (after `parent`, default the branch's head); None content deletes."""
        assert self.proc.stdin is not None
        self.marks += 1
        out = self.proc.stdin
        out.write(f"commit refs/heads/{branch}\nmark :{self.marks}\n".encode())
        out.write(b"author " + who.line() + b"\ncommitter " + who.line() + b"\n")
        self._data(text.encode("utf-8"))
        base = parent if parent is not None else self.heads.get(branch)
        if base is not None:
            out.write(b"from :%d\n" % base)
        if merge is not None:
            out.write(b"merge :%d\n" % merge)
        for path, content in sorted(files.items()):
            if content is None:
                out.write(f"D {path}\n".encode())
            else:
                out.write(f"M 100644 inline {path}\n".encode())
                self._data(content)
        out.write(b"\n")
        self.heads[branch] = self.marks
        return self.marks

    def close(self) -> None:
        """Finish the stream and wait; GitError with fast-import's message when it failed."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(b"done\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        err = self.proc.stderr.read().decode("utf-8", "replace") if self.proc.stderr else ""
        if self.proc.wait() != 0:
            raise GitError(err.strip() or "git fast-import failed")

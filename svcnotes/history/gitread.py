"""Bulk git reads: one `git log` for a whole range, one `git cat-file --batch` for many blobs.

Nothing here runs git once per record: the history of the whole repository is one `git log -z
--raw -M` process, and every blob the diffs need is fetched through one `cat-file --batch`.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import subprocess
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from svcnotes.store.gitops import GitError, git

LOG_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B%x1f"
NULL_SHA = "0" * 40
# git maps pack files whole by default (up to 8 GiB): reading every tree and blob of a large history
# would count the whole pack in its memory. Small windows keep it bounded for about 5 % more time.
LEAN = ("-c", "core.packedGitWindowSize=32m", "-c", "core.packedGitLimit=256m")
_TRAILER = re.compile(r"([A-Za-z][A-Za-z0-9-]*):\s*(.*)\Z")


@dataclass(slots=True)
class FileChange:
    """One path a commit touched: status (A, M, D, R), paths and blob ids before/after."""

    status: str
    path: str
    old_path: str
    old_blob: str
    new_blob: str


@dataclass(slots=True)
class Commit:
    """One commit as read from git log: identity, dates, message and the record files it touched."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: datetime
    committed: datetime
    message: str
    files: list[FileChange] = field(default_factory=list)
    signature: str = ""
    iso: tuple[str, str] = ("", "")  # the author and committer dates as git wrote them (ISO 8601), when read so

    @property
    def subject(self) -> str:
        """The first line of the message."""
        return self.message.split("\n", 1)[0].strip()

    @property
    def trailers(self) -> dict[str, str]:
        """`Key: value` trailers of the last paragraph (Svc-Record, Svc-Action, ...)."""
        paragraphs = [p for p in self.message.strip().split("\n\n") if p.strip()]
        if len(paragraphs) < 2:
            return {}
        out: dict[str, str] = {}
        for line in paragraphs[-1].splitlines():
            m = _TRAILER.match(line.strip())
            if not m:
                return {}
            out[m.group(1)] = m.group(2).strip()
        return out

    @property
    def is_merge(self) -> bool:
        """True for a merge commit (two or more parents)."""
        return len(self.parents) > 1


def parse_raw(text: str, prefix: str) -> list[FileChange]:
    """File changes from `--raw -z` output (renames and copies included), only those under `prefix`."""
    out: list[FileChange] = []
    tokens = text.split("\0")
    i = 0
    while i < len(tokens):
        meta = tokens[i].lstrip("\n")
        i += 1
        if not meta.startswith(":"):
            continue
        fields = meta[1:].split()
        status = fields[4][0]
        if status in "RC":
            old_path, path = tokens[i], tokens[i + 1]
            i += 2
        else:
            old_path = path = tokens[i]
            i += 1
        if status == "C":
            status, old_path = "A", path
        if path.startswith(prefix) or old_path.startswith(prefix):
            out.append(FileChange(status, path, old_path, fields[2], fields[3]))
    return out


def diff_tree(root: Path, old: str, new: str, prefix: str = "records/") -> list[FileChange]:
    """What changed between two commits (renames detected), one subprocess."""
    return parse_raw(git(root, *LEAN, "diff", "--raw", "-z", "-M", "--no-abbrev", "--relative", old, new, "--"), prefix)


def paths_ever(root: Path, rev: str, prefix: str = "records/", exclude: Iterable[str] = ()) -> set[str]:
    """Every path under `prefix` that existed in any commit reachable from `rev` (and not from
    `exclude`: paths only there are left out). One subprocess."""
    out = git(root, *LEAN, "log", rev, *(f"^{x}" for x in exclude), "--format=", "--name-only", "--no-renames", "-z",
              "--relative", "--", prefix)
    return {p.strip("\n") for p in out.split("\0") if p.strip("\n")}


def _parse_log(out: str, prefix: str, signatures: bool = False) -> list[Commit]:
    commits: list[Commit] = []
    for chunk in out.split("\x1e"):
        parts = chunk.split("\x1f", 7)
        if len(parts) < 8:
            continue
        sha, parents, author, email, adate, cdate, message, rest = parts
        signature = ""
        if signatures:
            signature, rest = rest.split("\x1f", 1)
        commit = Commit(sha, tuple(parents.split()), author, email, datetime.fromisoformat(adate),
                        datetime.fromisoformat(cdate), message.strip("\n"), signature=signature, iso=(adate, cdate))
        commit.files = parse_raw(rest, prefix)
        commits.append(commit)
    return commits


def read_log(root: Path, rev: str = "HEAD", exclude: Iterable[str] = (), prefix: str = "records/",
             first_parent: bool = False, signatures: bool = False, paths: Iterable[str] = ()) -> list[Commit]:
    """Every commit reachable from `rev` but not from `exclude`, oldest first (parents first).

    `paths` limits the log to commits touching those files (`--full-history`: no commit on a side
    branch is simplified away; renames are detected between the given paths only).

    One subprocess (`signatures` adds git's %G? verdict per commit, which runs gpg). Merge
    commits carry no file changes: each change is attributed to the commit that made it.
    Renames are detected (`-M`), so a renumbered record keeps its history.
    """
    try:
        out = git(root, *LEAN, *_log_args(rev, exclude, first_parent, signatures, paths))
    except GitError as exc:
        if "does not have any commits" in str(exc) or "unknown revision" in str(exc):
            return []
        raise
    return _parse_log(out, prefix, signatures)


def _log_args(rev: str, exclude: Iterable[str], first_parent: bool, signatures: bool,
              paths: Iterable[str]) -> list[str]:
    args = ["log", "--reverse", "--topo-order", "-z", "-M", "--raw", "--no-abbrev", "--relative",
            f"--format={LOG_FORMAT}" + ("%G?%x1f" if signatures else "")]
    if first_parent:
        args.append("--first-parent")
    wanted = list(dict.fromkeys(paths))
    if wanted:
        args.append("--full-history")
    return args + [rev, *(f"^{x}" for x in exclude), "--", *wanted]


def _drain(stream: IO[bytes], out: queue.SimpleQueue[bytes]) -> None:
    """Read a pipe to its end into a queue (b"" last), so the writer never waits for the reader."""
    fd = stream.fileno()
    while True:
        chunk = os.read(fd, 1 << 20)
        out.put(chunk)
        if not chunk:
            return


def stream_log(root: Path, rev: str = "HEAD", exclude: Iterable[str] = (), prefix: str = "records/",
               batch: int = 1000) -> Generator[list[Commit], None, None]:
    """The commits of `read_log(root, rev, exclude)`, in batches as git produces them (about `batch` file
    changes each, a commit counting at least one).

    git computes the diffs while the caller works on the batches already read: on two cores the
    history costs about as much as git's own pass.
    """
    proc = subprocess.Popen(["git", *LEAN, *_log_args(rev, exclude, False, False, ())], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    chunks: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    reader = threading.Thread(target=_drain, args=(proc.stdout, chunks), daemon=True)
    reader.start()
    pending = b""
    commits: list[Commit] = []
    size = 0
    try:
        while True:
            chunk = chunks.get()
            while chunk and not chunks.empty():  # whatever else git has written meanwhile, parsed in one go
                more = chunks.get()
                chunk += more
                if not more:
                    chunks.put(b"")
                    break
            if chunk:
                pending += chunk
                cut = pending.rfind(b"\x1e")
                if cut <= 0:
                    continue
                text, pending = pending[:cut], pending[cut:]
            else:
                text, pending = pending, b""
            for commit in _parse_log(text.decode("utf-8", "replace"), prefix):
                commits.append(commit)
                size += len(commit.files) or 1
                if size >= batch:
                    yield commits
                    commits, size = [], 0
            if not chunk:
                if commits:
                    yield commits
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        reader.join()
        error = proc.stderr.read().decode("utf-8", "replace")
        proc.stdout.close()
        proc.stderr.close()
        status = proc.wait()
    if status != 0 and "does not have any commits" not in error and "unknown revision" not in error:
        raise GitError(f"git log failed: {error.strip()}")


class BlobReader:
    """One `git cat-file --batch` process answering many requests for blob contents."""

    CHUNK = 1000  # shas per round trip: their text stays below the pipe buffer, so writing never blocks

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(["git", *LEAN, "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self, shas: Iterable[str]) -> dict[str, bytes]:
        """The contents of the given blobs (missing ones are left out)."""
        wanted = list(dict.fromkeys(s for s in shas if s and s != NULL_SHA))
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        out: dict[str, bytes] = {}
        for start in range(0, len(wanted), self.CHUNK):
            part = wanted[start:start + self.CHUNK]
            stdin.write(("\n".join(part) + "\n").encode())
            stdin.flush()
            for sha in part:
                header = stdout.readline().split()
                if len(header) < 3:  # "<sha> missing"
                    continue
                out[sha] = stdout.read(int(header[2]) + 1)[:-1]
        return out

    def close(self) -> None:
        """End the git process."""
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self.proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_graph(root: Path, rev: str, exclude_parents_of: str = "") -> list[Commit]:
    """Commits reachable from `rev` (only sha, parents, subject), minus every ancestor of the parents of
    `exclude_parents_of` when given: the part of the graph a commit and its descendants live in. One subprocess.
    """
    args = ["log", "--format=%H%x1f%P%x1f%s", rev]
    if exclude_parents_of:
        args += ["--not", f"{exclude_parents_of}^@"]
    out = git(root, *LEAN, *args, "--")
    commits: list[Commit] = []
    epoch = datetime.fromtimestamp(0)
    for line in out.splitlines():
        parts = line.split("\x1f", 2)
        if len(parts) == 3:
            commits.append(Commit(parts[0], tuple(parts[1].split()), "", "", epoch, epoch, parts[2]))
    return commits


def read_blobs(root: Path, shas: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs through one `git cat-file --batch` process."""
    wanted = list(dict.fromkeys(s for s in shas if s and s != NULL_SHA))
    if not wanted:
        return {}
    proc = subprocess.Popen(["git", *LEAN, "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        assert proc.stdin is not None
        try:
            for start in range(0, len(wanted), 1000):
                proc.stdin.write(("\n".join(wanted[start:start + 1000]) + "\n").encode())
            proc.stdin.close()
        except BrokenPipeError:  # pragma: no cover - git died; reported below
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out: dict[str, bytes] = {}
    for sha in wanted:
        header = proc.stdout.readline().decode().split()
        if len(header) < 3:  # "<sha> missing"
            continue
        size = int(header[2])
        out[sha] = proc.stdout.read(size)
        proc.stdout.read(1)
    writer.join()
    proc.stdout.close()
    proc.wait()
    return out


def blob_sha(data: bytes) -> str:
    """The git blob id of some content (computed locally, no subprocess)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tree_blobs(root: Path, rev: str, path: str = "records/") -> dict[str, str]:
    """Path -> blob id of every file under `path` in the tree of `rev` (one subprocess)."""
    out = git(root, *LEAN, "ls-tree", "-r", "-z", rev, "--", path)
    result: dict[str, str] = {}
    for entry in out.split("\0"):
        if "\t" in entry:
            meta, name = entry.split("\t", 1)
            result[name] = meta.split()[2]
    return result


def log_each(root: Path, shas: Iterable[str], fmt: str) -> str:
    """`git log --no-walk --format=FMT` of many commits, given on stdin (no command line grows with them)."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return ""
    proc = subprocess.run(["git", *LEAN, "log", "--no-walk=unsorted", "--stdin", f"--format={fmt}"], cwd=root,
                          input="\n".join(wanted) + "\n", capture_output=True, text=True, encoding="utf-8",
                          errors="replace")
    if proc.returncode != 0:
        raise GitError(proc.stderr.strip() or "git log failed")
    return proc.stdout


def head_sha(root: Path, rev: str = "HEAD") -> str | None:
    """The commit id of `rev`, or None when the repository has no commits (or is not git)."""
    try:
        return git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip() or None
    except GitError:
        return None


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """True when `older` is an ancestor of (or equal to) `newer`."""
    return subprocess.run(["git", "merge-base", "--is-ancestor", older, newer], cwd=root,
                          capture_output=True).returncode == 0


def merge_base(root: Path, a: str, b: str = "HEAD") -> str:
    """The merge base of two revisions (GitError when there is none)."""
    return git(root, "merge-base", a, b).strip()

"""What the history store is written from: each file change's stored row, made by worker processes,
and each commit's PR merge, known as soon as the merge has been read.

A whole history is typed by worker processes (store.bulk: `SVCNOTES_WORKERS`, else one per core) that own a
share of the paths each (so each sees a file's versions in order, and types a version against the
one before it). They are sent plain tuples and send plain tuples back: the store's process only
follows `git log`, assigns lineages and writes.
"""

from __future__ import annotations

import pickle
import subprocess
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from svcnotes.history.events import ACTIONS, Content, ContentReader
from svcnotes.history.events import _kind as kind_of
from svcnotes.history.gitread import LEAN, BlobReader, Commit, FileChange
from svcnotes.model.config import Config
from svcnotes.store.bulk import Shards, paused_gc
from svcnotes.store.gitops import GitError

# what a worker sends back for a file change: the aliases of a created record (for its lineage),
# then the event row from its action on (without seq, lineage and commit)
Made = tuple[Any, ...]


def dump_content(c: Content) -> bytes:
    """What an event's changes, approvals and facts are stored as."""
    return pickle.dumps(([tuple(x) for x in c.changes], c.approvals_added, c.facts), pickle.HIGHEST_PROTOCOL)


def made_rows(reader: ContentReader, changes: Sequence[FileChange], blobs: BlobReader) -> list[Made]:
    """(aliases, action, kind, record_id, old_id, path, old_path, blob, old_blob, content) of each change."""
    out = []
    for f, c in zip(changes, reader.contents(changes, blobs), strict=True):
        status = f.status
        out.append((c.aliases, ACTIONS.get(status, "changed"), kind_of(f.path), c.record_id, c.old_id, f.path,
                    f.old_path if status != "A" else "", f.new_blob if status != "D" else "",
                    f.old_blob if status != "A" else "", dump_content(c)))
    return out


def _work(root: Path, config: Config, tasks: Any, results: Any) -> ContentReader:
    """A worker: the rows of the file changes it is sent, until it is sent None; its reader (with its
    memo) is handed back to bulk.Shards, which keeps it until the process exits."""
    reader = ContentReader(config)
    with paused_gc(), BlobReader(root) as blobs:
        while True:
            changes = tasks.get()
            if changes is None:
                return reader
            results.put(made_rows(reader, [FileChange(*f) for f in changes], blobs))


class Pool:
    """Worker processes (store.bulk.Shards) sharing the file changes by path, so each one sees a file's
    versions in order."""

    def __init__(self, root: Path, config: Config, count: int) -> None:
        self.shards = Shards(count, _work, (root, config))
        self.sent: list[list[int]] = []

    def send(self, changes: list[FileChange]) -> None:
        """Hand out one batch of changes (each to the worker that owns its path)."""
        count = len(self.shards)
        shares: list[list[tuple[str, ...]]] = [[] for _ in range(count)]
        owner = [zlib.crc32((f.old_path if f.status == "D" else f.path).encode()) % count for f in changes]
        for f, n in zip(changes, owner, strict=True):
            shares[n].append((f.status, f.path, f.old_path, f.old_blob, f.new_blob))
        for n, share in enumerate(shares):
            self.shards.put(n, share)
        self.sent.append(owner)

    def receive(self) -> list[Made]:
        """The rows of the oldest batch handed out, in its order."""
        owner = self.sent.pop(0)
        parts = [iter(self.shards.get(n)) for n in range(len(self.shards))]
        return [next(parts[n]) for n in owner]

    def close(self) -> None:
        """Nothing more will be sent: each worker ends once it has sent back what it was sent."""
        self.shards.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shards.__exit__(*exc)


class FirstParents:
    """HEAD's first-parent chain, read by `git rev-list --first-parent` while the caller does other work."""

    def __init__(self, root: Path, head: str) -> None:
        self.head = head
        self.proc = subprocess.Popen(["git", *LEAN, "rev-list", "--first-parent", head, "--"], cwd=root,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.out: list[bytes] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        self.out.append(self.proc.stdout.read())

    def chain(self) -> set[str]:
        """The commits on the chain (waits for git; GitError when it could not list them)."""
        self.close()
        chain = set((self.out[0] if self.out else b"").decode().split())
        if self.head not in chain:
            raise GitError(f"git rev-list --first-parent {self.head} failed (exit {self.proc.returncode})")
        return chain

    def close(self) -> None:
        """Wait for git and the reading thread (or end them)."""
        self.thread.join()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self.proc.wait()


class PullRequests:
    """commit -> the first merge on HEAD's first-parent chain that brought it in ('' = directly on it),
    as `events.pr_merges` finds it, for commits read oldest first (parents before children).

    A chain commit claims every ancestor not claimed before; when it is read, every one of its ancestors
    has been read, so a commit's merge is known as soon as that merge is read."""

    def __init__(self, chain: set[str]) -> None:
        self.chain = chain
        self.parents: dict[str, tuple[str, ...]] = {}
        self.pr_of: dict[str, str] = {}
        self.subjects: dict[str, str] = {}  # merge -> its subject

    def read(self, commits: Sequence[Commit]) -> None:
        """Take the next commits of the log."""
        parents, pr_of = self.parents, self.pr_of
        for commit in commits:
            sha = commit.sha
            parents[sha] = commit.parents
            if sha not in self.chain:
                continue
            pr_of[sha] = ""
            stack = list(commit.parents[1:])
            if stack:
                self.subjects[sha] = commit.subject
            while stack:
                other = stack.pop()
                if other in pr_of or other not in parents:
                    continue
                pr_of[other] = sha
                stack.extend(parents[other])

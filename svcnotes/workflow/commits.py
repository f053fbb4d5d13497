"""Every mutation is one git commit with a structured, machine-readable message.

Subject `C-2611-007: investigating → proposed`, then trailers (`Svc-Record:`, `Svc-Action:`,
`Svc-From:`, `Svc-To:`, ...) that history and audit read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from svcnotes.model.config import Staff
from svcnotes.model.message import msg
from svcnotes.store import gitops, transaction

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository


class UnknownActor(Exception):
    """The git identity does not map to anyone in the staff directory."""


class UncommittedEdits(Exception):
    """The record file has uncommitted human edits; refuse unless --allow-dirty."""


@dataclass(frozen=True)
class CommitOptions:
    """How a verb commits: commit at all, and whether uncommitted edits may be included."""

    commit: bool = True
    allow_dirty: bool = False


def current_actor(repo: Repository) -> Staff:
    """The staff member behind the current git identity (GIT_AUTHOR_EMAIL or user.email)."""
    name, email = gitops.identity(repo.root)
    if not email:
        raise UnknownActor(msg("git has no identity; set it with: git config user.email you@example.com"))
    person = repo.config.staff_by_email(email)
    if person is None:
        raise UnknownActor(msg("git e-mail '{email}' is not in the staff directory; add it to the emails of your "
                               "[[staff]] entry in svcnotes.toml", email=email))
    return person


def ensure_clean(repo: Repository, paths: list[str], options: CommitOptions) -> None:
    """Refuse when a record we are about to rewrite has uncommitted edits (unless allowed)."""
    if not options.commit or options.allow_dirty or not gitops.is_repo(repo.root):
        return
    tracked_dirty = gitops.tracked_dirty_paths(repo.root, paths)  # paths on git's stdin, never one argument each
    if tracked_dirty:
        raise UncommittedEdits(msg("{paths} has uncommitted edits; commit them first, or pass --allow-dirty to include "
                                   "them in this commit", paths=", ".join(tracked_dirty)))


def message(subject: str, trailers: Mapping[str, str], body: str = "") -> str:
    """A commit message: subject, optional body, then `Key: value` trailers."""
    text = subject + "\n"
    if body:
        text += "\n" + body.strip() + "\n"
    if trailers:
        text += "\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items() if v is not None and v != "") + "\n"
    return text


def commit_change(repo: Repository, paths: Iterable[str], subject: str, trailers: Mapping[str, str],
                  options: CommitOptions, body: str = "") -> str | None:
    """Commit `paths` with a structured message; None when not committing, not in git, or nothing changed.

    Paths are staged through a private index from a file (never one argument per path); see
    store.transaction for what happens when the commit is refused.
    """
    if not options.commit or not gitops.is_repo(repo.root):
        return None
    text = message(subject, trailers, body)
    txn = transaction.ensure(repo.root)
    if txn is not None:  # inside a command: journalled, rolled back with its writes on any failure
        return txn.commit(paths, text)
    return gitops.commit(repo.root, paths, text)

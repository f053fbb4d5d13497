"""What a merge commit changes beyond what its parents bring (an "evil merge"), as record file changes.

`git merge-tree --write-tree` redoes the merge of the parents; whatever the merge commit holds
beyond that result is the merger's own change and is judged like any commit. A path the re-merge
leaves in conflict is compared with each parent instead (the caller keeps only what every parent
finds wrong). A plain merge of the base into a PR branch changes nothing beyond its parents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from svcnotes.history.gitread import LEAN, Commit, FileChange, _parse_log, diff_tree, tree_blobs
from svcnotes.store.gitops import git


@dataclass
class MergeChanges:
    """A merge commit: its own changes against the re-merge, and per parent the changes of conflicted paths."""

    sha: str
    parents: tuple[str, ...]
    own: Commit
    conflicted: list[Commit] = field(default_factory=list)  # one pseudo-commit per parent


def merges_in(root: Path, rev: str, exclude: Iterable[str] = ()) -> list[Commit]:
    """Every merge commit reachable from `rev` (not from `exclude`), oldest first, with identity and message.

    Each is re-merged: a merge that takes one side's version of a file drops the other side's change (a
    closure undone, an approval removed) while differing from neither parent in a combined diff."""
    out = git(root, *LEAN, "log", "--merges", "--reverse", "--topo-order",
              "--format=%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B%x1f", rev, *(f"^{x}" for x in exclude), "--")
    return _parse_log(out, "records/")


def merge_changes(root: Path, commit: Commit, prefix: str = "records/") -> MergeChanges:
    """The merge's own record changes (as a pseudo-commit with the merge's identity)."""
    parents = commit.parents
    proc = git(root, "merge-tree", "--write-tree", "--name-only", "--no-messages", *parents[:2], check=False)
    lines = proc.split("\n")
    remerged = lines[0].strip()
    conflicted = {line.strip() for line in lines[1:] if line.strip()}
    own = [f for f in diff_tree(root, remerged, commit.sha, prefix) if f.path not in conflicted]
    result = MergeChanges(commit.sha, parents, _pseudo(commit, own))
    if conflicted:
        at_merge = tree_blobs(root, commit.sha, prefix)
        for parent in parents:
            files = [f for f in diff_tree(root, parent, commit.sha, prefix)
                     if f.path in conflicted or f.old_path in conflicted]
            if files or any(p in at_merge for p in conflicted):
                result.conflicted.append(_pseudo(commit, files))
    return result


def _pseudo(commit: Commit, files: list[FileChange]) -> Commit:
    """A one-parent stand-in of the merge commit carrying only `files` (history rules read it as a commit)."""
    return Commit(commit.sha, commit.parents[:1], commit.author, commit.email, commit.date, commit.committed,
                  commit.message, list(files), commit.signature, commit.iso)

"""What a merge commit changes beyond what its parents bring (an "evil merge"), as record file changes.

`git merge-tree --write-tree` redoes the merge of the parents; whatever the merge commit holds
beyond that result is the merger's own change and is judged like any commit. A path the re-merge
leaves in conflict is compared with each parent instead (the caller keeps only what every parent
finds wrong). A plain merge of the base into a PR branch changes nothing beyond its parents.

One `merge-tree` per merge, one `diff-tree --stdin` for all of them; a merge's own changes are git
facts that never change, so they are kept in .svcnotes-cache/merges.json and a later run
re-merges only the merges it has not seen.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from svcnotes.history.gitread import LEAN, Commit, FileChange, _parse_log, diff_tree, log_each
from svcnotes.store.bulk import source_key
from svcnotes.store.gitops import GitError, git

CACHE = Path(".svcnotes-cache") / "merges.json"  # beside history/, whose other files the store drops
CACHE_VERSION = 1


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


def _remerge(root: Path, commit: Commit) -> tuple[str, list[str]]:
    """The tree git's merge of the first two parents gives, and the paths it leaves in conflict."""
    out = git(root, "merge-tree", "--write-tree", "--name-only", "--no-messages", *commit.parents[:2], check=False)
    lines = out.split("\n")
    remerged = lines[0].strip()
    if not remerged:
        raise GitError(f"git merge-tree could not redo merge {commit.sha[:10]} (are its parents fetched?)")
    return remerged, sorted({line.strip() for line in lines[1:] if line.strip()})


def _own_changes(root: Path, pairs: list[tuple[str, str]], prefix: str) -> dict[str, list[FileChange]]:
    """tree pair 'remerged merged' -> the record changes between them, all pairs through one diff-tree."""
    if not pairs:
        return {}
    run = subprocess.run(["git", *LEAN, "diff-tree", "--stdin", "-r", "--raw", "-z", "--no-abbrev", "--no-renames",
                          "--", prefix], cwd=root, input="".join(f"{a} {b}\n" for a, b in pairs), capture_output=True,
                         text=True, encoding="utf-8", errors="replace")
    if run.returncode != 0:
        raise GitError(run.stderr.strip() or "git diff-tree failed")
    proc = run.stdout
    out: dict[str, list[FileChange]] = {f"{a} {b}": [] for a, b in pairs}
    current = ""
    tokens = proc.split("\0")
    i = 0
    while i < len(tokens):
        meta = ""
        for line in tokens[i].split("\n"):
            if line.startswith(":"):
                meta = line
            elif line.strip():
                current = line.strip()
        i += 1
        if meta and i < len(tokens):
            fields = meta[1:].split()
            path = tokens[i]
            i += 1
            if current in out and path.startswith(prefix):
                out[current].append(FileChange(fields[4][0], path, path, fields[2], fields[3]))
    return out


def merges_changes(root: Path, merges: list[Commit], prefix: str = "records/") -> list[MergeChanges]:
    """The own changes of each merge (remembered across runs in .svcnotes-cache/merges.json)."""
    cache = _load(root)
    todo = [m for m in merges if m.sha not in cache]
    if todo:
        trees = dict(line.split() for line in log_each(root, [m.sha for m in todo], "%H %T").splitlines()
                     if line.strip())
        remerged = {m.sha: _remerge(root, m) for m in todo}
        own = _own_changes(root, [(remerged[m.sha][0], trees[m.sha]) for m in todo], prefix)
        for m in todo:
            tree, conflicted = remerged[m.sha]
            files = [f for f in own.get(f"{tree} {trees[m.sha]}", []) if f.path not in conflicted]
            per_parent = []
            if conflicted:
                for parent in m.parents:
                    per_parent.append([_row(f) for f in diff_tree(root, parent, m.sha, prefix)
                                       if f.path in conflicted or f.old_path in conflicted])
            cache[m.sha] = {"own": [_row(f) for f in files], "conflicted": per_parent}
        _save(root, cache)
    out = []
    for m in merges:
        entry = cache[m.sha]
        out.append(MergeChanges(m.sha, m.parents, _pseudo(m, [FileChange(*r) for r in entry["own"]]),
                                [_pseudo(m, [FileChange(*r) for r in rows]) for rows in entry["conflicted"]]))
    return out


def merge_changes(root: Path, commit: Commit, prefix: str = "records/") -> MergeChanges:
    """The merge's own record changes (as a pseudo-commit with the merge's identity)."""
    return merges_changes(root, [commit], prefix)[0]


def _row(f: FileChange) -> list[str]:
    return [f.status, f.path, f.old_path, f.old_blob, f.new_blob]


def _made_by() -> str:
    """The cache's key: its layout version and the code that re-merges and reads the changes."""
    return f"{CACHE_VERSION}:{source_key('history/merges.py', 'history/gitread.py')}"


def _load(root: Path) -> dict[str, dict[str, list[list[str]] | list[list[list[str]]]]]:
    try:
        data = json.loads((root / CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("merges", {}) if isinstance(data, dict) and data.get("version") == _made_by() else {}


def _save(root: Path, cache: Mapping[str, object]) -> None:
    path = root / CACHE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"version": _made_by(), "merges": cache}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _pseudo(commit: Commit, files: list[FileChange]) -> Commit:
    """A one-parent stand-in of the merge commit carrying only `files` (history rules read it as a commit)."""
    return Commit(commit.sha, commit.parents[:1], commit.author, commit.email, commit.date, commit.committed,
                  commit.message, list(files), commit.signature, commit.iso)

"""The mark a `--branch` write leaves while HEAD points at its new branch, and what settles it.

`branching.on_new_branch` points HEAD at a new branch for the length of one write and back at the
user's branch afterwards. Killed in between, the user would be left on the new branch. So before
HEAD moves, the branch, the user's branch and the start commit are written to
`<git dir>/svcnotes-branch.json`, and removed once HEAD is back. The next svcnotes command (or
`doctor --fix`), after settling the write's journal (store.transaction), puts HEAD back: a new
branch with nothing committed on it is removed; one holding the finished write is kept for review
and the user is switched back to their branch.

May import: svcnotes.model, svcnotes.store (no higher layer).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from svcnotes.model.message import msg
from svcnotes.store import gitops
from svcnotes.store.lock import process_alive

MARK = "svcnotes-branch.json"


def _file(root: Path) -> Path:
    return gitops.git_dir(Path(root)) / MARK


def mark(root: Path, original: str, ref: str, start: str) -> None:
    """Note, before HEAD moves to `ref`, where it has to come back to (written whole or not at all)."""
    path = _file(root)
    tmp = path.with_name(f"{MARK}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"original": original, "ref": ref, "start": start, "pid": os.getpid()}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def unmark(root: Path) -> None:
    """HEAD is back where the mark said: the mark goes."""
    try:
        _file(root).unlink()
    except FileNotFoundError:
        pass


def back_dropping(root: Path, original: str, ref: str) -> None:
    """HEAD back on `original` and the new branch `ref` deleted: nothing of the write is on it, and both
    point at the same commit, so index and files stay as they are. The mark goes."""
    gitops.git(root, "symbolic-ref", "HEAD", original)
    gitops.git(root, "update-ref", "-d", ref, check=False)
    unmark(root)


def back_keeping(root: Path, original: str) -> None:
    """Switch back to `original`, the new branch kept with the write committed on it for review (the
    switch takes its files out of the work tree). The mark goes."""
    gitops.git(root, "switch", "--quiet", original.removeprefix("refs/heads/"))
    unmark(root)


def pending(root: Path) -> Path | None:
    """The mark a killed `--branch` write left, if any (a stat)."""
    path = _file(root)
    return path if path.exists() else None


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("original", "ref", "start")):
        return None
    return data


def in_progress(root: Path) -> bool:
    """Whether a `--branch` write is running now (its mark is there and its process alive)."""
    path = pending(root)
    data = _read(path) if path is not None else None
    return data is not None and _running(data.get("pid"))


def _running(pid: object) -> bool:
    """Whether the write that left the mark is this process or still running."""
    return pid == os.getpid() or process_alive(pid)


def settle(root: Path) -> str:
    """Put HEAD back on the branch a killed `--branch` write started from (call holding the repository
    lock, after its journal was settled); what was done, or '' when there was nothing to do."""
    root = Path(root)
    path = pending(root)
    if path is None:
        return ""
    data = _read(path)
    if data is None:  # cut short before it was whole: HEAD had not moved yet
        unmark(root)
        return ""
    if _running(data.get("pid")):
        return ""
    original, ref, start = data["original"], data["ref"], data["start"]
    name, back = ref.removeprefix("refs/heads/"), original.removeprefix("refs/heads/")
    if gitops.git(root, "symbolic-ref", "-q", "HEAD", check=False).strip() != ref:
        unmark(root)  # HEAD was back already
        return ""
    tip = gitops.git(root, "rev-parse", "-q", "--verify", ref, check=False).strip()
    if not tip or tip == start:
        back_dropping(root, original, ref)
        return msg("svcnotes: back on branch {back}; the interrupted write's empty branch {name} was removed",
                   back=back, name=name)
    back_keeping(root, original)  # as a finished write would have left it
    return msg("svcnotes: back on branch {back}; the interrupted write's commit {commit} stays on branch {name} "
               "for review", back=back, commit=tip[:10], name=name)

"""What is staged, as files: the tree a pre-commit hook must judge (not the working files).

`git commit` runs the pre-commit hook with GIT_INDEX_FILE pointing at the index it is about to commit
(a temporary one for `git commit PATHS` and `git commit -a`); `git checkout-index` reads that same
index, so the folder holds exactly what the commit will contain.

May import: svcnotes.model and svcnotes.store. Never checks/workflow/cli or click.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from svcnotes.model.config import CONFIG_FILE
from svcnotes.store import gitops

STAGED_PATHS = (CONFIG_FILE, "records")


def worktree_is_staged(root: Path) -> bool:
    """True when the working svcnotes.toml and records/ are exactly what is staged (no unstaged edit, no
    untracked record): then the working files, with their warm validation cache, can be judged instead."""
    gitops.git(root, "rev-parse", "--git-dir")  # GitError ("not a git repository") where nothing can be staged
    unstaged = gitops.git(root, "diff", "--name-only", "-z", "--", *STAGED_PATHS, check=False)
    untracked = gitops.git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *STAGED_PATHS, check=False)
    return not unstaged and not untracked


@contextmanager
def staged_tree(root: Path) -> Iterator[Path]:
    """A folder holding the staged svcnotes.toml and records/, laid out as in `root`: `root` itself when
    the working files are what is staged, else a temporary copy of the index."""
    if worktree_is_staged(root):
        yield root
        return
    with tempfile.TemporaryDirectory(prefix="svcnotes-staged-") as tmp:
        listed = gitops.git(root, "ls-files", "--cached", "-z", "--", *STAGED_PATHS)
        paths = [p for p in listed.split("\0") if p]
        if paths:
            gitops.git(root, "checkout-index", "--force", f"--prefix={tmp}/", "--", *paths)
        if not (Path(tmp) / CONFIG_FILE).is_file() and (root / CONFIG_FILE).is_file():
            shutil.copyfile(root / CONFIG_FILE, Path(tmp) / CONFIG_FILE)  # config not staged yet: the working one
        yield Path(tmp)

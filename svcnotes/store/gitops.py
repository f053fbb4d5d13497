"""The few git operations the store needs: identity, dirtiness, commit, paths ever seen."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """A git command failed; the message is git's own."""


def git(root: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    """Run git in `root` and return stdout (text, UTF-8)."""
    import os

    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, encoding="utf-8",
                          errors="replace", env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise GitError(proc.stderr.strip() or f"git {' '.join(args)} failed")
    return proc.stdout


def is_repo(root: Path) -> bool:
    """True when `root` is inside a git work tree."""
    return git(root, "rev-parse", "--is-inside-work-tree", check=False).strip() == "true"


def identity(root: Path) -> tuple[str, str]:
    """The (name, e-mail) git will commit as (GIT_AUTHOR_* win over config)."""
    import os

    name = os.environ.get("GIT_AUTHOR_NAME") or git(root, "config", "user.name", check=False).strip()
    email = os.environ.get("GIT_AUTHOR_EMAIL") or git(root, "config", "user.email", check=False).strip()
    return name, email


def dirty_paths(root: Path, paths: list[str]) -> list[str]:
    """Those of `paths` with uncommitted changes (staged or not); untracked files count."""
    if not paths:
        return []
    out = git(root, "status", "--porcelain", "-z", "--", *paths, check=False)
    return [entry[3:] for entry in out.split("\0") if len(entry) > 3]


def commit(root: Path, paths: list[str], message: str, env: dict[str, str] | None = None) -> str:
    """Stage `paths` and commit only them; return the new commit id."""
    git(root, "add", "--", *paths)
    git(root, "commit", "--quiet", "-m", message, "--", *paths, env=env)
    return git(root, "rev-parse", "HEAD").strip()


def paths_in_history(root: Path, pathspec: str) -> set[str]:
    """Every path under `pathspec` that any commit on any ref ever touched (deleted ones too)."""
    if not is_repo(root):
        return set()
    out = git(root, "log", "--all", "--format=", "--name-only", "--no-renames", "-z", "--", pathspec, check=False)
    return {p.strip("\n") for p in out.split("\0") if p.strip("\n")}

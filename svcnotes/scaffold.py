"""`svcnotes init`: a record repository that `svcnotes doctor` calls healthy and whose CI passes on its first push.

Sits above the core layers (store layout, editor schemas, CI files and their install lock, the git
hook) and below the CLI: may import anything in svcnotes except svcnotes.cli; never click.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from svcnotes.history import ci_lock
from svcnotes.history.ci_files import install_hooks, write_ci_files, write_lock
from svcnotes.i18n import Msg
from svcnotes.model.config import load_config
from svcnotes.store import gitops
from svcnotes.store.editor import write_editor_schemas
from svcnotes.store.init import init_repository

INIT_MESSAGE = "svcnotes init: record repository layout, CI, editor and hook set-up"


@dataclass
class Initialised:
    """What init did: files created, warnings (a step it could not do and how to do it later), the first commit."""

    created: list[str] = field(default_factory=list)
    warnings: list[Msg] = field(default_factory=list)
    commit: str = ""


def initialise(path: Path, name: str, locale: str, branch: str = "main", lock: bool = True) -> Initialised:
    """Lay out a record repository in `path` with everything doctor checks, and commit it when git knows who you are."""
    out = Initialised(init_repository(path, name, locale, branch))
    config = load_config(path)[0]
    out.created += write_editor_schemas(path, config)
    out.created += install_hooks(path)
    out.created += [w.path for w in write_ci_files(path, config) if w.action == "created"]
    if lock:
        try:
            out.created += [w.path for w in write_lock(path, ci_lock.build_lock()) if w.action == "created"]
        except ci_lock.LockFailed as exc:
            out.warnings.append(Msg("CI's install lock was not written (pip download said: {error}); "
                                    "run 'svcnotes ci-setup' where pip reaches its index, then commit .svcnotes/ci/",
                                    error=exc))
    has_head = gitops.git(path, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip()
    if has_head:
        return out
    if not all(gitops.identity(path)):
        out.warnings.append(Msg("nothing committed: git does not know who you are; set git config user.name and "
                                "user.email, then: git add -A && git commit -m 'svcnotes init'"))
        return out
    gitops.git(path, "add", "--all")
    try:
        gitops.git(path, "commit", "--quiet", "-m", INIT_MESSAGE)
    except gitops.GitError as exc:
        out.warnings.append(Msg("nothing committed: git said: {error}; fix that, then: git commit -m 'svcnotes init'",
                                error=" ".join(str(exc).split())))
        return out
    out.commit = gitops.git(path, "rev-parse", "HEAD").strip()
    return out

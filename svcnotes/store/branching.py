"""Write on a new branch: a large change (an import) committed for review as a pull request.

    with branching.on_new_branch(root, "import-2026-10", notify):   # refuses a taken or invalid name
        ...writes and commits...                                    # one transaction, on the new branch
    # afterwards: the user is back on their branch with index and work tree as before

The new branch starts at the current HEAD; HEAD is pointed at it (no checkout: both are the same
commit, so index and work tree stay as they are), the writes run in their own transaction and
commit there, then `git switch` goes back to the original branch, which takes the committed files
out of the work tree again. On any failure the transaction rolls back, HEAD points at the original
branch again and the new branch is deleted: nothing of it remains. Killed meanwhile, the mark it
left (store.branchmark) has the next svcnotes command put HEAD back the same way.

May import: svcnotes.model, svcnotes.store (no higher layer).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from svcnotes.model.message import msg
from svcnotes.store import branchmark, gitops, transaction
from svcnotes.store.transaction import Notify, TransactionError, _fail


@dataclass
class BranchWrite:
    """The branch a write went to and the commit it ended at ('' when nothing was committed)."""

    name: str
    original: str
    commit: str = ""


def branch_problem(root: Path, name: str) -> TransactionError | None:
    """Why `name` cannot be a new branch here (invalid name, taken, not a git repository, no commit yet)."""
    if not gitops.is_repo(root):
        return _fail("G010", msg("--branch needs a git repository"), "", msg("run `git init` and commit first, or leave "
                                                                        "out --branch"))
    checked = gitops.git(root, "check-ref-format", "--branch", name, check=False).strip()
    if not name or not checked or name.startswith("-"):
        return _fail("G010", msg("'{name}' is not a valid branch name", name=name), "",
                     msg("pick a name git accepts (no spaces, no '..', no ~^:?*[), e.g. import-2026-10"))
    if gitops.git(root, "rev-parse", "-q", "--verify", f"refs/heads/{checked}", check=False).strip():
        return _fail("G010", msg("branch '{checked}' already exists; nothing was changed", checked=checked), "",
                     msg("pick a new name, or delete the old branch first: git branch -D {checked}", checked=checked))
    problem = transaction.git_state_problem(Path(root), gitops.git_dir(root))
    if problem is not None:
        return problem
    if not gitops.head(root):
        return _fail("G010", msg("the repository has no commit yet to branch from"), "",
                     msg("commit once (git commit --allow-empty -m start), or leave out --branch"))
    return None


@contextmanager
def on_new_branch(root: Path, name: str, notify: Notify | None = None) -> Iterator[BranchWrite]:
    """Run the body's writes as one transaction committing on the new branch `name` (see the module doc).

    TransactionError (G010) before anything is changed when the name is invalid or taken.
    """
    root = Path(root)
    problem = branch_problem(root, name)
    if problem is not None:
        raise problem
    original = gitops.git(root, "symbolic-ref", "-q", "HEAD").strip()
    start = gitops.head(root)
    ref = f"refs/heads/{name}"
    branchmark.mark(root, original, ref, start)  # a kill from here on is settled by the next command
    gitops.git(root, "update-ref", "-m", f"svcnotes: branch {name} for review", ref, start, "")
    gitops.git(root, "symbolic-ref", "HEAD", ref)
    result = BranchWrite(name, original.removeprefix("refs/heads/"))
    try:
        with transaction.scope(notify):
            yield result
    except BaseException:
        branchmark.back_dropping(root, original, ref)  # the rollback left HEAD's commit, index and files as before
        raise
    tip = gitops.git(root, "rev-parse", ref).strip()
    if tip == start:  # nothing committed: no branch to review
        branchmark.back_dropping(root, original, ref)
        return
    result.commit = tip
    branchmark.back_keeping(root, original)

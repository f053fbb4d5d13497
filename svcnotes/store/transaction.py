"""Write transactions: every command that changes records is all or nothing.

    with transaction.scope(notify=print):      # the CLI wraps each command in one
        repo.complaints.update(record, changes)  # the first write begins the transaction
        commit_change(...)                       # commits through a private index
    # normal end: done (the real index learns the commit); any exception: rolled back

A transaction holds the repository lock (store.lock) from its first write to its end and keeps a
journal in `<git dir>/svcnotes-txn/`: the HEAD it started from, every file it is about to write
(a copy of the old bytes, or 'new'), every folder it creates and every commit it makes. On failure
(git refusal, hook, full disk, Ctrl-C) the files are put back, commits made are taken off the
branch, and the real index was never touched, so tree, index and HEAD are exactly as before and no
record number is consumed. A killed command leaves the journal: the next svcnotes command (or
`svcnotes doctor --fix`) rolls it back, or, when it had finished committing, completes it, and
says which.

Outside a scope (library use) writes are plain and a commit still goes through a private index.

May import: svcnotes.model, svcnotes.store (no higher layer).
"""

from __future__ import annotations

import contextvars
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from svcnotes.model.message import joined, msg
from svcnotes.model.problems import Problem
from svcnotes.store import gitops
from svcnotes.store.lock import LockTimeout, RepoLock, command_line, lock_timeout, process_alive

TXN_DIR = "svcnotes-txn"
JOURNAL = "journal"
PROGRESS_EVERY = 200  # files: a large write tells its progress hook how far it is (the CLI draws it on a terminal)
STALE_INDEX_LOCK = 60.0  # seconds: an index.lock unchanged for this long belongs to no running git

Notify = Callable[[str], None]
# progress(stage, done, total): stage "write" (files written so far; total 0: not known) or "commit"
# (files in the commit being made: done 0 before, done == total after).
ProgressHook = Callable[[str, int, int], None]


class TransactionError(Exception):
    """A write could not be made safely; carries one located problem (code, path, message, hint)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.format())
        self.problem = problem


def _fail(code: str, message: str, path: str = "", hint: str = "") -> TransactionError:
    return TransactionError(Problem(code, message, path, hint=hint))


@dataclass
class _Scope:
    notify: Notify | None
    progress: ProgressHook | None = None
    txn: Transaction | None = None
    recovered: set[str] = field(default_factory=set)


_SCOPE: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("svcnotes_txn_scope", default=None)


def current() -> Transaction | None:
    """The transaction running in this scope, if one has begun."""
    found = _SCOPE.get()
    return found.txn if found is not None else None


@contextmanager
def scope(notify: Notify | None = None, progress: ProgressHook | None = None) -> Iterator[None]:
    """One command: a transaction begins at its first write; a normal end finishes it, any exception
    (or an exit status other than 0) rolls it back before propagating. `progress` hears how a
    large write goes (see ProgressHook)."""
    state = _Scope(notify, progress)
    token = _SCOPE.set(state)
    try:
        yield
    except BaseException as exc:
        txn = state.txn
        if txn is None:
            raise
        if getattr(exc, "exit_code", getattr(exc, "code", 1)) in (0, None):
            txn.finish()
            raise
        try:
            txn.rollback(quiet=True)
        except TransactionError as failed:  # the journal stays for doctor --fix; the first error is the one to tell
            if state.notify is not None:
                state.notify(msg("warning: {message}", message=failed.problem.format()))
        if isinstance(exc, OSError):
            where = _show(txn.root, Path(exc.filename)) if isinstance(exc.filename, str) else ""
            raise _fail("G007", msg("cannot write: {error}", error=exc.strerror or str(exc)), where,
                        msg("nothing was changed (files, index and HEAD are as before); free some space or fix the "
                            "permission, then run it again")) from exc
        if isinstance(exc, gitops.GitError):
            raise _fail("G006", msg("git failed: {error}", error=_first_lines(str(exc))), "",
                        msg("nothing was changed; fix what git says and run it again")) from exc
        raise
    else:
        if state.txn is not None:
            state.txn.finish()
    finally:
        _SCOPE.reset(token)


def ensure(root: Path) -> Transaction | None:
    """The scope's transaction, begun now (lock, leftover journal, git state) if not yet; None outside a scope."""
    state = _SCOPE.get()
    if state is None:
        return None
    if state.txn is None:
        txn = Transaction(Path(root), state.notify, state.progress)
        try:
            txn.begin()
        except OSError as exc:  # nothing written yet: the journal itself could not be
            raise _fail("G007", msg("cannot write: {error}", error=exc.strerror or str(exc)),
                        _show(txn.root, Path(str(exc.filename or txn.dir))),
                        msg("nothing was changed; free some space or fix the permission, then run it again")) from exc
        state.txn = txn
    return state.txn


def will_write(path: Path) -> None:
    """Journal `path` (its old bytes, or that it is new) before it is written or removed."""
    txn = current()
    if txn is not None:
        txn.will_write(path)


# ---------------------------------------------------------------------------------------------


def state_dir(root: Path) -> tuple[Path, bool]:
    """Where the lock and journal live (the git dir, else the root) and whether git is in use."""
    if (root / ".git").exists() or gitops.is_repo(root):
        return gitops.git_dir(root), True
    return root / ".svcnotes", False


def git_state_problem(root: Path, git_dir: Path) -> TransactionError | None:
    """A refusal when git is in a state where a commit would go wrong (merge, rebase, detached, shallow)."""
    states = (("MERGE_HEAD", msg("a merge"), msg("finish it (git commit) or abort it (git merge --abort)")),
              ("rebase-merge", msg("a rebase"), msg("finish it (git rebase --continue) or abort it (git rebase --abort)")),
              ("rebase-apply", msg("a rebase or git am"),
               msg("finish it (git rebase --continue / git am --continue) or abort it (--abort)")),
              ("CHERRY_PICK_HEAD", msg("a cherry-pick"),
               msg("finish it (git cherry-pick --continue) or abort it (git cherry-pick --abort)")),
              ("REVERT_HEAD", msg("a revert"), msg("finish it (git revert --continue) or abort it (git revert --abort)")),
              ("BISECT_LOG", msg("a bisect"), msg("end it: git bisect reset")))
    for name, what, fix in states:
        if (git_dir / name).exists():
            return _fail("G002", msg("{what} is in progress; svcnotes will not commit in the middle of it", what=what),
                         _show(root, git_dir / name), msg("{fix}, then run the command again", fix=fix))
    try:
        head_text = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        head_text = "ref: "
    if not head_text.startswith("ref: "):
        return _fail("G003", msg("HEAD is detached (at {head}): a commit here would belong to no branch",
                                 head=head_text[:10]),
                     _show(root, git_dir / "HEAD"), msg("switch to a branch first: git switch main (or git switch -c "
                                                        "NEW-BRANCH)"))
    common = Path(gitops.git(root, "rev-parse", "--git-common-dir", check=False).strip() or git_dir)
    common = common if common.is_absolute() else root / common
    if (common / "shallow").exists():
        return _fail("G004", msg("this is a shallow clone: numbers used in the history it lacks could be handed out again"),
                     _show(root, common / "shallow"), msg("fetch the full history: git fetch --unshallow"))
    return None


def _show(root: Path, path: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)


def wait_for_index_lock(root: Path, git_dir: Path, notify: Notify | None) -> None:
    """Wait while another git process holds index.lock; a lock nobody updates is reported as stale."""
    lock = git_dir / "index.lock"
    deadline = time.monotonic() + min(lock_timeout(), 30.0)
    told = False
    while True:
        try:
            age = time.time() - lock.stat().st_mtime
        except FileNotFoundError:
            return
        if age > STALE_INDEX_LOCK or time.monotonic() > deadline:
            raise _fail("G001", msg("git's index is locked and has been for {age:.0f} s: a git command crashed, or "
                                    "is still running", age=age), _show(root, lock),
                        msg("if no git command is running in this repository, remove the lock: rm {lock}",
                            lock=_show(root, lock)))
        if not told and notify is not None:
            notify(msg("waiting for a running git command to release {lock} ...", lock=_show(root, lock)))
            told = True
        time.sleep(0.1)


def check_identity(root: Path) -> None:
    """Committing needs a git identity; G005 with the fix when there is none."""
    out = gitops.git(root, "var", "GIT_COMMITTER_IDENT", check=False).strip()
    if not out:
        raise _fail("G005", msg("git has no identity to commit as"), ".git/config",
                    msg("set it: git config user.name 'Your Name' && git config user.email you@example.com"))


class Transaction:
    """One command's writes and commits, journalled, under the repository lock (see the module doc)."""

    def __init__(self, root: Path, notify: Notify | None = None, progress: ProgressHook | None = None) -> None:
        self.root = Path(root).resolve()
        self.notify = notify
        self.progress = progress
        self.state_dir, self.in_git = state_dir(self.root)
        self.dir = self.state_dir / TXN_DIR
        self.lock = RepoLock(self.state_dir / "svcnotes.lock")
        self.start = ""
        self.ref = ""
        self.seen: set[str] = set()
        self.commits: list[str] = []
        self.committed_files: list[Path] = []
        self._journal: Any = None
        self._saved = 0

    # -- begin --------------------------------------------------------------------------------

    def begin(self) -> None:
        """Take the lock, settle a leftover journal, refuse bad git states, start the journal."""
        try:
            self.lock.acquire(self.notify)
        except LockTimeout as exc:
            raise _fail("G008", exc.args[0], _show(self.root, self.lock.path),
                        msg("wait for it to finish; a killed command frees the lock by itself")) from None
        try:
            said = recover_locked(self.root, self.dir, self.in_git)
            if said and self.notify is not None:
                self.notify(said)
            if self.in_git:
                problem = git_state_problem(self.root, self.state_dir)
                if problem is not None:
                    raise problem
                self.start = gitops.head(self.root)
                self.ref = gitops.git(self.root, "symbolic-ref", "-q", "HEAD", check=False).strip()
            self.dir.mkdir(parents=True, exist_ok=True)
            self._journal = open(self.dir / JOURNAL, "w", encoding="utf-8")
            self._log("begin", {"head": self.start, "ref": self.ref, "pid": os.getpid(), "command": command_line(),
                                "started": time.strftime("%Y-%m-%d %H:%M:%S")})
            _fsync_dir(self.dir)
        except BaseException:
            self._close()
            self.lock.release()
            raise

    def _log(self, *entry: Any) -> None:
        self._journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._journal.flush()  # in the kernel before the change it announces: survives kill -9

    # -- writes -------------------------------------------------------------------------------

    def will_write(self, path: Path) -> None:
        """Before `path` is written, renamed or removed: journal its old state (once per path)."""
        path = Path(path)
        rel = _rel(self.root, path)
        if rel in self.seen:
            return
        self.seen.add(rel)
        missing = []
        folder = path.parent
        while not folder.exists() and folder != self.root and self.root in folder.parents:
            missing.append(folder)
            folder = folder.parent
        for created in reversed(missing):
            self._log("dir", _rel(self.root, created))
        if len(self.seen) % PROGRESS_EVERY == 0 and self.progress is not None:
            self.progress("write", len(self.seen), 0)
        if os.path.lexists(path):
            self._saved += 1
            name = f"saved.{self._saved}"
            shutil.copy2(path, self.dir / name, follow_symlinks=False)
            self._log("saved", rel, name)
        else:
            self._log("new", rel)

    # -- commit -------------------------------------------------------------------------------

    def commit(self, paths: Iterable[str], message: str, env: dict[str, str] | None = None) -> str | None:
        """Commit `paths` (relative to the root) through a private index; the commit id or None."""
        check_identity(self.root)
        wait_for_index_lock(self.root, self.state_dir, self.notify)
        number = len(self.committed_files) + 1
        paths_file = self.dir / f"paths.{number}"
        count = gitops.write_paths(paths_file, paths)
        progress = self.progress if count >= PROGRESS_EVERY else None
        if progress is not None:
            progress("commit", 0, count)
        self.committed_files.append(paths_file)

        def before(parent: str, tree: str) -> None:
            self._log("committing", parent, tree, paths_file.name)

        work = self.dir / f"commit.{number}"
        work.mkdir(exist_ok=True)
        try:
            sha = gitops.commit(self.root, paths_file, message, env=env, workdir=work, before=before)
        except gitops.GitError as exc:
            raise _fail("G006", msg("git refused the commit: {error}", error=_first_lines(str(exc))), "",
                        msg("nothing was changed; fix what git says (a hook, the identity, free space) and run it again")) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if sha is not None:
            self.commits.append(sha)
            self._log("committed", sha)
        if progress is not None:
            progress("commit", count, count)
        return sha

    # -- end ----------------------------------------------------------------------------------

    def finish(self) -> None:
        """Success: the real index learns what was committed; the journal goes; the lock is released."""
        try:
            self._log("done")
            self._close()
            _complete(self.root, self.dir, self.state_dir, self.notify)
        finally:
            self.lock.release()

    def rollback(self, quiet: bool = False) -> str:
        """Failure: files back as they were, this command's commits off the branch; what was done."""
        try:
            self._close()
            said = _rollback(self.root, self.dir)
            if not quiet and self.notify is not None:
                self.notify(said)
            return said
        finally:
            self.lock.release()

    def _close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def _first_lines(text: str, lines: int = 6) -> str:
    kept = [line for line in text.splitlines() if line.strip()]
    return "; ".join(kept[:lines]) + (" ..." if len(kept) > lines else "")


def _rel(root: Path, path: Path) -> str:
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


# -- recovery ---------------------------------------------------------------------------------


def _read_journal(folder: Path) -> list[list[Any]]:
    entries = []
    try:
        with open(folder / JOURNAL, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except ValueError:
                    break  # a line cut short by a kill: nothing after it happened
                if isinstance(entry, list) and entry:
                    entries.append(entry)
    except FileNotFoundError:
        pass
    return entries


def _complete(root: Path, folder: Path, git_dir: Path, notify: Notify | None) -> str:
    """Stage the committed paths into the real index (what `git commit` would have left) and drop the journal."""
    files = sorted(folder.glob("paths.*"), key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0)
    committed = {entry[3] for entry in _read_journal(folder) if entry[0] == "committing" and len(entry) > 3}
    for paths_file in files:
        if paths_file.name in committed:
            wait_for_index_lock(root, git_dir, notify)
            gitops.stage(root, paths_file)
    shutil.rmtree(folder, ignore_errors=True)
    return "completed"


def _rollback(root: Path, folder: Path) -> str:
    """Put every journalled file back, take this command's commits off the branch, drop the journal."""
    begin = next((e[1] for e in _read_journal(folder) if e[0] == "begin" and len(e) > 1 and isinstance(e[1], dict)), {})
    return msg("rolled back `{command}`: {undone}", command=begin.get("command", "svcnotes"), undone=_undo(root, folder))


def _undo(root: Path, folder: Path) -> str:
    """_rollback's work; what was undone."""
    entries = _read_journal(folder)
    begin = next((e[1] for e in entries if e[0] == "begin" and len(e) > 1 and isinstance(e[1], dict)), {})
    start, ref = str(begin.get("head", "")), str(begin.get("ref", ""))
    reset: str = ""
    if ref and (folder.parent / "HEAD").exists():
        now = gitops.head(root)
        ours = [e[1] for e in entries if e[0] == "committed"]
        pending = [e for e in entries if e[0] == "committing"]
        if now != start:
            tip_is_ours = now in ours
            if not tip_is_ours and pending and now:
                parent = gitops.git(root, "rev-parse", "-q", "--verify", f"{now}^", check=False).strip()
                tree = gitops.git(root, "rev-parse", f"{now}^{{tree}}", check=False).strip()
                tip_is_ours = parent == pending[-1][1] and tree == pending[-1][2]
            if not tip_is_ours:
                raise _fail("G009", msg("an interrupted command's journal does not match HEAD (it started at "
                                        "{start}, HEAD is now {now}); not rolling back by guesswork",
                                        start=start[:10] or msg("no commit"), now=now[:10]),
                            _show(root, folder),
                            msg("check `git log` and the files; then delete {folder} to carry on", folder=_show(root, folder)))
            if start:
                gitops.git(root, "update-ref", "-m", "svcnotes: roll back an interrupted command", ref, start, now)
            else:
                gitops.git(root, "update-ref", "-d", ref, now)
            reset = msg(", took {commit} off {branch}", commit=now[:10], branch=ref.removeprefix("refs/heads/"))
    restored = removed = 0
    dirs = []
    for entry in reversed(entries):
        kind = entry[0]
        if kind == "saved":
            target = root / entry[1]
            backup = folder / entry[2]
            if backup.exists() or backup.is_symlink():
                _remove_temporaries(target)
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(backup, target)
                restored += 1
        elif kind == "new":
            target = root / entry[1]
            _remove_temporaries(target)
            try:
                os.unlink(target)
                removed += 1
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                pass
        elif kind == "dir":
            dirs.append(root / entry[1])
    for created in dirs:  # deepest first: the journal lists parents before children, read in reverse
        try:
            os.rmdir(created)
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)
    return msg("restored {restored} file(s), removed {removed} new file(s){reset}; nothing of it remains",
               restored=restored, removed=removed, reset=reset)


def _remove_temporaries(target: Path) -> None:
    """The `.NAME.*.tmp` files atomic_write leaves when killed between write and rename."""
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    prefix = f".{target.name}."
    for name in names:
        if name.startswith(prefix) and name.endswith(".tmp"):
            try:
                os.unlink(target.parent / name)
            except OSError:
                pass


def recover_locked(root: Path, folder: Path, in_git: bool) -> str:
    """Settle what a killed command left (hold the lock): its journal, completed when it had finished
    committing, else rolled back; then HEAD put back on the branch a `--branch` write started from
    (store.branchmark). What was done, or '' when there was nothing."""
    said = _recover_journal(root, folder)
    if not in_git:
        return said
    from svcnotes.store import branchmark

    back = branchmark.settle(root)
    return joined([line for line in (said, back) if line], "\n")


def _recover_journal(root: Path, folder: Path) -> str:
    entries = _read_journal(folder)
    if not entries:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        return ""
    begin = entries[0][1] if entries[0][0] == "begin" and len(entries[0]) > 1 else {}
    what = msg("`{command}` (pid {pid}, started {started})", command=begin.get("command", "svcnotes"),
               pid=begin.get("pid", "?"), started=begin.get("started", "?"))
    if entries[-1][0] == "done":
        _complete(root, folder, folder.parent, None)
        return msg("svcnotes: completed the interrupted {what}: its commit was made; the index now matches it", what=what)
    return msg("svcnotes: rolled back the interrupted {what}: {undone}", what=what, undone=_undo(root, folder))


def pending_journal(root: Path) -> Path | None:
    """The journal folder a killed command left, if any (cheap: a stat or two)."""
    where, _in_git = state_dir(Path(root))
    folder = where / TXN_DIR
    return folder if (folder / JOURNAL).exists() else None


def pending(root: Path) -> Path | None:
    """What a killed command left to settle: its journal folder, or the mark of a `--branch` write
    (store.branchmark); None when there is nothing (cheap: a few stats)."""
    from svcnotes.store import branchmark

    folder = pending_journal(root)
    if folder is not None:
        return folder
    where, in_git = state_dir(Path(root))
    return branchmark.pending(root) if in_git else None


def recover(root: Path, notify: Notify | None = None) -> str:
    """Settle a leftover journal now if no command is running; what was done ('' when nothing).

    TransactionError (G009) when the journal cannot be applied safely.
    """
    root = Path(root).resolve()
    if pending(root) is None:
        return ""
    where, in_git = state_dir(root)
    folder = where / TXN_DIR
    lock = RepoLock(where / "svcnotes.lock")
    if not lock.try_acquire():
        entries = _read_journal(folder)
        begin = entries[0][1] if entries and entries[0][0] == "begin" and isinstance(entries[0][1], dict) else {}
        from svcnotes.store import branchmark

        if process_alive(begin.get("pid")) or branchmark.in_progress(root):
            return ""  # its command is still running
        # the command was killed, but a git (or hook) it started still holds the lock: wait for it
        try:
            lock.acquire(notify)
        except LockTimeout as exc:
            raise _fail("G008", exc.args[0], _show(root, lock.path), msg("wait for it to finish")) from None
    try:
        said = recover_locked(root, folder, in_git)
    finally:
        lock.release()
    if said and notify is not None:
        notify(said)
    return said

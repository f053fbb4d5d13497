"""The few git operations the store needs: identity, dirtiness, commit, paths ever seen."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path


class GitError(Exception):
    """A git command failed; the message is git's own."""


def git(root: Path, *args: str, check: bool = True, env: dict[str, str] | None = None,
        stdin: Path | None = None) -> str:
    """Run git in `root` and return stdout (text, UTF-8); `stdin` names a file fed to git's standard input."""
    import os

    from svcnotes.store.lock import held_fds

    try:
        with open(stdin if stdin is not None else os.devnull, "rb") as feed:
            proc = subprocess.run(["git", *args], cwd=root, capture_output=True, stdin=feed, pass_fds=held_fds(),
                                  env={**os.environ, **(env or {})})
    except OSError as exc:  # git missing, or (never, by design) an argument list too long
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise GitError(err or f"git {' '.join(args[:3])} failed")
    return proc.stdout.decode("utf-8", "replace")


def is_repo(root: Path) -> bool:
    """True when `root` is inside a git work tree."""
    return git(root, "rev-parse", "--is-inside-work-tree", check=False).strip() == "true"


def identity(root: Path) -> tuple[str, str]:
    """The (name, e-mail) git will commit as (GIT_AUTHOR_* win over config)."""
    import os

    name = os.environ.get("GIT_AUTHOR_NAME") or git(root, "config", "user.name", check=False).strip()
    email = os.environ.get("GIT_AUTHOR_EMAIL") or git(root, "config", "user.email", check=False).strip()
    return name, email


def _batch(root: Path, args: list[str], lines: list[str]) -> list[str]:
    """Run a git command that reads one item per line on stdin (fed from a file); its output lines."""
    import os
    import tempfile

    fd, name = tempfile.mkstemp(prefix="svcnotes-paths-")
    try:
        with os.fdopen(fd, "wb") as out:
            for line in lines:
                out.write(line.encode("utf-8", "surrogateescape") + b"\n")
        return git(root, *args, stdin=Path(name)).splitlines()
    finally:
        os.unlink(name)


def path_states(root: Path, paths: list[str]) -> dict[str, tuple[str, str, str]]:
    """(HEAD blob, index blob, working-tree blob) of each path, '' where it has none; the paths go to
    git on standard input (`cat-file --batch-check`, `hash-object --stdin-paths`), never one
    argument per path, so any number of them works."""
    import os

    paths = list(dict.fromkeys(paths))
    if not paths:
        return {}
    odd = [p for p in paths if "\n" in p or "\r" in p]  # cannot go one per line: reported as changed
    plain = [p for p in paths if p not in odd]

    def blobs(prefix: str) -> list[str]:
        out = _batch(root, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], [f"{prefix}:{p}" for p in plain])
        return [line.split()[0] if line.endswith(" blob") else "" for line in out]

    head_blobs = blobs("HEAD") if head(root) else [""] * len(plain)
    index_blobs = blobs("")
    files = [p for p in plain if os.path.isfile(os.path.join(root, p))]
    hashed = dict(zip(files, _batch(root, ["hash-object", "--stdin-paths"], files), strict=True)) if files else {}
    states = {p: (h, i, hashed.get(p, "")) for p, h, i in zip(plain, head_blobs, index_blobs, strict=True)}
    states.update({p: ("", "", "?") for p in odd})
    return states


def dirty_paths(root: Path, paths: list[str]) -> list[str]:
    """Those of `paths` with uncommitted changes (staged or not); untracked files count. The paths
    are fed to git on standard input (see `path_states`)."""
    return [p for p, (in_head, in_index, in_tree) in path_states(root, paths).items()
            if in_head != in_index or in_index != in_tree]


def tracked_dirty_paths(root: Path, paths: list[str]) -> list[str]:
    """Those of `paths` git tracks (in the index) and that have uncommitted changes."""
    return [p for p, (in_head, in_index, in_tree) in path_states(root, paths).items()
            if in_index and (in_head != in_index or in_index != in_tree)]


def head(root: Path) -> str:
    """The commit HEAD points at ('' on a branch with no commit yet)."""
    return git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).strip()


def write_paths(file: Path, paths: Iterable[str]) -> int:
    """Write `paths` NUL-separated to `file` (what update-index --stdin -z reads); how many."""
    count = 0
    with open(file, "wb") as out:
        for path in paths:
            out.write(path.encode("utf-8", "surrogateescape") + b"\0")
            count += 1
    return count


def stage(root: Path, paths_file: Path, index: Path | None = None) -> None:
    """Make the index entries of the paths listed in `paths_file` match the working tree (missing
    files leave the index); never one argument per path. `index` is a private index file."""
    env = {"GIT_INDEX_FILE": str(index)} if index is not None else None
    git(root, "update-index", "--add", "--remove", "-z", "--stdin", env=env, stdin=paths_file)


def commit(root: Path, paths: Iterable[str] | Path, message: str, env: dict[str, str] | None = None,
           workdir: Path | None = None, before: Callable[[str, str], None] | None = None) -> str | None:
    """Commit exactly `paths` (a list, or a file of NUL-separated paths) as they are in the working
    tree; the new commit id, or None when they match HEAD already.

    The commit is built in a private index (HEAD's tree plus these paths), so other staged changes
    are neither committed nor touched, and a refused commit (hook, identity, full disk) leaves the
    real index exactly as it was. The real index learns the committed paths only afterwards
    (`stage`). `before(parent, tree)` runs just before `git commit` (a journal records it).
    """
    import os
    import shutil
    import tempfile

    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="svcnotes-commit-", dir=git_dir(root))) if workdir is None else workdir
    try:
        index = work / "index"
        paths_file = paths if isinstance(paths, Path) else work / "paths"
        if not isinstance(paths, Path):
            write_paths(paths_file, paths)
        private = {"GIT_INDEX_FILE": str(index)}
        parent = head(root)
        if os.path.exists(index):
            os.unlink(index)
        git(root, "read-tree", *([parent] if parent else ["--empty"]), env=private)
        if not _stage_packed(root, paths_file, work, private):
            stage(root, paths_file, index)
        tree = git(root, "write-tree", env=private).strip()
        if parent and tree == git(root, "rev-parse", f"{parent}^{{tree}}").strip():
            return None
        if before is not None:
            before(parent, tree)
        message_file = work / "message"
        message_file.write_text(message, encoding="utf-8")
        git(root, "commit", "--quiet", "--no-status", "-F", str(message_file), env={**(env or {}), **private})
        sha = head(root)
        if own:
            stage(root, paths_file)
        return sha
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


PACKED_FROM = 1000  # paths: from here on new files are written to git as one pack, not one loose object each


def _read_paths(paths_file: Path) -> Iterator[str]:
    """The paths of a NUL-separated paths file, read in chunks (never the whole list in memory)."""
    with open(paths_file, "rb") as handle:
        rest = b""
        while chunk := handle.read(1 << 16):
            *done, rest = (rest + chunk).split(b"\0")
            for path in done:
                if path:
                    yield path.decode("utf-8", "surrogateescape")
        if rest:
            yield rest.decode("utf-8", "surrogateescape")


def _stage_packed(root: Path, paths_file: Path, work: Path, private: dict[str, str]) -> bool:
    """Stage many paths into the private index through `git fast-import` (one pack instead of a
    loose object per file: 10,000 new records in under 2 s instead of about 10 s); False (nothing
    done) when there are few, or when git could transform file contents (attributes, autocrlf),
    or a path needs quoting. The paths are streamed from the file twice (blobs, then index
    entries), so memory does not grow with their number."""
    import os
    import stat

    count = 0
    for path in _read_paths(paths_file):
        if any(c in path for c in '\t\n"\\'):
            return False
        count += 1
    if count < PACKED_FROM:
        return False
    top = Path(git(root, "rev-parse", "--show-toplevel").strip())
    common = Path(git(root, "rev-parse", "--git-common-dir").strip())
    common = common if common.is_absolute() else root / common
    if ((top / ".gitattributes").exists() or (root / ".gitattributes").exists() or (common / "info" / "attributes").exists()
            or git(root, "config", "--get", "core.autocrlf", check=False).strip() not in ("", "false")):
        return False
    prefix = git(root, "rev-parse", "--show-prefix").strip()
    marks = work / "marks"
    info = work / "index-info"
    from svcnotes.store.lock import held_fds

    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done", f"--export-marks={marks}"], cwd=root,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            pass_fds=held_fds())
    assert proc.stdin is not None
    modes = work / "modes"  # one byte per path: which mode it was staged with
    codes = {"100644": b"f", "100755": b"x", "120000": b"l", "": b"-"}
    try:
        with open(modes, "wb") as mode_out:
            for n, path in enumerate(_read_paths(paths_file), 1):
                full = os.path.join(root, path)
                try:
                    st = os.lstat(full)
                except FileNotFoundError:
                    mode_out.write(codes[""])
                    continue
                if stat.S_ISLNK(st.st_mode):
                    data, mode = os.readlink(full).encode("utf-8", "surrogateescape"), "120000"
                elif stat.S_ISREG(st.st_mode):
                    with open(full, "rb") as handle:
                        data = handle.read()
                    mode = "100755" if st.st_mode & 0o111 else "100644"
                else:
                    proc.kill()
                    proc.wait()
                    return False
                mode_out.write(codes[mode])
                proc.stdin.write(b"blob\nmark :%d\ndata %d\n" % (n, len(data)) + data + b"\n")
        proc.stdin.write(b"done\n")
        proc.stdin.close()
    except BrokenPipeError:
        pass
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr is not None else ""
    if proc.wait() != 0:
        raise GitError(err.strip() or "git fast-import failed")
    by_code = {code[0]: mode for mode, code in codes.items()}
    with open(marks, encoding="ascii") as mark_in, open(modes, "rb") as mode_in, \
            open(info, "w", encoding="utf-8", errors="surrogateescape") as out:
        staged = iter(mark_in)  # marks are written in mark order, one per staged blob
        for n, path in enumerate(_read_paths(paths_file), 1):
            mode = by_code[mode_in.read(1)[0]]
            if mode:
                mark, sha = next(staged).split()
                if int(mark[1:]) != n:  # git writes its marks in order; anything else is not ours to guess
                    raise GitError(f"git fast-import listed mark {mark} where :{n} was expected")
                out.write(f"{mode} {sha}\t{prefix}{path}\n")
            else:
                out.write(f"0 {'0' * 40}\t{prefix}{path}\n")
    git(root, "update-index", "--index-info", env=private, stdin=info)
    return True


def git_dir(root: Path) -> Path:
    """The git directory of the working tree at `root` (.git, or a worktree's own folder)."""
    dot = root / ".git"
    if dot.is_dir():
        return dot
    out = git(root, "rev-parse", "--absolute-git-dir", check=False).strip()
    return Path(out) if out else dot


def paths_in_history(root: Path, pathspec: str) -> set[str]:
    """Every path under `pathspec` that any commit on any ref ever touched (deleted ones too)."""
    if not is_repo(root):
        return set()
    out = git(root, "log", "--all", "--format=", "--name-only", "--no-renames", "-z", "--", pathspec, check=False)
    return {p.strip("\n") for p in out.split("\0") if p.strip("\n")}

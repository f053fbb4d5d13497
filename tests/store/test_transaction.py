"""Every write is all or nothing: refused commits, git states, full disks, parallel runs and kill -9
leave tree, index and HEAD exactly as before (or exactly as after), and never use up a number."""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svcnotes.cli import cli
from tests.conftest import git, identity_env, write

NEW = ["new", "complaint", "--customer", "hengda-auto", "--title", "外观划伤", "--category", "product_quality",
       "--severity", "major", "--channel", "phone", "--received-at", "2026-11-20 10:00", "--today", "2026-11-20"]

MAPPING = """\
kind = "complaint"
source = "legacy"
key = ["编号"]

[columns]
"编号" = "order_no"
"客户" = "customer"
"日期" = "received_at"
"主题" = "title"

[defaults]
channel = "phone"
category = "product_quality"
severity = "normal"
status = "registered"
"""


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def svcnotes(root: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    """The real CLI in a process of its own (as a user runs it)."""
    return subprocess.run([sys.executable, "-m", "svcnotes", "-C", str(root), *args], capture_output=True, text=True,
                          env={**os.environ, **identity_env()}, **kw)  # type: ignore[call-overload]


def state(root: Path) -> tuple[str, str, dict[str, bytes]]:
    """HEAD, the index (every entry) and every file of the working tree (but .git and the caches)."""
    head = git(root, "rev-parse", "-q", "--verify", "HEAD").strip()
    index = git(root, "ls-files", "-s", "--debug")
    index = "\n".join(line for line in index.splitlines() if not line.startswith("  "))  # stat data aside
    files = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".svcnotes-cache")]
        rel = os.path.relpath(folder, root)
        files[rel + "/"] = b""
        for name in names:
            files[os.path.join(rel, name)] = Path(folder, name).read_bytes()
    return head, index, files


def failing_hook(root: Path, text: str = "echo 'hook says no' >&2; exit 1") -> Path:
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\n{text}\n", encoding="utf-8")
    hook.chmod(0o755)
    return hook


def csv_rows(n: int, start: int = 1) -> str:
    return "编号,客户,日期,主题\n" + "".join(f"A{i},恒达汽车零部件有限公司,2025-03-04,支架尺寸超差 {i}\n"
                                        for i in range(start, start + n))


# -- refused commits ----------------------------------------------------------------------------


def test_a_refused_commit_leaves_everything_as_before_and_uses_no_number(repo: Path) -> None:
    before = state(repo)
    hook = failing_hook(repo)
    result = run(repo, *NEW)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: <repository>: G006 git refused the commit: hook says no (nothing was changed; fix what git says "
        "(a hook, the identity, free space) and run it again)")
    assert state(repo) == before
    hook.unlink()
    assert run(repo, *NEW).stdout == "C-2611-002  records/complaints/2026/C-2611-002.md\n"


def test_a_refused_verb_puts_the_record_back_byte_for_byte(repo: Path) -> None:
    before = state(repo)
    failing_hook(repo)
    result = run(repo, "investigate", "C-2611-001")
    assert result.exit_code == 1 and "G006" in result.stderr
    assert state(repo) == before


def test_a_commit_neither_takes_nor_drops_changes_you_staged(repo: Path) -> None:
    write(repo, "notes.txt", "mine\n")
    git(repo, "add", "notes.txt")
    assert run(repo, "investigate", "C-2611-001").exit_code == 0
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["records/complaints/2026/C-2611-001.md"]
    assert git(repo, "status", "--porcelain") == "A  notes.txt\n"


def test_import_stages_any_number_of_files_without_an_argument_list(repo: Path, tmp_path: Path) -> None:
    """With a 64 KiB argument limit, 1,500 paths on git's command line would fail with E2BIG."""
    (tmp_path / "rows.csv").write_text(csv_rows(1500), encoding="utf-8")
    write(tmp_path, "map.toml", MAPPING)

    def small_args() -> None:
        resource.setrlimit(resource.RLIMIT_STACK, (256 * 1024, resource.getrlimit(resource.RLIMIT_STACK)[1]))

    done = svcnotes(repo, "import", str(tmp_path / "rows.csv"), "--kind", "complaint", "--map", str(tmp_path / "map.toml"),
                    preexec_fn=small_args)
    assert done.returncode == 0, done.stderr
    assert "rows.csv: 1500 rows: 1500 imported, 0 duplicate, 0 rejected" in done.stdout
    assert git(repo, "status", "--porcelain") == ""
    assert int(git(repo, "rev-list", "--count", "HEAD")) == 2


# -- re-runs tell the truth ------------------------------------------------------------------------


def test_records_written_but_not_committed_are_reported_and_resumed(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text(csv_rows(3), encoding="utf-8")
    mapping = write(tmp_path, "map.toml", MAPPING)
    args = ["import", str(tmp_path / "rows.csv"), "--kind", "complaint", "--map", str(mapping)]
    assert run(repo, *args, "--no-commit").exit_code == 0
    again = run(repo, *args)
    assert again.exit_code == 1
    assert again.stdout.splitlines()[:2] == [
        "rows.csv: 3 rows: 0 imported, 0 duplicate, 0 rejected, 3 written earlier",
        f"3 written but not committed: run `svcnotes import {tmp_path / 'rows.csv'} --kind complaint --map {mapping} "
        "--resume` to commit them (or `svcnotes doctor --fix`)"]
    resumed = run(repo, *args, "--resume")
    assert resumed.exit_code == 0
    assert "committed 3 record(s) written earlier but not committed" in resumed.stdout
    assert git(repo, "status", "--porcelain") == ""
    final = run(repo, *args)
    assert (final.exit_code, final.stdout.splitlines()[0]) == (0, "rows.csv: 3 rows: 0 imported, 3 duplicate, 0 rejected")


def test_doctor_fix_commits_imported_records_left_uncommitted(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text(csv_rows(2), encoding="utf-8")
    mapping = write(tmp_path, "map.toml", MAPPING)
    run(repo, "import", str(tmp_path / "rows.csv"), "--kind", "complaint", "--map", str(mapping), "--no-commit")
    fixed = run(repo, "doctor", "--fix", "--no-site")
    assert fixed.stdout.splitlines()[0].startswith("fixed: committed 2 imported record(s) left uncommitted [")
    assert "ok    interrupted writes: no half-done write" in fixed.stdout
    assert git(repo, "status", "--porcelain") == ""


def test_a_dry_run_rejecting_every_row_exits_1(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("编号,客户,日期,主题\nA1,恒达,不是日期,x\nA2,恒达,也不是,y\n", encoding="utf-8")
    mapping = write(tmp_path, "map.toml", MAPPING)
    result = run(repo, "import", str(tmp_path / "rows.csv"), "--kind", "complaint", "--map", str(mapping), "--dry-run")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "rows.csv: 2 rows: 0 would import, 0 duplicate, 2 rejected"


# -- git states --------------------------------------------------------------------------------------


def test_a_merge_in_progress_is_refused_by_name(repo: Path) -> None:
    (repo / ".git" / "MERGE_HEAD").write_text(git(repo, "rev-parse", "HEAD"), encoding="utf-8")
    before = state(repo)
    result = run(repo, "investigate", "C-2611-001")
    assert result.exit_code == 1
    assert result.stderr == ("error: .git/MERGE_HEAD: G002 a merge is in progress; svcnotes will not commit in the "
                             "middle of it (finish it (git commit) or abort it (git merge --abort), then run the "
                             "command again)\n")
    assert state(repo) == before


def test_a_rebase_and_a_cherry_pick_are_named(repo: Path) -> None:
    (repo / ".git" / "rebase-merge").mkdir()
    assert "G002 a rebase is in progress" in run(repo, *NEW).stderr
    (repo / ".git" / "rebase-merge").rmdir()
    (repo / ".git" / "CHERRY_PICK_HEAD").write_text("x\n", encoding="utf-8")
    assert "G002 a cherry-pick is in progress" in run(repo, *NEW).stderr


def test_detached_head_is_a_located_error_with_the_fix(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    result = run(repo, *NEW)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: .git/HEAD: G003 HEAD is detached (at ")
    assert result.stderr.endswith("(switch to a branch first: git switch main (or git switch -c NEW-BRANCH))\n")
    assert not (repo / "records/complaints/2026/C-2611-002.md").exists()


def test_a_shallow_clone_is_refused_with_the_fix(repo: Path, tmp_path: Path) -> None:
    write(repo, "x.txt", "more history\n")
    git(repo, "add", "x.txt")
    git(repo, "commit", "-q", "-m", "second")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    result = run(clone, *NEW)
    assert result.exit_code == 1
    assert result.stderr == ("error: .git/shallow: G004 this is a shallow clone: numbers used in the history it "
                             "lacks could be handed out again (fetch the full history: git fetch --unshallow)\n")


def test_no_git_identity_is_a_located_error(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in identity_env():
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("EMAIL", "")
    before = state(repo)
    result = run(repo, "new", "customer", "--id", "xinghe", "--name", "星河")
    assert result.exit_code == 1
    assert result.stderr == ("error: .git/config: G005 git has no identity to commit as (set it: git config user.name "
                             "'Your Name' && git config user.email you@example.com)\n")
    assert state(repo) == before


def test_a_stale_index_lock_says_how_to_clear_it(repo: Path) -> None:
    lock = repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    old = time.time() - 600
    os.utime(lock, (old, old))
    before = state(repo)
    result = run(repo, *NEW)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: .git/index.lock: G001 git's index is locked and has been for 600 s: a git command crashed, or is "
        "still running (if no git command is running in this repository, remove the lock: rm .git/index.lock)")
    assert state(repo) == before


def test_an_index_lock_of_a_running_git_is_waited_for(repo: Path) -> None:
    lock = repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    threading.Timer(0.6, lock.unlink).start()
    result = run(repo, *NEW)
    assert result.exit_code == 0, result.output
    assert "waiting for a running git command to release .git/index.lock ..." in result.stderr
    assert git(repo, "status", "--porcelain") == ""


# -- full disk -----------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MiB tmpfs (needs root and mount); skipped with the reason otherwise."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a full disk needs a tmpfs mount: run the tests as root to include it")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_changes_nothing(repo: Path, small_disk: Path, tmp_path: Path) -> None:
    root = small_disk / "repo"
    shutil.copytree(repo, root)
    (tmp_path / "rows.csv").write_text(csv_rows(1200), encoding="utf-8")
    write(tmp_path, "map.toml", MAPPING)
    before = state(root)
    result = run(root, "import", str(tmp_path / "rows.csv"), "--kind", "complaint", "--map", str(tmp_path / "map.toml"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("error: records/complaints/")
    assert ": G007 cannot write: No space left on device (nothing was changed" in result.stderr
    assert state(root) == before
    assert not (root / ".git" / "svcnotes-txn").exists()


# -- parallel and killed commands ------------------------------------------------------------------------


def test_a_held_repository_lock_is_waited_for_then_a_clear_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from svcnotes.store.lock import RepoLock

    other = RepoLock(repo / ".git" / "svcnotes.lock")
    assert other.try_acquire()
    monkeypatch.setenv("SVCNOTES_LOCK_TIMEOUT", "1.5")
    before = state(repo)
    try:
        result = run(repo, *NEW)
    finally:
        other.release()
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"waiting for another svcnotes command to finish (pid {os.getpid()}: ")
    assert lines[-1].startswith("error: .git/svcnotes.lock: G008 another svcnotes command held the repository lock "
                                f"for 2 s (pid {os.getpid()}: ")
    assert lines[-1].endswith("(wait for it to finish; a killed command frees the lock by itself)")
    assert state(repo) == before


def test_ten_parallel_new_in_one_clone_never_collide_nor_fail(repo: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-m", "svcnotes", "-C", str(repo), *NEW], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, **identity_env()})
             for _ in range(10)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, [err for _out, err in outs]
    ids = sorted(out.split()[0] for out, _err in outs)
    assert ids == [f"C-2611-{n:03d}" for n in range(2, 12)]
    assert int(git(repo, "rev-list", "--count", "HEAD")) == 11
    assert git(repo, "status", "--porcelain") == ""


def test_a_command_killed_while_its_hook_runs_is_rolled_back_by_the_next(repo: Path) -> None:
    before = state(repo)
    marker = repo.parent / "hook-started"
    failing_hook(repo, f"touch {marker}; sleep 1")
    proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "-C", str(repo), *NEW], env={**os.environ, **identity_env()},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not marker.exists():
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    (repo / ".git" / "hooks" / "pre-commit").unlink()
    after = svcnotes(repo, "list", "complaints")  # any command settles it (waiting for the orphaned git first)
    assert after.stderr.startswith("svcnotes: ")
    assert "removed 1 new file(s)" in after.stderr or "completed the interrupted" in after.stderr
    now = state(repo)
    if now[0] == before[0]:
        assert now == before
    else:
        assert git(repo, "rev-parse", "HEAD^").strip() == before[0]
        assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_a_second_commit_refused_takes_the_first_off_the_branch(repo: Path) -> None:
    """`new note --kind on_site` commits the note, then its post-service callback: both or neither."""
    before = state(repo)
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.write_text("#!/bin/sh\nif grep -q post-service \"$1\"; then echo 'no callbacks today' >&2; exit 1; fi\n",
                    encoding="utf-8")
    hook.chmod(0o755)
    result = run(repo, *NOTE)
    assert result.exit_code == 1
    assert "G006 git refused the commit: no callbacks today" in result.stderr
    assert state(repo) == before
    hook.unlink()
    assert run(repo, *NOTE).exit_code == 0
    assert git(repo, "log", "--format=%s", "-2").splitlines() == [
        "CB-2611-001: post-service callback for N-2611-001", "N-2611-001: new service note"]


NOTE = ["new", "note", "--customer", "hengda-auto", "--kind", "on_site", "--summary", "现场服务", "--today", "2026-11-20"]
COMMITS = {"note": 2}
COMMANDS = {
    "new": lambda repo, data: NEW,
    "note": lambda repo, data: NOTE,
    "investigate": lambda repo, data: ["investigate", "C-2611-001"],
    "import": lambda repo, data: ["import", str(data / "rows.csv"), "--kind", "complaint", "--map", str(data / "map.toml")],
    "renumber": lambda repo, data: ["renumber", "C-2611-001"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_kill_9_at_random_moments_leaves_exactly_before_or_exactly_after(repo: Path, tmp_path: Path, command: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "rows.csv").write_text(csv_rows(1200), encoding="utf-8")  # past gitops.PACKED_FROM: staged as one pack
    write(data, "map.toml", MAPPING)
    rng = random.Random(f"svcnotes-{command}")
    pristine = tmp_path / "pristine"
    shutil.copytree(repo, pristine)
    outcomes = {"before": 0, "after": 0}
    for trial in range(12):
        shutil.rmtree(repo)
        shutil.copytree(pristine, repo)
        before = state(repo)
        proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "-C", str(repo), *COMMANDS[command](repo, data)],
                                env={**os.environ, **identity_env()}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.15, 5.0 if command == "import" else 0.9))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        settled = svcnotes(repo, "doctor", "--fix", "--no-site")
        assert "Traceback" not in settled.stderr, settled.stderr
        now = state(repo)
        assert not (repo / ".git" / "svcnotes-txn").exists(), f"trial {trial}: journal left"
        if now[0] == before[0]:
            assert now == before, f"trial {trial}: HEAD as before but files or index changed"
            outcomes["before"] += 1
        else:
            back = f"HEAD~{COMMITS.get(command, 1)}"
            assert git(repo, "rev-parse", back).strip() == before[0], f"trial {trial}: not all of its commits"
            assert git(repo, "status", "--porcelain", "--untracked-files=all") == "", f"trial {trial}"
            outcomes["after"] += 1
    assert sum(outcomes.values()) == 12


def test_many_paths_are_staged_as_one_pack_with_the_tree_git_add_would_make(tmp_path: Path) -> None:
    from svcnotes.store import gitops

    top = tmp_path / "top"
    sub = top / "dept"
    sub.mkdir(parents=True)
    git(top, "init", "-q", "-b", "main")
    write(sub, "gone.md", "to be removed\n")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "start")
    paths = [f"records/r{i:04d}.md" for i in range(gitops.PACKED_FROM + 5)]
    for i, rel in enumerate(paths):
        write(sub, rel, f"---\nid: r{i}\n---\n中文 {i}\n")
    (sub / paths[0]).chmod(0o755)
    (sub / "gone.md").unlink()
    sha = gitops.commit(sub, [*paths, "gone.md"], "many\n")
    assert sha is not None and list((top / ".git" / "objects" / "pack").glob("*.pack"))
    assert git(top, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(top, "ls-tree", "HEAD", "dept/records/r0000.md").split()[0] == "100755"
    assert git(top, "rev-parse", "HEAD:dept/records/r0001.md").strip() == \
        git(sub, "hash-object", "records/r0001.md").strip()
    subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=top, check=True, capture_output=True)

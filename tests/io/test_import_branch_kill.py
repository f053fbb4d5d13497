"""`import --branch` killed while HEAD points at its new branch: the next svcnotes command puts the
user back on their branch (store.branchmark), with the repository exactly as before the import, or
with the finished import kept on its branch for review."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import git, identity_env
from tests.io.test_import_batches import _many, source, state

MARK = Path(".git") / "svcnotes-branch.json"


def svcnotes(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "svcnotes", "-C", str(repo), *args], env=env, capture_output=True,
                          text=True)


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:][:1] == b"Z"


def on_branch(repo: Path) -> str:
    return git(repo, "symbolic-ref", "--short", "HEAD").strip()


def test_killed_while_writing_on_its_branch_the_next_command_puts_head_back_and_removes_the_branch(
        repo: Path, tmp_path: Path) -> None:
    path, mapping = source(tmp_path, _many(1500))
    env = {**os.environ, **identity_env(), "SVCNOTES_IMPORT_BATCH": "100", "LANG": "C.UTF-8"}
    env.pop("SVCNOTES_LANG", None)
    before, branch = state(repo), on_branch(repo)
    journal = repo / ".git" / "svcnotes-txn" / "journal"
    proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "-C", str(repo), "import", str(path), "--kind",
                             "complaint", "--map", str(mapping), "--branch", "import-review"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if journal.read_text(encoding="utf-8").count('["new", "records/complaints/') >= 300:
                break
        except OSError:
            pass
        time.sleep(0.01)
    assert proc.returncode is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    # not reaped yet (as an orphan may stay a while): the killed import is a zombie, not a running write
    deadline = time.monotonic() + 10
    while not _zombie(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert on_branch(repo) == "import-review" and (repo / MARK).is_file()  # what the kill left

    listed = svcnotes(repo, "--lang", "en", "list", "complaints", env=env)  # any command settles it first
    assert proc.wait() == -signal.SIGKILL
    assert listed.returncode == 0, listed.stderr
    assert "svcnotes: rolled back the interrupted" in listed.stderr
    assert (f"svcnotes: back on branch {branch}; the interrupted write's empty branch import-review was removed"
            in listed.stderr)
    assert on_branch(repo) == branch and state(repo) == before
    assert git(repo, "branch", "--list", "import-review").strip() == ""
    assert not (repo / MARK).exists()


def test_killed_after_committing_on_its_branch_the_import_stays_there_and_the_user_is_switched_back(
        repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, **identity_env(), "LANG": "C.UTF-8"}
    env.pop("SVCNOTES_LANG", None)
    before, branch = state(repo), on_branch(repo)
    start = before[0]
    # What a kill between the import's commit and the switch back leaves: HEAD on the new branch at
    # the import's commit, index and files matching it, and the mark of a process that is gone.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (repo / MARK).write_text(json.dumps({"original": f"refs/heads/{branch}", "ref": "refs/heads/import-review",
                                         "start": start, "pid": dead.pid}), encoding="utf-8")
    git(repo, "switch", "-q", "-c", "import-review")
    (repo / "records" / "complaints" / "2026" / "C-2612-900.md").write_text(
        (repo / "records" / "complaints" / "2026" / "C-2611-001.md").read_text(encoding="utf-8")
        .replace("C-2611-001", "C-2612-900"), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "import: 1 record")
    tip = git(repo, "rev-parse", "HEAD").strip()

    fixed = svcnotes(repo, "doctor", "--fix", "--no-site", env=env)
    assert "Traceback" not in fixed.stderr, fixed.stderr
    said = f"svcnotes：已回到分支 {branch}；被中断的写入所做的提交 {tip[:10]} 留在分支 import-review 上待审核"
    assert said in fixed.stderr.splitlines()  # in the repository's language (organisation.locale: zh-CN)
    assert on_branch(repo) == branch and state(repo) == before  # the user's branch, work tree and index as before
    assert git(repo, "rev-parse", "import-review").strip() == tip  # the import kept for its pull request
    assert not (repo / MARK).exists()

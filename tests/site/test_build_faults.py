"""Faults during a build: kill -9 at any moment, corrupt or foreign cache files, two builds at once.

A killed build leaves every output file whole (the previous version or the new one) and the next
build correct, even when the records went back to what the previous site showed; a cache file that
cannot be read is rebuilt with a warning; a second build waits for the first, saying so.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.store.lock import RepoLock
from tests.conftest import ROOT, git

TODAY = "2026-11-23"
WARNING = "cache file corrupt or not written by this svcnotes; ignored and rebuilt"


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def build(repo: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "svcnotes", "build", "--out", str(out), "--today", TODAY], cwd=repo,
                          capture_output=True, text=True, timeout=300)


def test_a_corrupt_or_foreign_cache_file_is_rebuilt_with_a_warning(site_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    args = ["-C", str(site_repo), "build", "--out", str(out), "--today", TODAY]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    clean = tree(out)
    cache = site_repo / ".svcnotes-cache"
    spoiled = []
    # timelines.sqlite goes with the history store, rebuilt here, unread (tests/site/test_timeline_cache.py)
    kept = sorted(p for p in cache.rglob("*") if p.is_file() and p.name not in ("build.lock", "timelines.sqlite"))
    for n, path in enumerate(kept):
        data = path.read_bytes()
        # half of them truncated (a write cut short), the others replaced by another program's file
        path.write_bytes(data[: len(data) // 2] if n % 2 else b'{"written by": "something else"}\n')
        spoiled.append(path.relative_to(site_repo).as_posix())
    assert any(p.endswith(".pickle") for p in spoiled) and any("/templates/" in p for p in spoiled)
    assert ".svcnotes-cache/history/history.sqlite" in spoiled and ".svcnotes-cache/markdown.json" in spoiled
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert sorted(warned) == sorted(f"warning: {p}: {WARNING}" for p in spoiled)
    assert tree(out) == clean
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert again.exit_code == 0 and "warning" not in again.stderr


def test_a_second_build_waits_for_the_first_and_says_so(site_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    lock = RepoLock(site_repo / ".svcnotes-cache" / "build.lock")
    lock.acquire()  # a build in progress: held the way `svcnotes build` holds it
    try:
        proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "build", "--out", str(out), "--today", TODAY],
                                cwd=site_repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert proc.poll() is None
        assert not list(out.rglob("*.html"))  # nothing written while the other build runs
    finally:
        lock.release()
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert stderr.splitlines()[0].startswith("waiting for another build to finish (pid ")
    assert stdout.startswith("Built ")


def test_a_build_that_waits_too_long_is_one_error_line(site_repo: Path, tmp_path: Path) -> None:
    lock = RepoLock(site_repo / ".svcnotes-cache" / "build.lock")
    lock.acquire()
    try:
        done = subprocess.run([sys.executable, "-m", "svcnotes", "build", "--out", str(tmp_path / "site"), "--today", TODAY],
                              cwd=site_repo, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "SVCNOTES_LOCK_TIMEOUT": "1.5"})
    finally:
        lock.release()
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("error: another build held the build lock for 2 s (pid ")
    assert "Traceback" not in done.stderr


def test_a_build_waiting_for_another_says_so_in_chinese(site_repo: Path, tmp_path: Path) -> None:
    """The waiting line and the error after the wait, in the user's language (both were English)."""
    lock = RepoLock(site_repo / ".svcnotes-cache" / "build.lock", build=True)
    lock.acquire()
    try:
        done = subprocess.run([sys.executable, "-m", "svcnotes", "--lang", "zh-CN", "build", "--out", str(tmp_path / "site"),
                               "--today", TODAY], cwd=site_repo, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "SVCNOTES_LOCK_TIMEOUT": "1.5"})
    finally:
        lock.release()
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"正在等待另一次网站生成结束（pid {os.getpid()}: ")
    assert lines[-1].startswith(f"错误：另一次网站生成占用生成锁已达 2 秒（pid {os.getpid()}: ")
    assert not [line for line in lines if "another" in line or "waiting" in line]
    assert not (tmp_path / "site").exists() or not list((tmp_path / "site").rglob("*.html"))


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The bundled demo records (509 records: a build takes a few seconds) in a fresh git repository."""
    root = tmp_path / "demo"
    root.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD", "svcnotes.toml", "records"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x"], cwd=root, input=archive.stdout, check=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "demo")
    return root


def change(root: Path) -> list[tuple[Path, str]]:
    """Edits that change many pages: every complaint's body, and three customers' names (shown on
    their complaints, registers and search shards)."""
    edits = []
    customers = sorted((root / "records" / "customers").glob("*.md"))[:3]
    for path in customers + sorted((root / "records" / "complaints").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        edits.append((path, text))
        path.write_text(text.replace("\nname: ", "\nname: 改名 ", 1).rstrip("\n") + "\n\n补充：再次来电。\n", encoding="utf-8")
    return edits


def written_since(out: Path, moment: float) -> int:
    """How many output files were replaced after `moment` (a build's progress, seen from outside)."""
    count = 0
    for folder, _, files in os.walk(out):
        for name in files:
            try:
                count += os.stat(os.path.join(folder, name)).st_mtime > moment
            except FileNotFoundError:
                pass
    return count


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_a_build_killed_at_any_moment_leaves_whole_files_and_the_next_build_correct(demo: Path, tmp_path: Path,
                                                                                    seed: int) -> None:
    """Seeds 1-6 kill the build after a random number of its output files were replaced (mid-write);
    7-8 at a random time from its start (reading, planning, writing or done). Seeds 3 and 6 kill the
    whole process group (the render workers too), the others the command only (its workers finish
    their chunk, holding the build lock until they exit). Even seeds then put the records back as
    the previous site showed them: the next build must notice the pages the killed one replaced."""
    rng = random.Random(seed)
    out, ref = tmp_path / "site", tmp_path / "ref"
    assert build(demo, out).returncode == 0
    before = tree(out)
    edits = change(demo)
    assert build(demo, ref).returncode == 0
    after = tree(ref)
    changed = sum(1 for rel, data in after.items() if before.get(rel) != data)
    assert changed > 100

    time.sleep(0.05)  # a clear mtime edge between the previous build's files and this one's
    started = time.time()
    proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "build", "--out", str(out), "--today", TODAY], cwd=demo,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    if seed <= 6:
        enough = rng.randint(1, changed // 2)
        while written_since(out, started) < enough and proc.poll() is None:
            time.sleep(0.002)
    else:
        time.sleep(rng.uniform(0.1, 3.0))
    if seed % 3 == 0:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if seed <= 6:
        assert proc.returncode == -signal.SIGKILL and list((demo / ".svcnotes-cache").glob("site-*.building"))
    for rel, data in tree(out).items():
        if not rel.rsplit("/", 1)[-1].startswith("."):  # an unfinished write's hidden temporary file may stay
            assert data in (before.get(rel), after.get(rel)), rel  # never a torn file, never a third version

    if seed % 2 == 0:
        for path, text in edits:
            path.write_text(text, encoding="utf-8")
        expected = before
    else:
        expected = after
    done = build(demo, out)
    assert done.returncode == 0, done.stderr
    assert tree(out) == expected

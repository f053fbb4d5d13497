"""Long commands show progress on a terminal and stay quiet when their output is not one."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from tests.conftest import git


def on_a_terminal(*args: str, lang: str = "en") -> tuple[int, str, str]:
    """Run `python -m svcnotes ARGS` with stderr on a pseudo-terminal (stdout a pipe): exit code, stdout, stderr."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "--lang", lang, *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower, env=dict(os.environ))
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=300)
    os.close(leader)
    return proc.returncode, out.decode(), seen.decode()


def test_demo_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    code, out, err = on_a_terminal("demo", str(tmp_path / "demo"), "--limit", "2")
    assert code == 0
    seen = err.encode()
    drawn = re.findall(r"\rReplaying ([\d,]+)/([\d,]+)", seen.decode())
    assert drawn and drawn[-1][0] == drawn[-1][1]  # redrawn in place up to done == total
    assert seen.decode().endswith("\r\n")  # the line is finished before the summary
    assert out.startswith("Replayed ")


def test_demo_is_quiet_when_not_a_terminal(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo"), "--limit", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Replaying" not in result.output and result.stderr == ""
    assert result.stdout.startswith("Replayed ")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small replayed repository with a history (3 complaints and what belongs to them)."""
    root = tmp_path_factory.mktemp("progress") / "demo"
    result = CliRunner().invoke(cli, ["demo", str(root), "--limit", "3"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root


def test_build_shows_progress_on_a_terminal_in_the_chosen_language(demo: Path, tmp_path: Path) -> None:
    code, out, err = on_a_terminal("-C", str(demo), "build", "--out", str(tmp_path / "site"), "--no-history",
                                   lang="zh-CN")
    assert code == 0
    drawn = re.findall(r"\r正在生成页面 ([\d,]+)/([\d,]+)", err)
    assert drawn and drawn[-1][0] == drawn[-1][1] and err.endswith("\r\n")
    assert out.startswith("已用 ") and "个页面" in out


def test_build_and_log_are_quiet_when_stderr_is_not_a_terminal(demo: Path, tmp_path: Path) -> None:
    built = CliRunner().invoke(cli, ["-C", str(demo), "build", "--out", str(tmp_path / "site"), "--no-history"],
                               catch_exceptions=False)
    assert built.exit_code == 0 and built.stderr == "" and built.stdout.startswith("Built ")
    logged = subprocess.run([sys.executable, "-m", "svcnotes", "-C", str(demo), "log"], capture_output=True, text=True,
                            env={**os.environ, "SVCNOTES_LANG": "en"})
    assert logged.returncode == 0 and logged.stderr == "" and "reading history" not in logged.stdout


def test_log_shows_how_much_history_it_has_read_on_a_terminal(demo: Path) -> None:
    commits = int(git(demo, "rev-list", "--count", "HEAD"))
    code, out, err = on_a_terminal("-C", str(demo), "log", "--kind", "complaint")
    assert code == 0
    drawn = re.findall(r"\rreading history ([\d,]+)/([\d,]+)", err)
    assert drawn and {total for _, total in drawn} == {f"{commits:,}"} and err.endswith("\r\n")
    assert out.splitlines()[0].split()[:3] == ["Date", "Commit", "Staff"]  # the table starts after the line is finished


def test_one_progress_line_for_every_drawer(capsys: pytest.CaptureFixture[str]) -> None:
    """The write transaction's stages draw on the same line as the command's own progress, wiping what is longer."""
    from svcnotes.cli.common import Progress, end_progress

    rows = Progress("reading rows", enabled=True)
    rows(10, 10)
    writes = Progress("writing files", enabled=True)  # what transaction_progress() draws for stage "write"
    writes(200, 0)  # total 0: a count, the total is not known
    end_progress()
    err = capsys.readouterr().err
    assert err == "\rreading rows 10/10\rwriting files 200 \n"  # one space wipes the longer text's tail

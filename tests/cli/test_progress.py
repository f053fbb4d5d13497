"""Long commands show progress on a terminal and stay quiet when their output is not one."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from svcnotes.cli import cli


def test_demo_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "demo", str(tmp_path / "demo"), "--limit", "2"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
                            env={**os.environ, "SVCNOTES_LANG": "en"})
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
    out, _ = proc.communicate(timeout=120)
    os.close(leader)
    assert proc.returncode == 0
    drawn = re.findall(r"\rReplaying ([\d,]+)/([\d,]+)", seen.decode())
    assert drawn and drawn[-1][0] == drawn[-1][1]  # redrawn in place up to done == total
    assert seen.decode().endswith("\r\n")  # the line is finished before the summary
    assert out.decode().startswith("Replayed ")


def test_demo_is_quiet_when_not_a_terminal(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo"), "--limit", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Replaying" not in result.output and result.stderr == ""
    assert result.stdout.startswith("Replayed ")

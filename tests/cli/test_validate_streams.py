"""`svcnotes validate` as a real process: the problems go to stdout, each on its own line, and the
summary to stderr on a line of its own, whichever of the two streams is redirected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import COMPLAINT, write

REL = "records/complaints/2026/C-2611-001.md"


def run(repo: Path, stdout: int) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "svcnotes", "-C", str(repo), "validate", "--today", "2026-11-23"],
                          stdout=stdout, stderr=subprocess.PIPE, check=False)


def test_the_summary_is_a_line_of_its_own_on_stderr_when_stdout_goes_nowhere(repo: Path) -> None:
    write(repo, REL, COMPLAINT.replace("severity: normal", "severity: normal\nseverty: major\ncolour: red"))
    quiet = run(repo, subprocess.DEVNULL)
    assert quiet.stderr == b"0 error(s), 2 warning(s)\n"
    loud = run(repo, subprocess.PIPE)
    assert loud.stderr == b"0 error(s), 2 warning(s)\n"
    lines = loud.stdout.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 3 and all(line.startswith(f"warning: {REL}:") for line in lines[:2])

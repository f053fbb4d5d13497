"""The benchmark generator writes a valid git repository of the documented shape."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

from bench.generate import generate, span


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_generated_repository_is_valid_git_with_deep_history_and_merges(tmp_path: Path) -> None:
    root = tmp_path / "r"
    info = generate(root, 120)
    assert subprocess.run(["git", "fsck", "--full", "--strict"], cwd=root, capture_output=True).returncode == 0
    assert _git(root, "status", "--porcelain") == ""
    assert int(_git(root, "rev-list", "--count", "HEAD")) == info["commits"]
    files = _git(root, "ls-files", "records").split()
    assert len([f for f in files if f.startswith("records/complaints/")]) == 120
    assert len([f for f in files if f.startswith("records/callbacks/")]) == 60
    assert len([f for f in files if f.startswith("records/notes/")]) == 24
    merges = _git(root, "rev-list", "--merges", "HEAD").split()
    assert merges
    for merge in merges[:5]:  # a --no-ff merge carries the approval its side commit made
        assert _git(root, "rev-parse", f"{merge}^{{tree}}") == _git(root, "rev-parse", f"{merge}^2^{{tree}}")
        assert "approvals:" in _git(root, "show", f"{merge}^2", "--format=", "--unified=0")


def test_large_sizes_spread_over_more_years_so_a_year_folder_stays_small() -> None:
    for size in (1_000, 10_000, 100_000):
        start, days = span(size)
        end = start + timedelta(days=days)
        assert (end.year, end.month) == (2025, 12)
        assert size / (days / 365) <= 5_300  # complaints a year, i.e. files in one year folder
    assert span(100_000)[0].year == 2006

"""Hugo beside us: the bench builds a minimal Hugo site over the same record files and measures it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import hugo
from bench.generate import generate
from bench.run import floor_hugo


@pytest.mark.skipif(shutil.which("hugo") is None, reason="hugo is not installed")
def test_hugo_builds_a_page_for_every_record_file_in_place(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    generate(root, 10)
    records = sum(1 for _ in (root / "records").rglob("*.md"))
    row = floor_hugo(root)
    assert row.step == "floor: hugo, empty output folder (minimal layout)"
    assert row.seconds > 0 and row.cpu is not None and row.cpu > 0 and row.rss_mb > 0
    pages = int(row.note.split()[0])
    assert pages >= records  # one page per record, plus the list pages
    assert not (root / "public").exists() and not list(root.glob(".bench*"))  # nothing added to the repository
    assert (tmp_path / "repo.hugo" / "config.toml").read_text(encoding="utf-8").count((root / "records").as_posix()) == 1


def test_without_hugo_the_row_says_why_it_was_not_measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hugo, "available", lambda: False)
    row = floor_hugo(tmp_path)
    assert row.step == "floor: hugo (not measured: `hugo` is not installed)" and row.cpu is None

"""Timelines kept made beside the history store: read back while a record's history is unchanged,
made again when it changes, per site language; a damaged cache file is rebuilt with a warning."""

from __future__ import annotations

import marshal
import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from svcnotes.cli import cli
from tests.conftest import git

TODAY = "2026-11-23"
CACHE = ".svcnotes-cache/history/timelines.sqlite"
PAGE = "complaints/2026/C-2611-001.html"


def build(repo: Path, out: Path, *extra: str) -> str:
    shutil.rmtree(out, ignore_errors=True)  # a full build into an empty folder each time
    result = CliRunner().invoke(cli, ["-C", str(repo), "build", "--out", str(out), "--today", TODAY, *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stderr


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def mark_cached_messages(repo: Path, text: str) -> int:
    """Rewrite every kept timeline's commit messages (what only a page read from the cache would show)."""
    with sqlite3.connect(repo / CACHE) as conn:
        rows = conn.execute("SELECT salt, lineage, entries FROM timelines").fetchall()
        for salt, lineage, blob in rows:
            entries = marshal.loads(blob)
            for entry in entries:
                entry["message"] = text
            conn.execute("UPDATE timelines SET entries = ? WHERE salt = ? AND lineage = ?",
                         (marshal.dumps(entries), salt, lineage))
    return len(rows)


def test_a_full_build_reads_the_timelines_an_earlier_build_made(site_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_repo, out)
    first = tree(out)
    build(site_repo, out)
    assert tree(out) == first  # read back: the same pages
    assert mark_cached_messages(site_repo, "read from the cache") == 4  # one per record
    build(site_repo, out)
    assert "read from the cache" in (out / PAGE).read_text(encoding="utf-8")


def test_a_record_with_a_new_commit_gets_its_timeline_made_again(site_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_repo, out)
    mark_cached_messages(site_repo, "read from the cache")
    path = site_repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: investigating", "status: resolved"),
                    encoding="utf-8")
    git(site_repo, "commit", "-q", "-am", "C-2611-001: resolved on site")
    build(site_repo, out)
    page = (out / PAGE).read_text(encoding="utf-8")
    assert "C-2611-001: resolved on site" in page and "C-2611-001: start investigating" in page
    assert "read from the cache" not in page
    assert "read from the cache" in (out / "notes/2026/N-2611-001.html").read_text(encoding="utf-8")  # unchanged history


def test_an_english_site_does_not_read_the_chinese_timelines(site_repo: Path, tmp_path: Path) -> None:
    build(site_repo, tmp_path / "zh")
    build(site_repo, tmp_path / "en", "--locale", "en")
    english = (tmp_path / "en" / PAGE).read_text(encoding="utf-8")
    assert "changed status from" in english.replace("\n", " ") or "status from" in english
    assert "将状态从" not in english
    # both languages stay kept: building either again reads its own
    assert mark_cached_messages(site_repo, "kept") == 8
    build(site_repo, tmp_path / "zh")
    build(site_repo, tmp_path / "en", "--locale", "en")
    assert "kept" in (tmp_path / "zh" / PAGE).read_text(encoding="utf-8")
    assert "kept" in (tmp_path / "en" / PAGE).read_text(encoding="utf-8")


def test_a_damaged_timeline_cache_is_rebuilt_with_one_warning(site_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_repo, out)
    clean = tree(out)
    (site_repo / CACHE).write_bytes(b'{"written by": "something else"}\n')
    warned = build(site_repo, out)
    assert warned.splitlines() == [f"warning: {CACHE}: cache file corrupt or not written by this svcnotes; ignored and rebuilt"]
    assert tree(out) == clean
    assert build(site_repo, out) == ""
    assert mark_cached_messages(site_repo, "kept again") == 4  # written anew


def test_a_redacted_build_keeps_no_timelines(site_repo: Path, tmp_path: Path) -> None:
    build(site_repo, tmp_path / "site", "--redact")
    assert not (site_repo / CACHE).exists() or mark_cached_messages(site_repo, "x") == 0


def test_a_record_edited_but_not_committed_still_shows_its_history(site_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_repo, out)
    path = site_repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    build(site_repo, out)
    page = (out / PAGE).read_text(encoding="utf-8")
    assert "补充说明" in page and "C-2611-001: start investigating" in page

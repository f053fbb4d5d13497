"""Output files replaced atomically without freeing an inode per file (svcnotes.site.output).

A rebuild that rewrites every page (a template change) used to free one inode and its blocks per
page, which on ext4 slows every later file creation for minutes and, mounted with `discard`, trims
as it goes: the old files' inodes are now reused. These tests hold what a user relies on: every file
says what was written last, no file shown is ever a second name of a file being written, nothing
is left behind, and the old inodes are reused (which is the point).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from svcnotes.site.output import POOL, release_spares, write_if_changed
from tests.site.test_build_faults import build, demo  # noqa: F401  (the demo fixture)


def inodes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in folder.iterdir()}


@pytest.fixture
def shm() -> Iterator[Path]:
    """A folder on tmpfs, which never hands out a freed inode's number again soon: an inode number
    seen again is the same inode, reused, not a new one that happens to get the old number."""
    if not os.path.isdir("/dev/shm") or os.statvfs("/dev/shm").f_bavail * os.statvfs("/dev/shm").f_frsize < 64 << 20:
        pytest.skip("no tmpfs at /dev/shm")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        yield Path(folder)


def test_rewriting_a_folder_reuses_the_old_files_inodes(shm: Path) -> None:
    folder = shm / "pages"
    for i in range(40):
        write_if_changed(folder / f"p{i}.html", f"<p>first {i}</p>".encode() * (i + 1))
    release_spares()
    before = inodes(folder)
    for i in range(40):
        write_if_changed(folder / f"p{i}.html", f"<p>second {i}</p>".encode() * (40 - i))
        shown = [p for p in folder.iterdir() if not p.name.startswith(".")]
        assert all(p.stat().st_nlink == 1 for p in shown)  # a spare is never a second name of a page shown
    release_spares()
    after = inodes(folder)
    assert sorted(after) == sorted(before)  # no spare or temporary file is left
    assert all((folder / f"p{i}.html").read_bytes() == f"<p>second {i}</p>".encode() * (40 - i) for i in range(40))
    reused = set(after.values()) & set(before.values())
    assert len(reused) >= 40 - POOL  # new inodes for the first few writes (the spares to choose from), then the old ones


def test_a_reader_of_an_old_page_reads_it_whole_to_the_end(shm: Path) -> None:
    folder = shm / "pages"
    for i in range(5):
        write_if_changed(folder / f"p{i}.html", f"old {i} ".encode() * 1000)
    release_spares()
    reader = open(folder / "p0.html", "rb")  # a download in progress
    first = reader.read(100)
    for i in range(5):
        write_if_changed(folder / f"p{i}.html", f"new {i} ".encode() * 1000)
    release_spares()
    with reader:
        assert first + reader.read() == b"old 0 " * 1000
    assert (folder / "p0.html").read_bytes() == b"new 0 " * 1000
    assert sorted(p.name for p in folder.iterdir()) == [f"p{i}.html" for i in range(5)]


def test_an_unchanged_file_is_not_written_and_a_new_one_is_made_beside_the_others(tmp_path: Path) -> None:
    page = tmp_path / "a" / "b" / "page.html"
    assert write_if_changed(page, b"same")
    stat = page.stat()
    assert not write_if_changed(page, b"same")
    assert page.stat().st_ino == stat.st_ino and page.stat().st_mtime_ns == stat.st_mtime_ns
    assert write_if_changed(page, b"other, and longer")
    assert write_if_changed(page, b"short")  # written over a longer spare's bytes: cut to its length
    release_spares()
    assert page.read_bytes() == b"short"
    assert sorted(p.name for p in page.parent.iterdir()) == ["page.html"]


def test_a_spare_removed_behind_the_writers_back_is_not_needed(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    write_if_changed(folder / "a.html", b"a1")
    write_if_changed(folder / "a.html", b"a2")  # the old a1 is now this process's spare
    for spare in folder.glob(".*.tmp"):
        spare.unlink()  # as a killed build's next build would
    assert write_if_changed(folder / "a.html", b"a3")
    release_spares()
    assert (folder / "a.html").read_bytes() == b"a3"
    assert [p.name for p in folder.iterdir()] == ["a.html"]


def test_a_template_change_rewrites_every_page_into_the_old_pages_inodes(demo: Path, shm: Path) -> None:  # noqa: F811
    out = shm / "site"
    assert build(demo, out).returncode == 0
    before = {p: p.stat().st_ino for p in out.rglob("*.html")}
    theme = demo / "templates"
    theme.mkdir()
    base = (Path(__file__).resolve().parents[2] / "templates" / "base.html").read_text(encoding="utf-8")
    (theme / "base.html").write_text(base.replace("</body>", "<!-- changed theme -->\n</body>"), encoding="utf-8")
    done = build(demo, out)
    assert done.returncode == 0, done.stderr
    after = {p: p.stat() for p in out.rglob("*.html")}
    assert sorted(after) == sorted(before)
    assert all(b"<!-- changed theme -->" in p.read_bytes() for p in after)
    assert all(st.st_nlink == 1 for st in after.values())
    assert not [p for p in out.rglob(".*")]  # no spare or temporary file is left
    reused = sum(1 for st in after.values() if st.st_ino in set(before.values()))
    # each worker's share of a folder takes a few new inodes for its first pages, then reuses the old ones
    assert reused >= 0.7 * len(after), (reused, len(after))

"""Only regular files inside the repository are records: every other thing named like one is a
located error that hides none of its siblings, is never followed out of the repository, and never
blocks a command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svcnotes.cli import cli
from svcnotes.store.repository import Repository
from tests.conftest import COMPLAINT, identity_env, write

FOLDER = "records/complaints/2026"


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


@pytest.fixture
def hostile(repo: Path, tmp_path: Path) -> Path:
    """The fixture repository plus a good sibling and one of every hostile entry kind."""
    folder = repo / FOLDER
    write(repo, f"{FOLDER}/C-2611-003.md", COMPLAINT.replace("C-2611-001", "C-2611-003"))
    outside = tmp_path / "outside"
    write(outside, "C-2611-011.md", COMPLAINT.replace("C-2611-001", "C-2611-011"))
    write(outside, "2027/C-2711-001.md", COMPLAINT.replace("C-2611-001", "C-2711-001"))
    os.symlink("/nonexistent/C-2611-010.md", folder / "C-2611-010.md")
    os.symlink(outside / "C-2611-011.md", folder / "C-2611-011.md")
    os.symlink(outside / "2027", repo / "records/complaints/2027")
    os.symlink("C-2611-012.md", folder / "C-2611-012.md")
    os.mkfifo(folder / "C-2611-013.md")
    (folder / "C-2611-014.md").mkdir()
    write(repo, f"{FOLDER}/C-2611-014.md/C-2611-015.md", COMPLAINT.replace("C-2611-001", "C-2611-015"))
    os.symlink("C-2611-003.md", folder / "C-2611-016.md")  # a link to a record inside: read like the file
    return repo


EXPECTED = [
    f"{FOLDER}/C-2611-010.md: E011 broken symbolic link: /nonexistent/C-2611-010.md does not exist "
    "(remove the link, or replace it with the record file itself)",
    f"{FOLDER}/C-2611-011.md: E010 symbolic link to {{outside}}/C-2611-011.md, outside the repository: not read "
    "(records live inside the repository: copy the file in, or remove the link)",
    f"{FOLDER}/C-2611-012.md: E012 symbolic link loop ({FOLDER}/C-2611-012.md -> C-2611-012.md) "
    "(replace the link with the record file itself)",
    f"{FOLDER}/C-2611-013.md: E014 a named pipe (FIFO), not a record file: not read "
    "(remove it; records are regular Markdown files)",
    f"{FOLDER}/C-2611-014.md: E013 a folder named like a record file: its contents are not read "
    "(rename the folder (records are files named ID.md), or move its files up)",
    "records/complaints/2027: E010 symbolic link to {outside}/2027, outside the repository: not read "
    "(records live inside the repository: copy the file in, or remove the link)",
]


def test_every_hostile_entry_is_a_located_error(hostile: Path, tmp_path: Path) -> None:
    result = run(hostile, "validate")
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if ": E01" in line]
    assert lines == [line.format(outside=tmp_path / "outside") for line in EXPECTED]


def test_hostile_entries_hide_no_sibling_and_nothing_outside_is_read(hostile: Path) -> None:
    snap = Repository(hostile).snapshot()
    assert sorted(r.id for r in snap.records["complaint"]) == ["C-2611-001", "C-2611-003", "C-2611-003"]
    assert "C-2711-001" not in snap.by_id and "C-2611-011" not in snap.by_id and "C-2611-015" not in snap.by_id


def test_list_and_validate_never_block_on_a_fifo(hostile: Path) -> None:
    for args in (["list", "complaints"], ["validate"], ["show", "C-2611-003"]):
        done = subprocess.run([sys.executable, "-m", "svcnotes", "-C", str(hostile), *args], capture_output=True,
                              text=True, timeout=60, env={**os.environ, **identity_env()})
        assert "Traceback" not in done.stderr
    listed = run(hostile, "list", "complaints").stdout
    assert "C-2611-001" in listed and "C-2611-003" in listed and "C-2711-001" not in listed


def test_new_still_numbers_past_hostile_entries(hostile: Path) -> None:
    result = run(hostile, "new", "complaint", "--customer", "hengda-auto", "--title", "x", "--category", "product_quality",
                 "--severity", "major", "--channel", "phone", "--received-at", "2026-11-20 10:00", "--today", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert result.stdout == "C-2611-017  records/complaints/2026/C-2611-017.md\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_a_device_named_like_a_record_is_reported_not_opened(repo: Path) -> None:
    os.mknod(repo / FOLDER / "C-2611-020.md", 0o600 | 0o020000, os.makedev(1, 3))  # like /dev/null
    result = run(repo, "validate")
    assert f"{FOLDER}/C-2611-020.md: E014 a character device, not a record file: not read " \
           "(remove it; records are regular Markdown files)" in result.stdout.splitlines()


def test_a_symlink_loop_among_folders_is_no_traceback(repo: Path) -> None:
    os.symlink("loop", repo / "records/complaints/loop")
    result = run(repo, "validate")
    assert "records/complaints/loop: E012 symbolic link loop" in result.stdout


def test_huge_numbers_are_field_errors_not_tracebacks(repo: Path) -> None:
    write(repo, f"{FOLDER}/C-2611-001.md", COMPLAINT.replace("severity: normal", "severity: normal\nquantity: "
                                                             + "9" * 5000 + "\namount: 1e400"))
    result = run(repo, "validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{FOLDER}/C-2611-001.md:13: E107 quantity: a whole number of 5,000 digits is outside the range svcnotes "
        "accepts (use at most 15 digits)",
        f"{FOLDER}/C-2611-001.md:14: E107 amount: '1e400' is outside the range svcnotes accepts (write a plain "
        "number below 1e15, e.g. 12000 or 350.50)"]


def test_a_title_of_a_megabyte_lists_in_well_under_a_second(repo: Path) -> None:
    import time

    write(repo, f"{FOLDER}/C-2611-001.md", COMPLAINT.replace("title: 支架尺寸超差", "title: " + "支架尺寸超差 " * 150_000))
    Repository(repo).snapshot()  # reading the file is not what is measured
    started = time.perf_counter()
    result = run(repo, "list", "complaints")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2].endswith("张伟   支架尺寸超差 支架尺寸超差 支架尺寸超差 …")
    assert elapsed < 1.0, f"list took {elapsed:.2f} s"

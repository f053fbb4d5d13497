"""validate after edits: only the parts of the files that changed are opened, and the cross-record
results are reused only while no slim record changed; every edit a cross-record rule reads, and
every cache left behind by an interrupted run, still gives exactly what a cold validate gives."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from svcnotes import __version__
from svcnotes.store import bulk, stamps
from svcnotes.store.repository import Repository
from svcnotes.store.stamps import scan_parts
from svcnotes.workflow import validation
from tests.workflow.conftest import age
from tests.workflow.test_validation_paths import reference, validate

COMPLAINTS = "records/complaints/2026"


@pytest.fixture(autouse=True, params=[1000, 3], ids=["whole folders", "folders cut in parts"])
def part_files(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every test runs with folders as one part each, and with folders cut into parts of 3 entries."""
    monkeypatch.setattr(stamps, "PART_FILES", request.param)
    return int(request.param)


@pytest.fixture
def cross_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry each time the cross-record rules run over every slim record."""
    runs: list[int] = []
    real = validation._run_cross

    def counting(*args: object) -> object:
        runs.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(validation, "_run_cross", counting)
    return runs


def first(root: Path, folder: str = COMPLAINTS) -> Path:
    return sorted((root / folder).glob("*.md"))[0]


def settle(path: Path) -> None:
    """Move one file's mtime back, out of the caches' racy window (age() moves every file's)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 3600 * 10**9))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_body_edit_opens_one_part_and_reuses_the_cross_record_results(
        varied: Path, reads: list[str], cross_runs: list[int]) -> None:
    validate(varied, workers=1)
    assert cross_runs == [1]
    path = first(varied)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n补充说明。\n")
    settle(path)
    expected = reference(varied)
    reads.clear()
    assert validate(varied, workers=1) == expected
    assert reads == [str(path.relative_to(varied))]
    assert cross_runs == [1]
    (varied / COMPLAINTS / "Z-draft.md").write_bytes(b"\xff\xfe not a record")  # a part of its own when cut
    settle(varied / COMPLAINTS / "Z-draft.md")
    expected = reference(varied)
    assert validate(varied, workers=1) == expected and cross_runs == [1]  # no record added: nothing to re-check
    reads.clear()
    assert validate(varied, workers=1) == expected  # nothing changed since: no part opened
    assert reads == [] and cross_runs == [1]


def _remove_customer(root: Path) -> None:
    (root / "records/customers/hengda-auto.md").unlink()


def _dangling_reference(root: Path) -> None:
    edit(first(root), "customer: hengda-auto", "customer: hengda-autx")


def _waiver_removed(root: Path) -> None:
    path = next(p for p in sorted((root / COMPLAINTS).glob("*.md")) if "callback_waived: 客户不需要" in p.read_text("utf-8"))
    edit(path, "callback_waived: 客户不需要\n", "")


def _duplicate_id_added(root: Path) -> None:
    shutil.copy(first(root), root / COMPLAINTS / "C-2611-999.md")


def _status_changed(root: Path) -> None:
    path = next(p for p in sorted((root / COMPLAINTS).glob("*.md")) if "status: closed" in p.read_text("utf-8"))
    edit(path, "status: closed", "status: resolved")


def _lines_moved(root: Path) -> None:
    path = next(p for p in sorted((root / COMPLAINTS).glob("*.md")) if "no-such-customer" in p.read_text("utf-8"))
    edit(path, "---\nid:", "---\ntags: [a]\nid:")


def _folder_added(root: Path) -> None:
    (root / "records/notes/2027").mkdir()
    (root / "records/notes/2027/N-2701-001.md").write_text(
        "---\nid: N-2701-001\nat: 2027-01-02 10:00\nauthor: nobody.here\ncustomer: hengda-auto\nkind: call_in\n---\n",
        encoding="utf-8")


def _folder_removed(root: Path) -> None:
    shutil.rmtree(root / "records/customers")


def _unreadable_file_added(root: Path) -> None:
    (root / COMPLAINTS / "C-2611-998.md").write_bytes(b"\xff\xfe not a record")


def _unreadable_file_in_a_new_part(root: Path) -> None:
    (root / COMPLAINTS / "Z-draft.md").write_bytes(b"\xff\xfe not a record")


def _file_in_a_new_part(root: Path) -> None:
    (root / COMPLAINTS / "zz").mkdir()
    shutil.copy(first(root), root / COMPLAINTS / "zz" / "C-2611-997.md")


EDITS: dict[str, Callable[[Path], None]] = {
    "a referenced customer removed": _remove_customer, "a reference to nothing": _dangling_reference,
    "a callback waiver removed": _waiver_removed, "a duplicate id added": _duplicate_id_added,
    "a status changed": _status_changed, "field lines moved": _lines_moved, "a folder added": _folder_added,
    "a folder removed": _folder_removed, "an unreadable file added": _unreadable_file_added,
    "an unreadable file in a new part": _unreadable_file_in_a_new_part, "a record in a new part": _file_in_a_new_part,
}


@pytest.mark.parametrize("change", EDITS, ids=list(EDITS))
def test_edits_the_cross_record_rules_read_are_seen(varied: Path, change: str, cross_runs: list[int]) -> None:
    before = validate(varied, workers=1)
    EDITS[change](varied)
    age(varied)
    expected = reference(varied)
    assert expected != before  # the edit matters to the report
    assert validate(varied, workers=1) == expected
    assert validate(varied, workers=1) == expected  # and the index written after it serves the next run


def test_edits_on_two_cores_give_the_same_report(varied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(bulk, "may_fork", lambda threads_ok=False: hasattr(os, "fork"))
    validate(varied, workers=2)
    for change in (_dangling_reference, _duplicate_id_added):
        change(varied)
        age(varied)
        assert validate(varied, workers=2) == reference(varied)
        assert validate(varied, workers=3) == reference(varied)


def test_a_part_cache_written_without_its_index_is_not_taken_for_the_indexed_one(
        varied: Path, cross_runs: list[int]) -> None:
    validate(varied, workers=1)
    _dangling_reference(varied)
    age(varied)
    # a run that wrote the part's cache file and stopped before writing the index
    repo = Repository(varied)
    scan = scan_parts(repo, workers=1)
    key = bulk.derived_key(repo, f"{__version__}|{validation._plan().version}")
    part = [p for p in scan.parts if p.name == COMPLAINTS + "/"]
    bulk.load_parts(repo, validation.NAME, key, validation.check_file, scan, part, workers=1)
    expected = reference(varied)
    assert any(p.code == "E204" and "hengda-autx" in p.message for p in expected)
    assert validate(varied, workers=1) == expected
    assert cross_runs == [1, 1]


def test_a_same_size_reference_edit_within_the_racy_window_is_seen(varied: Path) -> None:
    for path in (varied / "records").rglob("*.md"):
        os.utime(path)  # modified just now, as files are right after a checkout
    validate(varied, workers=1)
    path = first(varied)
    st = path.stat()
    _dangling_reference(varied)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    assert path.stat().st_size == st.st_size
    expected = reference(varied)
    assert any(p.code == "E204" and "hengda-autx" in p.message for p in expected)
    assert validate(varied, workers=1) == expected


def test_future_dates_in_parts_left_unopened_follow_today(varied: Path) -> None:
    from datetime import date

    from svcnotes.checks import run_checks
    from svcnotes.model.problems import sort_key
    from svcnotes.store.bulk import load_all
    from svcnotes.workflow.validation import check_repository, future_dates

    validate(varied, workers=1)
    early = date(2025, 1, 1)
    snap = load_all(Repository(varied), use_cache=False, workers=1)
    expected = sorted(run_checks(snap, Repository(varied).config) + future_dates(snap, early), key=sort_key)
    assert sum(p.code == "W304" for p in expected) > sum(p.code == "W304" for p in reference(varied))
    assert check_repository(Repository(varied), early, workers=1)[0] == expected

"""validate reports the same problems (codes, paths, lines, fields, messages, hints, order) however it
runs: one core or several, with no cache, a warm cache, a corrupt cache, after edits, and the
same as run_checks over whole records (what `diagnose` and every other caller use)."""

from __future__ import annotations

import os
import pickle
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.checks import CHECKS, register, run_checks
from svcnotes.cli import cli
from svcnotes.model.problems import Problem, sort_key
from svcnotes.store import bulk, stamps
from svcnotes.store.bulk import load_all
from svcnotes.store.repository import Repository
from svcnotes.store.stamps import scan_parts
from svcnotes.workflow.validation import check_repository, future_dates, load_rules
from tests.workflow.conftest import age

TODAY = date(2026, 11, 23)
CACHE = ".svcnotes-cache"


def reference(root: Path) -> list[Problem]:
    """run_checks over a snapshot of whole records, plus future dates: what validate must equal."""
    load_rules()
    repo = Repository(root)
    snap = load_all(repo, use_cache=False, workers=1)
    return sorted(run_checks(snap, repo.config) + future_dates(snap, TODAY), key=sort_key)


def validate(root: Path, **kw: object) -> list[Problem]:
    return check_repository(Repository(root), TODAY, **kw)[0]  # type: ignore[arg-type]


def test_the_varied_repository_has_every_kind_of_problem(varied: Path) -> None:
    codes = {p.code for p in reference(varied)}
    assert {"E002", "E003", "E004", "E005", "E007", "E008", "E101", "E102", "E104", "E105", "E107", "E201", "E202",
            "E203", "E204", "E205", "E301", "E302", "E303", "E403", "E404", "E405", "E406", "E407", "E408", "E411",
            "E412", "E413", "E414", "E501", "E502", "E503", "E504", "W106", "W304", "W410", "W417"} <= codes


def test_file_by_file_validation_equals_run_checks_over_whole_records(varied: Path) -> None:
    assert validate(varied, use_cache=False, workers=1) == reference(varied)


def test_two_workers_give_the_same_problems_in_the_same_order(varied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_MIN_FILES", 1)
    # Earlier tests in the same run may leave threads behind (browser, servers), which makes
    # validate stay on one core; this test is about the parallel path, so it is forced here.
    monkeypatch.setattr(bulk, "may_fork", lambda threads_ok=False: hasattr(os, "fork"))
    ran: list[int] = []
    real = bulk.map_parallel
    monkeypatch.setattr(bulk, "map_parallel", lambda fn, tasks, workers: ran.append(workers) or real(fn, tasks, workers))
    assert validate(varied, use_cache=False, workers=2) == reference(varied)
    assert validate(varied, use_cache=False, workers=3) == reference(varied)
    assert ran == [2, 3]


def test_a_warm_cache_gives_the_same_problems_without_reading_a_file(varied: Path, reads: list[str]) -> None:
    expected = reference(varied)
    assert validate(varied, workers=1) == expected
    assert len(reads) > 100
    reads.clear()
    assert validate(varied, workers=1) == expected
    assert reads == []


def test_a_cache_written_on_two_cores_serves_one(varied: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    expected = reference(varied)
    monkeypatch.setattr(bulk, "PARALLEL_MIN_FILES", 1)
    validate(varied, workers=2)
    reads.clear()
    assert validate(varied, workers=1) == expected
    assert reads == []


def test_a_corrupt_or_foreign_cache_only_costs_time(varied: Path, reads: list[str]) -> None:
    expected = reference(varied)
    validate(varied, workers=1)
    shards = sorted((varied / CACHE).glob("validation.*.pickle"))
    assert len(shards) == len(scan_parts(Repository(varied), workers=1).parts)  # one per part of the files
    bad = [b"", b"garbage", pickle.dumps([1, 2]), pickle.dumps({"key": "other", "entries": {}}),
           shards[0].read_bytes()[:50]]
    for i, shard in enumerate(shards):
        shard.write_bytes(bad[i % len(bad)])
    (varied / CACHE / "validation-index.pickle").write_bytes(b"\x80\x05corrupt")
    reads.clear()
    assert validate(varied, workers=1) == expected
    assert len(reads) > 100
    shards[0].unlink()
    (varied / CACHE / "validation-index.pickle").unlink()
    assert validate(varied, workers=1) == expected


def test_edits_added_and_removed_files_after_caching_are_seen(varied: Path) -> None:
    validate(varied, workers=1)
    complaint = sorted((varied / "records/complaints/2026").glob("*.md"))[0]
    complaint.write_text(complaint.read_text(encoding="utf-8").replace("status: registered", "status: closd"), encoding="utf-8")
    (varied / "records/customers/cust-0.md").unlink()
    (varied / "records/customers/new-one.md").write_text("---\nid: new-one\nname: 新\naccount_owner: li.na\n---\n",
                                                        encoding="utf-8")
    age(varied)
    expected = reference(varied)
    assert any(p.code == "E104" and p.path.endswith(complaint.name) for p in expected)
    assert validate(varied, workers=1) == expected


def test_a_same_size_edit_within_the_racy_window_is_seen(varied: Path) -> None:
    for path in (varied / "records").rglob("*.md"):
        os.utime(path)  # modified just now, as files are right after a checkout
    validate(varied, workers=1)
    path = varied / "records/customers/cust-1.md"
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("tier: key", "tier: kez"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    assert path.stat().st_size == st.st_size
    expected = reference(varied)
    assert any(p.code == "E104" and p.path == "records/customers/cust-1.md" for p in expected)
    assert validate(varied, workers=1) == expected


def test_an_undeclared_cross_record_check_sees_whole_records(varied: Path) -> None:
    def check_severity_seen(snapshot, config):  # type: ignore[no-untyped-def]
        """Test-only: reads a field no cross-record check declares."""
        return [Problem("E998", "normal", r.path, 1) for r in snapshot.records["complaint"] if r.get("severity") == "normal"]

    registered = register(check_severity_seen)
    try:
        found = validate(varied, use_cache=False, workers=1)
        assert found == reference(varied)
        assert sum(p.code == "E998" for p in found) > 50
    finally:
        CHECKS.remove(registered)


def test_load_all_gives_the_same_records_with_and_without_cache_and_workers(varied: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cold = load_all(Repository(varied), use_cache=False, workers=1)
    monkeypatch.setattr(bulk, "PARALLEL_MIN_FILES", 1)
    for workers in (2, 1, 1):  # cold on two cores writing the cache, then warm twice
        snap = load_all(Repository(varied), workers=workers)
        assert snap.records == cold.records and snap.problems == cold.problems and snap.aliases == cold.aliases


def test_the_command_prints_the_same_report_every_way(varied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_MIN_FILES", 1)

    def run(workers: str) -> tuple[int, str]:
        monkeypatch.setenv("SVCNOTES_WORKERS", workers)
        result = CliRunner().invoke(cli, ["-C", str(varied), "validate", "--today", "2026-11-23", "--format", "json"],
                                    catch_exceptions=False)
        return result.exit_code, result.stdout

    cold = run("1")
    assert cold[0] == 1 and cold[1].count('"code"') == len(reference(varied))
    (varied / CACHE / "validate.pickle").unlink()
    assert run("1") == cold  # from the per-file cache
    assert run("1") == cold  # from the whole-result cache
    for path in (varied / CACHE).glob("*.pickle"):
        path.write_bytes(b"\x80\x05corrupt")
    assert run("2") == cold
    for path in (varied / CACHE).glob("*"):
        path.unlink()
    assert run("2") == cold


def test_the_stat_fingerprint_is_the_same_on_one_or_two_cores_and_sees_every_change(
        varied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "PARALLEL_MIN_FOLDER_BYTES", 0)
    repo = Repository(varied)
    first = bulk.stat_fingerprint(repo, workers=1)
    assert bulk.stat_fingerprint(repo, workers=2) == first
    path = varied / "records/callbacks/2026" / sorted(p.name for p in (varied / "records/callbacks/2026").iterdir())[0]
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    second = bulk.stat_fingerprint(repo, workers=2)
    assert second != first and second == bulk.stat_fingerprint(repo, workers=1)
    (varied / "records/notes/2026/N-2611-999.md").write_text("---\nid: N-2611-999\n---\n", encoding="utf-8")
    third = bulk.stat_fingerprint(repo, workers=2)
    assert third not in (first, second) and third == bulk.stat_fingerprint(repo, workers=1)

    def no_fork() -> int:
        raise OSError("no more processes")

    monkeypatch.setattr(os, "fork", no_fork)
    assert bulk.stat_fingerprint(repo, workers=2) == third


def test_changed_svcnotes_code_invalidates_the_caches(varied: Path, reads: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    validate(varied, workers=1)
    reads.clear()
    validate(varied, workers=1)
    assert reads == []
    monkeypatch.setattr(bulk, "_code_key", lambda: "an edited rule module")
    assert validate(varied, workers=1) == reference(varied)
    assert len(reads) > 100


def test_a_process_running_other_threads_validates_on_one_core(varied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(bulk, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(stamps, "PARALLEL_MIN_FOLDER_BYTES", 0)
    forks: list[int] = []
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or 1 / 0)
    stop = threading.Event()
    watcher = threading.Thread(target=stop.wait)
    watcher.start()
    try:
        assert validate(varied, use_cache=False, workers=2) == reference(varied)
        bulk.stat_fingerprint(Repository(varied), workers=2)
    finally:
        stop.set()
        watcher.join()
    assert forks == []

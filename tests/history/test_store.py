"""The history store: the same events however many worker processes build it, and when extended."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from svcnotes.history.log import load_index, open_log
from svcnotes.history.store import CACHE_DIR, open_store
from svcnotes.model.config import load_config
from tests.history.helpers import C1, commit_all, merge_pr, run, set_field
from tests.history.test_renumber_history import C3, _two_branches_same_number


def _history(repo: Path) -> tuple[object, ...]:
    config, _ = load_config(repo)
    index = load_index(repo, config)
    events = [(e.sha, e.author, e.email, e.date, e.subject, e.trailers, e.action, e.kind, e.record_id, e.old_id,
               e.path, e.old_path, e.blob, e.old_blob, e.lineage, e.changes, e.approvals_added, e.facts, e.pr,
               e.pr_subject) for e in index.events]
    return index.head, events, index.ids, index.lineage_of, index.path_lineage, index.pr_of, index.commits


def _busy_history(repo: Path) -> None:
    _two_branches_same_number(repo)
    run(repo, "renumber", "C-2611-002")
    merge_pr(repo, "b")
    set_field(repo, C3, "severity", "major")
    set_field(repo, C1, "status", "investigating")
    commit_all(repo, "two records at once")
    (repo / C1).write_text("---\nid: C-2611-001\nstatus: [broken\n---\n", encoding="utf-8")
    commit_all(repo, "a version that cannot be read")


@pytest.mark.parametrize("workers", ["1", "2", "3"])
def test_the_store_is_the_same_however_many_workers_build_it(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                             workers: str) -> None:
    _busy_history(repo)
    monkeypatch.setenv("SVCNOTES_WORKERS", "1")
    expected = _history(repo)
    shutil.rmtree(repo / CACHE_DIR)
    monkeypatch.setenv("SVCNOTES_WORKERS", workers)
    assert _history(repo) == expected
    assert len(expected[1]) >= 8  # type: ignore[arg-type]


def test_a_store_extended_commit_by_commit_equals_one_built_at_once(repo: Path) -> None:
    config, _ = load_config(repo)
    assert open_store(repo, config) is not None  # at the fixture's commit
    _busy_history(repo)  # several commits, merges and a renumber later
    extended = _history(repo)
    shutil.rmtree(repo / CACHE_DIR)
    assert _history(repo) == extended


def test_without_a_writable_cache_the_history_is_read_in_memory(repo: Path) -> None:
    _busy_history(repo)
    expected = _history(repo)
    shutil.rmtree(repo / ".svcnotes-cache")
    (repo / ".svcnotes-cache").write_text("not a folder", encoding="utf-8")
    config, _ = load_config(repo)
    assert _history(repo) == expected
    assert load_index(repo, config, use_cache=False).events


def test_a_build_leaves_no_thread_or_process_behind(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import threading

    _busy_history(repo)
    monkeypatch.setenv("SVCNOTES_WORKERS", "2")
    config, _ = load_config(repo)
    before = set(threading.enumerate())  # other tests' threads (a browser session's) are not this store's
    store = open_store(repo, config)  # a fresh build, by worker processes
    assert store is not None
    store.close()
    assert set(threading.enumerate()) <= before  # later forks (validate's workers) stay possible
    assert multiprocessing.active_children() == []


def _fields(events: object) -> list[tuple[object, ...]]:
    return [(e.sha, e.author, e.email, e.date, e.subject, e.trailers, e.action, e.kind, e.record_id, e.old_id,
             e.path, e.old_path, e.blob, e.old_blob, e.lineage, e.changes, e.approvals_added, e.facts, e.pr,
             e.pr_subject, e.signature) for e in events]  # type: ignore[attr-defined]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_new_store_streams_the_events_it_stores(repo: Path, monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    _busy_history(repo)
    monkeypatch.setenv("SVCNOTES_WORKERS", workers)
    config, _ = load_config(repo)
    store = open_log(repo, config)  # nothing written yet: the first read writes it
    assert store is not None
    assert not (repo / CACHE_DIR / "history.sqlite").exists()
    streamed = _fields(store.iter_events())
    assert (repo / CACHE_DIR / "history.sqlite").is_file()
    store.close()
    reread = open_log(repo, config)
    assert reread is not None
    with reread:
        assert streamed == _fields(reread.iter_events())
    assert any(e[18] for e in streamed) and any(e[19] for e in streamed)  # events that came in a PR merge
    assert [p for p in (repo / CACHE_DIR).iterdir()] == [repo / CACHE_DIR / "history.sqlite"]


def test_a_streamed_build_stopped_early_leaves_nothing_behind(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import threading

    _busy_history(repo)
    monkeypatch.setenv("SVCNOTES_WORKERS", "2")
    config, _ = load_config(repo)
    before = set(threading.enumerate())  # other tests' threads (a browser session's) are not this store's
    store = open_log(repo, config)
    assert store is not None
    events = store.iter_events()
    next(events)
    events.close()  # e.g. `svcnotes log | head`
    store.close()
    assert list((repo / CACHE_DIR).iterdir()) == []
    assert set(threading.enumerate()) <= before
    assert multiprocessing.active_children() == []
    unread = open_log(repo, config)  # opened, never read: not written
    assert unread is not None
    unread.close()
    assert list((repo / CACHE_DIR).iterdir()) == []


def test_a_store_opened_to_stream_is_written_whole_for_any_other_read(repo: Path) -> None:
    _busy_history(repo)
    expected = _history(repo)
    shutil.rmtree(repo / CACHE_DIR)
    config, _ = load_config(repo)
    store = open_log(repo, config)
    assert store is not None
    with store:
        commits = store.commits()  # written here, then read
        assert store.lineage_by_id("C-2611-001") is not None
        assert _fields(store.iter_events()) == _fields(load_index(repo, config).events)
    assert commits == expected[-1]

"""store.bulk's worker processes: one policy for how many, whether to fork, and what crosses back."""

from __future__ import annotations

import os
import threading

import pytest

from svcnotes.store import bulk

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked")


@pytest.mark.parametrize(("env", "requested", "expected"), [
    ("3", None, 3), ("0", None, 1), ("-2", None, 1), (" 2 ", None, 2), ("3", 1, 1), ("3", 0, 1), ("", 5, 5),
])
def test_the_worker_count_is_the_request_else_svcnotes_workers(env: str, requested: int | None, expected: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCNOTES_WORKERS", env)
    assert bulk.worker_count(requested) == expected


@pytest.mark.parametrize("env", ["", "many", "2.5"])
def test_an_unset_or_unreadable_svcnotes_workers_means_one_per_core(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCNOTES_WORKERS", env)
    assert bulk.worker_count() == max(1, os.cpu_count() or 1)


def _square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


@needs_fork
def test_map_parallel_returns_every_result_in_task_order_and_uses_other_processes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "may_fork", lambda threads_ok=False: True)  # pytest plugins may leave threads
    found = bulk.map_parallel(_square_and_pid, [(n,) for n in range(40)], 3)
    assert [square for square, _pid in found] == [n * n for n in range(40)]
    assert {pid for _square, pid in found} - {os.getpid()}


def test_a_process_running_other_threads_maps_in_itself() -> None:
    stop = threading.Event()
    watcher = threading.Thread(target=stop.wait)
    watcher.start()
    try:
        assert not bulk.may_fork()
        found = bulk.map_parallel(_square_and_pid, [(n,) for n in range(5)], 4)
    finally:
        stop.set()
        watcher.join()
    assert found == [(n * n, os.getpid()) for n in range(5)]


@needs_fork
def test_a_forked_pair_joins_parent_then_child_and_falls_back_when_fork_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "may_fork", lambda threads_ok=False: True)
    assert bulk.forked_pair(lambda: [os.getpid()], lambda: ["mine"])[0] == "mine"
    assert bulk.forked_pair(lambda: [os.getpid()], lambda: ["mine"])[1] != os.getpid()

    def no_fork() -> int:
        raise OSError("no more processes")

    monkeypatch.setattr(os, "fork", no_fork)
    assert bulk.forked_pair(lambda: [os.getpid()], lambda: ["mine"]) == ["mine", os.getpid()]


def _echo(prefix: str, tasks: object, results: object) -> list[str]:
    seen: list[str] = []
    while True:
        item = tasks.get()  # type: ignore[attr-defined]
        if item is None:
            return seen
        seen.append(item)
        results.put((prefix, item, os.getpid()))  # type: ignore[attr-defined]


@needs_fork
def test_shards_send_each_worker_its_own_items_in_order() -> None:
    with bulk.Shards(2, _echo, ("w",)) as shards:
        for n in range(6):
            shards.put(n % 2, f"item{n}")
        got = [[shards.get(w) for _ in range(3)] for w in range(2)]
        shards.close()
    assert [[item for _p, item, _pid in share] for share in got] == [["item0", "item2", "item4"],
                                                                     ["item1", "item3", "item5"]]
    pids = {pid for share in got for _p, _item, pid in share}
    assert len(pids) == 2 and os.getpid() not in pids
    assert all(not proc.is_alive() for proc in shards.procs)


def _dies(tasks: object, results: object) -> None:
    os._exit(3)


@needs_fork
def test_a_dead_shard_is_reported_not_waited_for() -> None:
    with bulk.Shards(1, _dies) as shards, pytest.raises(RuntimeError, match="a worker process died"):
        shards.get(0)

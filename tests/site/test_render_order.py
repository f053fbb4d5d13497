"""The order record pages go to the render workers: every page once, each task writing one output
folder, and the tasks the workers hold at one time writing different folders wherever the folders'
sizes allow (two processes creating files in one folder queue on its lock, spinning meanwhile)."""

from __future__ import annotations

import os

from svcnotes.site.build import folder_spread
from svcnotes.site.pages import Planned, keyed_only


def plans(sizes: dict[str, int]) -> list[Planned]:
    """Record pages in folder order, as plan_pages lists them."""
    return [Planned(f"{folder}/{n}.html", "", keyed_only, record_page=True)
            for folder, count in sizes.items() for n in range(count)]


def folders(planned: list[Planned], chunks: list[list[int]]) -> list[str]:
    out = []
    for chunk in chunks:
        names = {os.path.dirname(planned[i].url) for i in chunk}
        assert len(names) == 1, names  # one folder per task
        out.append(names.pop())
    return out


def test_every_page_goes_out_once_in_tasks_of_one_folder() -> None:
    planned = plans({"complaints/2024": 700, "complaints/2025": 650, "callbacks/2024": 300, "notes/2025": 90})
    chunks = folder_spread(planned, list(range(len(planned))), 64, 2)
    assert sorted(i for chunk in chunks for i in chunk) == list(range(len(planned)))
    assert all(0 < len(chunk) <= 64 for chunk in chunks)
    folders(planned, chunks)


def test_tasks_held_at_one_time_by_two_workers_write_different_folders() -> None:
    planned = plans({"complaints/2024": 512, "complaints/2025": 512, "callbacks/2024": 512, "callbacks/2025": 512})
    order = folders(planned, folder_spread(planned, list(range(len(planned))), 64, 2))
    # a worker that finishes takes the next task while the other still holds one of the two before it
    assert all(len({*order[i:i + 3]}) == 3 for i in range(len(order) - 2)), order


def test_a_folder_larger_than_the_others_is_interleaved_until_the_others_run_out() -> None:
    planned = plans({"complaints/2024": 1000, "callbacks/2024": 200, "notes/2024": 100})
    order = folders(planned, folder_spread(planned, list(range(len(planned))), 50, 2))
    last_other = max(i for i, f in enumerate(order) if f != "complaints/2024")
    assert all(order[i] != order[i + 1] for i in range(last_other))  # never twice in a row before that
    assert order.count("complaints/2024") == 20

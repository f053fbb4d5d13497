"""Snapshot.derived: what is derived from a snapshot's records lives and dies with them."""

from __future__ import annotations

import gc
import pickle
import weakref

from svcnotes.model.record import Record
from svcnotes.reports.index import ReportIndex
from svcnotes.store.repository import Snapshot


def _complaint(number: int) -> Record:
    return Record("complaint", f"C-2611-{number:03d}", f"records/complaints/2026/C-2611-{number:03d}.md",
                  {"status": "new"}, digest=f"d{number}")


def test_a_derived_value_is_computed_once_per_key() -> None:
    snap = Snapshot()
    calls: list[str] = []
    assert snap.derived("a", lambda: calls.append("a") or 1) == 1
    assert snap.derived("a", lambda: calls.append("again") or 2) == 1
    assert snap.derived(("b", "config"), lambda: calls.append("b") or 3) == 3
    assert calls == ["a", "b"]


def test_adding_records_drops_what_was_derived_from_the_old_ones() -> None:
    snap = Snapshot()
    snap.add(_complaint(1))
    first = ReportIndex.of(snap)
    assert [r.id for r in first.complaints] == ["C-2611-001"]
    assert ReportIndex.of(snap) is first
    snap.add(_complaint(2))
    assert [r.id for r in ReportIndex.of(snap).complaints] == ["C-2611-001", "C-2611-002"]


def test_the_report_index_dies_with_its_snapshot() -> None:
    snap = Snapshot()
    snap.add(_complaint(1))
    index = weakref.ref(ReportIndex.of(snap))
    del snap
    gc.collect()
    assert index() is None


def test_a_pickled_snapshot_carries_no_derived_values() -> None:
    snap = Snapshot()
    snap.add(_complaint(1))
    snap.derived("plain", lambda: [1, 2])
    ReportIndex.of(snap)  # holds a weak reference: it could not be pickled
    copy = pickle.loads(pickle.dumps(snap))
    assert copy.records == snap.records
    assert copy.derived("plain", lambda: "recomputed") == "recomputed"

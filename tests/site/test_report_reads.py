"""A report is skipped by the site only when it would come out the same.

The site keeps, per report page, the reads the report made (ReportIndex tracing) and what they
returned (`deps.reads_note`). On the next build, reads that still return the same front matter
(`deps.reads_unchanged`) mean "not recomputed". This is sound only if it implies an unchanged report; the tests below change one record
at a time in a deliberately untidy snapshot and check exactly that for every report and period,
and that the keys are not simply always different (which would be sound but useless).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.reports import REPORTS
from svcnotes.reports.index import ReportIndex
from svcnotes.reports.periods import Period
from svcnotes.site import deps
from svcnotes.store.repository import Snapshot
from svcnotes.store.volumes import MonthVolume, Volumes
from tests.reports.test_report_index import months_and_weeks, untidy_snapshot

TODAY = date(2026, 6, 17)
CONFIG = Config()


def every_report() -> list[tuple[str, Period | None]]:
    months, weeks = months_and_weeks()
    out: list[tuple[str, Period | None]] = []
    for name, spec in REPORTS.items():
        periods: list[Period | None] = list(weeks if spec.period == "week" else months) if spec.period else [None]
        out += [(name, p) for p in periods + ([None] if spec.optional else [])]
    return out


def traced_run(snap: Snapshot) -> dict[tuple[str, Period | None], tuple[object, list]]:
    index = ReportIndex.of(snap)
    return {(name, period): index.traced(lambda name=name, period=period: REPORTS[name].run(snap, CONFIG, period, TODAY))
            for name, period in every_report()}


def with_record(snap: Snapshot, old: Record | None, new: Record | None) -> Snapshot:
    out = Snapshot()
    for kind in ("customer", "complaint", "callback", "note"):
        for record in snap.records[kind]:
            if record is old:
                if new is not None:
                    out.add(new)
            else:
                out.add(record)
    if old is None and new is not None:
        out.add(new)
    out.volumes = snap.volumes
    return out


def with_volume(snap: Snapshot, month: str, **values: int | None) -> Snapshot:
    """The snapshot with one month of records/volumes.csv changed."""
    out = with_record(snap, None, None)
    old = snap.volumes.months.get(month) or MonthVolume(month)
    out.volumes = Volumes({**snap.volumes.months, month: replace(old, **values)})
    return out


def mutations(snap: Snapshot, rng: random.Random) -> list[tuple[str, Snapshot]]:
    complaints = [r for r in snap.records["complaint"] if "registered_at" in r.data]
    callbacks = snap.records["callback"]
    notes = snap.records["note"]
    out = []
    for _ in range(4):
        c = rng.choice(complaints)
        out.append(("complaint title", with_record(snap, c, replace(c, data={**c.data, "title": c.data["title"] + "!"}))))
        out.append(("complaint closed", with_record(snap, c, replace(c, data={**c.data, "status": "closed",
                                                                         "closed_at": c.data["registered_at"] + timedelta(days=9)}))))
        out.append(("complaint moved a month", with_record(snap, c, replace(c, data={
            **c.data, "registered_at": c.data["registered_at"] - timedelta(days=31)}))))
        out.append(("complaint body only", with_record(snap, c, replace(c, body=c.body + "\n补充。\n"))))
        out.append(("complaint deleted", with_record(snap, c, None)))
        cb = rng.choice(callbacks)
        out.append(("callback satisfaction", with_record(snap, cb, replace(cb, data={**cb.data, "status": "done",
                                                                                     "satisfaction": 2}))))
        n = rng.choice(notes)
        out.append(("note kind", with_record(snap, n, replace(n, data={**n.data, "kind": "handover",
                                                                       "open_issues": ["新事项"]}))))
        out.append(("shipments recorded", with_volume(snap, f"2026-0{rng.randrange(1, 7)}", shipments=rng.randrange(1, 900))))
        out.append(("capa added", with_record(snap, c, replace(c, data={**c.data, "capa": [
            {"action": "改进包装", "owner": "li.na", "due": date(2026, 7, 1), "status": "open"}]}))))
    return out


def test_an_unchanged_reads_key_means_an_unchanged_report():
    snap = untidy_snapshot(seed=11, complaints=160, callbacks=90, notes=70)
    before = traced_run(snap)
    old_index = ReportIndex.of(snap)
    notes = {k: deps.reads_note(old_index, reads, "salt") for k, (_report, reads) in before.items()}
    skipped: dict[str, int] = {}
    recomputed: dict[str, int] = {}
    for what, changed in mutations(snap, random.Random(3)):
        index = ReportIndex.of(changed)
        for (name, period), (report, _reads) in before.items():
            if deps.reads_unchanged(index, notes[(name, period)], "salt") is not None:
                skipped[what] = skipped.get(what, 0) + 1
                again = REPORTS[name].run(changed, CONFIG, period, TODAY)
                assert again == report, f"{what}: {name} {period.label if period else '-'} skipped but it changed"
            else:
                recomputed[what] = recomputed.get(what, 0) + 1
    assert "complaint body only" not in recomputed  # reports never read bodies
    for what in ("complaint title", "complaint closed", "callback satisfaction", "note kind", "shipments recorded"):
        # a one-record change recomputes some reports and leaves most alone
        assert 0 < recomputed[what] < skipped[what], (what, recomputed[what], skipped[what])


def test_memoised_results_pass_their_reads_on():
    snap = untidy_snapshot(seed=5, complaints=80, callbacks=40, notes=30)
    index = ReportIndex.of(snap)
    month = Period.month(2026, 3)
    _first, reads_first = index.traced(lambda: REPORTS["monthly"].run(snap, CONFIG, month, TODAY))
    _again, reads_again = index.traced(lambda: REPORTS["monthly"].run(snap, CONFIG, month, TODAY))
    assert reads_first == reads_again  # the second run hits the memo and still reports its reads
    assert ("ended", "month", "2026-03-01", "2026-03-31") in reads_again


def test_an_unknown_read_or_a_damaged_note_never_matches():
    snap = untidy_snapshot(seed=5, complaints=10, callbacks=5, notes=5)
    index = ReportIndex.of(snap)
    reads = [("no-such-read", "x")]
    assert deps.reads_unchanged(index, deps.reads_note(index, reads, "s"), "s") is None
    with pytest.raises(ValueError, match="unknown report read"):
        index.read(("no-such-read",))
    good = deps.reads_note(index, [("complaints",)], "s")
    assert deps.reads_unchanged(index, good, "s") == good
    assert deps.reads_unchanged(index, good, "other salt") is None
    for damaged in (None, [], "text", good[:3], [good[0], good[1], [], good[3]], [good[0], [["registered", "x"]], ["a"], ["b"]]):
        assert deps.reads_unchanged(index, damaged, "s") is None, damaged

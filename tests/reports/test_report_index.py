"""The indexed reports return exactly what a scan of every record returns, for every period.

A seeded, deliberately untidy snapshot (missing and odd dates, reopened and duplicate numbers,
holds, promises, complaints open for years, closing dates before registration) is run through
every report for every month and ISO week it touches, for several `today`s and two configs,
and compared with tests/reports/reference.py, the plain full-scan implementation.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.reports import REPORTS
from svcnotes.reports.index import ReportIndex
from svcnotes.reports.periods import Period
from svcnotes.store.repository import Snapshot
from svcnotes.store.volumes import MonthVolume, Volumes
from tests.fastpath import same_as_canonical
from tests.reports.reference import REFERENCE

FIRST, LAST = date(2025, 3, 1), date(2026, 12, 20)
STATUSES = ["registered", "investigating", "proposed", "approved", "resolved", "closed", "closed", "closed",
            "not_established"]
CATEGORIES = ["product_quality", "delivery", "installation", "billing", "other", "made_up"]
SEVERITIES = ["minor", "normal", "normal", "major", "critical"]
RESOLUTIONS = ["rework", "repair", "exchange", "allowance", "explanation", "not_established", None]
CALLBACK_STATUSES = ["done", "done", "done", "unreachable", "missed", "scheduled", "cancelled"]
NOTE_KINDS = ["call_in", "call_out", "visit", "on_site", "email", "handover"]
CUSTOMERS = ["hengda-auto", "xinghai", "nobody-knows"]


def _day(rng: random.Random) -> date:
    return FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1))


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60))


def _complaint(n: int, rng: random.Random) -> Record:
    registered = _day(rng)
    status = rng.choice(STATUSES)
    data: dict[str, Any] = {"title": f"客诉 {n}", "status": status, "customer": rng.choice(CUSTOMERS),
                            "category": rng.choice(CATEGORIES), "severity": rng.choice(SEVERITIES),
                            "first_responder": "zhang.wei"}
    shape = rng.random()
    if shape < 0.8:
        data["registered_at"] = registered
        data["received_at"] = _at(registered, rng)
    elif shape < 0.95:
        data["received_at"] = _at(registered, rng)  # registration date falls back to the received date
    # else: no date at all
    if rng.random() < 0.7:
        data["cause_class"] = rng.choice(["quality", "non_quality"])
        data["responsible_dept"] = rng.choice(["manufacturing", "logistics", "sales", "service"])
    resolution = rng.choice(RESOLUTIONS)
    if resolution:
        data["resolution"] = resolution
    if rng.random() < 0.6:
        data["amount"] = Decimal(rng.randrange(0, 5000))
        if rng.random() < 0.2:
            data["currency"] = "USD"
    if status in ("closed", "not_established") or rng.random() < 0.1:  # a reopened case keeps its old closed_at
        roll = rng.random()
        if roll < 0.8:
            data["closed_at"] = _at(registered + timedelta(days=rng.randrange(0, 60)), rng)
        elif roll < 0.85:
            data["closed_at"] = registered + timedelta(days=rng.randrange(200, 500))  # open for more than a year
        elif roll < 0.9:
            data["closed_at"] = registered - timedelta(days=rng.randrange(0, 5))  # closed before registration
        # else: ended without a closing date
    if rng.random() < 0.15:
        start = registered + timedelta(days=rng.randrange(1, 10))
        end = start + timedelta(days=rng.randrange(0, 12)) if rng.random() < 0.7 else None
        data["on_hold"] = [{"from": start, "to": end, "reason": "客户确认中"}]
    if rng.random() < 0.2:
        data["promised_reply_at"] = _at(registered + timedelta(days=rng.randrange(0, 10)), rng)
        if rng.random() < 0.5:
            data["told_at"] = _at(registered + timedelta(days=rng.randrange(0, 12)), rng)
    if rng.random() < 0.6:  # investigated; the quality report on time, late, or not (yet) delivered
        start = registered + timedelta(days=rng.randrange(0, 6))
        data["investigation_started_at"] = start
        if rng.random() < 0.7:
            data["quality_report_at"] = start + timedelta(days=rng.randrange(0, 7))
    if rng.random() < 0.1:
        data["reopens"] = f"C-{n - 1:05d}"
    if rng.random() < 0.2:
        data["owner"] = rng.choice(["li.na", "zhao.min"])
    if rng.random() < 0.25:
        data["capa"] = [{"action": f"措施 {k}", "owner": "zhao.min", "status": rng.choice(["open", "done", "verified"]),
                         **({"due": _day(rng)} if rng.random() < 0.9 else {})}
                        for k in range(rng.randrange(1, 4))]
    cid = f"C-{n:05d}" if rng.random() < 0.97 else f"C-{n - 1:05d}"  # a few duplicate numbers
    return Record("complaint", cid, f"records/complaints/{n}.md", data)


def _callback(n: int, rng: random.Random) -> Record:
    due = _day(rng)
    status = rng.choice(CALLBACK_STATUSES)
    data: dict[str, Any] = {"customer": rng.choice(CUSTOMERS), "kind": "post_resolution", "status": status,
                            "assigned_to": "zhang.wei", "complaint": f"C-{rng.randrange(300):05d}"}
    if rng.random() < 0.95:
        data["due"] = due
    if status == "done":
        data["done_at"] = _at(due + timedelta(days=rng.randrange(-3, 6)), rng)
        data["conducted_by"] = "li.na"
        if rng.random() < 0.8:
            data["satisfaction"] = rng.randrange(1, 6)
        if rng.random() < 0.5:
            data["comments"] = "客户意见"
    return Record("callback", f"CB-{n:05d}", f"records/callbacks/{n}.md", data)


def _note(n: int, rng: random.Random) -> Record:
    kind = rng.choice(NOTE_KINDS)
    data: dict[str, Any] = {"kind": kind, "author": "zhang.wei", "summary": f"记录 {n}"}
    if rng.random() < 0.95:
        data["at"] = _at(_day(rng), rng)
    if rng.random() < 0.7:
        data["customer"] = rng.choice(CUSTOMERS)
    if kind == "handover" and rng.random() < 0.8:
        data["open_issues"] = [f"事项 {n}-{k}" for k in range(rng.randrange(1, 3))]
    return Record("note", f"N-{n:05d}", f"records/notes/{n}.md", data)


def untidy_snapshot(seed: int = 7, complaints: int = 300, callbacks: int = 160, notes: int = 120) -> Snapshot:
    """A varied snapshot over 2025-03..2026-12, records added in no particular order."""
    rng = random.Random(seed)
    records = [Record("customer", "hengda-auto", "records/customers/hengda-auto.md", {"name": "恒达汽车", "short_name": "恒达"}),
               Record("customer", "xinghai", "records/customers/xinghai.md", {"name": "星海船舶配套有限公司"})]
    records += [_complaint(n, rng) for n in range(complaints)]
    records += [_callback(n, rng) for n in range(callbacks)]
    records += [_note(n, rng) for n in range(notes)]
    rng.shuffle(records)
    snap = Snapshot()
    for record in records:
        snap.add(record)
    snap.volumes = _volumes(rng)
    return snap


def _volumes(rng: random.Random) -> Volumes:
    """Monthly volumes with gaps: some months missing, some cells blank, some zero."""
    months = {}
    day = FIRST
    while day <= LAST:
        label = f"{day.year:04d}-{day.month:02d}"
        if rng.random() < 0.8:
            pick = lambda: None if rng.random() < 0.2 else rng.choice([0, rng.randrange(1, 400)])  # noqa: E731
            months[label] = MonthVolume(label, pick(), pick(), pick())
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return Volumes(months)


def months_and_weeks() -> tuple[list[Period], list[Period]]:
    months, weeks = [Period.containing("month", FIRST - timedelta(days=40))], [Period.containing("week", FIRST - timedelta(days=10))]
    while months[-1].end < LAST + timedelta(days=40):
        months.append(Period.containing("month", months[-1].end + timedelta(days=1)))
    while weeks[-1].end < LAST + timedelta(days=10):
        weeks.append(Period.containing("week", weeks[-1].end + timedelta(days=1)))
    return months, weeks


CONFIGS = (Config(), Config(working_days=True, holidays=frozenset({date(2025, 10, 1), date(2025, 10, 2), date(2026, 5, 1)}),
                            extra_working_days=frozenset({date(2025, 9, 28)}), pause_on_hold=False,
                            target_satisfaction=0.6, valid_complaint_base="deliveries", quality_report_days=2))
TODAYS = (date(2025, 11, 5), date(2026, 6, 17), date(2027, 1, 10))


def test_every_report_for_every_period_matches_a_full_scan() -> None:
    snap = untidy_snapshot()
    months, weeks = months_and_weeks()
    odd = Period("month", date(2026, 2, 10), date(2026, 3, 20), "2026-02/03")  # not a whole month: falls back to a scan
    cases: list[tuple[str, Config, date, Period | None]] = []
    for config in CONFIGS:
        for today in TODAYS:
            # supervision first: the months' KPIs it memoises are reused by monthly statistics afterwards
            for name in ("supervision", "weekly", "monthly", "callbacks", "register", "capa", "overdue"):
                spec = REPORTS[name]
                if spec.period == "week":
                    periods: list[Period | None] = [*weeks, odd]
                elif spec.period == "month":
                    periods = [*months, odd] + ([None] if spec.optional else [])
                else:
                    periods = [None]
                cases += [(name, config, today, period) for period in periods]
    compared = same_as_canonical(cases, lambda c: REPORTS[c[0]].run(snap, c[1], c[3], c[2]),
                                 lambda c: REFERENCE[c[0]](snap, c[1], c[3], c[2]),
                                 show=lambda c: f"{c[0]} {c[3].label if c[3] else '-'} today {c[2]}")
    # weekly: weeks + odd; five monthly reports: months + odd; register and capa: no period; overdue once
    assert compared == len(CONFIGS) * len(TODAYS) * (len(weeks) + 1 + 5 * (len(months) + 1) + 2 + 1)


def test_weekly_open_complaints_before_and_after_today_match_a_full_scan() -> None:
    snap = untidy_snapshot(seed=11)
    _months, weeks = months_and_weeks()
    for today in (date(2025, 12, 3), date(2026, 4, 1), date(2026, 4, 5)):  # mid-week, Wednesday and Sunday
        for week in weeks:
            got = REPORTS["weekly"].run(snap, CONFIGS[0], week, today)
            assert got == REFERENCE["weekly"](snap, CONFIGS[0], week, today), f"{week.label} today {today}"


def test_index_is_rebuilt_when_a_record_is_added_to_the_snapshot() -> None:
    snap = untidy_snapshot(complaints=40, callbacks=10, notes=10)
    month = Period.month(2026, 5)
    before = REPORTS["monthly"].run(snap, CONFIGS[0], month, TODAYS[1])
    snap.add(Record("complaint", "C-99999", "records/complaints/99999.md",
                    {"title": "新增", "status": "registered", "registered_at": date(2026, 5, 20), "severity": "normal"}))
    after = REPORTS["monthly"].run(snap, CONFIGS[0], month, TODAYS[1])
    assert after.value("registered") == before.value("registered") + 1
    assert after == REFERENCE["monthly"](snap, CONFIGS[0], month, TODAYS[1])


def test_two_snapshots_never_share_an_index() -> None:
    first, second = untidy_snapshot(seed=1), untidy_snapshot(seed=2)
    assert ReportIndex.of(first) is ReportIndex.of(first)
    assert ReportIndex.of(first) is not ReportIndex.of(second)
    for snap in (first, second, first):
        for period in months_and_weeks()[0][10:14]:
            assert REPORTS["supervision"].run(snap, CONFIGS[1], period, TODAYS[2]) == \
                REFERENCE["supervision"](snap, CONFIGS[1], period, TODAYS[2])


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_on_an_empty_snapshot_matches_a_full_scan(name: str) -> None:
    spec = REPORTS[name]
    period = Period.containing(spec.period or "month", TODAYS[0]) if spec.period else None
    assert spec.run(Snapshot(), CONFIGS[0], period, TODAYS[0]) == REFERENCE[name](Snapshot(), CONFIGS[0], period, TODAYS[0])

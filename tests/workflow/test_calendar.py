"""The working calendar across the 2026 National Day block (10-01..07) with 调休 working weekend days."""

from __future__ import annotations

from datetime import date

import pytest

from svcnotes.model.config import parse_config
from svcnotes.workflow.calendar import Calendar

HOLIDAYS = frozenset(date(2026, 10, d) for d in range(1, 8))
# Configured for the test: Sunday 09-27 and Saturday 10-10 are worked (调休).
EXTRA = frozenset({date(2026, 9, 27), date(2026, 10, 10)})
WORK = Calendar(working_days=True, holidays=HOLIDAYS, extra_working_days=EXTRA)
D = date.fromisoformat


@pytest.mark.parametrize("day, working", [
    ("2026-09-26", False),  # Saturday
    ("2026-09-27", True),   # Sunday, 调休 working day
    ("2026-09-30", True),
    ("2026-10-01", False), ("2026-10-05", False), ("2026-10-07", False),  # the holiday block
    ("2026-10-08", True),
    ("2026-10-10", True),   # Saturday, 调休 working day
    ("2026-10-11", False),  # Sunday
])
def test_working_days_honour_holidays_and_extra_working_days(day: str, working: bool) -> None:
    assert WORK.is_working_day(D(day)) is working


def test_extra_working_day_wins_over_a_holiday_list_that_includes_it() -> None:
    cal = Calendar(working_days=True, holidays=frozenset({D("2026-10-10")}), extra_working_days=EXTRA)
    assert cal.is_working_day(D("2026-10-10"))


@pytest.mark.parametrize("start, days, expected", [
    ("2026-09-30", 1, "2026-10-08"),   # jumps the whole holiday block
    ("2026-09-30", 3, "2026-10-10"),   # 08, 09, then the working Saturday
    ("2026-09-30", 4, "2026-10-12"),   # Sunday 10-11 is off
    ("2026-09-25", 1, "2026-09-27"),   # Friday + 1 lands on the working Sunday
    ("2026-10-03", 1, "2026-10-08"),   # starting inside the block
    ("2026-09-28", 20, "2026-10-30"),
    ("2026-09-30", 0, "2026-09-30"),
])
def test_adding_working_days_across_the_national_day_block(start: str, days: int, expected: str) -> None:
    assert WORK.add(D(start), days) == D(expected)


def test_calendar_day_mode_counts_every_day() -> None:
    cal = Calendar(working_days=False, holidays=HOLIDAYS, extra_working_days=EXTRA)
    assert cal.add(D("2026-09-30"), 20) == D("2026-10-20")
    assert cal.between(D("2026-09-30"), D("2026-10-12")) == 12


def test_between_counts_working_days_after_start_through_end() -> None:
    assert WORK.between(D("2026-09-30"), D("2026-10-12")) == 4  # 08, 09, 10, 12
    assert WORK.between(D("2026-10-01"), D("2026-10-07")) == 0
    assert WORK.between(D("2026-10-12"), D("2026-10-12")) == 0
    assert WORK.between(D("2026-10-12"), D("2026-10-01")) == 0


def test_between_and_add_agree() -> None:
    start = D("2026-09-20")
    for n in range(0, 40):
        assert WORK.between(start, WORK.add(start, n)) == n


def test_next_working_day_skips_the_block() -> None:
    assert WORK.next_working_day(D("2026-10-03")) == D("2026-10-08")
    assert WORK.next_working_day(D("2026-10-10")) == D("2026-10-10")


def test_calendar_is_built_from_svcnotes_toml() -> None:
    config, problems = parse_config("""
[deadlines]
working_days = true
[calendar]
holidays = [2026-10-01, 2026-10-02, 2026-10-03, 2026-10-04, 2026-10-05, 2026-10-06, 2026-10-07]
extra_working_days = ["2026-09-27", "2026-10-10"]
""")
    assert problems == []
    assert Calendar.from_config(config) == WORK

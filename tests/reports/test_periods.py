"""Report periods: months, ISO weeks, trailing windows and clear errors."""

from __future__ import annotations

from datetime import date

import pytest

from svcnotes.reports.periods import Period, PeriodError, parse_month, parse_period, parse_week


def test_month_covers_first_to_last_day_and_is_due_on_the_tenth_of_the_next() -> None:
    p = parse_month("2026-12")
    assert (p.start, p.end, p.label) == (date(2026, 12, 1), date(2026, 12, 31), "2026-12")
    assert p.report_due() == date(2027, 1, 10)


def test_iso_week_runs_monday_to_sunday() -> None:
    p = parse_week("2026-W44")
    assert (p.start, p.end, p.label) == (date(2026, 10, 26), date(2026, 11, 1), "2026-W44")
    assert date(2026, 11, 1) in p and date(2026, 11, 2) not in p


def test_parse_period_tells_months_from_weeks() -> None:
    assert parse_period("2026-10").kind == "month"
    assert parse_period("2026w5").label == "2026-W05"


@pytest.mark.parametrize("text", ["2026-13", "2026/10", "oct", "2026-00"])
def test_bad_month_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(PeriodError, match=rf"^'{text}' is not a month; write YYYY-MM, e.g. 2026-10$"):
        parse_month(text)


def test_week_53_only_exists_in_long_years() -> None:
    assert parse_week("2026-W53").start == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    with pytest.raises(PeriodError, match="^'2027-W53': 2027 has ISO weeks 1 to 52$"):
        parse_week("2027-W53")


def test_trailing_twelve_months_cross_the_year_oldest_first() -> None:
    labels = [p.label for p in Period.month(2026, 2).trailing(12)]
    assert labels[0] == "2025-03" and labels[-1] == "2026-02" and len(labels) == 12


def test_containing_week_uses_the_iso_year() -> None:
    assert Period.containing("week", date(2027, 1, 1)).label == "2026-W53"

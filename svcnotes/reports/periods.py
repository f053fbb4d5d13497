"""Report periods: a calendar month (`2026-10`) or an ISO week (`2026-W44`), with clear errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from svcnotes.model.message import msg


class PeriodError(ValueError):
    """Text that is not a month (YYYY-MM) or an ISO week (YYYY-Www)."""


_MONTH = re.compile(r"(\d{4})-(\d{1,2})\Z")
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """An inclusive date range with its kind ('month' or 'week') and canonical label."""

    kind: str
    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The calendar month `year`-`month`."""
        start = date(year, month, 1)
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return cls("month", start, nxt - timedelta(days=1), f"{year:04d}-{month:02d}")

    @classmethod
    def week(cls, year: int, week: int) -> Period:
        """The ISO week `year`-W`week` (Monday to Sunday)."""
        start = date.fromisocalendar(year, week, 1)
        return cls("week", start, start + timedelta(days=6), f"{year:04d}-W{week:02d}")

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        """The month or ISO week that contains `day`."""
        if kind == "week":
            iso = day.isocalendar()
            return cls.week(iso.year, iso.week)
        return cls.month(day.year, day.month)

    def previous(self) -> Period:
        """The period just before this one."""
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def trailing(self, count: int) -> list[Period]:
        """The `count` periods ending with this one, oldest first (for trend charts)."""
        out = [self]
        while len(out) < count:
            out.append(out[-1].previous())
        return out[::-1]

    def report_due(self) -> date | None:
        """When a monthly report is due: the 10th of the next month (DOMAIN.md §6)."""
        if self.kind != "month":
            return None
        nxt = self.end + timedelta(days=1)
        return date(nxt.year, nxt.month, 10)


def parse_month(text: str) -> Period:
    """`2026-10` -> the month of October 2026; PeriodError with a hint otherwise."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise PeriodError(msg("'{text}' is not a month; write YYYY-MM, e.g. 2026-10", text=text))
    return Period.month(int(m.group(1)), int(m.group(2)))


def parse_week(text: str) -> Period:
    """`2026-W44` -> ISO week 44 of 2026; PeriodError with a hint otherwise."""
    m = _WEEK.match(text.strip())
    if not m:
        raise PeriodError(msg("'{text}' is not an ISO week; write YYYY-Www, e.g. 2026-W44", text=text))
    year, week = int(m.group(1)), int(m.group(2))
    try:
        return Period.week(year, week)
    except ValueError:
        last = date(year, 12, 28).isocalendar().week
        raise PeriodError(msg("'{text}': {year} has ISO weeks 1 to {last}", text=text, year=year, last=last)) from None


def parse_period(text: str) -> Period:
    """A month (`2026-10`) or an ISO week (`2026-W44`)."""
    if "w" in text.lower():
        return parse_week(text)
    return parse_month(text)

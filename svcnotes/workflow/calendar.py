"""The working calendar: weekends, public holidays and extra working days (调休).

In calendar-day mode every day counts; in working-day mode a day counts when it is not a
weekend day nor a holiday, or when it is declared an extra working day (a 调休 Saturday or
Sunday wins over the weekend and over a holiday list that happens to include it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from svcnotes.model.config import Config


@dataclass(frozen=True)
class Calendar:
    """Counts days either as calendar days or as working days of a configured calendar."""

    working_days: bool = False
    weekend: tuple[int, ...] = (6, 7)
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    @classmethod
    def from_config(cls, config: Config) -> Calendar:
        """The calendar svcnotes.toml declares."""
        return cls(config.working_days, tuple(config.weekend), config.holidays, config.extra_working_days)

    def is_working_day(self, day: date) -> bool:
        """True on a working day (an extra working day wins over the weekend)."""
        if day in self.extra_working_days:
            return True
        return day.isoweekday() not in self.weekend and day not in self.holidays

    def counts(self, day: date) -> bool:
        """Whether this day counts towards a deadline."""
        return not self.working_days or self.is_working_day(day)

    def add(self, start: date, days: int) -> date:
        """The date `days` counted days after `start` (the start day itself never counts).

        In working-day mode a deadline of N days lands on the N-th working day after `start`.
        """
        if not self.working_days:
            return start + timedelta(days=days)
        day = start
        left = days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Counted days after `start` up to and including `end` (0 when end <= start)."""
        if end <= start:
            return 0
        if not self.working_days:
            return (end - start).days
        return sum(1 for day in days_in(start + timedelta(days=1), end) if self.is_working_day(day))

    def next_working_day(self, day: date) -> date:
        """`day` itself when it counts, else the next day that does."""
        while not self.counts(day):
            day += timedelta(days=1)
        return day


def days_in(first: date, last: date) -> Iterator[date]:
    """Every date from `first` to `last`, both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)

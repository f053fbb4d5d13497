"""One derived index per Snapshot, so that a report costs O(records in its period), not O(all records).

The site computes about two hundred reports over one snapshot (every report for every month and
week); scanning and sorting every record for each of them made the reports the slowest part of a
large build. `ReportIndex.of(snapshot)` reads the snapshot once into:

- the complaints in number order, and the open ones;
- complaints by registration month and ISO week, and ended complaints (closed or not established)
  by the month and week of `closed_at`;
- callbacks due (cancelled excluded) by due month and week, done callbacks by `done_at`;
- service notes by the month and week of `at`;
- complaints by the day their investigation started (quality reports);
- the recorded monthly volumes (records/volumes.csv), traced as `("volumes", "2026-10")`;
- every CAPA item in complaint-number order;
- the complaints open at any day (for the weekly report's open-complaints section);
- memoised results that several reports share (deadlines per today, a month's KPIs, ...).

Every lookup returns what a scan of the whole snapshot would return, in the same order (the
tests compare the two for every month and week).

Every lookup is also *traced*: while `index.trace` is a list, each read appends what was asked
(`("registered", "month", "2026-10-01", "2026-10-31")`, `("open_at", "2026-10-04")`,
`("complaints",)`...). A report is a pure function of config, today, its period, customer names
and what its reads return, so the site keeps each report's reads and recomputes the report only
when one of them now returns different records (`reads_digest`). Memoised results carry the
reads that made them, so a report that hits the memo is traced as if it had computed the value. A Period that is not a whole calendar month or
ISO week falls back to a scan. The index is rebuilt when the snapshot's record lists are replaced
or change length; records are immutable, so nothing else can make it stale.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.reports.base import ENDED, day_of, registered_on
from svcnotes.reports.periods import Period
from svcnotes.store.repository import Snapshot
from svcnotes.store.volumes import BASES, VOLUMES_FILE, Volumes
from svcnotes.workflow.deadlines import Deadline, complaint_deadline

T = TypeVar("T")
_LONG_SPAN = 16  # complaints open longer than this many 7-day blocks are checked one by one


def period_key(period: Period) -> tuple[str, int, int] | None:
    """The bucket key of a whole calendar month or ISO week; None for any other date range."""
    if period != Period.containing(period.kind, period.start):
        return None
    if period.kind == "week":
        iso = period.start.isocalendar()
        return ("week", iso[0], iso[1])
    return ("month", period.start.year, period.start.month)


Read = tuple[str, ...]  # one traced lookup: its name and arguments, as text (JSON-friendly)


class _Tracer:
    """Where lookups note what they read: `trace` is a list while a report is being traced."""

    trace: list[Read] | None = None


class Dated:
    """Records with a date, in a fixed order, bucketed by the calendar month and ISO week of that date.

    `sort_key` orders each period's records (applied on first use, exactly as `sorted()` over a
    scan would); without it they keep the order they were given in. With a `tracer`, each
    `within()` notes `(name, kind, start, end)`.
    """

    def __init__(self, pairs: Iterable[tuple[date, Record]], sort_key: Callable[[Record], Any] | None = None,
                 name: str = "", tracer: _Tracer | None = None) -> None:
        self._name = name
        self._tracer = tracer
        self._pairs = list(pairs)
        self._sort_key = sort_key
        self._sorted: set[tuple[str, int, int]] = set()
        self._buckets: dict[tuple[str, int, int], list[Record]] = {}
        for day, record in self._pairs:
            iso = day.isocalendar()
            self._buckets.setdefault(("month", day.year, day.month), []).append(record)
            self._buckets.setdefault(("week", iso[0], iso[1]), []).append(record)

    def within(self, period: Period) -> list[Record]:
        """The records whose date falls inside `period`, in order (a new list)."""
        if self._tracer is not None and self._tracer.trace is not None:
            self._tracer.trace.append((self._name, period.kind, period.start.isoformat(), period.end.isoformat()))
        key = period_key(period)
        if key is None:
            found = [record for day, record in self._pairs if day in period]
            return sorted(found, key=self._sort_key) if self._sort_key else found
        bucket = self._buckets.get(key)
        if bucket is None:
            return []
        if self._sort_key is not None and key not in self._sorted:
            bucket[:] = sorted(bucket, key=self._sort_key)  # sorted(): a failing sort leaves the bucket as it was
            self._sorted.add(key)
        return list(bucket)


class OpenAt:
    """Which complaints are open at the end of a day: registered by then and not ended by then.

    Complaints that never ended (or ended without a closing date) are open from registration on:
    a list sorted by registration date answers them with one bisection. Complaints that ended are
    open from registration until the day before closing: each is filed under the 7-day blocks that
    interval covers, so a day's block holds only the complaints open around it.
    """

    def __init__(self, complaints: Iterable[Record], tracer: _Tracer | None = None) -> None:
        self._tracer = tracer
        self._records = list(complaints)
        unending: list[tuple[date, int]] = []
        self._blocks: dict[int, list[tuple[int, date, date]]] = {}
        self._long: list[tuple[int, date, date]] = []
        for rank, record in enumerate(self._records):
            registered = registered_on(record)
            if registered is None:
                continue
            closed = day_of(record.get("closed_at"))
            if record.status not in ENDED or closed is None:
                unending.append((registered, rank))
                continue
            if closed <= registered:
                continue  # ended on or before registration: never open at a day's end
            entry = (rank, registered, closed)
            first, last = registered.toordinal() // 7, (closed.toordinal() - 1) // 7
            if last - first > _LONG_SPAN:
                self._long.append(entry)
                continue
            for block in range(first, last + 1):
                self._blocks.setdefault(block, []).append(entry)
        unending.sort()
        self._unending_days = [registered for registered, _rank in unending]
        self._unending_ranks = [rank for _registered, rank in unending]

    def ranks(self, day: date) -> list[int]:
        """The positions (in the order given) of the complaints open at the end of `day`, ascending."""
        if self._tracer is not None and self._tracer.trace is not None:
            self._tracer.trace.append(("open_at", day.isoformat()))
        found = self._unending_ranks[:bisect_right(self._unending_days, day)]
        for entries in (self._blocks.get(day.toordinal() // 7, ()), self._long):
            found.extend(rank for rank, registered, closed in entries if registered <= day < closed)
        found.sort()
        return found

    def ranked(self, day: date) -> list[tuple[int, Record]]:
        """(position, complaint) for the complaints open at the end of `day`, in the given order."""
        records = self._records
        return [(rank, records[rank]) for rank in self.ranks(day)]

    def at(self, day: date) -> list[Record]:
        """Complaints registered on or before `day` and not ended on or before it, in the given order."""
        records = self._records
        return [records[rank] for rank in self.ranks(day)]


class ReportIndex(_Tracer):
    """The snapshot's records arranged for the reports, plus shared memoised results.

    Get it with `ReportIndex.of(snapshot)`; every part is built on first use. `traced(compute)`
    runs a report and returns what it read besides its result; `read(entry)` answers one read again.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.trace = None
        self._snapshot = weakref.ref(snapshot)  # the snapshot holds the index: no cycle back
        self._records = {kind: list(records) for kind, records in snapshot.records.items()}
        self._memo: dict[Hashable, tuple[Any, Any, tuple[Read, ...]]] = {}
        self._caches: dict[str, dict[Any, Any]] = {}
        self._deadlines: dict[tuple[int, date], tuple[Config, dict[int, Deadline]]] = {}

    @classmethod
    def of(cls, snapshot: Snapshot) -> ReportIndex:
        """The index of `snapshot`, built once and kept on it (Snapshot.derived) until records are added."""
        return snapshot.derived("reports.index", lambda: cls(snapshot))

    def _kind(self, kind: str) -> list[Record]:
        return self._records.get(kind, [])

    def _note(self, entry: Read) -> None:
        if self.trace is not None:
            self.trace.append(entry)

    @cached_property
    def _complaints(self) -> tuple[Record, ...]:
        return tuple(sorted(self._kind("complaint"), key=lambda r: r.id))

    @property
    def complaints(self) -> tuple[Record, ...]:
        """Every complaint in number order."""
        self._note(("complaints",))
        return self._complaints

    @cached_property
    def _open_complaints(self) -> tuple[Record, ...]:
        return tuple(r for r in self._complaints if r.status not in ENDED)

    @property
    def open_complaints(self) -> tuple[Record, ...]:
        """The complaints neither closed nor found not established, in number order."""
        self._note(("open",))
        return self._open_complaints

    @cached_property
    def registered(self) -> Dated:
        """Complaints by registration date (received date when missing), in number order."""
        return Dated(((d, r) for r in self._complaints if (d := registered_on(r)) is not None),
                     name="registered", tracer=self)

    @cached_property
    def ended(self) -> Dated:
        """Complaints closed or found not established, by `closed_at`, in number order."""
        return Dated(((d, r) for r in self._complaints
                      if r.status in ENDED and (d := day_of(r.get("closed_at"))) is not None), name="ended", tracer=self)

    @cached_property
    def investigations(self) -> Dated:
        """Complaints by `investigation_started_at` (their quality reports fall due from it), in number order."""
        return Dated(((d, r) for r in self._complaints if (d := day_of(r.get("investigation_started_at"))) is not None),
                     name="investigations", tracer=self)

    def _volume_records(self, label: str) -> tuple[Record, ...]:
        snapshot = self._snapshot()
        entry = getattr(snapshot, "volumes", Volumes()).entry(label) if snapshot is not None else None
        if entry is None:
            return ()
        return (Record("volume", label, VOLUMES_FILE, {b: entry.get(b) for b in BASES}),)

    def volume(self, period: Period, base: str) -> int | None:
        """The recorded `base` (shipments, deliveries, service_jobs) of a month; None when not recorded."""
        self._note(("volumes", period.label))
        found = self._volume_records(period.label) if period.kind == "month" else ()
        return found[0].data.get(base) if found else None

    @cached_property
    def callbacks_due(self) -> Dated:
        """Callbacks not cancelled, by due date, ordered by (due, number)."""
        return Dated(((d, r) for r in self._kind("callback")
                      if (d := day_of(r.get("due"))) is not None and r.status != "cancelled"),
                     lambda r: (r.get("due"), r.id), name="callbacks_due", tracer=self)

    @cached_property
    def callbacks_done(self) -> Dated:
        """Done callbacks, by `done_at`, in number order."""
        return Dated(((d, r) for r in sorted(self._kind("callback"), key=lambda c: c.id)
                      if r.status == "done" and (d := day_of(r.get("done_at"))) is not None),
                     name="callbacks_done", tracer=self)

    @cached_property
    def notes(self) -> Dated:
        """Service notes by `at`, ordered by (at, number)."""
        return Dated(((d, n) for n in self._kind("note") if (d := day_of(n.get("at"))) is not None),
                     lambda n: (n.get("at"), n.id), name="notes", tracer=self)

    @cached_property
    def open_at(self) -> OpenAt:
        """Complaints open at the end of a given day, in number order (ranks index `complaints`)."""
        return OpenAt(self._complaints, tracer=self)

    @cached_property
    def _capa_items(self) -> tuple[tuple[Record, int, Any, date | None], ...]:
        return tuple((record, n, item, day_of(item.get("due")))
                     for record in self._complaints for n, item in enumerate(record.get("capa", []), 1))

    @property
    def capa_items(self) -> tuple[tuple[Record, int, Any, date | None], ...]:
        """Every CAPA item as (complaint, item number from 1, item, due date), in complaint-number order."""
        self._note(("capa",))
        return self._capa_items

    @cached_property
    def _with_capa(self) -> tuple[Record, ...]:
        return tuple({id(record): record for record, *_ in self._capa_items}.values())

    def traced(self, compute: Callable[[], T]) -> tuple[T, list[Read]]:
        """`compute()` and every read it made (in order, repeats kept once)."""
        outer, self.trace = self.trace, []
        try:
            value = compute()
            reads = list(dict.fromkeys(self.trace))
        finally:
            self.trace = outer
        if outer is not None:
            outer.extend(reads)
        return value, reads

    def read(self, entry: Sequence[str]) -> Sequence[Record]:
        """What the traced read `entry` returns now (not itself traced); ValueError for an unknown read."""
        outer, self.trace = self.trace, None
        try:
            name = entry[0]
            if name == "complaints":
                return self._complaints
            if name == "open":
                return self._open_complaints
            if name == "capa":  # the complaints that have CAPA items: the items come from them alone
                return self._with_capa
            if name == "volumes":
                return self._volume_records(entry[1])
            if name == "open_at":
                return self.open_at.at(date.fromisoformat(entry[1]))
            if name in ("registered", "ended", "callbacks_due", "callbacks_done", "notes", "investigations"):
                dated: Dated = getattr(self, name)
                kind, start, end = entry[1], date.fromisoformat(entry[2]), date.fromisoformat(entry[3])
                whole = Period.containing(kind, start) if kind in ("month", "week") else None
                return dated.within(whole if whole is not None and whole.end == end else Period(kind, start, end, ""))
        except (IndexError, ValueError, TypeError) as exc:
            raise ValueError(f"unreadable report read {entry!r}: {exc}") from exc
        finally:
            self.trace = outer
        raise ValueError(f"unknown report read {entry!r}")

    def deadline(self, record: Record, config: Config, today: date) -> Deadline:
        """`complaint_deadline(record, config, today)`, computed once per record, config and today."""
        entry = self._deadlines.get((id(config), today))
        if entry is None or entry[0] is not config:
            entry = self._deadlines[(id(config), today)] = (config, {})
        known = entry[1]
        hit = known.get(id(record))
        if hit is None:
            hit = known[id(record)] = complaint_deadline(record, config, today)
        return hit

    def cache(self, name: str) -> dict[Any, Any]:
        """A dict named `name` that lives as long as this index, for results derived from this snapshot only."""
        return self._caches.setdefault(name, {})

    def memo(self, name: str, config: Config | None, period: Period | None, today: date | None,
             compute: Callable[[], T]) -> T:
        """`compute()` once per (name, config, period, today); callers must not mutate the result."""
        key = (name, id(config), period, today)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is config:
            if self.trace is not None:
                self.trace.extend(hit[2])
            return hit[1]  # type: ignore[no-any-return]
        value, reads = self.traced(compute)
        self._memo[key] = (config, value, tuple(reads))
        return value

"""The volume table: shipments, deliveries and service jobs per month (the KPIs' denominators).

The department records its monthly volumes in `records/volumes.csv`, one row per month, which any
spreadsheet opens and saves:

    month,shipments,deliveries,service_jobs
    2026-10,1250,1180,42

A blank cell means "not recorded" (a KPI over it then says what to enter), never zero. Headers
may be written in Chinese too (月份, 出货批次, 交货批次, 服务次数). `svcnotes volumes import FILE`
merges a spreadsheet (.xlsx or .csv in any encoding) into the table; reading here is strict
UTF-8 CSV, with every bad cell reported as a located problem (E701-E703, W704).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity, did_you_mean

VOLUMES_FILE = "records/volumes.csv"
BASES = ("shipments", "deliveries", "service_jobs")
"""The recorded volumes, in column order."""

BASE_LABELS: dict[str, tuple[str, str]] = {
    "shipments": ("出货批次", "shipments"),
    "deliveries": ("交货批次", "deliveries"),
    "service_jobs": ("服务次数", "service jobs"),
}
_ALIASES = {
    "month": ("month", "月份", "月", "期间", "period"),
    "shipments": ("shipments", "出货批次", "发货批次", "出货", "发货", "出货量", "发货量"),
    "deliveries": ("deliveries", "交货批次", "交货", "交付", "交付批次"),
    "service_jobs": ("service_jobs", "service jobs", "服务次数", "现场服务", "现场服务次数", "售后服务次数"),
}
_HEADER = {alias.lower(): name for name, aliases in _ALIASES.items() for alias in aliases}
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?\Z")


@dataclass(frozen=True)
class MonthVolume:
    """One month's recorded volumes (None = not recorded) and the line of the table that holds them."""

    month: str  # YYYY-MM
    shipments: int | None = None
    deliveries: int | None = None
    service_jobs: int | None = None
    line: int | None = None

    def get(self, base: str) -> int | None:
        """The recorded value of `base` (one of BASES)."""
        value = getattr(self, base, None)
        return value if isinstance(value, int) else None


@dataclass(frozen=True)
class Volumes:
    """Every recorded month, and the problems found reading the table."""

    months: Mapping[str, MonthVolume] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def get(self, month: str, base: str) -> int | None:
        """The recorded `base` of month `YYYY-MM`, None when not recorded."""
        entry = self.months.get(month)
        return entry.get(base) if entry is not None else None

    def entry(self, month: str) -> MonthVolume | None:
        """The row of month `YYYY-MM`, if any."""
        return self.months.get(month)


def column_name(header: Any) -> str | None:
    """The column a header names ('出货批次' -> 'shipments'), None for an unknown header."""
    return _HEADER.get(str(header).strip().lower())


def month_label(value: Any) -> str | None:
    """'2026-10', '2026/10', '2026年10月', '2026-10-01' or a date -> '2026-10'; None otherwise."""
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    m = _MONTH.match(str(value).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def _count(text: Any) -> int | None:
    """A whole number >= 0 from a cell ('1,250', '1250.0' and 1250 alike); ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, int):
        value = text
    else:
        cleaned = str(text).strip().replace(",", "").replace("，", "")
        if re.fullmatch(r"\d+(\.0+)?", cleaned) is None:
            raise ValueError(text)
        value = int(cleaned.split(".")[0])
    if value < 0:
        raise ValueError(text)
    return value


def parse_rows(rows: Iterable[tuple[int, Mapping[str, Any]]], source: str,
               header_line: int | None = 1) -> tuple[dict[str, MonthVolume], list[Problem]]:
    """Rows of (line, header -> cell) into months; every bad cell is a located problem.

    Unknown columns are warnings; a month given twice is an error (the first row counts)."""
    problems: list[Problem] = []
    months: dict[str, MonthVolume] = {}
    warned: set[str] = set()
    for line, cells in rows:
        values: dict[str, Any] = {}
        month: str | None = None
        for header, cell in cells.items():
            name = column_name(header)
            if name is None:
                if header not in warned and str(header).strip():
                    warned.add(header)
                    problems.append(Problem("W704", msg("unknown column '{header}'", header=header), source, header_line, str(header),
                                            did_you_mean(str(header), ["month", *BASES]),
                                            Severity.WARNING))
                continue
            if cell is None or str(cell).strip() in ("", "-", "—"):
                continue
            if name == "month":
                month = month_label(cell)
                if month is None:
                    problems.append(Problem("E701", msg("'{cell}' is not a month", cell=cell), source, line, "month",
                                            msg("write YYYY-MM, e.g. 2026-10")))
                continue
            try:
                values[name] = _count(cell)
            except ValueError:
                problems.append(Problem("E702", msg("'{cell}' is not a whole number", cell=cell), source, line, name,
                                        msg("write a count >= 0, or leave the cell empty when it is not known")))
        if month is None:
            if not any(p.line == line and p.code == "E701" for p in problems):
                problems.append(Problem("E701", msg("row has no month"), source, line, "month", msg("write YYYY-MM, e.g. 2026-10")))
            continue
        if month in months:
            problems.append(Problem("E701", msg("month {month} appears twice (first on line {line})",
                                                month=month, line=months[month].line), source, line,
                                    "month", msg("keep one row per month")))
            continue
        months[month] = MonthVolume(month, line=line, **values)
    return months, problems


def parse_volumes(text: str, source: str = VOLUMES_FILE) -> Volumes:
    """The volume table from its CSV text."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        records = [(n, cells) for n, cells in enumerate(reader, 1) if any(c.strip() for c in cells)]
    except csv.Error as exc:  # a NUL byte, a field past the csv module's limit
        return Volumes(problems=(Problem("E703", msg("not readable as CSV: {error}", error=str(exc)), source, reader.line_num or None,
                                         hint=msg("save it as CSV UTF-8 from a spreadsheet")),))
    if not records:
        return Volumes()
    header_line, header = records[0]
    if "month" not in {column_name(h) for h in header}:
        return Volumes(problems=(Problem("E703", msg("the first line must name the columns, 'month' among them"), source,
                                         header_line, hint=msg("start the file with: {header}", header="month," + ",".join(BASES))),))
    rows = []
    problems: list[Problem] = []
    for n, cells in records[1:]:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(Problem("E703", msg("{count} cells for {columns} columns", count=len(cells), columns=len(header)), source, n,
                                    hint=msg("one value per column; quote numbers written with commas")))
        rows.append((n, dict(zip(header, cells, strict=False))))
    months, found = parse_rows(rows, source, header_line)
    return Volumes(months, tuple(sorted(problems + found, key=lambda p: p.line or 0)))


def load_volumes(root: Path) -> Volumes:
    """Read `records/volumes.csv` under `root` (an empty table when there is none)."""
    try:
        raw = (Path(root) / VOLUMES_FILE).read_bytes()
    except FileNotFoundError:
        return Volumes()
    except OSError as exc:
        return Volumes(problems=(Problem("E703", msg("cannot read file: {error}", error=exc.strerror), VOLUMES_FILE),))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Volumes(problems=(Problem("E703", msg("the file is not UTF-8"), VOLUMES_FILE,
                                         hint=msg("save it as CSV UTF-8, or bring it in with 'svcnotes volumes "
                                                  "import FILE'")),))
    return parse_volumes(text)


def render_volumes(months: Mapping[str, MonthVolume]) -> str:
    """The table as CSV text, months in order (blank cells for what is not recorded)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["month", *BASES])
    for key in sorted(months):
        entry = months[key]
        writer.writerow([key, *("" if entry.get(b) is None else entry.get(b) for b in BASES)])
    return buf.getvalue()


def merge(old: Mapping[str, MonthVolume], new: Mapping[str, MonthVolume]) -> dict[str, MonthVolume]:
    """`old` with the months of `new`: a value given in `new` replaces the old one; blanks keep it."""
    out = dict(old)
    for key, entry in new.items():
        before = out.get(key)
        if before is None:
            out[key] = replace(entry, line=None)
            continue
        def pick(base: str, now: MonthVolume = entry, was: MonthVolume = before) -> int | None:
            return now.get(base) if now.get(base) is not None else was.get(base)
        out[key] = MonthVolume(key, pick("shipments"), pick("deliveries"), pick("service_jobs"))
    return out

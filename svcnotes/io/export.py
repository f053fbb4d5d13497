"""Export reports and record lists for reading (CSV with a BOM, XLSX set up for printing).

    sheet = export_sheet(snapshot, config, "register", "zh-CN", period=None, today=date.today())
    Path("register.xlsx").write_bytes(to_xlsx(sheet))

`what` is a report name from svcnotes.reports.REPORTS (register, monthly, overdue, callbacks, ...)
or a record list (customer-list, complaint-list, callback-list, note-list). Headers and coded
values are in the locale asked for (已结案, not closed), so a sheet reads in one language; imports
accept these labels back. Dates stay dates and amounts stay numbers in XLSX, so Excel can sort
and sum. Personal fields (contacts, phone numbers, reporters) are left out unless asked for.
The lossless layout for re-import (`svcnotes export data`) is svcnotes.io.data.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from svcnotes.model.config import Config
from svcnotes.model.fields import render_scalar
from svcnotes.model.message import msg
from svcnotes.model.schema import KINDS
from svcnotes.model.text import display_width

if TYPE_CHECKING:
    from svcnotes.reports.periods import Period
    from svcnotes.store.repository import Snapshot

PLURALS = {"customers": "customer", "complaints": "complaint", "callbacks": "callback", "notes": "note"}
LISTS = {f"{kind}-list": kind for kind in PLURALS.values()}
DATA = "data"
_YES = {"zh": ("是", "否"), "en": ("yes", "no")}
_NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "money": "#,##0.00", "decimal": "#,##0.00",
                   "ratio": "0.0%"}


class UnknownExport(Exception):
    """Neither a report nor a record kind has that name."""


@dataclass(frozen=True)
class SheetColumn:
    """A column: key, localized header, and type (text, int, decimal, money, date, datetime, bool, ratio, ...)."""

    key: str
    header: str
    type: str = "text"


@dataclass
class Sheet:
    """A table ready to write: title, columns, rows of typed values, and the locale of its texts."""

    title: str
    columns: list[SheetColumn]
    rows: list[dict[str, Any]] = field(default_factory=list)
    locale: str = "zh-CN"


def export_names() -> list[str]:
    """Every name `export_sheet` accepts: the reports, then the record lists (`data` is separate)."""
    return [*_reports(), *LISTS]


def names_help() -> str:
    """The export names, grouped: what to type after `svcnotes export`."""
    return msg("reports: {reports}; record lists: {lists}; {data} (every record of every kind, lossless, for re-import)",
               reports=", ".join(_reports()), lists=", ".join(LISTS), data=DATA)


def _reports() -> dict[str, Any]:
    try:
        from svcnotes.reports import REPORTS
    except ImportError:  # reports not installed in this build
        return {}
    return dict(REPORTS)


def export_sheet(snapshot: Snapshot, config: Config, what: str, locale: str, period: Period | None = None,
                 today: date | None = None, personal: bool = False) -> Sheet:
    """The sheet for a report or a record kind (UnknownExport when `what` is neither)."""
    reports = _reports()
    if what in reports:
        from svcnotes.reports import run_report

        report = run_report(what, snapshot, config, period, today or date.today())
        columns = [SheetColumn(c.key, c.header(locale), c.type) for c in report.columns]
        coded = [(c.key, c.enum) for c in report.columns if c.enum]
        rows = [dict(r) for r in report.rows]
        for row in rows:
            for key, enum in coded:
                if isinstance(row.get(key), str):
                    row[key] = _enum_label(enum, row[key], locale, config)
        return Sheet(report.title(locale), columns, rows, locale)
    if what in LISTS:
        return kind_sheet(snapshot, LISTS[what], locale, personal, config)
    kind = PLURALS.get(what, what)
    if kind in KINDS:
        meant = [f"'{n}' is the {_reports()[n].title('en').lower()} report" for n in (what, f"{kind}s") if n in reports]
        meant += [f"'{kind}-list' every {KINDS[kind].en.lower()} record", f"'{DATA}' every record for re-import"]
        raise UnknownExport(f"'{what}' is not an export name: {', '.join(meant)}")
    import difflib

    close = difflib.get_close_matches(what, [*export_names(), DATA], n=3, cutoff=0.6)
    hint = msg(" (did you mean {names}?)", names=" / ".join(repr(c) for c in close)) if close else ""
    raise UnknownExport(msg("nothing to export called '{what}'{hint}; export names: {names}", what=what, hint=hint,
                            names=names_help()))


def _enum_label(enum: str, code: str, locale: str, config: Config) -> str:
    """A report cell's code as a label: enum labels, configured categories and departments, staff names."""
    from svcnotes.model.labels import ENUM_LABELS

    col = 1 if locale.startswith("en") else 0
    if enum == "staff":
        member = config.staff.get(code)
        return member.name if member is not None else code
    table = {"category": config.categories, "department": config.departments}.get(enum) or ENUM_LABELS.get(enum, {})
    pair = table.get(code)
    return pair[col] if pair else code


def kind_sheet(snapshot: Snapshot, kind: str, locale: str, personal: bool = False, config: Config | None = None) -> Sheet:
    """Every record of a kind, one column per field, coded values as labels (nested entries left out;
    personal data only if asked); `svcnotes export data` is the lossless layout."""
    from svcnotes.model.labels import label_for

    schema = KINDS[kind]
    fields = [f for f in schema.fields if f.type != "objects" and (personal or not f.personal)]
    columns = [SheetColumn(f.name, f.label(locale), f.type) for f in fields]
    enums = [f for f in fields if f.type == "enum" or (f.type == "list" and f.item is not None and f.item.type == "enum")]
    rows = []
    for r in snapshot.records[kind]:
        row = dict(r.data)
        for f in enums:
            value = row.get(f.name)
            if isinstance(value, list):
                row[f.name] = [label_for(kind, f.item or f, v, locale, config) for v in value]
            elif value is not None:
                row[f.name] = label_for(kind, f, value, locale, config)
        rows.append(row)
    return Sheet(schema.label(locale), columns, rows, locale)


def _text(value: Any, locale: str) -> str:
    """A value as the text a CSV cell holds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = _YES["en" if locale.startswith("en") else "zh"]
        return yes if value else no
    if isinstance(value, (Decimal, date)):
        return render_scalar(value)
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v, locale) for v in value)
    if callable(value) and hasattr(value, "zh"):  # reports' bilingual Text
        return str(value(locale))
    return str(value)


def to_csv(sheet: Sheet) -> bytes:
    """The sheet as CSV: UTF-8 with a BOM (so Excel reads Chinese), CRLF line ends, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_inert(_text(row.get(c.key), sheet.locale)) for c in sheet.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_NUMBER_TEXT = re.compile(r"[+-]?(\d[\d,]*)?\.?\d+([eE][+-]?\d+)?\Z")


def _inert(text: str) -> str:
    """Text Excel would run as a formula (=, +, -, @ first; customers' words can start so) gets a
    leading apostrophe, Excel's own mark for 'this is text'; numbers such as -5 are left alone."""
    if text[:1] in ("=", "+", "-", "@") and not _NUMBER_TEXT.match(text):
        return "'" + text
    return text


def _xlsx_value(value: Any, column: SheetColumn, locale: str) -> Any:
    """A value as an Excel cell value: numbers, dates and booleans stay typed; the rest is text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and column.type in ("int", "count") else float(value)
    if isinstance(value, (date, datetime)):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", _text(value, locale))  # a report for reading: drop what Excel refuses


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return cleaned[:31] or "Sheet1"


def to_xlsx(sheet: Sheet) -> bytes:
    """The sheet as an .xlsx workbook: bold frozen header, autofilter, typed cells with number formats,
    sensible widths, and print set-up (landscape A4, fit to width, header repeated on every page)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = _sheet_title(sheet.title)
    ws.append([c.header for c in sheet.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    if sheet.rows:
        ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=max(1, len(sheet.columns))).column_letter}{len(sheet.rows) + 1}"
    _print_setup(ws)
    widths = [max(8, display_width(c.header)) for c in sheet.columns]
    for row in sheet.rows:
        values = [_xlsx_value(row.get(c.key), c, sheet.locale) for c in sheet.columns]
        ws.append(values)
        for i, value in enumerate(values):
            if isinstance(value, str):
                ws.cell(row=ws.max_row, column=i + 1).data_type = "s"  # '=...' stays text, never a formula
                widths[i] = max(widths[i], min(display_width(value), 60))
    for i, column in enumerate(sheet.columns, start=1):
        fmt = _NUMBER_FORMATS.get(column.type)
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths[i - 1] + 2 if column.type not in ("date", "datetime") else 18
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            if isinstance(cell.value, datetime):
                cell.number_format = _NUMBER_FORMATS["datetime"]
            elif isinstance(cell.value, date):
                cell.number_format = _NUMBER_FORMATS["date"]
            elif fmt and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = fmt
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _print_setup(ws: Any) -> None:
    """Landscape A4, every column on one page width, the header row repeated on each printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def write_file(path: Path, data: bytes) -> None:
    """Write an export atomically (temporary file, then rename): Excel never opens half a file."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

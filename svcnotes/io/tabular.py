"""Read .csv and .xlsx files into rows, reporting malformed rows instead of failing.

CSV bytes are decoded by a fixed strategy (UTF-16 BOM, then strict UTF-8 with or without BOM,
then strict GB18030, then charset-normalizer, then Latin-1 which never fails); line endings may
be LF, CRLF, CR or mixed; quoted fields may span lines. Preamble junk above the header (such as
`unzip` output) is skipped. Every value is trimmed of surrounding whitespace and loses stray
byte-order marks and zero-width characters (`clean_cell`); each row also keeps its cells exactly
as the file has them (`Row.raw`), for the rejects file.

A row's number is the line of the file where the record starts (CSV) or the sheet row (XLSX), so
a person can find it in an editor or in Excel.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from svcnotes.io.values import Cell

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_SCAN = 30  # records looked at to find the header
csv.field_size_limit(16 * 1024 * 1024)  # long narratives (the CFPB sample has 21,928 chars)


@dataclass(frozen=True)
class Row:
    """One data row: header -> cell, where it starts in the source, and its cells as in the file."""

    number: int
    values: dict[str, Cell]
    raw: tuple[str, ...] = ()


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be read as a record (missing or extra fields, broken quoting)."""

    number: int
    reason: str
    cells: tuple[str, ...] = ()


@dataclass
class Table:
    """The rows of one file or sheet, with what was skipped and how it was decoded."""

    source: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    encoding: str = ""
    header_row: int = 1
    skipped_lines: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Data rows in the file: the readable ones plus the bad ones (blank lines excluded)."""
        return len(self.rows) + len(self.bad_rows)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode file bytes; returns (text, encoding used). `encoding` overrides detection."""
    if encoding:
        codecs.lookup(encoding)  # LookupError for an unknown name is the caller's to report
        return data.decode(encoding, errors="replace").lstrip("\ufeff"), encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    for candidate in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate == "utf-8-sig":
            candidate = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        return text, candidate
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Comma unless the first lines clearly use tabs or semicolons (Excel 'Unicode text' is tabbed)."""
    head = "\n".join(text.splitlines()[:5])
    counts = {d: head.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _lines(text: str) -> Iterator[str]:
    for m in _LINE.finditer(text):
        yield m.group(0)


# Characters nobody types on purpose: byte-order marks anywhere (files glued together keep
# theirs), and zero-width or direction marks at either end of a cell.
_EDGE_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\u202a\u202b\u202c\u202d\u202e\u00ad"


def clean_cell(cell: str) -> str:
    """A cell as imported: line ends as LF, U+FEFF removed, whitespace and invisible marks trimmed,
    and the apostrophe svcnotes' exports put before text starting with = + - @ taken off again."""
    text = cell.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = text.strip().strip(_EDGE_INVISIBLE).strip()
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


_clean = clean_cell


def _headers(cells: list[str], table: Table) -> list[str]:
    """Trimmed header names; blanks become col<N>, repeats get .2, .3 (each noted)."""
    names: list[str] = []
    for n, cell in enumerate(cells, 1):
        name = _clean(cell) or f"col{n}"
        if name in names:
            k = 2
            while f"{name}.{k}" in names:
                k += 1
            table.notes.append(f"column {n}: header '{name}' repeats; read as '{name}.{k}'")
            name = f"{name}.{k}"
        names.append(name)
    return names


def _width(cells: list[str]) -> int:
    """Cells up to the last non-empty one (a trailing comma on one line is not another column)."""
    n = len(cells)
    while n and not cells[n - 1].strip():
        n -= 1
    return n


def _find_header(records: list[tuple[int, list[str]]], header_row: int | None, expect: Iterable[str | tuple[str, ...]] = ()) -> int:
    """Index of the header record: given as a line number, else the first holding most of the
    `expect`ed columns (each a name, or a tuple of names it goes by), else the first of the usual width."""
    if header_row is not None:
        for i, (line, _) in enumerate(records):
            if line >= header_row:
                return i
        return 0
    groups = [{clean_cell(n) for n in ((e,) if isinstance(e, str) else e)} for e in expect]
    if groups:
        for i, (_, cells) in enumerate(records):
            have = {clean_cell(c) for c in cells}
            if sum(1 for g in groups if g & have) * 2 >= len(groups):
                return i
    widths = Counter(_width(cells) for _, cells in records if any(c.strip() for c in cells))
    if not widths:
        return 0
    usual = widths.most_common(1)[0][0]
    for i, (_, cells) in enumerate(records):
        if _width(cells) == usual and sum(1 for c in cells if c.strip()) >= min(2, usual):
            return i
    return 0


def read_csv_text(text: str, source: str = "<text>", header_row: int | None = None, delimiter: str | None = None,
                  expect: Iterable[str | tuple[str, ...]] = ()) -> Table:
    """Parse CSV text into a Table; `header_row` is the header's line number (auto when None: the
    line with most of the `expect`ed column names, else the first of the usual width)."""
    table = Table(source, [])
    lines = _lines(text)
    consumed = 0

    def counted() -> Iterator[str]:
        nonlocal consumed
        for line in lines:
            consumed += 1
            yield line

    reader = csv.reader(counted(), delimiter=delimiter or sniff_delimiter(text), strict=False)
    records: list[tuple[int, list[str]]] = []
    start = 1
    error = ""
    while True:
        start = consumed + 1
        try:
            records.append((start, next(reader)))
        except StopIteration:
            break
        except csv.Error as exc:  # only an unterminated quote at the end of the file gets here
            error = f"broken quoting from here to the end of the file ({exc})"
            break
    if not records:
        table.notes.append("the file is empty")
        return table
    at = _find_header(records[:_SCAN], header_row, expect)
    table.header_row = records[at][0]
    table.skipped_lines = table.header_row - 1
    if at:
        table.notes.append(f"skipped {at} line(s) above the header on line {table.header_row}")
    head = records[at][1]
    table.headers = _headers(head[:max(_width(head), 1)], table)
    width = len(table.headers)
    for number, cells in records[at + 1:]:
        if not cells or not any(c.strip() for c in cells):
            continue  # blank line
        cleaned = [_clean(c) for c in cells]
        if len(cleaned) > width and not any(cleaned[width:]):
            cleaned, cells = cleaned[:width], cells[:width]  # trailing empty cells, as Excel writes them
        if len(cleaned) < width:
            table.bad_rows.append(BadRow(number, f"missing fields: {len(cleaned)} of {width} columns", tuple(cells)))
        elif len(cleaned) > width:
            table.bad_rows.append(BadRow(number, f"extra fields: {len(cleaned)} cells for {width} columns", tuple(cells)))
        else:
            table.rows.append(Row(number, dict(zip(table.headers, cleaned, strict=False)), tuple(cells)))
    if error:
        table.bad_rows.append(BadRow(start, error))
    return table


def _xlsx_cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 482028 as 482028.0
    return clean_cell(str(value))


def _xlsx_raw(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)


def read_xlsx(path: Path, sheet: str | None = None, header_row: int | None = None, expect: Iterable[str | tuple[str, ...]] = ()) -> Table:
    """Read one sheet (the first unless named) of an .xlsx workbook; date cells stay datetimes."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        raws: dict[int, tuple[object, ...]] = {}
        records = []
        for n, values in enumerate(ws.iter_rows(values_only=True), 1):
            raws[n] = values
            records.append((n, [_xlsx_cell(v) for v in values]))
    finally:
        book.close()
    table = Table(path.name, [], encoding="xlsx")
    while records and not any(c != "" for c in records[-1][1]):
        records.pop()
    # read-only sheets pad rows to the sheet's width: drop columns empty in every row
    width = max((max((i + 1 for i, c in enumerate(cells) if c != ""), default=0) for _, cells in records), default=0)
    text_records = [(n, [c if isinstance(c, str) else "x" for c in cells[:width]]) for n, cells in records]
    if not records:
        table.notes.append("the sheet is empty")
        return table
    at = _find_header(text_records[:_SCAN], header_row, expect)
    table.header_row = records[at][0]
    table.skipped_lines = table.header_row - 1
    table.headers = _headers([str(c) if not isinstance(c, str) else c for c in records[at][1][:width]], table)
    hw = len(table.headers)
    for number, cells in records[at + 1:]:
        cells = cells[:width]
        if not any(c != "" for c in cells):
            continue
        if any(c != "" for c in cells[hw:]):
            table.bad_rows.append(BadRow(number, f"extra fields: cells beyond the {hw} headed columns",
                                         tuple(_xlsx_raw(v) for v in raws[number][:width])))
            continue
        cells = cells + [""] * (hw - len(cells))
        raw = tuple(_xlsx_raw(v) for v in raws[number][:hw])
        table.rows.append(Row(number, dict(zip(table.headers, cells[:hw], strict=False)), raw))
    return table


def read_table(path: str | Path, encoding: str | None = None, sheet: str | None = None,
               header_row: int | None = None, delimiter: str | None = None, expect: Iterable[str | tuple[str, ...]] = ()) -> Table:
    """Read a .csv (any other suffix is read as CSV too) or .xlsx file into a Table."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet, header_row, expect)
    text, used = decode(path.read_bytes(), encoding)
    table = read_csv_text(text, path.name, header_row, delimiter, expect)
    table.encoding = used
    return table

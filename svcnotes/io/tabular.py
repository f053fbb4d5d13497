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
import itertools
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


def _headers(cells: list[str], notes: list[str]) -> list[str]:
    """Trimmed header names; blanks become col<N>, repeats get .2, .3 (each noted)."""
    names: list[str] = []
    for n, cell in enumerate(cells, 1):
        name = _clean(cell) or f"col{n}"
        if name in names:
            k = 2
            while f"{name}.{k}" in names:
                k += 1
            notes.append(f"column {n}: header '{name}' repeats; read as '{name}.{k}'")
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


@dataclass
class TableStream:
    """A table read as it is iterated: the header and encoding are known at once, then the rows
    (Row) and unreadable rows (BadRow) come in file order, one at a time, so memory does not grow
    with the file. `estimate` is an upper bound of the data rows (for progress); `notes` may grow
    while iterating (a broken quote at the end). Iterate once."""

    source: str
    headers: list[str]
    items: Iterator[Row | BadRow]
    encoding: str = ""
    header_row: int = 1
    skipped_lines: int = 0
    notes: list[str] = field(default_factory=list)
    estimate: int = 0

    def __iter__(self) -> Iterator[Row | BadRow]:
        return self.items

    def collect(self) -> Table:
        """Every row read into a Table (the whole file in memory: for small files and tests)."""
        table = Table(self.source, self.headers, encoding=self.encoding, header_row=self.header_row,
                      skipped_lines=self.skipped_lines, notes=self.notes)
        for item in self.items:
            (table.rows if isinstance(item, Row) else table.bad_rows).append(item)  # type: ignore[arg-type]
        return table


def _csv_stream(lines: Iterator[str], source: str, header_row: int | None = None, delimiter: str | None = None,
                expect: Iterable[str | tuple[str, ...]] = ()) -> TableStream:
    """Parse CSV lines (each with its line end) as a TableStream: the first records are looked at
    for the header (auto when `header_row` is None: the line with most of the `expect`ed column
    names, else the first of the usual width), the rest are parsed as they are iterated."""
    head_lines: list[str] = []
    for line in lines:
        head_lines.append(line)
        if len(head_lines) >= 5:
            break
    sep = delimiter or sniff_delimiter("".join(head_lines))
    consumed = 0

    def counted() -> Iterator[str]:
        nonlocal consumed
        for line in itertools.chain(head_lines, lines):
            consumed += 1
            yield line

    reader = csv.reader(counted(), delimiter=sep, strict=False)
    state = {"start": 1, "error": ""}

    def records() -> Iterator[tuple[int, list[str]]]:
        while True:
            state["start"] = consumed + 1
            try:
                yield state["start"], next(reader)  # type: ignore[misc]
            except StopIteration:
                return
            except csv.Error as exc:  # only an unterminated quote at the end of the file gets here
                state["error"] = f"broken quoting from here to the end of the file ({exc})"
                return

    found = records()
    scanned = list(itertools.islice(found, _SCAN))
    stream = TableStream(source, [], iter(()))
    if not scanned:
        stream.notes.append("the file is empty")
        return stream
    at = _find_header(scanned, header_row, expect)
    if header_row is not None and scanned[at][0] < header_row:  # the header is further down than the scan
        for number, cells in found:
            scanned.append((number, cells))
            if number >= header_row:
                break
        at = len(scanned) - 1
    stream.header_row = scanned[at][0]
    stream.skipped_lines = stream.header_row - 1
    if at:
        stream.notes.append(f"skipped {at} line(s) above the header on line {stream.header_row}")
    head = scanned[at][1]
    headers = _headers(head[:max(_width(head), 1)], stream.notes)
    stream.headers = headers
    width = len(headers)

    def rows() -> Iterator[Row | BadRow]:
        for number, cells in itertools.chain(scanned[at + 1:], found):
            if not cells or not any(c.strip() for c in cells):
                continue  # blank line
            cleaned = [_clean(c) for c in cells]
            if len(cleaned) > width and not any(cleaned[width:]):
                cleaned, cells = cleaned[:width], cells[:width]  # trailing empty cells, as Excel writes them
            if len(cleaned) < width:
                yield BadRow(number, f"missing fields: {len(cleaned)} of {width} columns", tuple(cells))
            elif len(cleaned) > width:
                yield BadRow(number, f"extra fields: {len(cleaned)} cells for {width} columns", tuple(cells))
            else:
                yield Row(number, dict(zip(headers, cleaned, strict=False)), tuple(cells))
        if state["error"]:
            yield BadRow(state["start"], state["error"])  # type: ignore[arg-type]

    stream.items = rows()
    return stream


def read_csv_text(text: str, source: str = "<text>", header_row: int | None = None, delimiter: str | None = None,
                  expect: Iterable[str | tuple[str, ...]] = ()) -> Table:
    """Parse CSV text into a Table; `header_row` is the header's line number (auto when None: the
    line with most of the `expect`ed column names, else the first of the usual width)."""
    stream = _csv_stream(_lines(text), source, header_row, delimiter, expect)
    if not stream.headers:
        return Table(source, [], notes=stream.notes)
    return stream.collect()


_CHUNK = 1 << 20


def detect_encoding(path: Path, encoding: str | None = None) -> tuple[str, str, int]:
    """How to read a CSV file as text, by the same strategy as `decode`, without holding the file:
    (codec to open it with, encoding to report, line count as an upper bound of its rows).

    One pass over the bytes in chunks: UTF-16 by its BOM, else strict UTF-8 (with or without BOM),
    else strict GB18030, else charset-normalizer on the first megabytes, else Latin-1. A UTF-16 or
    a given encoding is decoded leniently (bad bytes become U+FFFD, as `decode` does)."""
    if encoding:
        codecs.lookup(encoding)  # LookupError for an unknown name is the caller's to report
    with open(path, "rb") as handle:
        first = handle.read(4 * _CHUNK)
    utf16 = first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    lines, valid = _scan(path, None if encoding or utf16 else "utf-8-sig")
    if encoding:
        return encoding, encoding, lines
    if utf16:
        return "utf-16", "utf-16", lines
    if valid:
        return "utf-8-sig", ("utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"), lines
    if _scan(path, "gb18030")[1]:
        return "gb18030", "gb18030", lines
    from charset_normalizer import from_bytes

    best = from_bytes(first).best()
    if best is not None:
        return best.encoding, best.encoding, lines
    return "latin-1", "latin-1", lines


def _scan(path: Path, codec: str | None) -> tuple[int, bool]:
    """(line count, whether the whole file decodes strictly with `codec`), reading it in chunks."""
    decoder = codecs.getincrementaldecoder(codec)() if codec else None
    lines = 0
    valid = decoder is not None
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            lines += chunk.count(b"\n") or chunk.count(b"\r")
            if decoder is not None:
                try:
                    decoder.decode(chunk, not chunk)
                except UnicodeDecodeError:
                    decoder, valid = None, False
            if not chunk:
                return lines, valid


def _text_lines(path: Path, codec: str) -> Iterator[str]:
    """The file's lines with their line ends (LF, CRLF, CR or mixed), decoded as they are read;
    a BOM at the very start is dropped."""
    with open(path, encoding=codec, errors="replace", newline="") as handle:
        for n, line in enumerate(handle):
            yield line.lstrip("\ufeff") if n == 0 else line


def open_csv(path: Path, encoding: str | None = None, header_row: int | None = None, delimiter: str | None = None,
             expect: Iterable[str | tuple[str, ...]] = ()) -> TableStream:
    """A CSV file as a TableStream (see `detect_encoding` for how it is decoded)."""
    codec, used, lines = detect_encoding(path, encoding)
    stream = _csv_stream(_text_lines(path, codec), path.name, header_row, delimiter, expect)
    stream.encoding = used
    stream.estimate = max(0, lines - stream.header_row) if stream.headers else 0
    return stream


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


def open_xlsx(path: Path, sheet: str | None = None, header_row: int | None = None,
              expect: Iterable[str | tuple[str, ...]] = ()) -> TableStream:
    """One sheet (the first unless named) of an .xlsx workbook as a TableStream, read row by row
    (openpyxl's read-only mode); date cells stay datetimes.

    Read-only sheets pad rows to the sheet's width, so the columns are those non-empty in the
    header or the rows near it (the first 30); a later row with cells beyond them is a bad row."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        dims = ws.max_row if isinstance(ws.max_row, int) else 0
        values_rows = enumerate(ws.iter_rows(values_only=True), 1)
        scanned = []
        for n, values in values_rows:
            cells = [_xlsx_cell(v) for v in values]
            if any(c != "" for c in cells):
                scanned.append((n, cells, values))
            if len(scanned) >= _SCAN and (header_row is None or n >= header_row):
                break
    except BaseException:
        book.close()
        raise
    stream = TableStream(path.name, [], iter(()), encoding="xlsx")
    if not scanned:
        book.close()
        stream.notes.append("the sheet is empty")
        return stream
    width = max(max((i + 1 for i, c in enumerate(cells) if c != ""), default=0) for _, cells, _ in scanned)
    text_records = [(n, [c if isinstance(c, str) else "x" for c in cells[:width]]) for n, cells, _ in scanned]
    at = _find_header(text_records, header_row, expect)
    stream.header_row = scanned[at][0]
    stream.skipped_lines = stream.header_row - 1
    headers = _headers([str(c) if not isinstance(c, str) else c for c in scanned[at][1][:width]], stream.notes)
    stream.headers = headers
    stream.estimate = max(0, dims - stream.header_row)
    hw = len(headers)

    def rows() -> Iterator[Row | BadRow]:
        try:
            rest = ((n, [_xlsx_cell(v) for v in values], values) for n, values in values_rows)
            for number, cells, values in itertools.chain(scanned[at + 1:], rest):
                if not any(c != "" for c in cells):
                    continue
                if any(c != "" for c in cells[hw:]):
                    last = max(i + 1 for i, c in enumerate(cells) if c != "")
                    yield BadRow(number, f"extra fields: cells beyond the {hw} headed columns",
                                 tuple(_xlsx_raw(v) for v in values[:last]))
                    continue
                cells = cells[:hw] + [""] * (hw - len(cells))
                raw = tuple(_xlsx_raw(v) for v in values[:hw])
                yield Row(number, dict(zip(headers, cells, strict=False)), raw)
        finally:
            book.close()

    stream.items = rows()
    return stream


def read_xlsx(path: Path, sheet: str | None = None, header_row: int | None = None, expect: Iterable[str | tuple[str, ...]] = ()) -> Table:
    """Read one sheet (the first unless named) of an .xlsx workbook; date cells stay datetimes."""
    return open_xlsx(path, sheet, header_row, expect).collect()


def open_table(path: str | Path, encoding: str | None = None, sheet: str | None = None,
               header_row: int | None = None, delimiter: str | None = None,
               expect: Iterable[str | tuple[str, ...]] = ()) -> TableStream:
    """A .csv (any other suffix is read as CSV too) or .xlsx file as a TableStream: rows are read
    as they are iterated, so memory does not grow with the file."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return open_xlsx(path, sheet, header_row, expect)
    return open_csv(path, encoding, header_row, delimiter, expect)


def read_table(path: str | Path, encoding: str | None = None, sheet: str | None = None,
               header_row: int | None = None, delimiter: str | None = None, expect: Iterable[str | tuple[str, ...]] = ()) -> Table:
    """Read a .csv (any other suffix is read as CSV too) or .xlsx file into a Table (whole)."""
    stream = open_table(path, encoding, sheet, header_row, delimiter, expect)
    if not stream.headers:
        return Table(stream.source, [], encoding=stream.encoding, notes=stream.notes)
    return stream.collect()

"""The lossless data layout: every record of every kind as tables, for export -> edit -> import by id.

    tables = data_tables(snapshot, config, head="3f2a...")
    write_data_xlsx(tables, Path("data.xlsx"))        # or write_data_csv(tables, Path("data/"))
    dataset = read_data(Path("data.xlsx"), config)    # rows typed back into (kind, id, data, body)

One table (sheet, or CSV file in a folder) per kind and one per nested list of entries:

    customers  complaints  callbacks  notes          one row per record: id, every field (codes), body
    customers.contacts  complaints.approvals  ...    one row per entry: record (the id), the entry's fields
    _svcnotes                                        one row per record: kind, id, path, digest, fingerprint

Headers are the field names (what the records and `svcnotes schema` use), values are codes, not
labels; a list is one item per line of its cell. `_svcnotes` (a hidden sheet) remembers what each
record was at the export: the file's content digest (has git changed it since?) and a fingerprint
of the row as exported (did the spreadsheet change it?). Excel may retype cells (text to numbers,
dates to date cells); reading accepts that, so a re-saved workbook reads back the same records.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from svcnotes.io.values import Cell, parse_bool, parse_date, parse_datetime, parse_decimal, parse_int
from svcnotes.model.config import Config
from svcnotes.model.fields import CoercionError, Field, render_scalar
from svcnotes.model.labels import code_for_label
from svcnotes.model.message import joined, label, msg
from svcnotes.model.schema import KINDS, Kind
from svcnotes.store.writer import render_new

FORMAT = "svcnotes-data 1"
META = "_svcnotes"
BODY = "body"
RECORD = "record"
SHEETS = {"customer": "customers", "complaint": "complaints", "callback": "callbacks", "note": "notes"}
KIND_OF_SHEET = {v: k for k, v in SHEETS.items()}
META_COLUMNS = ["kind", "id", "path", "digest", "fingerprint"]
XLSX_TEXT_MAX = 32767  # Excel's limit for one cell


class DataError(Exception):
    """The file is not a data export svcnotes can read back (no tables, bad headers); carries the reason."""


@dataclass
class Table:
    """One table of the layout: name, column names and rows of typed values (None = empty cell)."""

    name: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DataRow:
    """One record as read back: where it came from in the file, and its typed data and body."""

    kind: str
    id: str
    data: dict[str, Any]
    body: str
    where: str


@dataclass(frozen=True)
class Rejected:
    """A row that cannot become a record, and why."""

    where: str
    reason: str


@dataclass
class DataSet:
    """What a data export held: records per kind (file order), the export's metadata, rejected rows."""

    source: str
    rows: list[DataRow] = field(default_factory=list)
    meta: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)


def nested_fields(kind: Kind) -> list[Field]:
    """The fields of a kind holding lists of entries (each gets its own table)."""
    return [f for f in kind.fields if f.type == "objects"]


def fingerprint(kind: str, data: dict[str, Any], body: str) -> str:
    """A hash of a record's canonical text: equal fingerprints mean equal records."""
    text = render_new(KINDS[kind], {k: v for k, v in data.items()}, body)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _extras(records: Iterable[Any], known: Iterable[str]) -> list[str]:
    """Keys outside the schema (x_ extension fields), in first-seen order."""
    names = set(known)
    out: dict[str, None] = {}
    for data in records:
        for key in data:
            if key not in names:
                out[key] = None
    return list(out)


def _raw(value: Any) -> Any:
    """A value outside the schema as a cell: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def data_tables(snapshot: Any, head: str = "") -> list[Table]:
    """Every record as tables of the layout (see the module docstring), the metadata table last."""
    tables: list[Table] = []
    meta = Table(META, META_COLUMNS)
    meta.rows.append(["format", FORMAT, "", "", ""])
    if head:
        meta.rows.append(["commit", head, "", "", ""])
    for kind_name, sheet in SHEETS.items():
        kind = KINDS[kind_name]
        records = list(snapshot.records[kind_name])
        flat = [f for f in kind.fields if f.type != "objects"]
        extras = _extras((r.data for r in records), (f.name for f in kind.fields))
        main = Table(sheet, [f.name for f in flat] + extras + [BODY], types={f.name: f.type for f in flat})
        for r in records:
            row = [_cell(f, r.data.get(f.name)) for f in flat]
            row += [_raw(r.data[k]) if k in r.data else None for k in extras]
            main.rows.append(row + [r.body or None])
            meta.rows.append([kind_name, r.id, r.path, r.digest, fingerprint(kind_name, dict(r.data), r.body)])
        tables.append(main)
        for nested in nested_fields(kind):
            entries = [(r.id, e) for r in records for e in r.data.get(nested.name) or () if isinstance(e, dict)]
            sub_extras = _extras((e for _, e in entries), nested.sub)
            sub = Table(f"{sheet}.{nested.name}", [RECORD] + [s.name for s in nested.fields] + sub_extras,
                        types={s.name: s.type for s in nested.fields})
            for rid, entry in entries:
                sub.rows.append([rid] + [_cell(s, entry.get(s.name)) for s in nested.fields]
                                + [_raw(entry[k]) if k in entry else None for k in sub_extras])
            tables.append(sub)
    tables.append(meta)
    return tables


def _cell(f: Field, value: Any) -> Any:
    """A typed value as the cell the layout writes (lists one item per line)."""
    if value is None:
        return None
    if f.type == "list":
        return "\n".join(render_scalar(v) for v in value) if value else None
    return value


# -- writing ---------------------------------------------------------------------------------------

def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else render_scalar(value)


def write_data_csv(tables: list[Table], folder: Path) -> list[Path]:
    """One UTF-8 (with BOM) CSV file per table in `folder`; cells keep every character (newlines too)."""
    from svcnotes.io.export import write_file

    written = []
    for table in tables:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([_csv_text(v) for v in row])
        path = folder / f"{table.name}.csv"
        write_file(path, ("\ufeff" + out.getvalue()).encode("utf-8"))
        written.append(path)
    return written


def _xlsx_value(value: Any) -> Any:
    """A cell value openpyxl keeps exactly: decimals as numbers only when the number reads back the same."""
    if isinstance(value, Decimal):
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value and abs(as_float) < 1e15 else render_scalar(value)
    return value


def to_data_xlsx(tables: list[Table]) -> bytes:
    """The tables as one workbook: bold frozen header, autofilter, typed cells; `_svcnotes` hidden."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        ws = book.create_sheet(table.name)
        ws.append(table.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([_xlsx_value(v) for v in row])
        for col, name in enumerate(table.columns, start=1):
            kind = table.types.get(name)
            letter = get_column_letter(col)
            ws.column_dimensions[letter].width = 18 if kind in ("date", "datetime") else min(40, max(10, len(name) + 2))
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                value = cell.value
                if isinstance(value, str):
                    cell.data_type = "s"  # text that starts with '=' stays text, never a formula
                elif kind == "datetime":
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif kind == "date":
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
        if table.rows:
            ws.auto_filter.ref = ws.dimensions
        if table.name == META:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def unwritable(tables: list[Table]) -> list[str]:
    """Cells an .xlsx cannot hold exactly: longer than 32,767 characters, or with control characters
    (other than tab and newline) or carriage returns; 'table row N column: why' for each."""
    import re

    control = re.compile(r"[\x00-\x08\x0b-\x1f]")  # \r included: XML turns it into \n
    out = []
    for t in tables:
        for n, row in enumerate(t.rows, 2):
            for i, v in enumerate(row):
                if not isinstance(v, str):
                    continue
                if len(v) > XLSX_TEXT_MAX:
                    out.append(f"{t.name} row {n} {t.columns[i]}: longer than Excel keeps (32,767 characters)")
                elif control.search(v):
                    out.append(f"{t.name} row {n} {t.columns[i]}: a control character or carriage return")
    return out


# -- reading ---------------------------------------------------------------------------------------

def is_data_export(path: Path) -> bool:
    """True for a workbook or folder laid out by `svcnotes export data` (it has the _svcnotes table)."""
    if path.is_dir():
        return (path / f"{META}.csv").is_file()
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True)
        except Exception:  # not a workbook at all: the caller reports it as unreadable
            return False
        try:
            return META in book.sheetnames
        finally:
            book.close()
    return False


def _tables_xlsx(path: Path) -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


def _tables_csv(folder: Path) -> dict[str, list[list[Any]]]:
    out = {}
    for path in sorted(folder.glob("*.csv")):
        text = path.read_bytes().decode("utf-8-sig")
        out[path.stem] = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return render_scalar(value)
    return str(value)


class _Reader:
    """Types one cell per its field, accepting what Excel makes of a cell (and labels for codes)."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def value(self, f: Field, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if f.type == "list":
            text = _text(raw)
            parts = text.split("\n") if "\n" in text or f.item is None or f.item.type != "enum" else \
                [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",")]
            items = [self.value(f.item, p) if f.item else p for p in parts if p != ""]
            return [i for i in items if i is not None] or None
        t = f.type
        if t in ("id", "str", "text", "ref"):
            return _text(raw)
        if t == "enum":
            text = _text(raw).strip()
            allowed = self.config.choices(f.choices_from) if f.choices_from else f.choices
            if text in allowed:
                return text
            code = code_for_label(f, text, self.config)
            if code is None:
                from svcnotes.model.problems import did_you_mean

                raise CoercionError(msg("'{text}' is not a valid {name}", text=text, name=label(f.name, f.zh)),
                                    did_you_mean(text, allowed))
            return code
        if t == "bool":
            return raw if isinstance(raw, bool) else parse_bool(_text(raw))
        if t == "int":
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                if float(raw) != int(raw):
                    raise CoercionError(msg("'{raw}' is not a whole number", raw=raw))
                return int(raw)
            return parse_int(_text(raw))
        if t == "decimal":
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                return Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
            try:
                return Decimal(_text(raw).strip())
            except InvalidOperation:
                return parse_decimal(_text(raw))
        if t == "date":
            return raw.date() if isinstance(raw, datetime) else raw if isinstance(raw, date) else parse_date(_cell_in(raw))
        if t == "datetime":
            return raw.replace(second=0, microsecond=0) if isinstance(raw, datetime) else parse_datetime(_cell_in(raw))
        return _text(raw)


def _cell_in(raw: Any) -> Cell:
    return raw if isinstance(raw, (datetime, date)) else _text(raw).strip()


def _extra(raw: Any) -> Any:
    text = _text(raw)
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _rows(table: list[list[Any]]) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    if not table:
        return [], []
    headers = [_text(h).strip().lstrip("\ufeff") for h in table[0]]
    rows = []
    for n, cells in enumerate(table[1:], 2):
        if not any(c not in (None, "") for c in cells):
            continue
        rows.append((n, {h: c for h, c in zip(headers, cells, strict=False) if h}))
    return headers, rows


def read_data(path: Path, config: Config) -> DataSet:
    """Read a data export (workbook or folder of CSVs) back into typed records; bad rows are rejected."""
    tables = _tables_csv(path) if path.is_dir() else _tables_xlsx(path)
    if not any(name in tables for name in KIND_OF_SHEET):
        raise DataError(msg("no record tables ({tables}) in {file}", tables=", ".join(SHEETS.values()), file=path.name))
    out = DataSet(path.name)
    reader = _Reader(config)
    _, meta_rows = _rows(tables.get(META, []))
    for _, row in meta_rows:
        name, rid = _text(row.get("kind")), _text(row.get("id"))
        if name in KINDS:
            out.meta[(name, rid)] = {k: _text(row.get(k)) for k in META_COLUMNS}
        elif name:
            out.info[name] = rid
    for kind_name, sheet in SHEETS.items():
        if sheet not in tables:
            continue
        kind = KINDS[kind_name]
        headers, rows = _rows(tables[sheet])
        nested: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for nf in nested_fields(kind):
            name = f"{sheet}.{nf.name}"
            _, sub_rows = _rows(tables.get(name, []))
            for n, row in sub_rows:
                rid = _text(row.get(RECORD)).strip()
                entry, errors = _typed(reader, nf.sub, row, exclude={RECORD})
                if errors or not rid:
                    out.rejected.append(Rejected(msg("{table} row {row}", table=name, row=n),
                                                 joined(errors, "; ") if errors else msg("the record column is empty")))
                    rid = f"\0{rid}"  # the record it belongs to is rejected too (below)
                nested.setdefault(nf.name, {}).setdefault(rid, []).append(entry)
        ids_seen: set[str] = set()
        for n, row in rows:
            where = msg("{table} row {row}", table=sheet, row=n)
            data, errors = _typed(reader, kind.by_name, row, exclude={BODY}, nested=True)
            rid = str(data.get("id") or "")
            for nf in nested_fields(kind):
                entries = nested.get(nf.name, {})
                if f"\0{rid}" in entries:
                    errors.append(msg("a row of {table} for it was rejected", table=sheet + "." + nf.name))
                if entries.get(rid):
                    data[nf.name] = entries.pop(rid)
            if rid and rid in ids_seen:
                errors.append(msg("id {id} repeats an earlier row", id=rid))
            body = _text(row.get(BODY)) if row.get(BODY) is not None else ""
            if errors:
                out.rejected.append(Rejected(where, joined(errors, "; ")))
                continue
            ids_seen.add(rid)
            ordered = {f.name: data[f.name] for f in kind.fields if f.name in data}
            ordered.update({k: v for k, v in data.items() if k not in ordered})
            out.rows.append(DataRow(kind_name, rid, ordered, body, where))
        for nf_name, left in nested.items():
            for rid in left:
                if not rid.startswith("\0"):
                    out.rejected.append(Rejected(f"{sheet}.{nf_name}",
                                                 msg("entries for '{id}', which is not a row of {table}", id=rid, table=sheet)))
    return out


def _typed(reader: _Reader, fields: dict[str, Field], row: dict[str, Any], exclude: set[str],
           nested: bool = False) -> tuple[dict[str, Any], list[str]]:
    data: dict[str, Any] = {}
    errors: list[str] = []
    for name, raw in row.items():
        if name in exclude or raw is None or raw == "":
            continue
        f = fields.get(name)
        if f is None:
            data[name] = _extra(raw)
            continue
        if f.type == "objects":
            continue
        try:
            value = reader.value(f, raw)
        except CoercionError as exc:
            errors.append(msg("{field}: {error} ({hint})", field=name, error=exc.message, hint=exc.hint) if exc.hint
                          else msg("{field}: {error}", field=name, error=exc.message))
            continue
        if value is not None:
            data[name] = value
    entry = {f.name: data[f.name] for f in fields.values() if f.name in data}
    entry.update({k: v for k, v in data.items() if k not in entry})
    return entry, errors

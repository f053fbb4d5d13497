"""Turn source rows into planned records: typed field values, one outcome per row, provenance.

`plan_import` writes nothing. Phase 2 (`svcnotes import`) hands the plan to the store:

    for c in plan.customers: repo.customers.create(c.data)
    for r in plan.records:   repo.complaints.create(r.data, body=r.body)   # ids allocated there

Records come in received order so the store's YYMM serials follow the calendar. Every source row
gets exactly one RowResult (imported, duplicate or rejected), so the summary adds up.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from collections.abc import Mapping as TMapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from svcnotes.io.mapping import BODY, Mapping, check_headers, render_template
from svcnotes.io.tabular import BadRow, Row, Table
from svcnotes.io.values import (
    Cell,
    cell_text,
    is_na,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
    split_list,
)
from svcnotes.model.config import Config
from svcnotes.model.fields import CoercionError, Field
from svcnotes.model.message import joined, label, msg
from svcnotes.model.problems import Problem, Severity, did_you_mean
from svcnotes.model.schema import KINDS

IMPORTED, DUPLICATE, REJECTED = "imported", "duplicate", "rejected"
_TITLE_MAX = 80


@dataclass(frozen=True)
class RowResult:
    """What happened to one source row, and why."""

    row: int
    outcome: str
    key: str = ""
    reason: str = ""
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedRecord:
    """One record to create: typed data in schema order (no id: the store allocates it) and body."""

    row: int
    key: str
    data: dict[str, Any]
    body: str = ""


@dataclass(frozen=True)
class PlannedCustomer:
    """A customer the import creates because no existing customer has this name."""

    id: str
    name: str
    data: dict[str, Any]
    first_row: int


@dataclass
class ImportPlan:
    """The outcome of planning one import: records, new customers, per-row results, problems."""

    kind: str
    source: str
    headers: list[str] = field(default_factory=list)
    records: list[PlannedRecord] = field(default_factory=list)
    customers: list[PlannedCustomer] = field(default_factory=list)
    results: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per outcome; the three always add up to the number of source rows."""
        got = Counter(r.outcome for r in self.results)
        return {o: got.get(o, 0) for o in (IMPORTED, DUPLICATE, REJECTED)}

    def rows(self, outcome: str) -> list[RowResult]:
        """The results with one outcome, in file order."""
        return [r for r in self.results if r.outcome == outcome]

    def summary(self) -> str:
        """One line, e.g. `600 rows: 598 imported, 1 duplicate, 1 rejected; 58 new customers`."""
        c = self.counts()
        new = f"; {len(self.customers)} new customer{'s' * (len(self.customers) != 1)}" if self.customers else ""
        return (f"{self.source}: {len(self.results)} rows: {c[IMPORTED]} imported, {c[DUPLICATE]} duplicate, "
                f"{c[REJECTED]} rejected{new}")

    def rejected_csv(self, outcomes: tuple[str, ...] = (REJECTED,)) -> str:
        """The rejected (or other) rows as CSV text: row, outcome, reason, then the source cells."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["row", "outcome", "reason", *self.headers])
        for r in self.results:
            if r.outcome in outcomes:
                w.writerow([r.row, r.outcome, r.reason, *r.cells])
        return out.getvalue()


def name_key(name: str) -> str:
    """How customer names are compared: NFKC, case-folded, spaces collapsed, end punctuation off."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"\s+", " ", text).strip(" .,;。，")


def customer_slug(name: str) -> str:
    """A stable customer id: the ASCII-folded name (`acme-corp`) or `cust-` and a name hash."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    digest = hashlib.sha1(name_key(name).encode()).hexdigest()
    if folded and len(folded) >= len(name.replace(" ", "")) * 0.9:
        slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:40].strip("-")
        if len(slug) >= 2:
            return slug
    return f"cust-{digest[:6]}"


class _Customers:
    """Matches names to existing customer ids, creating planned customers for the rest."""

    def __init__(self, existing: TMapping[str, str]) -> None:
        self.by_key = {name_key(n): cid for n, cid in existing.items()}
        self.ids = set(existing.values())
        self.existing_ids = frozenset(self.ids)
        self.new: dict[str, PlannedCustomer] = {}

    def resolve(self, name: str, row: int) -> str:
        """The id of the customer `name` refers to: an existing id as it is, else by name, else a new customer."""
        if name in self.existing_ids:
            return name
        key = name_key(name)
        if key in self.by_key:
            return self.by_key[key]
        slug = customer_slug(name)
        if slug in self.ids:  # another name folds to the same slug: make it unique, stably
            slug = f"{slug[:33]}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"
        self.by_key[key] = slug
        self.ids.add(slug)
        self.new[key] = PlannedCustomer(slug, name, {"id": slug, "name": name, "tier": "normal"}, row)
        return slug


def _lookup(vmap: dict[str, str] | None, value: str) -> str:
    """Apply a value map: exact, then case- and width-insensitive, then the "*" catch-all."""
    if not vmap:
        return value
    if vmap.get(value):
        return vmap[value]
    folded = {name_key(k): v for k, v in vmap.items() if v}
    return folded.get(name_key(value)) or vmap.get("*") or value


class _Converter:
    """Coerces one field's mapped source text to its declared type, per the mapping."""

    def __init__(self, mapping: Mapping, config: Config) -> None:
        self.mapping = mapping
        self.config = config

    def choices(self, f: Field) -> tuple[str, ...]:
        return self.config.choices(f.choices_from) if f.choices_from else f.choices

    def scalar(self, f: Field, value: Cell) -> Any:
        t = f.type
        if t in ("date", "datetime"):
            parse = parse_date if t == "date" else parse_datetime
            return parse(value, self.mapping.date_formats)
        text = cell_text(value)
        if t == "str":
            return re.sub(r"\s*\n\s*", " ", text)
        if t in ("text", "ref", "id"):
            return text
        if t == "enum":
            allowed = self.choices(f)
            if text not in allowed:
                from svcnotes.model.labels import code_for_label

                text = code_for_label(f, text, self.config) or text  # a label svcnotes wrote (已结案, Closed)
            if text not in allowed:
                raise CoercionError(msg("'{text}' is not a {name} we know", text=text, name=f.name),
                                    msg("map it under [values.{name}] ({hint})", name=f.name,
                                        hint=did_you_mean(text, allowed)))
            return text
        number: Any = {"int": parse_int, "decimal": parse_decimal, "bool": parse_bool}[t](text)
        if t != "bool" and f.minimum is not None and number < f.minimum:
            raise CoercionError(msg("{text} is below the minimum {minimum:g}", text=text, minimum=f.minimum))
        if t != "bool" and f.maximum is not None and number > f.maximum:
            raise CoercionError(msg("{text} is above the maximum {maximum:g}", text=text, maximum=f.maximum))
        return number

    def field(self, f: Field, values: list[Cell]) -> Any:
        """The typed value of `f` from its non-empty source values (first wins for scalars)."""
        vmap = self.mapping.values.get(f.name)
        if f.type == "list":
            items: list[Any] = []
            for v in values:
                for part in split_list(cell_text(v)):
                    mapped = _lookup(vmap, part)
                    if mapped and not is_na(mapped, self.mapping.na):
                        item = self.scalar(f.item, mapped) if f.item else mapped
                        if item not in items:
                            items.append(item)
            return items or None
        if f.type == "text" and len(values) > 1:
            values = ["\n\n".join(cell_text(v) for v in values)]
        for v in values:
            cell: Cell = _lookup(vmap, v) if isinstance(v, str) else v
            if not is_na(cell, self.mapping.na):
                return self.scalar(f, cell)
        return None


def _cells_of(row: Row, headers: list[str]) -> tuple[str, ...]:
    """The row's cells for the rejects file: as the file has them (untrimmed) when known."""
    return row.raw or tuple(cell_text(row.values.get(h, "")) for h in headers)


class Planner:
    """Plans rows one at a time (see `plan_import`), keeping only an index of what it has seen:
    source keys (duplicates), given ids, customer names (new customers), rejection reasons.

    `row(Row)` and `bad_row(BadRow)` give each row's RowResult and, for an imported row, its
    PlannedRecord; `problems()` at the end gives the plan's problems (header, keys, shared reasons).
    """

    def __init__(self, mapping: Mapping, kind: str | None, headers: list[str], existing_keys: Iterable[str] = (), *,
                 customers: TMapping[str, str] | None = None, config: Config | None = None, source: str = "<rows>",
                 ids: Iterable[str] = ()) -> None:
        self.kind = kind or mapping.kind
        self.schema = KINDS[self.kind]
        self.mapping = mapping
        self.source = source
        self.header_cells = tuple(headers)
        self.renames = mapping.renames(headers)
        self.file_headers = list(headers)  # the rejects file shows the file's own names
        self.headers = [self.renames.get(h, h) for h in headers]  # the mapping's names
        self.head_problems: list[Problem] = []
        if self.kind != mapping.kind:
            self.head_problems.append(Problem("M012", msg("the mapping is for '{kind}', not '{importing}'",
                                                          kind=mapping.kind, importing=self.kind), source,
                                              hint=msg("use a {kind} mapping", kind=self.kind)))
        self.head_problems += check_headers(mapping, self.headers, source)
        self.missing_key = [c for c in mapping.key if c not in self.headers]
        self.namespace = mapping.source or Path(source).stem
        self.seen: dict[str, int] = {}
        self.existing = set(existing_keys)
        self.taken_ids = set(ids) | set((customers or {}).values())
        self.given_ids: set[str] = set()
        self.unkeyed = 0
        self.resolver = _Customers(customers or {})
        self.convert = _Converter(mapping, config or Config())
        self.reasons: Counter[str] = Counter()

    def bad_row(self, bad: BadRow) -> RowResult:
        """The result of a row the reader could not split into the header's columns."""
        return self.rejected(RowResult(bad.number, REJECTED, "", bad.reason, bad.cells))

    def rejected(self, result: RowResult) -> RowResult:
        """Count a rejection's reason (a reason shared by many rows is said once) and pass it on."""
        self.reasons[result.reason] += 1
        return result

    def row(self, row: Row) -> tuple[RowResult, PlannedRecord | None]:
        """What happens to one row: its result, and the record it becomes when imported."""
        headers = self.headers
        if self.renames:
            row = Row(row.number, {self.renames.get(k, k): v for k, v in row.values.items()}, row.raw)
        cells = _cells_of(row, headers)
        if self.missing_key:
            return self.rejected(RowResult(row.number, REJECTED, "", f"key column(s) {', '.join(self.missing_key)} "
                                           "not in the file", cells)), None
        if len(self.header_cells) > 1 and tuple(cell_text(row.values.get(h, "")) for h in headers) == self.header_cells:
            return self.rejected(RowResult(row.number, REJECTED, "", "repeats the header row (files joined together?)",
                                           cells)), None
        key, keyed_by_content = _row_key(row, self.mapping, headers)
        self.unkeyed += keyed_by_content
        key = f"{self.namespace}:{key}"
        if key in self.existing:
            return RowResult(row.number, DUPLICATE, key, "imported before", cells), None
        if key in self.seen:
            return RowResult(row.number, DUPLICATE, key, f"same key as row {self.seen[key]}", cells), None
        kind, schema, resolver = self.kind, self.schema, self.resolver
        data, body, errors = _convert(row, self.mapping, schema.name, self.convert)
        given_id = str(data.get("id") or "")
        if given_id and given_id in self.taken_ids:
            return RowResult(row.number, DUPLICATE, key, f"{given_id} is already in the repository", cells), None
        if given_id and not schema.id_regex.match(given_id):
            errors.append(msg("id: '{id}' is not a {kind} id (like {example})", id=given_id,
                              kind=label(schema.en.lower(), schema.zh), example=schema.by_name['id'].example))
        if not errors and "customer" in schema.by_name and isinstance(data.get("customer"), str):
            data["customer"] = resolver.resolve(data["customer"], row.number)
        if not errors and kind == "customer" and data.get("name") and given_id:
            resolver.by_key.setdefault(name_key(data["name"]), given_id)
            resolver.ids.add(given_id)
        elif not errors and kind == "customer" and data.get("name"):
            if name_key(data["name"]) in resolver.by_key:
                return RowResult(row.number, DUPLICATE, key, f"customer '{resolver.by_key[name_key(data['name'])]}' "
                                 "has this name", cells), None
            data["id"] = resolver.resolve(data["name"], row.number)
            resolver.new.pop(name_key(data["name"]))
        missing = [f.name for f in schema.fields if f.required and f.name != "id" and data.get(f.name) in (None, "", [])]
        if missing:
            errors.append(msg("missing required {fields} (map a column or add [defaults])", fields=", ".join(missing)))
        if errors:
            return self.rejected(RowResult(row.number, REJECTED, key, joined(errors, "; "), cells)), None
        data["imported"] = [{"source": self.source, "row": row.number, "key": key}]
        ordered = {f.name: data[f.name] for f in schema.fields if f.name in data}
        self.seen[key] = row.number
        if given_id:
            self.taken_ids.add(given_id)
            self.given_ids.add(given_id)
        return RowResult(row.number, IMPORTED, key, "", cells), PlannedRecord(row.number, key, ordered, body)

    def customers(self) -> list[PlannedCustomer]:
        """The customers planned so far because no existing customer has their name, by first row."""
        return sorted(self.resolver.new.values(), key=lambda c: c.first_row)

    def problems(self) -> list[Problem]:
        """The plan's problems: the mapping against the header, rows keyed by content, shared reasons."""
        out = list(self.head_problems)
        out += shared_reasons(self.reasons, self.source)
        if self.unkeyed:
            out.append(Problem(
                "I004", msg("{unkeyed} row(s) have nothing in the key column(s) {key}: each is keyed by its whole "
                            "content instead (exact copies count as duplicates)",
                            unkeyed=self.unkeyed, key=', '.join(self.mapping.key)), self.source, field="key",
                severity=Severity.WARNING))
        return out

    @property
    def sort_field(self) -> str:
        """The field whose value orders the records (their numbers follow the calendar)."""
        return next((f for f in ("received_at", "due", "since") if f in self.schema.by_name), "")


def sort_key(record: PlannedRecord, field_name: str) -> tuple[datetime, int]:
    """Where a planned record goes in the order records are numbered: by date, then by row."""
    return _sortable(record.data.get(field_name)), record.row


def plan_import(rows: Table | Iterable[Row], mapping: Mapping, kind: str | None = None,
                existing_keys: Iterable[str] = (), *, customers: TMapping[str, str] | None = None,
                config: Config | None = None, source: str | None = None,
                progress: Callable[[int], None] | None = None, ids: Iterable[str] = ()) -> ImportPlan:
    """Plan the import of `rows` (a Table, or Rows) as records of `kind` (default: the mapping's),
    all in memory (`svcnotes import` streams the same Planner in batches: io.batches).

    `existing_keys` are provenance keys of earlier imports (re-running imports nothing new);
    `customers` maps existing customer names to ids (a customer cell holding an id matches it
    first); `ids` are the record ids the repository has (a row that maps `id` to one of them is a
    duplicate); `config` supplies configurable choices.
    """
    table = rows if isinstance(rows, Table) else None
    row_list: list[Row] = list(table.rows) if table is not None else list(rows)  # type: ignore[arg-type]
    headers = table.headers if table else list(dict.fromkeys(h for r in row_list for h in r.values))
    src = source or (table.source if table else "<rows>")
    planner = Planner(mapping, kind, headers, existing_keys, customers=customers, config=config, source=src, ids=ids)
    plan = ImportPlan(planner.kind, src, planner.file_headers)
    results = [planner.bad_row(bad) for bad in (table.bad_rows if table else ())]
    records: list[PlannedRecord] = []
    for done, row in enumerate(row_list, len(results) + 1):
        if progress is not None:
            progress(done)
        result, record = planner.row(row)
        results.append(result)
        if record is not None:
            records.append(record)
    plan.results = sorted(results, key=lambda r: r.row)
    when = planner.sort_field
    plan.records = sorted(records, key=lambda r: sort_key(r, when))
    plan.customers = planner.customers()
    plan.problems = planner.problems()
    return plan


def _sortable(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    return datetime.max


def _row_key(row: Row, mapping: Mapping, headers: list[str]) -> tuple[str, bool]:
    """The row's source key: the key columns joined by |, else (no key, or its cells are empty) a hash
    of the whole row; and whether the key columns were there but empty."""
    if mapping.key:
        parts = [cell_text(row.values.get(c, "")) for c in mapping.key]
        if not all(is_na(p, mapping.na) for p in parts):
            return "|".join(parts), False
    text = "\x1f".join(cell_text(row.values.get(h, "")) for h in headers)
    return "row-" + hashlib.sha1(text.encode()).hexdigest()[:12], bool(mapping.key)


def _convert(row: Row, mapping: Mapping, kind: str, convert: _Converter) -> tuple[dict[str, Any], str, list[str]]:
    """Typed data, body and error reasons for one row."""
    schema = KINDS[kind]
    gathered: dict[str, list[Cell]] = {}
    for column, targets in mapping.columns.items():
        value = row.values.get(column, "")
        if is_na(value, mapping.na):
            continue
        for target in targets:
            gathered.setdefault(target, []).append(value)
    texts = {h: ("" if is_na(v, mapping.na) else cell_text(v)) for h, v in row.values.items()}
    for target, template in mapping.templates.items():
        rendered = render_template(template, texts)
        if rendered and (target == BODY or target not in gathered):
            gathered.setdefault(target, []).append(rendered)
    for target, value in mapping.defaults.items():
        gathered.setdefault(target, [value])
    body = "\n\n".join(cell_text(v) for v in gathered.pop(BODY, []) if not is_na(v, mapping.na))
    data: dict[str, Any] = {}
    errors: list[str] = []
    for name, values in gathered.items():
        f = schema.by_name[name]
        try:
            value = convert.field(f, values)
        except CoercionError as exc:
            errors.append(msg("{field}: {error} ({hint})", field=name, error=exc.message, hint=exc.hint) if exc.hint
                          else msg("{field}: {error}", field=name, error=exc.message))
            continue
        if value is not None:
            data[name] = value
    if kind == "complaint":
        received = data.get("received_at")
        if isinstance(received, datetime) and "registered_at" not in data:
            data["registered_at"] = received.date()
        if not data.get("title") and body:
            first = body.strip().splitlines()[0]
            data["title"] = first[:_TITLE_MAX] + ("…" if len(first) > _TITLE_MAX else "")
        if data.get("amount") is not None and "currency" not in data:
            data["currency"] = convert.config.currency
    return data, body, errors


def shared_reasons(reasons: TMapping[str, int], source: str) -> list[Problem]:
    """One summary problem per reason shared by many rejected rows, so a bad mapping shows up once."""
    out = []
    for reason, count in Counter(reasons).most_common():
        if count > 1:
            out.append(Problem("I001", msg("{count} rows rejected: {reason}", count=count, reason=reason), source,
                               severity=Severity.WARNING))
    return out

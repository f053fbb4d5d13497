"""The import mapping: a small TOML file saying how a source table becomes records.

    kind = "complaint"            # complaint, customer or callback
    source = "12365auto"          # names the key space: keys are "12365auto:482028"
    key = ["id"]                  # source column(s) that identify a row (duplicates, re-runs)
    na = ["N/A", "无", "-"]       # texts that mean "empty" (default: values.NA_MARKERS)
    date_formats = ["%m/%d/%Y"]   # extra strptime formats, tried before the built-in ones
    header_row = 3                # optional; found automatically when absent
    encoding = "gb18030"          # optional; detected when absent

    [columns]                     # source column -> field (or a list of fields, or "body")
    "投诉日期" = "received_at"
    "状态" = ["status", "resolution"]

    [template]                    # fields composed from several columns: {column} placeholders
    body = "车型: {car_model} {type}"

    [values.status]               # source value -> our value, per field; "*" catches the rest
    "处理中" = "investigating"

    [defaults]                    # used when the row has no value
    severity = "normal"

    [headers]                     # other names a column goes by (the same file saved in Chinese)
    "投诉日期" = ["日期", "date"]

Every problem is reported in one pass, located by line, like svcnotes.toml.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from svcnotes.io.suggest import suggest_mapping
from svcnotes.io.values import NA_MARKERS, Cell
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity, did_you_mean
from svcnotes.model.schema import KINDS, Kind

IMPORT_KINDS = ("complaint", "customer", "callback")
BODY = "body"
_TOP = {"kind", "source", "key", "na", "date_formats", "header_row", "encoding", "sheet", "delimiter",
        "columns", "template", "values", "defaults", "headers"}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping: how source columns become the typed fields of one record kind."""

    kind: str
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, Cell] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    source: str = ""
    na: tuple[str, ...] = NA_MARKERS
    date_formats: tuple[str, ...] = ()
    header_row: int | None = None
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def schema(self) -> Kind:
        """The declared kind this mapping fills."""
        return KINDS[self.kind]

    def targets(self) -> set[str]:
        """Every field that some column, template or default fills."""
        out = {f for fields in self.columns.values() for f in fields}
        return out | set(self.templates) | set(self.defaults)

    def used_columns(self) -> set[str]:
        """Source columns the mapping reads (columns, templates and the key)."""
        used = set(self.columns) | set(self.key)
        for text in self.templates.values():
            used.update(_PLACEHOLDER.findall(text))
        return used

    def renames(self, headers: list[str]) -> dict[str, str]:
        """File header -> the name the mapping uses, for columns the file has under another name ([headers])."""
        have = set(headers)
        out: dict[str, str] = {}
        for name, others in self.headers.items():
            if name in have:
                continue
            found = next((o for o in others if o in have and o not in out), None)
            if found is not None:
                out[found] = name
        return out


def placeholders(template: str) -> list[str]:
    """The {column} names a template refers to."""
    return _PLACEHOLDER.findall(template)


def render_template(template: str, row: dict[str, str]) -> str:
    """Fill {column} placeholders; a line whose placeholders are all empty is dropped."""
    out = []
    for line in template.split("\n"):
        names = _PLACEHOLDER.findall(line)
        if names and not any(row.get(n, "") for n in names):
            continue
        out.append(_PLACEHOLDER.sub(lambda m: row.get(m.group(1), ""), line))
    return "\n".join(out).strip()


def mappable_fields(kind: str) -> dict[str, str]:
    """Field name -> type of the fields a column may fill (every one but nested entries; id keeps a record's id)."""
    return {f.name: f.type for f in KINDS[kind].fields if f.type != "objects"}


class _Lines:
    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.problems: list[Problem] = []

    def line_of(self, needle: str) -> int | None:
        pattern = re.compile(rf"^\s*(\[{re.escape(needle)}\]|\"?{re.escape(needle)}\"?\s*=)")
        for n, line in enumerate(self.lines, 1):
            if pattern.search(line):
                return n
        return None

    def bad(self, where: str, message: str, hint: str = "", code: str = "M002", warn: bool = False) -> None:
        self.problems.append(Problem(code, message, self.path, self.line_of(where), where, hint,
                                     Severity.WARNING if warn else Severity.ERROR))


def _cell(value: Any) -> Cell | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def _strings(r: _Lines, key: str, raw: Any) -> tuple[str, ...] | None:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        r.bad(key, msg("{key} must be text or a list of text", key=key), msg("write {key} = [\"...\"]", key=key))
        return None
    return tuple(raw)


def parse_mapping(text: str, path: str = "mapping.toml", kind: str | None = None,
                  choices: dict[str, tuple[str, ...]] | None = None) -> tuple[Mapping, list[Problem]]:
    """Parse mapping TOML, reporting every problem; `kind` fills in a missing kind = ...;
    `choices` gives configurable enum choices (e.g. {"categories": (...)}) to check value maps."""
    r = _Lines(text, path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        return Mapping(kind or "complaint"), [Problem("M000", msg("TOML syntax error: {error}", error=str(exc)), path,
                                                      int(m.group(1)) if m else None, hint=msg("fix the syntax"))]
    for extra in set(raw) - _TOP:
        r.bad(extra, msg("unknown key '{extra}'", extra=extra), did_you_mean(extra, sorted(_TOP)), "M001", warn=True)
    name = raw.get("kind", kind or "")
    if kind and name != kind:
        r.bad("kind", msg("the mapping is for '{name}' but '{kind}' is being imported", name=name, kind=kind),
              msg("use a {kind} mapping", kind=kind))
    if name not in IMPORT_KINDS:
        r.bad("kind", msg("'{name}' is not an importable kind", name=name), did_you_mean(str(name), IMPORT_KINDS))
        name = kind if kind in IMPORT_KINDS else "complaint"
    fields = mappable_fields(name)
    schema = KINDS[name]
    out: dict[str, Any] = {"kind": name}

    def check_target(where: str, target: str) -> bool:
        if target == BODY or target in fields:
            return True
        r.bad(where, msg("'{target}' is not a {name} field you can import into", target=target, name=name),
              did_you_mean(target, [*fields, BODY]), "M003")
        return False

    columns: dict[str, tuple[str, ...]] = {}
    for column, target in (raw.get("columns") or {}).items():
        targets = (target,) if isinstance(target, str) else target
        if not isinstance(targets, (list, tuple)) or not all(isinstance(t, str) for t in targets):
            r.bad(column, msg("column '{column}' must map to a field name or a list of them", column=column))
            continue
        kept = tuple(t for t in targets if t and check_target(column, t))
        if kept:
            columns[column] = kept
    out["columns"] = columns
    templates: dict[str, str] = {}
    for target, tpl in (raw.get("template") or {}).items():
        if not isinstance(tpl, str):
            r.bad(target, msg("template of '{target}' must be text with {{column}} placeholders", target=target))
        elif check_target(target, target):
            templates[target] = tpl
    out["templates"] = templates
    na_markers = raw["na"] if isinstance(raw.get("na"), list) else NA_MARKERS
    values: dict[str, dict[str, str]] = {}
    for target, table in (raw.get("values") or {}).items():
        if not isinstance(table, dict) or not check_target(f"values.{target}", target):
            if not isinstance(table, dict):
                r.bad(f"values.{target}", msg("[values.{target}] must be a table of source value = our value",
                                              target=target))
            continue
        f = schema.by_name.get(target)
        item = f.item if f is not None and f.type == "list" and f.item is not None else f
        allowed = item.choices if item is not None else ()
        if item is not None and item.choices_from:
            allowed = (choices or {}).get(item.choices_from, ())
        vmap: dict[str, str] = {}
        for src, ours in table.items():
            cell = _cell(ours)
            if not isinstance(cell, str):
                r.bad(src, msg("value map of {target}: '{src}' must map to text, a number or true/false",
                               target=target, src=src))
                continue
            if cell == "":
                r.bad(src, msg("value map of {target}: '{src}' has no target yet", target=target, src=src),
                      msg("fill it in or delete the line"), "M004", warn=True)
            elif allowed and cell not in allowed and cell not in na_markers:
                r.bad(src, msg("value map of {target}: '{cell}' is not a valid {target}", target=target, cell=cell),
                      did_you_mean(cell, allowed), "M005")
            vmap[str(src)] = cell
        values[target] = vmap
    out["values"] = values
    defaults: dict[str, Cell] = {}
    for target, value in (raw.get("defaults") or {}).items():
        cell = _cell(value)
        if cell is None:
            r.bad(target, msg("default of '{target}' must be text, a number, a date or true/false", target=target))
        elif check_target(target, target):
            defaults[target] = cell
    out["defaults"] = defaults
    aliases: dict[str, tuple[str, ...]] = {}
    for column, others in (raw.get("headers") or {}).items():
        got = _strings(r, column, others)
        if got is not None:
            aliases[column] = got
    out["headers"] = aliases
    for key in ("key", "na", "date_formats"):
        if key in raw:
            got = _strings(r, key, raw[key])
            if got is not None:
                out[key] = got
    for key in ("source", "encoding", "sheet", "delimiter"):
        if key in raw:
            if isinstance(raw[key], str) and raw[key]:
                out[key] = raw[key]
            else:
                r.bad(key, msg("{key} must be non-empty text", key=key))
    if "header_row" in raw:
        if isinstance(raw["header_row"], int) and not isinstance(raw["header_row"], bool) and raw["header_row"] > 0:
            out["header_row"] = raw["header_row"]
        else:
            r.bad("header_row", msg("header_row must be a line number from 1"), msg("write header_row = 3"))
    if out.get("encoding"):
        import codecs

        try:
            codecs.lookup(out["encoding"])
        except LookupError:
            r.bad("encoding", msg("unknown encoding '{encoding}'", encoding=out['encoding']), msg("use utf-8, utf-8-sig or gb18030"))
            del out["encoding"]
    mapping = Mapping(**out)
    if not mapping.key:
        r.bad("key", msg("no key columns: duplicates are found by comparing whole rows"),
              msg("name the source id column, e.g. key = [\"编号\"]"), "M006", warn=True)
    return mapping, r.problems


def load_mapping(path: str | Path, kind: str | None = None,
                 choices: dict[str, tuple[str, ...]] | None = None) -> tuple[Mapping, list[Problem]]:
    """Read and parse a mapping file (UTF-8, with or without BOM)."""
    path = Path(path)
    return parse_mapping(path.read_text(encoding="utf-8-sig"), str(path), kind, choices)


def check_headers(mapping: Mapping, headers: list[str], source: str = "") -> list[Problem]:
    """Problems for mapped columns the file lacks: errors for key columns, warnings otherwise."""
    have = set(headers)
    problems = []
    for column in sorted(mapping.used_columns() - have):
        is_key = column in mapping.key
        problems.append(Problem(
            "M010" if is_key else "M011", msg("column '{column}' is not in the file", column=column), source, None, column,
            did_you_mean(column, headers), Severity.ERROR if is_key else Severity.WARNING))
    return problems


__all__ = ["Mapping", "parse_mapping", "load_mapping", "check_headers", "render_template", "placeholders",
           "mappable_fields", "suggest_mapping", "BODY", "IMPORT_KINDS"]

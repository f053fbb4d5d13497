"""JSON Schema (draft 2020-12) of a record kind, derived from the declared schema."""

from __future__ import annotations

from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.fields import Field
from svcnotes.model.schema import KINDS

_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATETIME = r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2})?)?$"


def field_schema(f: Field, config: Config) -> dict[str, Any]:
    """The JSON Schema of one field (front matter is YAML: numbers may also be written as text)."""
    desc = f"{f.zh} / {f.en}" + (f". {f.doc}" if f.doc else "")
    out: dict[str, Any] = {"title": f.en, "description": desc}
    t = f.type
    if t in ("str", "text", "id", "ref"):
        out["type"] = "string"
        if t == "ref" and f.ref == "staff" and config.staff:
            out["enum"] = sorted(config.staff)
    elif t == "int":
        out["type"] = "integer"
    elif t == "decimal":
        out["type"] = "number"
    elif t == "bool":
        out["type"] = "boolean"
    elif t == "date":
        out.update(type="string", pattern=_DATE, format="date")
    elif t == "datetime":
        out.update(type="string", pattern=_DATETIME)
    elif t == "enum":
        out["enum"] = list(config.choices(f.choices_from) if f.choices_from else f.choices)
    elif t == "list":
        assert f.item is not None
        out.update(type="array", items=field_schema(f.item, config))
    elif t == "objects":
        out.update(type="array", items=object_schema(f.fields, config))
    if f.minimum is not None:
        out["minimum"] = f.minimum
    if f.maximum is not None:
        out["maximum"] = f.maximum
    return out


def object_schema(fields: tuple[Field, ...], config: Config) -> dict[str, Any]:
    """Schema of a mapping with the given fields."""
    return {
        "type": "object",
        "properties": {f.name: field_schema(f, config) for f in fields},
        "required": [f.name for f in fields if f.required],
        "patternProperties": {"^x[_-]": {}},
        "additionalProperties": False,
    }


def json_schema(kind_name: str, config: Config | None = None) -> dict[str, Any]:
    """The full JSON Schema document of a record kind's front matter."""
    kind = KINDS[kind_name]
    config = config or Config()
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"svcnotes:{kind.name}",
        "title": f"svcnotes {kind.en} ({kind.zh})",
        **object_schema(kind.fields, config),
    }
    return doc

"""Field declarations and coercion of raw YAML scalars (always read as strings) by declared type.

Reading every scalar as a string and coercing it here is both faster than YAML's own resolver and
immune to YAML 1.1 surprises: `no` stays the text "no" in a text field, `0123` stays "0123".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from svcnotes.model.message import label, msg

TYPES = ("id", "str", "text", "int", "decimal", "date", "datetime", "bool", "enum", "ref", "list", "objects")

_INT = re.compile(r"[+-]?\d+\Z")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?\Z")
_YAML11_BOOLS = {"yes", "no", "y", "n", "on", "off"}


@dataclass(frozen=True, slots=True)
class Field:
    """One declared field: type, labels, required-ness, choices, references and nesting."""

    name: str
    type: str
    zh: str
    en: str
    doc: str = ""
    required: bool = False
    required_in: frozenset[str] = frozenset()
    choices: tuple[str, ...] = ()
    choices_from: str = ""
    ref: str = ""
    item: Field | None = None
    fields: tuple[Field, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    personal: bool = False
    customer_facing: bool = False
    example: Any = None
    sub: dict[str, Field] = dc_field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        assert self.type in TYPES, self.type
        self.sub.update({f.name: f for f in self.fields})

    def label(self, locale: str) -> str:
        """The field's label in the given locale ('zh-CN' or 'en')."""
        return self.en if locale.startswith("en") else self.zh


class CoercionError(ValueError):
    """A raw value that does not fit its declared type; carries a fix-it hint."""

    def __init__(self, message: str, hint: str = "", code: str = "E102") -> None:
        super().__init__(message)
        self.message = message  # a msg(...): rendered in the reader's language where it is shown
        self.hint = hint
        self.code = code


MAX_DIGITS = 15  # whole digits of a number: a sane quantity or amount, exact in any spreadsheet
MAX_DECIMAL_PLACES = 12  # a non-zero number smaller than 1e-12 is a typo, not an amount


def coerce_scalar(f: Field, raw: str, choices: tuple[str, ...] = ()) -> Any:
    """Turn one raw string into the typed value `f` declares, or raise CoercionError."""
    t = f.type
    if t in ("str", "text", "id", "ref"):
        return raw
    text = raw.strip()
    if t == "int":
        if not _INT.match(text):
            raise CoercionError(msg("'{raw}' is not a whole number", raw=raw), msg("write digits only, e.g. 120"))
        if len(text.lstrip("+-")) > MAX_DIGITS:
            raise CoercionError(msg("a whole number of {count:,} digits is outside the range svcnotes accepts",
                                    count=len(text.lstrip('+-'))), msg("use at most {max_digits} digits", max_digits=MAX_DIGITS), "E107")
        if len(text.lstrip("+-")) > 1 and text.lstrip("+-").startswith("0"):
            raise CoercionError(
                msg("'{raw}' has a leading zero, which YAML 1.1 reads as octal", raw=raw),
                msg("write {number} without the leading zero", number=int(text)),
            )
        value: Any = int(text)
    elif t == "decimal":
        if "," in text or "，" in text:
            raise CoercionError(msg("'{raw}' has a thousands separator", raw=raw), msg("write {number}",
                                                                          number=text.replace(',', '').replace('，', '')))
        if not _DECIMAL.match(text):
            raise CoercionError(msg("'{raw}' is not a number", raw=raw), msg("write a plain number such as 12000 or 350.50"))
        try:
            value = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - regex guards this
            raise CoercionError(msg("'{raw}' is not a number", raw=raw)) from exc
        if not value.is_finite() or (value and not -MAX_DECIMAL_PLACES <= value.adjusted() < MAX_DIGITS):
            shown = raw if len(raw) <= 40 else raw[:20] + "..."
            raise CoercionError(msg("'{shown}' is outside the range svcnotes accepts", shown=shown),
                                msg("write a plain number below 1e{max_digits}, e.g. 12000 or 350.50",
                                    max_digits=MAX_DIGITS), "E107")
    elif t == "date":
        value = parse_date(text)
    elif t == "datetime":
        value = parse_datetime(text)
    elif t == "bool":
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        if low in _YAML11_BOOLS:
            raise CoercionError(
                msg("'{raw}' is ambiguous (YAML 1.1 reads it as a boolean, YAML 1.2 as text)", raw=raw),
                msg("write true or false"),
            )
        raise CoercionError(msg("'{raw}' is not true or false", raw=raw), msg("write true or false"))
    elif t == "enum":
        allowed = choices or f.choices
        if text not in allowed:
            from svcnotes.model.problems import did_you_mean

            raise CoercionError(msg("'{raw}' is not a valid {name}", raw=raw, name=label(f.name, f.zh)), did_you_mean(text, allowed),
                                code="E104")
        return text
    else:  # pragma: no cover - containers are handled by the caller
        raise CoercionError(msg("{t} is not a scalar type", t=t))
    if f.minimum is not None and value < f.minimum:
        raise CoercionError(msg("{raw} is below the minimum {minimum:g}", raw=raw, minimum=f.minimum),
                            msg("use a value of at least {minimum:g}",
                                                                             minimum=f.minimum), "E107")
    if f.maximum is not None and value > f.maximum:
        raise CoercionError(msg("{raw} is above the maximum {maximum:g}", raw=raw, maximum=f.maximum),
                            msg("use a value of at most {maximum:g}",
                                                                             maximum=f.maximum), "E107")
    return value


def parse_date(text: str) -> date:
    """Parse YYYY-MM-DD strictly."""
    if not _DATE.match(text):
        raise CoercionError(msg("'{text}' is not a date", text=text), msg("write YYYY-MM-DD, e.g. 2026-11-05"), "E103")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CoercionError(msg("'{text}' is not a real calendar date ({error})", text=text, error=str(exc)),
                            msg("check the day and month"), "E103") from exc


def parse_datetime(text: str) -> datetime:
    """Parse 'YYYY-MM-DD HH:MM[:SS]' (or ISO 8601 with T); a bare date means the start of that day."""
    m = _DATETIME.match(text)
    if not m:
        raise CoercionError(msg("'{text}' is not a date and time", text=text), msg("write YYYY-MM-DD HH:MM, e.g. 2026-11-05 09:30"), "E103")
    day, clock, zone = m.groups()
    iso = day + ("T" + (clock if len(clock.split(":")[0]) == 2 else "0" + clock) if clock else "T00:00")
    if zone:
        iso += "+00:00" if zone == "Z" else (zone if ":" in zone else zone[:3] + ":" + zone[3:])
    try:
        value = datetime.fromisoformat(iso)
    except ValueError as exc:
        raise CoercionError(msg("'{text}' is not a real date and time ({error})", text=text, error=str(exc)),
                            msg("check the day, month and time"), "E103") from exc
    return value.replace(tzinfo=None) if zone else value


def render_scalar(value: Any) -> str:
    """The canonical text of a typed value, as the store writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)

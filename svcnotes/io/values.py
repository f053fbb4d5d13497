"""Lenient parsing of the values found in real spreadsheets: dates, numbers, booleans, NA markers.

The record store is strict (YYYY-MM-DD, plain numbers); imported data is not, so these parsers
accept what Excel and other systems write and return the typed values the schema declares.
Failures raise CoercionError (a ValueError with a hint), like the model's own coercion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from svcnotes.model.fields import CoercionError
from svcnotes.model.message import msg

Cell = str | datetime | date
"""One cell as tabular readers return it: text, or a date/datetime from a typed XLSX cell."""

NA_MARKERS: tuple[str, ...] = ("N/A", "NA", "n/a", "#N/A", "null", "NULL", "None", "无", "-", "—", "--", "/")
"""Texts that mean 'no value' unless a mapping says otherwise (the empty string always does)."""

_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's 1900-02-29 bug
_MAX_SERIAL = 2958465  # 9999-12-31
_YMD = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?|分)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?\Z"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})\Z")
_SERIAL = re.compile(r"\d{1,7}(\.\d+)?\Z")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")
_GROUPED = re.compile(r"[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?\Z")
_CURRENCY = re.compile(r"^(?:RMB|CNY|USD|EUR|[¥￥$€])\s*|\s*(?:元|RMB|CNY|USD|EUR)$", re.IGNORECASE)
_TRUE = {"true", "yes", "y", "1", "是", "对", "有", "已", "√", "✓", "x"}
_FALSE = {"false", "no", "n", "0", "否", "不", "无", "未", "×", "✗"}


def is_na(value: Cell | None, markers: Iterable[str] = NA_MARKERS) -> bool:
    """True when `value` is empty or one of the NA markers (compared after trimming)."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text == "" or text in set(markers)


def excel_serial(serial: float) -> datetime:
    """The datetime an Excel serial number (1900 date system) stands for."""
    if not 0 < serial <= _MAX_SERIAL:
        raise CoercionError(msg("{serial:g} is out of range for an Excel date serial", serial=serial),
                            msg("check the cell's format"), "E103")
    return _EXCEL_EPOCH + timedelta(days=serial)


def parse_datetime(value: Cell, formats: Iterable[str] = (), serials: bool = True) -> datetime:
    """Parse a date or date-time: datetime cells, `2020-06-08`, `2020/6/8 9:30`, `2020年6月8日`,
    `20200608`, Excel serials (when `serials`), then each strptime format in `formats`."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = value.strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    m = _YMD.match(text)
    if m:
        parts = [int(p) if p else 0 for p in m.groups()]
        return _build(text, *parts)
    m = _COMPACT.match(text)
    if m:
        return _build(text, *(int(p) for p in m.groups()))
    if serials and _SERIAL.match(text):
        return excel_serial(float(text))
    hint = msg("write YYYY-MM-DD, YYYY/M/D or YYYY年M月D日, or add the format under date_formats")
    raise CoercionError(msg("'{text}' is not a date", text=text), hint, "E103")


def _build(text: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise CoercionError(msg("'{text}' is not a real calendar date ({error})", text=text, error=str(exc)),
                            msg("check the day and month"), "E103") from exc


def parse_date(value: Cell, formats: Iterable[str] = (), serials: bool = True) -> date:
    """Parse a date (any time of day is dropped); see parse_datetime for the accepted forms."""
    return parse_datetime(value, formats, serials).date()


def parse_decimal(value: Cell) -> Decimal:
    """Parse an amount: thousands separators (1,234.50 or 1，234), currency signs and 元 allowed."""
    if not isinstance(value, str):
        raise CoercionError(msg("'{value}' is a date, not a number", value=value), msg("check the column mapping"), "E102")
    text = _CURRENCY.sub("", value.strip().replace("\u00a0", " ")).strip()
    if _GROUPED.match(text):
        text = text.replace(",", "").replace("，", "")
    text = text.replace(" ", "").replace("_", "")
    if not _NUMBER.match(text):
        raise CoercionError(msg("'{value}' is not a number", value=value.strip()), msg("write a number such as 12000 or 1,234.50"), "E102")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex guards this
        raise CoercionError(msg("'{value}' is not a number", value=value), code="E102") from exc


def parse_int(value: Cell) -> int:
    """Parse a whole number; separators are allowed and `12.0` (as Excel writes it) is 12."""
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CoercionError(msg("'{value}' is not a whole number", value=str(value).strip()), msg("write digits only, e.g. 120"), "E102")
    return int(number)


def parse_bool(value: Cell) -> bool:
    """Parse yes/no in English or Chinese (是/否, 有/无, Y/N, 1/0, true/false, √/×)."""
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CoercionError(msg("'{value}' is not yes or no", value=str(value).strip()),
                        msg("map it under [values.FIELD] to true or false"), "E102")


def split_list(value: str) -> list[str]:
    """Split a list cell on , ， ; ； 、 or newlines, trimming items and dropping empty ones."""
    return [item.strip() for item in re.split(r"[,，;；、\n]", value) if item.strip()]


def cell_text(value: Cell) -> str:
    """A cell as text: dates in ISO form, a datetime at midnight as a bare date."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value

"""Coercion of raw scalars by declared type: correct values or clear errors, never YAML 1.1 guesses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from svcnotes.model.fields import CoercionError, coerce_scalar, parse_datetime, render_scalar
from svcnotes.model.problems import Problem, Severity, did_you_mean
from svcnotes.model.schema import KINDS

C = KINDS["complaint"].by_name
CB = KINDS["callback"].by_name


@pytest.mark.parametrize("raw", ["no", "yes", "on", "off", "0123", "1e3", "2026-11-05", "~", "null", "0x1F", ".inf"])
def test_text_fields_keep_yaml11_lookalikes_as_written(raw: str) -> None:
    assert coerce_scalar(C["title"], raw) == raw


@pytest.mark.parametrize(("field", "raw", "value"), [
    ("quantity", "120", 120),
    ("quantity", "0", 0),
    ("amount", "350.50", Decimal("350.50")),
    ("amount", "1e3", Decimal("1000")),
    ("registered_at", "2026-11-05", date(2026, 11, 5)),
    ("received_at", "2026-11-05 9:30", datetime(2026, 11, 5, 9, 30)),
    ("received_at", "2026-11-05T09:30:15", datetime(2026, 11, 5, 9, 30, 15)),
    ("received_at", "2026-11-05", datetime(2026, 11, 5, 0, 0)),
    ("customer_accepted", "true", True),
    ("customer_accepted", "False", False),
    ("severity", "major", "major"),
])
def test_values_are_typed_by_the_schema(field: str, raw: str, value: object) -> None:
    assert coerce_scalar(C[field], raw) == value


@pytest.mark.parametrize(("field", "raw", "code", "message", "hint"), [
    ("quantity", "0123", "E102", "'0123' has a leading zero, which YAML 1.1 reads as octal", "write 123 without the leading zero"),
    ("quantity", "12.5", "E102", "'12.5' is not a whole number", "write digits only, e.g. 120"),
    ("amount", "1,200.00", "E102", "'1,200.00' has a thousands separator", "write 1200.00"),
    ("amount", "¥300", "E102", "'¥300' is not a number", "write a plain number such as 12000 or 350.50"),
    ("amount", "-1", "E107", "-1 is below the minimum 0", "use a value of at least 0"),
    ("customer_accepted", "no", "E102", "'no' is ambiguous (YAML 1.1 reads it as a boolean, YAML 1.2 as text)", "write true or false"),
    ("customer_accepted", "maybe", "E102", "'maybe' is not true or false", "write true or false"),
    ("registered_at", "05.11.2026", "E103", "'05.11.2026' is not a date", "write YYYY-MM-DD, e.g. 2026-11-05"),
    ("registered_at", "2026-02-30", "E103", "'2026-02-30' is not a real calendar date (day is out of range for month)",
     "check the day and month"),
    ("received_at", "2026-11-05 25:00", "E103", "'2026-11-05 25:00' is not a real date and time (hour must be in 0..23)",
     "check the day, month and time"),
    ("severity", "majr", "E104", "'majr' is not a valid severity", "did you mean 'major'?"),
])
def test_bad_values_are_clear_errors(field: str, raw: str, code: str, message: str, hint: str) -> None:
    with pytest.raises(CoercionError) as info:
        coerce_scalar(C[field], raw)
    assert (info.value.code, str(info.value), info.value.hint) == (code, message, hint)


def test_satisfaction_outside_one_to_five_is_e107() -> None:
    with pytest.raises(CoercionError) as info:
        coerce_scalar(CB["satisfaction"], "0")
    assert info.value.code == "E107" and str(info.value) == "0 is below the minimum 1"


def test_configurable_enum_takes_the_given_choices() -> None:
    assert coerce_scalar(C["category"], "packaging", ("packaging",)) == "packaging"
    with pytest.raises(CoercionError):
        coerce_scalar(C["category"], "product_quality", ("packaging",))


def test_timezone_is_dropped_after_reading_it() -> None:
    assert parse_datetime("2026-11-05T09:30+08:00") == datetime(2026, 11, 5, 9, 30)


@pytest.mark.parametrize(("value", "text"), [
    (True, "true"), (Decimal("350.500"), "350.5"), (Decimal("1E+3"), "1000"), (date(2026, 1, 2), "2026-01-02"),
    (datetime(2026, 1, 2, 3, 4), "2026-01-02 03:04"), (7, "7"),
])
def test_render_scalar_reads_back_to_the_same_value(value: object, text: str) -> None:
    assert render_scalar(value) == text


def test_problem_format_with_and_without_line_and_field() -> None:
    assert Problem("E104", "bad", "a.md", 4, "status", "fix").format() == "a.md:4: E104 status: bad (fix)"
    assert Problem("E001", "bad").format() == "<repository>: E001 bad"
    warning = Problem("W106", "x", severity=Severity.WARNING)
    assert not warning.is_error and warning.to_dict()["severity"] == "warning"


def test_did_you_mean_suggests_the_closest_or_lists_the_choices() -> None:
    assert did_you_mean("closd", ["open", "closed"]) == "did you mean 'closed'?"
    assert did_you_mean("zzz", ["a", "b"]) == "allowed: a, b"

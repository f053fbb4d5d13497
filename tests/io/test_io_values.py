"""Lenient value parsing for imported spreadsheets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from svcnotes.io.values import is_na, parse_bool, parse_date, parse_datetime, parse_decimal, parse_int, split_list
from svcnotes.model.fields import CoercionError


@pytest.mark.parametrize("text", ["2020-06-08", "2020/6/8", "2020年6月8日", "2020.06.08", "20200608", "43990", " 2020/6/8\t"])
def test_common_date_forms_parse_to_the_same_day(text: str) -> None:
    assert parse_date(text) == date(2020, 6, 8)


def test_datetime_keeps_the_time_and_accepts_cells() -> None:
    assert parse_datetime("2020/6/8 9:30") == datetime(2020, 6, 8, 9, 30)
    assert parse_datetime("2020年6月8日 14时05分") == datetime(2020, 6, 8, 14, 5)
    assert parse_datetime(datetime(2020, 6, 8, 1, 2)) == datetime(2020, 6, 8, 1, 2)
    assert parse_datetime(date(2020, 6, 8)) == datetime(2020, 6, 8)
    assert parse_datetime("43990.5") == datetime(2020, 6, 8, 12, 0)


def test_custom_formats_come_first() -> None:
    assert parse_date("03/04/2020", ["%m/%d/%Y"]) == date(2020, 3, 4)


@pytest.mark.parametrize("text", ["2020-02-30", "June 8", "", "2020/13/1"])
def test_bad_dates_raise_with_a_hint(text: str) -> None:
    with pytest.raises(CoercionError) as exc:
        parse_date(text)
    assert exc.value.code == "E103"


def test_numbers_with_separators_and_currency() -> None:
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    assert parse_decimal("￥12，000") == Decimal("12000")
    assert parse_decimal("350元") == Decimal("350")
    assert parse_int("12.0") == 12
    with pytest.raises(CoercionError):
        parse_decimal("12,34")
    with pytest.raises(CoercionError):
        parse_int("1.5")


def test_na_markers_and_booleans_and_lists() -> None:
    assert is_na("N/A") and is_na(" 无 ") and is_na("-") and is_na("")
    assert not is_na("0") and not is_na("N/A", markers=())
    assert parse_bool("是") is True and parse_bool("No") is False
    assert split_list("H93,H15,") == ["H93", "H15"]
    assert split_list("Older American, Servicemember") == ["Older American", "Servicemember"]

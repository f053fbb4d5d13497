"""JSON rows are printed as they come, exactly as one json.dumps of the whole list would print them."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from svcnotes.cli.common import _jsonable, emit_rows

COLUMNS = [("a", "a"), ("b", "b"), ("c", "c"), ("键", "键")]
ROWS = [
    {"a": "投诉 \"引号\" \n换行\t制表 \u2028 \x01 /斜杠", "b": 3, "c": None, "键": True},
    {"a": "", "b": -12, "c": False, "键": 2.5},
    {"a": Decimal("12000"), "b": Decimal("350.50"), "c": date(2026, 11, 3), "键": datetime(2026, 11, 3, 9, 30)},
    {"a": ["x", {"k": [1, None]}], "b": {"nested": {"deep": "值"}}, "c": [], "键": {}},
    {"a": float("nan"), "b": 1e300, "键": 10**30},
]


@pytest.mark.parametrize("count", [0, 1, 5, 700, 1500])
def test_streamed_json_equals_one_dump_of_the_list(capsys: pytest.CaptureFixture[str], count: int) -> None:
    rows = [dict(ROWS[i % len(ROWS)], b=i) if i % 7 == 0 else ROWS[i % len(ROWS)] for i in range(count)]
    emit_rows(iter(rows), COLUMNS, "json")
    expected = json.dumps([{k: _jsonable(r.get(k)) for k, _ in COLUMNS} for r in rows], ensure_ascii=False, indent=2)
    assert capsys.readouterr().out == expected + "\n"

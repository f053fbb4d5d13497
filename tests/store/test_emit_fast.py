"""The fast emitter new records use reads back exactly like ruamel's output, whatever the text."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from svcnotes.store.frontmatter import parse
from svcnotes.store.writer import emit, emit_fast
from tests.fastpath import same_as_canonical

TRICKY = ["a: b", "it's", "yes", "x #y", "- item", "'quoted'", '"dq"', " lead", "trail ", "", "2020-01-02", "1:30",
          "12", "cfpb:123", "中文：标题", "null", "~", "@at", "%pct", "a\tb", "\u3000全角空格", "key:", "{x}", "[1]",
          "!tag", "&anchor", "*ref", "|", ">", "?", ":", "#", "o'clock: late", "line1\nline2", "\ufeffbom", "é ü"]


def reads_back(text: str) -> dict:
    parsed = parse("---\n" + text + "---\n", "t.md")
    assert parsed.ok, (text, parsed.problems)
    return parsed.data


def test_fast_emitter_reads_back_like_ruamel() -> None:
    cases = [{"title": value, "tags": [value, "b"], "imported": [{"source": value, "row": 3, "key": value}]}
             for value in TRICKY]
    same_as_canonical(cases, lambda data: reads_back(emit_fast(data)), lambda data: reads_back(emit(data)),
                      least=len(TRICKY))


def test_common_values_are_written_byte_for_byte_like_ruamel() -> None:
    data = {"id": "C-2611-001", "title": "支架尺寸超差", "received_at": datetime(2026, 11, 2, 9, 30),
            "registered_at": date(2026, 11, 2), "amount": Decimal("12.50"), "customer_accepted": False,
            "tags": ["H93", "H15"], "imported": [{"source": "a.csv", "row": 2, "key": "legacy:A1"}], "x": "it's"}
    assert emit_fast(data) == emit(data)


def test_naughty_strings_read_back_like_ruamel(corpora: Path) -> None:
    path = corpora / "blns" / "blns.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    cases = [{"title": value, "tags": [value]} for value in json.loads(path.read_text(encoding="utf-8"))]
    same_as_canonical(cases, lambda data: reads_back(emit_fast(data)), lambda data: reads_back(emit(data)),
                      least=len(cases))

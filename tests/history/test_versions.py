"""History versions typed entry by entry read exactly what the store's parser reads, memo or not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from svcnotes.history.diff import diff_records, parse_blob
from svcnotes.history.versions import VersionReader
from svcnotes.store.repository import Repository
from tests.fastpath import same_as_canonical

PATH = "records/complaints/2026/C-2611-001.md"

PLAIN = """\
---
id: C-2611-001
title: 产品尺寸超差
status: proposed
customer: hengda-auto
received_at: 2026-11-03 09:30
registered_at: 2026-11-03
channel: phone
first_responder: zhang.wei
category: product_quality
severity: major
amount: 12000
approvals:
  - by: li.na
    role: sales_manager
    at: 2026-11-05 10:00
    resolution: allowance
    amount: 12000
---

客户反映批次产品尺寸超差。
"""

CASES = {
    "plain": PLAIN,
    "crlf": PLAIN.replace("\n", "\r\n"),
    "bom": "\ufeff" + PLAIN,
    "comments and blank lines": PLAIN.replace("---\nid:", "---\n# note\n\nid:").replace("channel:", "# why\n\nchannel:"),
    "list at column 0": PLAIN.replace("  - by: li.na\n    role", "- by: li.na\n  role").replace(
        "    at: 2026-11-05 10:00\n    resolution: allowance\n    amount: 12000\n",
        "  at: 2026-11-05 10:00\n  resolution: allowance\n  amount: 12000\n"),
    "null and invalid values": PLAIN.replace("severity: major", "severity:").replace("amount: 12000\napp", "amount: 1,200\napp"),
    "unknown and extension fields": PLAIN.replace("channel:", "colour: red\nx_ref: A-1\nchannel:"),
    "quoted values": PLAIN.replace("title: 产品尺寸超差", "title: \"尺寸: 超差 # 严重\""),
    "quoted value over two lines at column 0": PLAIN.replace("title: 产品尺寸超差", "title: \"尺寸\n超差\""),
    "plain value continued": PLAIN.replace("title: 产品尺寸超差", "title: 产品尺寸\n  超差"),
    "block scalar": PLAIN.replace("title: 产品尺寸超差", "title: |\n  第一行\n  第二行"),
    "flow values": PLAIN.replace("channel: phone", "channel: [phone, email]\nx_map: {a: 1, b: 2}"),
    "flow mapping over lines": PLAIN.replace("channel: phone", "x_map: {a: 1,\nb: 2}"),
    "duplicate key": PLAIN.replace("channel: phone", "channel: phone\nchannel: email"),
    "anchor and alias": PLAIN.replace("severity: major", "severity: &s major\nx_sev: *s"),
    "tab indentation": PLAIN.replace("    role:", "\trole:"),
    "tab in a value": PLAIN.replace("title: 产品尺寸超差", "title: 产品\t尺寸"),
    "key without space": PLAIN.replace("channel: phone", "channel:phone"),
    "chinese key": PLAIN.replace("channel: phone", "渠道: 电话"),
    "quoted key": PLAIN.replace("channel: phone", "\"channel\": phone"),
    "merge key": PLAIN.replace("channel: phone", "<<: {channel: phone}"),
    "dots close": PLAIN.replace("\n---\n\n客户", "\n...\n\n客户"),
    "no blank line after fence": PLAIN.replace("---\n\n客户", "---\n客户"),
    "empty body": PLAIN.split("---\n\n")[0] + "---\n",
    "unicode line separator": PLAIN.replace("title: 产品尺寸超差", "title: 产品\u2028id: X-1"),
    "bare carriage return": PLAIN.replace("channel: phone\n", "channel: phone\r"),
    "document marker in front matter": PLAIN.replace("channel: phone", "--- x\nchannel: phone"),
    "indented before first field": PLAIN.replace("---\nid:", "---\n  id:"),
    "scalar front matter": "---\njust text\n---\n\nbody\n",
    "no front matter": "客户来电。\n",
    "not closed": "---\nid: C-2611-001\n",
    "not utf-8": PLAIN.encode("gb18030").decode("latin-1"),
    "empty front matter": "---\n---\n\n客户来电。\n",
    "only an opening fence": "---",
    "opening fence with trailing blanks": PLAIN.replace("---\nid:", "--- \t\nid:", 1),
    "a line of four dashes": PLAIN.replace("channel: phone", "channel: phone\n----"),
    "closing fence with trailing blanks, no newline": PLAIN.split("---\n\n")[0] + "--- ",
}


@pytest.fixture
def config(repo: Path):  # type: ignore[no-untyped-def]
    return Repository.open(repo).config


def _same(reader: VersionReader, text: str, config, blob: str = "b") -> None:  # type: ignore[no-untyped-def]
    raw = text.encode("latin-1") if text == CASES["not utf-8"] else text.encode("utf-8")

    def seen(version: Any) -> Any:  # field order too: it decides the order of a diff's changes
        return None if version is None else (version.id, version.data, list(version.data), version.body)

    same_as_canonical([raw], lambda raw: seen(reader.read(raw, blob, PATH)), lambda raw: seen(parse_blob(raw, PATH, config)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_version_reads_as_the_store_reads_it(config, name: str) -> None:  # type: ignore[no-untyped-def]
    reader = VersionReader(config)
    _same(reader, CASES[name], config)
    _same(reader, CASES[name], config, "again")  # now from remembered entries


def test_remembered_entries_give_the_same_versions_in_any_order(config) -> None:  # type: ignore[no-untyped-def]
    reader = VersionReader(config, entries=5)  # a tiny memo: generations turn over constantly
    for i, name in enumerate(sorted(CASES) * 2):
        _same(reader, CASES[name], config, str(i))


def test_an_alias_never_reuses_the_value_of_an_earlier_anchor(config) -> None:  # type: ignore[no-untyped-def]
    reader = VersionReader(config)
    first = PLAIN.replace("channel: phone", "x_a: &v one\nx_b: *v")
    second = PLAIN.replace("channel: phone", "x_a: &v two\nx_b: *v")
    _same(reader, first, config, "1")
    _same(reader, second, config, "2")
    assert reader.read(second.encode(), "3", PATH).data["x_b"] == "two"  # type: ignore[union-attr]


def test_a_diff_of_versions_is_the_diff_of_records(config) -> None:  # type: ignore[no-untyped-def]
    reader = VersionReader(config)
    old_text = PLAIN
    new_text = PLAIN.replace("status: proposed", "status: approved").replace("severity: major", "severity: minor") \
        .replace("客户反映", "补充：客户反映")
    old, new = reader.read(old_text.encode(), "o", PATH), reader.read(new_text.encode(), "n", PATH)
    expected = diff_records(parse_blob(old_text.encode(), PATH, config), parse_blob(new_text.encode(), PATH, config))
    assert diff_records(old, new) == expected
    assert [c.field for c in expected] == ["status", "severity", "body"]


def test_every_yaml_test_suite_case_reads_as_the_store_reads_it(config, corpora: Path) -> None:  # type: ignore[no-untyped-def]
    cases = sorted((corpora / "yaml-test-suite" / "cases").glob("*/in.yaml"))
    if not cases:
        pytest.skip("yaml-test-suite corpus not present")
    reader = VersionReader(config, entries=50)
    checked = 0
    for case in cases:
        try:
            yaml_text = case.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if not yaml_text.endswith("\n"):
            yaml_text += "\n"
        for text in (f"---\n{yaml_text}---\n\nbody\n", f"---\nid: C-2611-001\n{yaml_text}status: registered\n---\n\nb\n"):
            _same(reader, text, config, str(case))
            checked += 1
    assert checked > 500

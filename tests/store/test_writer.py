"""Writes: new records in schema order, updates touching only changed keys, atomic, never over a human edit."""

from __future__ import annotations

import difflib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from svcnotes.model.schema import KINDS
from svcnotes.store.repository import DirtyRecord, Repository
from svcnotes.store.writer import atomic_write, render_update

REL = "records/complaints/2026/C-2611-001.md"

HAND_WRITTEN = """\
---
# 张伟 11/2 电话登记
id: C-2611-001
title: "支架尺寸超差"   # 客户原话
customer: hengda-auto
status: 'registered'
received_at: 2026-11-02 09:30
registered_at: 2026-11-02
channel: phone
first_responder: zhang.wei
owner: zhang.wei
category: product_quality
severity: normal
tags: [急, 批量]
cause_analysis: |
  模具磨损，
  未按期更换。
---

客户来电反映支架尺寸超差。
  * 缩进的列表""" + "   " + """
末尾没有换行"""  # the trailing spaces are test data


def changed_lines(before: str, after: str) -> list[str]:
    """The -/+ lines of a unified diff."""
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.fixture
def hand(repo: Path) -> Path:
    """The fixture repo with a hand-written complaint (comments, quotes, odd key order, flow list)."""
    (repo / REL).write_text(HAND_WRITTEN, encoding="utf-8")
    return repo


def test_update_changes_only_the_line_of_the_changed_key(hand: Path) -> None:
    repo = Repository(hand)
    record = repo.complaints.get("C-2611-001")
    updated = repo.complaints.update(record, {"status": "investigating"})
    after = (hand / REL).read_text(encoding="utf-8")
    assert changed_lines(HAND_WRITTEN, after) == ["-status: 'registered'", "+status: investigating"]
    assert updated.status == "investigating" and after.endswith("末尾没有换行")


def test_update_inserts_a_new_key_after_its_schema_neighbour_and_deletes_with_none(hand: Path) -> None:
    repo = Repository(hand)
    record = repo.complaints.get("C-2611-001")
    repo.complaints.update(record, {"cause_class": "quality", "tags": None, "amount": Decimal("1200.50")})
    after = (hand / REL).read_text(encoding="utf-8")
    assert changed_lines(HAND_WRITTEN, after) == ["-tags: [急, 批量]", "+cause_class: quality", "+amount: 1200.5"]
    assert after.index("cause_class: quality") > after.index("severity: normal")
    assert after.index("amount: 1200.5") > after.index("未按期更换")
    reread = Repository(hand).complaints.get("C-2611-001")
    assert reread.data["cause_class"] == "quality" and "tags" not in reread.data
    assert reread.data["amount"] == Decimal("1200.5")
    assert reread.data["cause_analysis"] == "模具磨损，\n未按期更换。\n"


def test_update_of_a_multi_line_value_replaces_its_whole_block(hand: Path) -> None:
    repo = Repository(hand)
    repo.complaints.update(repo.complaints.get("C-2611-001"), {"cause_analysis": "模具磨损。\n已更换。"})
    after = (hand / REL).read_text(encoding="utf-8")
    assert changed_lines(HAND_WRITTEN, after) == ["-cause_analysis: |", "-  模具磨损，", "-  未按期更换。",
                                                  "+cause_analysis: |-", "+  模具磨损。", "+  已更换。"]
    assert Repository(hand).complaints.get("C-2611-001").data["cause_analysis"] == "模具磨损。\n已更换。"
    assert "# 张伟 11/2 电话登记" in after and 'title: "支架尺寸超差"   # 客户原话' in after


def test_update_keeps_crlf_and_bom(repo: Path) -> None:
    raw = b"\xef\xbb\xbf" + HAND_WRITTEN.replace("\n", "\r\n").encode("utf-8")
    (repo / REL).write_bytes(raw)
    store = Repository(repo).complaints
    store.update(store.get("C-2611-001"), {"status": "investigating", "ship_date": date(2026, 10, 30)})
    after = (repo / REL).read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and b"\n" not in after.replace(b"\r\n", b"")
    assert after.replace(b"status: investigating\r\n", b"status: 'registered'\r\n").replace(b"ship_date: 2026-10-30\r\n", b"") == raw


def test_update_refuses_when_the_file_changed_since_it_was_read(hand: Path) -> None:
    repo = Repository(hand)
    record = repo.complaints.get("C-2611-001")
    edited = HAND_WRITTEN.replace("severity: normal", "severity: major")
    (hand / REL).write_text(edited, encoding="utf-8")
    with pytest.raises(DirtyRecord, match="changed on disk since it was read"):
        repo.complaints.update(record, {"status": "investigating"})
    assert (hand / REL).read_text(encoding="utf-8") == edited


def test_updated_values_that_yaml11_would_misread_are_quoted(hand: Path) -> None:
    repo = Repository(hand)
    repo.complaints.update(repo.complaints.get("C-2611-001"), {"order_no": "0123", "part_no": "no", "request_note": "2026-11-05"})
    text = (hand / REL).read_text(encoding="utf-8")
    assert "order_no: '0123'" in text and "part_no: 'no'" in text and "request_note: '2026-11-05'" in text
    data = Repository(hand).complaints.get("C-2611-001").data
    assert (data["order_no"], data["part_no"], data["request_note"]) == ("0123", "no", "2026-11-05")


def test_render_update_refuses_a_file_that_does_not_parse() -> None:
    with pytest.raises(ValueError):
        render_update(KINDS["complaint"], "no front matter\n", {"status": "closed"})


def test_atomic_write_leaves_no_temp_file_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "a" / "x.md"
    atomic_write(target, "one\n")
    target.chmod(0o600)
    atomic_write(target, "two\r\n")
    assert target.read_bytes() == b"two\r\n" and (target.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["x.md"]


def test_atomic_write_failure_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "x.md"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(target, "bad \ud800 surrogate")
    assert target.read_text(encoding="utf-8") == "old\n" and [p.name for p in tmp_path.iterdir()] == ["x.md"]


def test_new_record_is_written_in_schema_order(repo: Path) -> None:
    store = Repository(repo).complaints
    record = store.create({"severity": "normal", "title": "外观划伤", "customer": "hengda-auto", "status": "registered",
                           "received_at": datetime(2026, 11, 20, 8, 5), "registered_at": date(2026, 11, 20),
                           "channel": "email", "first_responder": "li.na", "category": "product_quality"}, "正文\n")
    text = (repo / record.path).read_text(encoding="utf-8")
    assert record.id == "C-2611-002"
    assert text == ("---\nid: C-2611-002\ntitle: 外观划伤\nstatus: registered\ncustomer: hengda-auto\n"
                    "received_at: 2026-11-20 08:05\nregistered_at: 2026-11-20\nchannel: email\nfirst_responder: li.na\n"
                    "category: product_quality\nseverity: normal\n---\n\n正文\n")


def test_customer_with_an_existing_slug_is_e203(repo: Path) -> None:
    from svcnotes.store.repository import InvalidRecord

    with pytest.raises(InvalidRecord) as info:
        Repository(repo).customers.create({"id": "hengda-auto", "name": "x", "tier": "key"})
    assert [p.format() for p in info.value.problems] == [
        "records/customers/hengda-auto.md: E203 id: 'hengda-auto' already exists (choose another id)"]

"""Completion in front matter: field names and allowed values from the schema, config and records."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcnotes.editing import complete as completing
from svcnotes.editing.complete import Completions, complete
from svcnotes.model.schema import COMPLAINT_STATUSES, SEVERITIES
from svcnotes.store.repository import Repository

REL = "records/complaints/2026/C-2611-002.md"
TEXT = "\n".join([  # a record being typed: several lines end in a space, after the colon
    '---',
    'id: C-2611-002',
    'title: 支架尺寸超差',
    'status: re',
    'severity: ',
    'customer: heng',
    'owner: l',
    'category: ',
    'responsible_dept: ',
    'request: [return, ex',
    'approvals:',
    '  - by: li.na',
    '    ro',
    '  - ',
    'capa:',
    '- action: 补检',
    '  own',
    '---',
    '',
    'Body text: status: ',
]) + "\n"


def at(root: Path, text: str, line: int, column: int, rel: str = REL) -> Completions:
    repo = Repository(root)
    return complete(text, line, column, rel, repo.config, repo.snapshot())


def labels(found: Completions) -> list[str]:
    return [s.label for s in found.items]


def line_end(text: str, line: int) -> int:
    return len(text.splitlines()[line])


def test_status_offers_every_status_of_the_kind_replacing_what_was_typed(repo: Path) -> None:
    found = at(repo, TEXT, 3, line_end(TEXT, 3))
    assert labels(found) == list(COMPLAINT_STATUSES)
    assert {(s.start, s.insert) for s in found.items if s.label == "resolved"} == {(8, "resolved")}


def test_right_after_the_colon_a_space_is_inserted_before_the_value(repo: Path) -> None:
    found = at(repo, "---\nstatus:", 1, 7)
    assert [s.insert for s in found.items][:2] == [" registered", " investigating"]


def test_values_come_from_the_schema_the_config_and_the_records(repo: Path) -> None:
    assert labels(at(repo, TEXT, 4, line_end(TEXT, 4))) == list(SEVERITIES)
    customers = at(repo, TEXT, 5, line_end(TEXT, 5)).items
    assert [(s.label, s.detail, s.start) for s in customers] == [("hengda-auto", "恒达汽车零部件有限公司", 10)]
    staff = at(repo, TEXT, 6, line_end(TEXT, 6)).items
    assert [s.label for s in staff] == ["chen.gang", "li.na", "wang.qiang", "zhang.wei", "zhao.min"]
    assert staff[1].detail == "李娜 sales"
    categories = at(repo, TEXT, 7, line_end(TEXT, 7)).items
    assert ("product_quality", "产品质量 / Product quality") in [(s.label, s.detail) for s in categories]
    assert "quality" in labels(at(repo, TEXT, 8, line_end(TEXT, 8)))


def test_list_fields_complete_their_items(repo: Path) -> None:
    flow = at(repo, TEXT, 9, line_end(TEXT, 9))
    assert labels(flow) == ["return", "exchange", "allowance", "compensation", "repair", "explanation"]
    assert {s.start for s in flow.items} == {len("request: [return, ")}
    block = "---\nrequest:\n  - ex\n---\n"
    assert [(s.label, s.start) for s in at(repo, block, 2, 6).items][1] == ("exchange", 4)
    assert [s.insert for s in at(repo, "---\nrequest: ", 1, 9).items][0] == "[return]"


def test_field_names_at_the_top_level_leave_out_those_already_written(repo: Path) -> None:
    found = at(repo, TEXT + "", 10, 0)  # the start of 'approvals:' line
    names = labels(found)
    assert "received_at" in names and "channel" in names
    assert not {"id", "title", "status", "severity", "customer"} & set(names)
    received = next(s for s in found.items if s.label == "received_at")
    assert (received.insert, received.detail) == ("received_at: ", "受理时间 / Received at (required)")
    cause = next(s for s in found.items if s.label == "cause_class")
    assert cause.detail.startswith("原因类别 / Cause class (required when approved, closed")


def test_entries_of_a_list_field_complete_their_own_fields(repo: Path) -> None:
    continuing = at(repo, TEXT, 12, line_end(TEXT, 12))  # '    ro' in the entry that has 'by'
    assert labels(continuing) == ["role", "at", "resolution", "amount", "digest"]
    assert continuing.items[0].start == 4
    fresh = at(repo, TEXT, 13, line_end(TEXT, 13))  # '  - ' a new entry
    assert labels(fresh) == ["by", "role", "at", "resolution", "amount", "digest"]
    capa = at(repo, TEXT, 16, line_end(TEXT, 16))  # '  own' under an unindented '- action:'
    assert labels(capa) == ["owner", "due", "status", "verified_by", "verified_at"]
    nested_status = at(repo, "---\ncapa:\n  - status: ", 2, 12)
    assert labels(nested_status) == ["open", "done", "verified"]


def test_nothing_is_offered_outside_the_front_matter_or_outside_record_files(repo: Path) -> None:
    body_line = len(TEXT.splitlines()) - 1
    assert at(repo, TEXT, body_line, line_end(TEXT, body_line)).items == []
    assert at(repo, TEXT, 0, 3).items == []
    assert at(repo, TEXT, 3, 10, rel="README.md").items == []
    assert at(repo, "status: ", 0, 8).items == []  # no front matter at all
    assert at(repo, "---\ntitle: 支架\n", 1, 9).items == []  # free text


def test_long_id_lists_are_narrowed_by_the_typed_prefix_and_marked_incomplete(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(completing, "MAX_ITEMS", 2)
    everyone = at(repo, "---\nowner: ", 1, 7)
    assert (labels(everyone), everyone.incomplete) == (["chen.gang", "li.na"], True)
    narrowed = at(repo, "---\nowner: zh", 1, 9)
    assert (labels(narrowed), narrowed.incomplete) == (["zhang.wei", "zhao.min"], False)

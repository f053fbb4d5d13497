"""Field and body diffs: the shortcuts give exactly what the general comparison gives."""

from __future__ import annotations

import difflib
import random
from pathlib import Path

import pytest

from svcnotes.history.diff import Change, diff_body, diff_data, diff_records, parse_blob
from svcnotes.history.versions import VersionReader, diff_versions
from svcnotes.store.repository import Repository
from tests.history.test_versions import PATH, PLAIN


def _matcher(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed.extend(old[i1:i2])
            added.extend(new[j1:j2])
    return removed, added


def test_body_changes_are_the_lines_sequence_matcher_finds() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(20_000):
        alphabet = "abcdefgh"[:rng.randint(1, 6)]
        old = [rng.choice(alphabet) for _ in range(rng.randint(0, 8))]
        if rng.random() < 0.6:  # one run rewritten: the common case, and the shortcut's
            new = list(old)
            at = rng.randint(0, len(new))
            new[at:rng.randint(at, min(len(new), at + 3))] = [rng.choice(alphabet + "XYZ") for _ in range(rng.randint(0, 3))]
        else:
            new = [rng.choice(alphabet) for _ in range(rng.randint(0, 8))]
        if old == new:
            continue
        change = diff_body("\n".join(old) + "\n" if old else "", "\n".join(new) + "\n" if new else "")
        assert change is not None
        assert (change.old, change.new) == _matcher(old, new), (old, new)
        checked += 1
    assert checked > 15_000


@pytest.mark.parametrize(("old", "new", "removed", "added"), [
    ("a\nb\n- 处理记录 4\n", "a\nb\n- 处理记录 5\n", ["- 处理记录 4"], ["- 处理记录 5"]),  # the last line rewritten
    ("a\na\na\n", "a\nY\na\na\n", ["a"], ["a", "Y"]),  # a repeated line: SequenceMatcher's own choice
    ("", "a\nb\n", [], ["a", "b"]),
    ("a\n\nb\n", "a\n\nb\n\nc\n", [], ["", "c"]),
])
def test_body_change_examples(old: str, new: str, removed: list[str], added: list[str]) -> None:
    assert diff_body(old, new) == Change("body", removed, added)


def test_a_created_or_deleted_record_lists_every_field() -> None:
    data = {"id": "C-1", "status": "new", "empty": None}
    assert diff_data({}, data, "", "") == [Change("id", None, "C-1"), Change("status", None, "new")]
    assert diff_data(data, {}, "", "") == [Change("id", "C-1", None), Change("status", "new", None)]


@pytest.fixture
def config(repo: Path):  # type: ignore[no-untyped-def]
    return Repository.open(repo).config


EDITS = [
    lambda t: t.replace("status: proposed", "status: approved"),
    lambda t: t.replace("severity: major", "severity: bogus"),  # a value the schema rejects: the field is dropped
    lambda t: t.replace("severity: major\n", ""),
    lambda t: t.replace("amount: 12000\napp", "amount: 13000\nx_new: 1\napp").replace("channel: phone\n", ""),
    lambda t: t.replace("title: 产品尺寸超差\n", "").replace("---\n\n客户", "title: 产品尺寸超差\n---\n\n客户"),  # moved
    lambda t: t.replace("    amount: 12000", "    amount: 9000") + "补充。\n",
]


@pytest.mark.parametrize("steps", [[0], [1], [2], [3], [4], [5], [1, 0], [1, 1], [2, 3, 5], [4, 1, 0, 3]])
def test_versions_typed_against_the_one_before_diff_like_records(config, steps: list[int]) -> None:  # type: ignore[no-untyped-def]
    reader = VersionReader(config)
    texts = [PLAIN]
    for step in steps:
        texts.append(EDITS[step](texts[-1]))
        if step == 1:
            texts.append(texts[-1].replace("severity: bogus", "severity: minor"))  # valid again, in its old place
    before = reader.read(texts[0].encode(), "v0", PATH)
    for n, text in enumerate(texts[1:], 1):
        after = reader.read(text.encode(), f"v{n}", PATH, base=before)
        record = parse_blob(text.encode(), PATH, config)
        assert after is not None and record is not None
        assert (after.data, list(after.data), after.body) == (record.data, list(record.data), record.body)
        expected = diff_records(parse_blob(texts[n - 1].encode(), PATH, config), record)
        assert diff_versions(before, after) == expected
        before = after

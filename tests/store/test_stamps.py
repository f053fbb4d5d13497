"""The one stat pass: its parts list every record file once, in exactly repo.scan's order, however
the files are named and nested, on one core or two."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcnotes.store import stamps
from svcnotes.store.repository import Repository
from svcnotes.store.stamps import in_scan_order, scan_key, scan_parts
from tests.conftest import CONFIG

NAMES = [
    "records/customers/a.md", "records/customers/k.md", "records/customers/k-2.md", "records/customers/k/x.md",
    "records/customers/k/y-1.md", "records/customers/z.md", "records/customers/m/n/deep.md",
    "records/complaints/2026/C-2611-001.md", "records/complaints/2026/sub/C-2611-002.md",
    "records/complaints/2026/sub-b/C-2611-003.md", "records/complaints/2026/sub.md",
    "records/complaints/2026/sub.x/C-2611-004.md", "records/complaints/2025/C-2511-001.md",
    "records/complaints/loose.md", "records/notes/2026/N-2611-001.md", "records/callbacks/2026/CB-2611-001.md",
    "records/notes/2026/new\nline.md",
]


@pytest.fixture
def tricky(tmp_path: Path) -> Path:
    (tmp_path / "svcnotes.toml").write_text(CONFIG, encoding="utf-8")
    for i, rel in enumerate(NAMES):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x" * i, encoding="utf-8")
    (tmp_path / "records/customers/.hidden.md").write_text("no", encoding="utf-8")
    (tmp_path / "records/customers/readme.txt").write_text("no", encoding="utf-8")
    (tmp_path / "records/complaints/2026/.tmp").mkdir()
    (tmp_path / "records/complaints/2026/.tmp/C-2611-009.md").write_text("no", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("part_files", [1000, 2, 1])
def test_the_parts_hold_every_record_file_in_scan_order(tricky: Path, part_files: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "PART_FILES", part_files)
    repo = Repository(tricky)
    scan = scan_parts(repo, workers=1)
    joined = in_scan_order(scan.parts, {p.name: [(rel, (size, mtime)) for rel, size, mtime in p.stamps()]
                                        for p in scan.parts})
    assert [(rel, size, mtime) for rel, (size, mtime) in joined] == repo.scan()
    assert sorted(NAMES, key=scan_key) == [rel for rel, _size, _mtime in repo.scan()]


def test_two_cores_give_the_same_parts(tricky: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "PARALLEL_MIN_FOLDER_BYTES", 0)
    monkeypatch.setattr(stamps, "PART_FILES", 2)
    repo = Repository(tricky)
    assert scan_parts(repo, workers=2).parts == scan_parts(repo, workers=1).parts


def test_a_part_changes_only_when_one_of_its_files_does(tricky: Path) -> None:
    repo = Repository(tricky)
    before = {(p.folder, p.prefix): p.digest for p in scan_parts(repo, workers=1).parts}
    (tricky / "records/complaints/2026/sub/C-2611-002.md").write_text("changed", encoding="utf-8")
    after = {(p.folder, p.prefix): p.digest for p in scan_parts(repo, workers=1).parts}
    assert {name for name in before if before[name] != after[name]} == {("records/complaints/2026", "")}


def test_a_large_folder_is_cut_by_name_prefix_into_parts_within_the_limit(tricky: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "PART_FILES", 3)
    for month in ("2609", "2610", "2611"):
        for n in range(3):
            (tricky / f"records/complaints/2025/C-{month}-{n:03d}.md").write_text("x", encoding="utf-8")
    parts = [p for p in scan_parts(Repository(tricky), workers=1).parts if p.folder == "records/complaints/2025"]
    assert [(p.prefix, len(p.stamps())) for p in parts] == [("C-2511", 1), ("C-2609", 3), ("C-2610", 3), ("C-2611", 3)]
    (tricky / "records/complaints/2025/C-2610-001.md").write_text("changed", encoding="utf-8")
    after = [p for p in scan_parts(Repository(tricky), workers=1).parts if p.folder == "records/complaints/2025"]
    assert [p.prefix for p, q in zip(parts, after, strict=True) if p.digest != q.digest] == ["C-2610"]

"""svcnotes demo: the bundled records replayed as dated, attributed commits with PR-style merges."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.history.replay import ReplayError, _subset, replay
from svcnotes.store.repository import Repository
from tests.conftest import git

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 12


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed demo records (not the work tree, which the demo generator may be rewriting)."""
    out = tmp_path_factory.mktemp("demo-source")
    archive = subprocess.run(["git", "archive", "HEAD", "svcnotes.toml", "records"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out


@pytest.fixture(scope="module")
def replayed(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    target = tmp_path_factory.mktemp("demo") / "repo"
    return target, replay(source, target, limit=LIMIT)


def _expected(source: Path) -> dict:
    snap = Repository(source).snapshot()
    return {r.id: r for rs in _subset(snap.records, LIMIT).values() for r in rs}


def _log(root: Path, *args: str) -> list[list[str]]:
    out = git(root, "log", "--format=%H%x1f%P%x1f%ae%x1f%ad%x1f%s", "--date=format:%Y-%m-%d %H:%M", *args)
    return [line.split("\x1f") for line in out.splitlines() if line]


def test_replayed_records_equal_the_source_field_for_field(source: Path, replayed) -> None:
    target, report = replayed
    want = _expected(source)
    got = {r.id: r for r in Repository(target).snapshot().all()}
    assert report.failures == {}
    assert sorted(got) == sorted(want)
    for rid, record in want.items():
        assert got[rid].data == record.data, rid
        assert got[rid].body == record.body, rid
    assert git(target, "status", "--porcelain") == ""


def test_each_complaint_is_created_by_its_first_responder_on_the_day_received(source: Path, replayed) -> None:
    target, _ = replayed
    config = Repository(source).config
    for record in [r for r in _expected(source).values() if r.kind == "complaint"]:
        first = _log(target, "--reverse", "--", record.path)[0]
        assert first[2] == config.staff[record.get("first_responder")].emails[0]
        if not record.get("reopens"):
            assert first[3] == record.get("received_at").strftime("%Y-%m-%d %H:%M")


def test_approved_resolutions_are_merged_no_ff_after_the_approvers_commit(source: Path, replayed) -> None:
    target, report = replayed
    config = Repository(source).config
    approved = [r for r in _expected(source).values() if r.kind == "complaint" and r.get("approvals")]
    merges = _log(target, "--merges")
    assert approved and len(merges) == len(approved) == report.merges
    for record in approved:
        merge = next(m for m in merges if record.id in m[4])
        first_parent, branch_head = merge[1].split()
        last = record.get("approvals")[-1]
        approver = _log(target, "-1", branch_head)[0]
        assert approver[2] == merge[2] == config.staff[last["by"]].emails[0]
        assert approver[3] == last["at"].strftime("%Y-%m-%d %H:%M")
        assert merge[0] in git(target, "rev-list", "--first-parent", "main").split()
        proposal = [c for c in _log(target, f"{first_parent}..{branch_head}") if "→ proposed" in c[4]]
        assert proposal and proposal[0][2] == config.staff[record.get("proposed_by")].emails[0]
    assert git(target, "branch", "--format=%(refname:short)").split() == ["main"]


def test_demo_refuses_a_folder_that_is_not_empty(source: Path, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ReplayError, match="exists and is not empty"):
        replay(source, tmp_path, limit=1)
    result = CliRunner().invoke(cli, ["demo", str(tmp_path), "--from", str(source), "--limit", "1"])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path} exists and is not empty; remove it or choose another folder"
    chinese = CliRunner().invoke(cli, ["--lang", "zh-CN", "demo", str(tmp_path), "--from", str(source), "--limit", "1"])
    assert chinese.exit_code == 1
    assert chinese.output.strip().endswith(f"{tmp_path} 已存在且不是空的；请先删除它，或换一个文件夹")
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "x" and sorted(tmp_path.iterdir()) == [tmp_path / "keep.txt"]


def test_demo_command_reports_what_it_replayed(source: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "d"), "--from", str(source), "--limit", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Replayed ")
    assert f"into {tmp_path / 'd'}" in result.output

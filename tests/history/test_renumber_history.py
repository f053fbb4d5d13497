"""Numbering across branches (renumber), history across renames, log queries, register --as-of, audit."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git, write
from tests.history.helpers import C1, commit_all, merge_pr, run, set_field

C2 = "records/complaints/2026/C-2611-002.md"
C3 = "records/complaints/2026/C-2611-003.md"

NEW_COMPLAINT = """\
---
id: C-2611-002
title: {title}
status: registered
customer: hengda-auto
received_at: 2026-11-06 10:00
registered_at: 2026-11-06
channel: email
first_responder: {who}
category: delivery
severity: minor
---

{title}
"""

CALLBACK = """\
---
id: CB-2611-001
customer: hengda-auto
complaint: C-2611-002
kind: post_resolution
due: 2026-11-20
status: scheduled
---
"""


def _two_branches_same_number(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "a")
    write(repo, C2, NEW_COMPLAINT.format(title="交期延误", who="li.na"))
    commit_all(repo, "C-2611-002: registered", who="li.na")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "b")
    write(repo, C2, NEW_COMPLAINT.format(title="包装破损", who="zhang.wei"))
    write(repo, "records/callbacks/2026/CB-2611-001.md", CALLBACK)
    commit_all(repo, "C-2611-002: registered, with its callback")
    set_field(repo, C2, "status", "investigating")
    commit_all(repo, "C-2611-002: registered → investigating")
    merge_pr(repo, "a")
    git(repo, "checkout", "-q", "b")


def test_second_branch_with_the_same_number_fails_and_renumber_fixes_it(repo: Path) -> None:
    _two_branches_same_number(repo)
    failed = run(repo, "check", "--base", "main")
    assert failed.exit_code == 1
    assert (f"{C2}:2: E604 id: number C-2611-002 is already taken on main (another branch created it) (run: "
            "svcnotes renumber C-2611-002  (moves this record to the next free number and updates every "
            "reference))") in failed.output.splitlines()
    fixed = run(repo, "renumber", "C-2611-002")
    assert fixed.exit_code == 0, fixed.output
    assert fixed.output.splitlines()[0] == f"C-2611-002 -> C-2611-003  {C3}"
    assert "complaint: C-2611-003" in (repo / "records/callbacks/2026/CB-2611-001.md").read_text()
    text = (repo / C3).read_text()
    assert "id: C-2611-003" in text and "C-2611-002" in text.split("aliases:", 1)[1]
    assert git(repo, "status", "--porcelain").strip() == ""
    assert git(repo, "log", "-1", "--format=%s").strip() == "C-2611-002: renumbered → C-2611-003"
    passed = run(repo, "check", "--base", "main")
    assert passed.exit_code == 0, passed.output


def test_renumber_never_reuses_a_number_seen_on_any_branch(repo: Path) -> None:
    _two_branches_same_number(repo)
    git(repo, "checkout", "-q", "-b", "c", "main")
    write(repo, C3, NEW_COMPLAINT.format(title="其他", who="li.na").replace("C-2611-002", "C-2611-003"))
    commit_all(repo, "C-2611-003 elsewhere", who="li.na")
    git(repo, "checkout", "-q", "b")
    assert run(repo, "renumber", "C-2611-002").output.startswith("C-2611-002 -> C-2611-004")


def test_history_shows_field_level_changes_across_a_renumber(repo: Path) -> None:
    _two_branches_same_number(repo)
    run(repo, "renumber", "C-2611-002")
    merge_pr(repo, "b")
    by_new = run(repo, "history", "C-2611-003", "--format", "json")
    data = json.loads(by_new.output)
    assert data["ids"] == ["C-2611-002", "C-2611-003"]
    actions = [e["action"] for e in data["events"]]
    assert actions == ["created", "changed", "renamed"]
    assert {"field": "status", "old": "registered", "new": "investigating"} in data["events"][1]["changes"]
    assert {"field": "id", "old": "C-2611-002", "new": "C-2611-003"} in data["events"][2]["changes"]
    assert data["events"][1]["pr_subject"] == "Merge pull request from b"
    # the number C-2611-002 now belongs to branch a's record: its own history, not the renumbered one's
    current = run(repo, "history", "C-2611-002").output
    assert current.splitlines()[0] == "C-2611-002" and "(li.na)  created" in current and "renumbered" not in current
    text = run(repo, "history", "C-2611-003").output
    assert "    张伟 changed the status from Registered to Investigating" in text
    assert f"    renumbered: {C2} -> {C3}" in text


def test_a_former_number_finds_the_renumbered_record(repo: Path) -> None:
    run(repo, "investigate", "C-2611-001", "--today", "2026-11-03")
    assert run(repo, "renumber", "C-2611-001").exit_code == 0
    text = run(repo, "history", "C-2611-001").output
    assert text.splitlines()[0] == "C-2611-002 (also: C-2611-001)"
    assert "    张伟 changed the status from Registered to Investigating" in text
    assert "    张伟 changed the number from C-2611-001 to C-2611-002" in text


def test_log_finds_every_status_change_by_one_author_in_a_period(repo: Path) -> None:
    run(repo, "investigate", "C-2611-001", "--today", "2026-11-03", who="zhang.wei")
    result = run(repo, "log", "--author", "zhang.wei", "--field", "status", "--kind", "complaint", "--format", "json")
    rows = json.loads(result.output)
    assert [(r["record"], r["old"], r["new"]) for r in rows] == [
        ("C-2611-001", None, "registered"), ("C-2611-001", "registered", "investigating")]
    assert json.loads(run(repo, "log", "--author", "li.na", "--format", "json").output) == []
    assert json.loads(run(repo, "log", "--until", "2000-01-01", "--format", "json").output) == []


def _commit_at(root: Path, when: str, *args: str) -> None:
    """git commit with author and committer date `when`."""
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "commit", "-q", *args], cwd=root, check=True, env=env, capture_output=True)


def test_register_as_of_a_day_shows_the_status_of_that_day(repo: Path) -> None:
    _commit_at(repo, "2026-11-02T10:00:00+08:00", "--amend", "--no-edit")
    set_field(repo, C1, "status", "investigating")
    git(repo, "add", "-A")
    _commit_at(repo, "2026-11-10T12:00:00+08:00", "-m", "investigate")
    early = run(repo, "register", "--as-of", "2026-11-05", "--format", "json")
    assert [(r["id"], r["status"]) for r in json.loads(early.stdout)] == [("C-2611-001", "registered")]
    late = run(repo, "register", "--as-of", "2026-11-30", "--format", "json")
    assert [(r["id"], r["status"]) for r in json.loads(late.stdout)] == [("C-2611-001", "investigating")]
    before = run(repo, "register", "--as-of", "2026-11-01")
    assert before.exit_code == 2
    assert "error: nothing was committed on main by the end of 2026-11-01" in before.output


def test_audit_finds_a_transition_that_skipped_a_state_on_main(repo: Path) -> None:
    set_field(repo, C1, "status", "proposed")
    commit_all(repo, "pushed straight to main", who="zhang.wei")
    result = run(repo, "audit")
    assert result.exit_code == 1
    sha = git(repo, "rev-parse", "--short=10", "HEAD").strip()
    day = git(repo, "log", "-1", "--format=%ad", "--date=short").strip()
    assert result.stdout.splitlines() == [
        f"{C1}: E601 status: illegal transition skips a state: registered → proposed (in commit {sha} by zhang.wei "
        f"<zhang.wei@example.com>) on {day}, pushed directly to main, actor zhang.wei (go through registered → "
        "investigating → proposed, one commit each)"]


def test_audit_ignores_branches_never_merged(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "wild")
    set_field(repo, C1, "status", "closed")
    commit_all(repo, "never merged")
    git(repo, "checkout", "-q", "main")
    assert run(repo, "audit").exit_code == 0


def test_history_cache_is_refreshed_incrementally_and_survives_corruption(repo: Path) -> None:
    assert run(repo, "log").exit_code == 0  # builds the history store
    folder = repo / ".svcnotes-cache/history"
    assert {p.name for p in folder.iterdir()} == {"history.sqlite"}
    assert "created" in run(repo, "history", "C-2611-001").output
    before = sqlite3.connect(folder / "history.sqlite").execute("SELECT seq, content FROM events").fetchall()
    inode = (folder / "history.sqlite").stat().st_ino
    run(repo, "investigate", "C-2611-001", "--today", "2026-11-03")
    assert "changed the status from Registered to Investigating" in run(repo, "history", "C-2611-001").output
    store = sqlite3.connect(folder / "history.sqlite")
    assert store.execute("SELECT v FROM meta WHERE k = 'head'").fetchone()[0] == git(repo, "rev-parse", "HEAD").strip()
    after = store.execute("SELECT seq, content FROM events").fetchall()
    store.close()
    # extended in place by the new commit alone: the earlier events are untouched, one event is added
    assert (folder / "history.sqlite").stat().st_ino == inode
    assert after[:len(before)] == before and len(after) == len(before) + 1
    warm = run(repo, "log", "--format", "json").output
    for cache in folder.iterdir():
        cache.write_bytes(b"garbage")
    assert "changed the status from Registered to Investigating" in run(repo, "history", "C-2611-001").output
    assert run(repo, "log", "--format", "json").output == warm
    rows = json.loads(run(repo, "log", "--field", "status", "--format", "json").output)
    assert [(r["old"], r["new"]) for r in rows] == [(None, "registered"), ("registered", "investigating")]
    subprocess.run(["rm", "-rf", str(repo / ".svcnotes-cache")], check=True)
    assert run(repo, "log", "--format", "json").output == warm


def test_log_of_an_unknown_record_is_empty(repo: Path) -> None:
    assert json.loads(run(repo, "log", "--record", "C-2611-999", "--format", "json").output) == []
    assert json.loads(run(repo, "log", "--record", "C-2611-001", "--format", "json").output)


def _timelines(repo: Path, record_id: str) -> tuple[object, object, object]:
    """(index, shard, git scan) views of one record's history, as comparable tuples."""
    from svcnotes.history.log import load_index, record_history, scan_record
    from svcnotes.model.config import load_config

    config, _ = load_config(repo)
    path = next(str(p.relative_to(repo)) for p in (repo / "records").rglob(f"{record_id}.md"))
    aliases = [str(Path(path).with_name(f"{a}.md")) for a in (C2_ALIASES.get(record_id) or ())]
    sharded = record_history(repo, config, record_id, path, aliases, use_cache=True)  # before the index refreshes it
    index = load_index(repo, config, use_cache=True)
    lineage = index.lineage_for(repo, record_id, path)
    assert lineage is not None

    def key(ids: list[str], events: list) -> tuple:
        return ids, [(e.sha, e.action, e.record_id, e.old_id, e.path, e.old_path, e.blob, e.old_blob, e.changes,
                      e.approvals_added, e.facts, e.pr, e.pr_subject, e.trailers) for e in events]

    scanned = scan_record(repo, config, record_id, path, aliases)
    return key(index.ids_of(lineage), index.timeline(lineage)), key(*sharded), key(*scanned)


C2_ALIASES = {"C-2611-003": ["C-2611-002"]}


def test_the_single_record_scan_and_the_index_agree_across_a_renumber(repo: Path) -> None:
    _two_branches_same_number(repo)
    run(repo, "renumber", "C-2611-002")
    merge_pr(repo, "b")
    set_field(repo, C3, "severity", "major")
    commit_all(repo, "C-2611-003: severity major")
    for record_id in ("C-2611-001", "C-2611-002", "C-2611-003"):
        by_index, by_shard, by_scan = _timelines(repo, record_id)
        assert by_index == by_shard == by_scan, record_id
    renumbered = _timelines(repo, "C-2611-003")[2]
    assert renumbered[0] == ["C-2611-002", "C-2611-003"]
    assert [e[1] for e in renumbered[1]] == ["created", "changed", "renamed", "changed"]
    assert renumbered[1][1][12] == "Merge pull request from b"
    # one more commit: the shard (written with the index at the previous HEAD) catches up from the new
    # commit alone, and agrees with the index and the scan
    set_field(repo, C3, "severity", "critical")
    commit_all(repo, "C-2611-003: severity critical")
    by_index, by_shard, by_scan = _timelines(repo, "C-2611-003")
    assert by_index == by_shard == by_scan
    assert len(by_scan[1]) == 5


def test_history_without_a_cache_matches_history_from_the_index(repo: Path) -> None:
    _two_branches_same_number(repo)
    run(repo, "renumber", "C-2611-002")
    merge_pr(repo, "b")
    cold = {i: run(repo, "history", i, "--format", "json").output for i in ("C-2611-002", "C-2611-003")}
    assert not (repo / ".svcnotes-cache/history").exists()
    assert run(repo, "log").exit_code == 0
    assert (repo / ".svcnotes-cache/history/history.sqlite").is_file()
    for record_id, text in cold.items():
        assert run(repo, "history", record_id, "--format", "json").output == text
        assert run(repo, "history", record_id, "--format", "json", "--no-cache").output == text


def test_audit_finds_a_forged_approval_that_landed_through_a_merge(repo: Path) -> None:
    from tests.history.helpers import add_approval, propose_args

    git(repo, "checkout", "-q", "-b", "forged")
    run(repo, "investigate", "C-2611-001", "--today", "2026-11-03")
    run(repo, *propose_args("C-2611-001", "4800"))
    add_approval(repo, C1, "li.na", "sales_manager", "4800")
    commit_all(repo, "approved (typed by the rep)")
    merge_pr(repo, "forged")
    result = run(repo, "audit", "--format", "json")
    findings = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(f["code"], f["direct_push"]) for f in findings] == [("E611", False)]
    assert "merged in" in findings[0]["message"]


@pytest.mark.parametrize("store", ["none", "behind the base", "at the base", "on the branch"])
def test_a_taken_number_is_found_whatever_the_history_store_describes(repo: Path, store: str) -> None:
    if store == "behind the base":
        assert run(repo, "log").exit_code == 0  # the store describes main before the other branch merged
    _two_branches_same_number(repo)
    if store == "at the base":
        git(repo, "checkout", "-q", "main")
        assert run(repo, "log").exit_code == 0
        git(repo, "checkout", "-q", "b")
    if store == "on the branch":  # describes this branch's own C-2611-002: must not be taken as main's
        assert run(repo, "log").exit_code == 0
    failed = run(repo, "check", "--base", "main")
    assert "E604 id: number C-2611-002 is already taken on main" in failed.output
    assert run(repo, "renumber", "C-2611-002").exit_code == 0
    passed = run(repo, "check", "--base", "main")
    assert passed.exit_code == 0, passed.output

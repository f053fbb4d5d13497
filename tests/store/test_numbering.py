"""Numbers: monthly serials from the received date, never reused (deleted, other branches, aliases), lock-safe."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from svcnotes.store import ids
from svcnotes.store.repository import Repository
from tests.conftest import COMPLAINT, git, identity_env, write

BASE = {"title": "t", "status": "registered", "customer": "hengda-auto", "registered_at": date(2026, 11, 20),
        "channel": "phone", "first_responder": "zhang.wei", "category": "other", "severity": "normal"}


def new_complaint(repo: Path, received: datetime) -> str:
    """Create a complaint through the store; return its id."""
    data = {**BASE, "received_at": received, "registered_at": received.date()}
    return Repository(repo).complaints.create(data).id


def test_serial_comes_from_the_received_month_and_restarts_each_month(repo: Path) -> None:
    assert new_complaint(repo, datetime(2026, 11, 30, 23, 59)) == "C-2611-002"
    assert new_complaint(repo, datetime(2026, 10, 15, 8, 0)) == "C-2610-001"
    assert new_complaint(repo, datetime(2027, 1, 3, 8, 0)) == "C-2701-001"
    assert (repo / "records/complaints/2027/C-2701-001.md").is_file()


def test_number_of_a_deleted_record_is_never_reused(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-002.md", COMPLAINT.replace("C-2611-001", "C-2611-002"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second")
    git(repo, "rm", "-q", "records/complaints/2026/C-2611-002.md")
    git(repo, "commit", "-qm", "delete")
    assert new_complaint(repo, datetime(2026, 11, 21, 9, 0)) == "C-2611-003"


def test_number_taken_on_another_branch_is_not_reused(repo: Path) -> None:
    git(repo, "checkout", "-qb", "other")
    write(repo, "records/complaints/2026/C-2611-004.md", COMPLAINT.replace("C-2611-001", "C-2611-004"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "on a branch")
    git(repo, "checkout", "-q", "main")
    assert new_complaint(repo, datetime(2026, 11, 21, 9, 0)) == "C-2611-005"


def test_former_numbers_recorded_as_aliases_are_never_reused(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2612-001.md",
          COMPLAINT.replace("C-2611-001", "C-2612-001").replace("severity: normal", "severity: normal\naliases: [C-2611-007]"))
    assert new_complaint(repo, datetime(2026, 11, 21, 9, 0)) == "C-2611-008"


def test_untracked_files_count_as_taken(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-010.md", COMPLAINT.replace("C-2611-001", "C-2611-010"))
    assert new_complaint(repo, datetime(2026, 11, 21, 9, 0)) == "C-2611-011"


def test_callbacks_and_notes_are_numbered_from_due_and_at(repo: Path) -> None:
    r = Repository(repo)
    cb = r.callbacks.create({"customer": "hengda-auto", "kind": "periodic", "due": date(2026, 12, 1), "status": "scheduled"})
    note = r.notes.create({"at": datetime(2026, 11, 5, 14, 0), "author": "zhang.wei", "kind": "call_in", "summary": "交期"})
    assert (cb.id, cb.path) == ("CB-2612-001", "records/callbacks/2026/CB-2612-001.md")
    assert (note.id, note.path) == ("N-2611-001", "records/notes/2026/N-2611-001.md")


def test_serials_and_next_number() -> None:
    names = ["C-2611-001.md", "records/complaints/2026/C-2611-012.md", "C-2611-1000", "C-2610-099.md", "CB-2611-050.md"]
    assert ids.serials("C", "2611", names) == {1, 12, 1000}
    assert ids.next_number("C", date(2026, 11, 1), {1, 12}) == "C-2611-013"
    assert ids.next_number("C", date(2026, 11, 1), set()) == "C-2611-001"


def test_two_processes_allocating_at_once_get_different_numbers(repo: Path) -> None:
    exe = Path(sys.executable).with_name("svcnotes")
    cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "svcnotes"]),
           "-C", str(repo), "new", "complaint", "--customer", "hengda-auto", "--title", "并发", "--category", "other",
           "--severity", "normal", "--channel", "phone", "--received-at", "2026-11-20 10:00", "--today", "2026-11-20",
           "--no-commit"]
    env = {**os.environ, **identity_env("zhang.wei")}
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env)
             for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    numbers = sorted(out.split()[0] for out, _ in outputs)
    assert numbers == ["C-2611-002", "C-2611-003", "C-2611-004", "C-2611-005"]
    assert sorted(p.name for p in (repo / "records/complaints/2026").iterdir()) == \
           ["C-2611-001.md", "C-2611-002.md", "C-2611-003.md", "C-2611-004.md", "C-2611-005.md"]


def test_an_interrupted_batch_create_leaves_no_files(repo: Path) -> None:
    """create_many is all or nothing: a failure half-way removes what the batch wrote."""
    from datetime import datetime

    import pytest as _pytest

    from svcnotes.store.repository import InvalidRecord, Repository

    store = Repository(repo).complaints
    good = {"title": "t", "status": "registered", "customer": "hengda-auto", "received_at": datetime(2026, 11, 3, 9, 0),
            "registered_at": datetime(2026, 11, 3).date(), "channel": "phone", "first_responder": "zhang.wei",
            "category": "other", "severity": "minor"}
    bad = {**good, "received_at": None}  # cannot be numbered: raises after the first file was written
    before = sorted(p.name for p in (repo / "records/complaints/2026").iterdir())
    with _pytest.raises(InvalidRecord, match="received_at"):
        store.create_many([(good, ""), (good, ""), (bad, "")])
    assert sorted(p.name for p in (repo / "records/complaints/2026").iterdir()) == before

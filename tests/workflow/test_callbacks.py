"""Callbacks: creation after resolution/on-site jobs, idempotent scheduling, attempts and the
unreachable hand-over, done (satisfaction comment, linked complaint), cancel, and their rules."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from svcnotes.model.record import Record
from svcnotes.store.repository import Repository
from svcnotes.workflow import callbacks
from svcnotes.workflow.callbacks import CallbackError, add_months, day_part, is_unreachable, periodic_dues
from svcnotes.workflow.commits import CommitOptions
from svcnotes.workflow.intake import create_record
from svcnotes.workflow.validation import validate_repository
from tests.conftest import git, write

D = date.fromisoformat
T = datetime.fromisoformat

CUSTOMER_WITH_PROJECTS = """\
---
id: hengda-auto
name: 恒达汽车零部件有限公司
tier: key
account_owner: zhang.wei
projects:
  - name: 焊装线改造
    delivered_on: 2025-11-15
  - name: 涂装线
    delivered_on: 2026-10-20
---
"""

CALLBACK = """\
---
id: CB-2611-001
customer: hengda-auto
complaint: C-2611-001
kind: post_resolution
due: 2026-11-12
status: scheduled
assigned_to: zhang.wei
---
"""


def log(root: Path, n: int = 1) -> str:
    return git(root, "log", f"-{n}", "--format=%B")


def commits(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD"))


def with_projects(root: Path) -> Repository:
    write(root, "records/customers/hengda-auto.md", CUSTOMER_WITH_PROJECTS)
    git(root, "commit", "-qam", "projects")
    return Repository.open(root)


def with_callback(root: Path, text: str = CALLBACK) -> Repository:
    write(root, "records/callbacks/2026/CB-2611-001.md", text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "callback")
    return Repository.open(root)


def test_periodic_dues_are_monthly_in_year_one_then_quarterly() -> None:
    dues = periodic_dues(D("2025-01-31"), D("2025-01-01"), D("2026-08-01"))
    assert dues[:3] == [D("2025-02-28"), D("2025-03-31"), D("2025-04-30")]
    assert dues[10:] == [D("2025-12-31"), D("2026-01-31"), D("2026-04-30"), D("2026-07-31")]
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29")


def test_schedule_creates_periodic_and_annual_needs_callbacks_in_one_commit(repo: Path) -> None:
    r = with_projects(repo)
    created = callbacks.schedule(r, D("2026-12-31"), D("2026-10-01"))
    got = [(c.get("kind"), c.get("project", ""), c.get("due")) for c in created]
    assert got == [("periodic", "焊装线改造", D("2026-10-15")), ("periodic", "焊装线改造", D("2026-11-15")),
                   ("periodic", "涂装线", D("2026-11-20")), ("periodic", "涂装线", D("2026-12-20")),
                   ("annual_needs", "", D("2026-12-31"))]
    assert {c.get("assigned_to") for c in created} == {"zhang.wei"}
    message = log(repo)
    assert "Svc-Action: schedule" in message and "Svc-Through: 2026-12-31" in message
    assert git(repo, "status", "--porcelain") == ""


def test_schedule_twice_creates_nothing_new(repo: Path) -> None:
    r = with_projects(repo)
    callbacks.schedule(r, D("2026-12-31"), D("2026-10-01"))
    before = commits(repo)
    assert callbacks.schedule(Repository.open(repo), D("2026-12-31"), D("2026-10-01")) == []
    assert commits(repo) == before


def test_schedule_keeps_a_cancelled_or_hand_made_callback_instead_of_recreating_it(repo: Path) -> None:
    with_projects(repo)
    write(repo, "records/callbacks/2026/CB-2612-001.md", """\
        ---
        id: CB-2612-001
        customer: hengda-auto
        kind: annual_needs
        due: 2026-12-31
        status: cancelled
        cancel_reason: 客户已合并
        ---
        """)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "hand-made")
    created = callbacks.schedule(Repository.open(repo), D("2026-12-31"), D("2026-12-01"))
    assert [(c.get("kind"), c.get("due")) for c in created] == [("periodic", D("2026-12-20"))]


def test_schedule_refuses_a_through_date_before_today(repo: Path) -> None:
    with pytest.raises(CallbackError, match="before 2026-10-01"):
        callbacks.schedule(Repository.open(repo), D("2026-09-30"), D("2026-10-01"))


def test_post_resolution_callback_is_due_a_week_after_the_customer_was_told_and_only_once(repo: Path) -> None:
    r = Repository.open(repo)
    complaint = Record("complaint", "C-2611-001", "records/complaints/2026/C-2611-001.md",
                       {"customer": "hengda-auto", "owner": "li.na", "told_at": T("2026-11-10 15:00")})
    created = callbacks.create_post_resolution(r, complaint, D("2026-11-11"))
    assert created is not None
    assert (created.get("kind"), created.get("due"), created.get("assigned_to")) == ("post_resolution", D("2026-11-17"), "li.na")
    assert "Svc-Complaint: C-2611-001" in log(repo)
    assert callbacks.create_post_resolution(Repository.open(repo), complaint, D("2026-11-11")) is None


def test_on_site_note_creates_its_post_service_callback(repo: Path) -> None:
    r = Repository.open(repo)
    note = create_record(r, "note", {"customer": "hengda-auto", "kind": "on_site", "summary": "现场调试",
                                     "at": T("2026-11-03 10:00")}, "", D("2026-11-03"), "zhang.wei", CommitOptions())
    [cb] = Repository.open(repo).callbacks.list()
    assert (cb.get("kind"), cb.get("note"), cb.get("due")) == ("post_service", note.id, D("2026-11-10"))
    create_record(r, "note", {"customer": "hengda-auto", "kind": "call_in", "summary": "询问"}, "", D("2026-11-03"),
                  "zhang.wei", CommitOptions())
    assert len(Repository.open(repo).callbacks.list()) == 1


@pytest.mark.parametrize("hour, part", [(9, "morning"), (12, "afternoon"), (17, "afternoon"), (18, "evening")])
def test_day_parts(hour: int, part: str) -> None:
    assert day_part(datetime(2026, 11, 10, hour, 0)) == part


def test_misses_in_the_same_part_of_the_day_are_not_enough() -> None:
    same = [{"at": datetime(2026, 11, d, 9, 0), "result": "no_answer"} for d in (10, 11, 12)]
    spread = [{"at": datetime(2026, 11, 10, h, 0), "result": r} for h, r in ((9, "no_answer"), (14, "busy"), (19, "no_answer"))]
    assert not is_unreachable(same, 3)
    assert is_unreachable(spread, 3)
    assert not is_unreachable(spread[:2], 3)


def test_third_miss_at_a_different_time_of_day_hands_the_callback_to_another_rep(repo: Path) -> None:
    r = with_callback(repo)
    callbacks.attempt(r, "CB-2611-001", "no_answer", T("2026-11-10 09:30"))
    cb = callbacks.attempt(Repository.open(repo), "CB-2611-001", "busy", T("2026-11-10 14:00"), "占线")
    assert cb.status == "scheduled"
    cb = callbacks.attempt(Repository.open(repo), "CB-2611-001", "no_answer", T("2026-11-10 19:00"))
    assert (cb.status, cb.get("assigned_to")) == ("unreachable", "li.na")
    assert [a["result"] for a in cb.get("attempts")] == ["no_answer", "busy", "no_answer"]
    message = log(repo)
    assert message.startswith("CB-2611-001: scheduled → unreachable, handed over to li.na")
    assert "Svc-Handover-From: zhang.wei" in message and "Svc-Handover-To: li.na" in message
    assert [p.code for p in validate_repository(Repository.open(repo)) if p.code.startswith("E5")] == []


def test_attempts_are_kept_in_time_order(repo: Path) -> None:
    r = with_callback(repo)
    callbacks.attempt(r, "CB-2611-001", "no_answer", T("2026-11-10 14:00"))
    cb = callbacks.attempt(Repository.open(repo), "CB-2611-001", "busy", T("2026-11-10 09:00"))
    assert [a["at"] for a in cb.get("attempts")] == [T("2026-11-10 09:00"), T("2026-11-10 14:00")]
    assert "Svc-Action: attempt" in log(repo)


def test_low_satisfaction_without_comment_is_refused(repo: Path) -> None:
    r = with_callback(repo)
    with pytest.raises(CallbackError, match="satisfaction 2 needs the customer's comments"):
        callbacks.done(r, "CB-2611-001", "phone", 2, "", at=T("2026-11-11 10:00"))
    assert Repository.open(repo).callbacks.get("CB-2611-001").status == "scheduled"


def test_done_records_who_when_how_and_score(repo: Path) -> None:
    r = with_callback(repo)
    cb = callbacks.done(r, "CB-2611-001", "phone", 5, "满意", at=T("2026-11-11 10:00"))
    assert (cb.status, cb.get("conducted_by"), cb.get("done_at"), cb.get("satisfaction")) == (
        "done", "zhang.wei", T("2026-11-11 10:00"), 5)
    assert log(repo).startswith("CB-2611-001: scheduled → done")
    with pytest.raises(CallbackError, match="CB-2611-001 is done"):
        callbacks.cancel(Repository.open(repo), "CB-2611-001", "重复")


def test_dissatisfied_callback_opens_a_linked_complaint_in_the_same_commit(repo: Path) -> None:
    r = with_callback(repo)
    before = commits(repo)
    cb = callbacks.done(r, "CB-2611-001", "phone", 1, "问题仍未解决", at=T("2026-11-12 10:00"),
                        open_complaint={"title": "回访: 支架问题仍未解决", "category": "product_quality"})
    assert cb.get("follow_up") is True and cb.get("follow_up_complaint") == "C-2611-002"
    complaint = Repository.open(repo).complaints.get("C-2611-002")
    assert (complaint.get("customer"), complaint.get("title"), complaint.status) == (
        "hengda-auto", "回访: 支架问题仍未解决", "registered")
    assert commits(repo) == before + 1
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == ["records/callbacks/2026/CB-2611-001.md", "records/complaints/2026/C-2611-002.md"]


def test_cancel_needs_a_reason(repo: Path) -> None:
    r = with_callback(repo)
    with pytest.raises(CallbackError, match="needs a reason"):
        callbacks.cancel(r, "CB-2611-001", " ")
    cb = callbacks.cancel(r, "CB-2611-001", "客户已停产")
    assert (cb.status, cb.get("cancel_reason")) == ("cancelled", "客户已停产")
    assert "Svc-Action: cancel" in log(repo)


def test_validate_flags_hand_edited_low_score_without_comment(repo: Path) -> None:
    text = CALLBACK.replace("status: scheduled", "status: done\nconducted_by: zhang.wei\ndone_at: 2026-11-11 10:00\n"
                                                 "channel: phone\nsatisfaction: 2")
    r = with_callback(repo, text)
    [p] = [p for p in validate_repository(r) if p.code.startswith("E5")]
    assert p.format() == ("records/callbacks/2026/CB-2611-001.md:11: E501 comments: satisfaction 2 needs the "
                          "customer's comments (write what the customer said under 'comments:')")


def test_validate_flags_unreachable_without_enough_attempts(repo: Path) -> None:
    text = CALLBACK.replace("status: scheduled", "status: unreachable\nattempts:\n"
                            "  - at: 2026-11-10 09:00\n    by: zhang.wei\n    result: no_answer\n"
                            "  - at: 2026-11-10 10:00\n    by: zhang.wei\n    result: busy\n"
                            "  - at: 2026-11-09 11:00\n    by: zhang.wei\n    result: no_answer")
    r = with_callback(repo, text)
    codes = sorted((p.code, p.line) for p in validate_repository(r) if p.code.startswith("E5"))
    assert codes == [("E502", 7), ("E503", 15)]

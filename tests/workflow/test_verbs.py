"""The complaint verbs over a real git record repository: one commit each, with trailers."""

from __future__ import annotations

import sys
import types
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from svcnotes.store.repository import Repository
from svcnotes.workflow import verbs
from svcnotes.workflow.commits import CommitOptions, UncommittedEdits, UnknownActor
from svcnotes.workflow.states import InvalidTransition
from tests.conftest import git, identity_env

ID = "C-2611-001"
REL = "records/complaints/2026/C-2611-001.md"
OPTS = CommitOptions()
DAY = date(2026, 11, 6)
PROPOSAL = {"cause_class": "quality", "cause_analysis": "模具磨损", "responsible_dept": "manufacturing",
            "countermeasure": "更换模具", "resolution": "allowance", "amount": Decimal(6000)}


def act_as(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    for key, value in identity_env(name).items():
        monkeypatch.setenv(key, value)


def last_commit(root: Path) -> tuple[str, str, list[str]]:
    """(author e-mail, full message, files) of HEAD."""
    email = git(root, "log", "-1", "--format=%ae")
    message = git(root, "log", "-1", "--format=%B")
    files = git(root, "show", "--name-only", "--format=", "HEAD").split()
    return email.strip(), message.strip(), files


def commits(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD"))


def to_proposed(repo: Path, amount: Decimal = Decimal(6000), tracked: bool = True) -> Repository:
    r = Repository(repo)
    verbs.investigate(r, ID, OPTS, DAY)
    verbs.propose(r, ID, {**PROPOSAL, "amount": amount, "improvement_tracked": tracked}, OPTS, DAY)
    return r


def to_resolved(repo: Path, monkeypatch: pytest.MonkeyPatch, tracked: bool = True) -> Repository:
    r = to_proposed(repo, tracked=tracked)
    act_as(monkeypatch, "wang.qiang")
    verbs.approve(r, ID, OPTS, DAY)
    act_as(monkeypatch, "zhang.wei")
    monkeypatch.setitem(sys.modules, "svcnotes.workflow.callbacks", types.ModuleType("svcnotes.workflow.callbacks"))
    verbs.resolve(r, ID, {"told_via": "phone", "result": "同意折让 6000 元"}, OPTS, DAY)
    return r


def test_investigate_makes_one_commit_with_subject_and_trailers(repo: Path) -> None:
    before = commits(repo)
    outcome = verbs.investigate(Repository(repo), ID, OPTS, DAY)
    assert commits(repo) == before + 1
    email, message, files = last_commit(repo)
    assert email == "zhang.wei@example.com" and files == [REL]
    assert message == (f"{ID}: registered → investigating\n\nSvc-Record: {ID}\nSvc-Action: transition\n"
                       "Svc-From: registered\nSvc-To: investigating\nSvc-Actor: zhang.wei")
    assert outcome.record.status == "investigating" and outcome.commit == git(repo, "rev-parse", "HEAD").strip()


def test_investigate_stamps_the_day_the_quality_report_counts_from(repo: Path) -> None:
    record = verbs.investigate(Repository(repo), ID, OPTS, DAY).record
    assert record.get("investigation_started_at") == DAY  # the quality report falls due 3 days later


def test_propose_stamps_the_proposer_and_defaults_tracking_by_cause(repo: Path) -> None:
    r = Repository(repo)
    verbs.investigate(r, ID, OPTS, DAY)
    record = verbs.propose(r, ID, PROPOSAL, OPTS, DAY).record
    assert record.get("proposed_by") == "zhang.wei" and record.get("improvement_tracked") is True
    assert record.get("currency") == "CNY"
    assert last_commit(repo)[1].startswith(f"{ID}: investigating → proposed\n")


def test_refused_transition_changes_nothing(repo: Path) -> None:
    r = Repository(repo)
    text = (repo / REL).read_text(encoding="utf-8")
    before = commits(repo)
    with pytest.raises(InvalidTransition) as exc:
        verbs.resolve(r, ID, {"told_via": "phone", "result": "x"}, OPTS, DAY)
    assert [p.code for p in exc.value.problems] == ["E401"]
    assert (repo / REL).read_text(encoding="utf-8") == text and commits(repo) == before


def test_approve_records_role_amount_and_digest_with_trailers(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = to_proposed(repo)
    act_as(monkeypatch, "wang.qiang")
    outcome = verbs.approve(r, ID, OPTS, DAY)
    approval = outcome.record.get("approvals")[0]
    assert (approval["by"], approval["role"], approval["amount"]) == ("wang.qiang", "deputy_gm", Decimal(6000))
    assert outcome.record.status == "approved"
    email, message, _ = last_commit(repo)
    assert email == "wang.qiang@example.com"
    assert "Svc-Action: approve\nSvc-From: proposed\nSvc-To: approved\nSvc-Actor: wang.qiang\n" \
           "Svc-Approval-Role: deputy_gm\nSvc-Approval-Amount: 6000" in message


def test_the_proposer_cannot_approve_four_eyes(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    act_as(monkeypatch, "li.na")
    r = to_proposed(repo, Decimal(3000))
    with pytest.raises(InvalidTransition) as exc:
        verbs.approve(r, ID, OPTS, DAY)
    assert [p.code for p in exc.value.problems] == ["E405"]


@pytest.mark.parametrize(("amount", "approver", "ok"), [
    ("5000", "li.na", True), ("5000.01", "li.na", False), ("5000.01", "wang.qiang", True),
    ("50000", "wang.qiang", True), ("50000.01", "wang.qiang", False), ("50000.01", "chen.gang", True),
])
def test_approval_authority_at_the_boundaries(repo: Path, monkeypatch: pytest.MonkeyPatch, amount: str, approver: str,
                                              ok: bool) -> None:
    r = to_proposed(repo, Decimal(amount))
    act_as(monkeypatch, approver)
    if ok:
        assert verbs.approve(r, ID, OPTS, DAY).record.status == "approved"
    else:
        with pytest.raises(InvalidTransition) as exc:
            verbs.approve(r, ID, OPTS, DAY)
        assert [p.code for p in exc.value.problems] == ["E406"]


def test_critical_complaint_needs_the_general_manager_whatever_the_amount(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / REL).write_text((repo / REL).read_text(encoding="utf-8").replace("severity: normal", "severity: critical"),
                            encoding="utf-8")
    git(repo, "commit", "-qam", "critical")
    r = to_proposed(repo, Decimal(100))
    act_as(monkeypatch, "wang.qiang")
    with pytest.raises(InvalidTransition) as exc:
        verbs.approve(r, ID, OPTS, DAY)
    assert "it needs the role 'gm'" in exc.value.problems[0].hint
    act_as(monkeypatch, "chen.gang")
    assert verbs.approve(r, ID, OPTS, DAY).record.get("approvals")[0]["role"] == "gm"


def test_revising_the_amount_drops_the_voided_approval_and_needs_a_new_one(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = to_proposed(repo)
    act_as(monkeypatch, "wang.qiang")
    verbs.approve(r, ID, OPTS, DAY)
    act_as(monkeypatch, "zhang.wei")
    outcome = verbs.propose(r, ID, {"amount": Decimal(7000)}, OPTS, DAY)
    assert outcome.record.status == "proposed" and outcome.record.get("approvals") is None


def test_resolve_creates_the_post_resolution_callback_in_the_same_commit(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = to_proposed(repo)
    act_as(monkeypatch, "wang.qiang")
    verbs.approve(r, ID, OPTS, DAY)
    act_as(monkeypatch, "zhang.wei")
    seen = {}

    def create_post_resolution(repo_, record, today, options):
        seen.update(status=record.status, today=today, commit=options.commit)
        return repo_.callbacks.create({"customer": "hengda-auto", "complaint": record.id, "kind": "post_resolution",
                                       "due": date(2026, 11, 13), "status": "scheduled"})

    fake = types.ModuleType("svcnotes.workflow.callbacks")
    fake.create_post_resolution = create_post_resolution  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "svcnotes.workflow.callbacks", fake)
    outcome = verbs.resolve(r, ID, {"told_via": "phone", "result": "同意折让"}, OPTS, DAY)
    assert seen == {"status": "resolved", "today": DAY, "commit": False}
    assert sorted(last_commit(repo)[2]) == ["records/callbacks/2026/CB-2611-001.md", REL]
    assert [c.id for c in outcome.created] == ["CB-2611-001"]


def test_resolve_without_a_callbacks_hook_still_resolves(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = to_resolved(repo, monkeypatch).complaints.get(ID)
    assert last_commit(repo)[2] == [REL]
    assert record.status == "resolved" and record.get("told_via") == "phone" and record.get("told_at") is not None


def test_close_needs_the_callback_or_a_waiver(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = to_resolved(repo, monkeypatch)
    with pytest.raises(InvalidTransition) as exc:
        verbs.close(r, ID, True, None, OPTS, DAY)
    assert [p.code for p in exc.value.problems] == ["E407", "E408"]


def test_capa_add_done_verify_then_close(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = to_resolved(repo, monkeypatch)
    verbs.capa_add(r, ID, "模具点检纳入日检", "zhang.wei", date(2026, 12, 1), OPTS, DAY)
    verbs.capa_done(r, ID, 1, OPTS, DAY)
    with pytest.raises(InvalidTransition) as exc:
        verbs.capa_verify(r, ID, 1, OPTS, DAY)
    assert [p.code for p in exc.value.problems] == ["E413"]
    act_as(monkeypatch, "zhao.min")
    entry = verbs.capa_verify(r, ID, 1, OPTS, DAY).record.get("capa")[0]
    assert (entry["status"], entry["verified_by"], entry["verified_at"]) == ("verified", "zhao.min", DAY)
    assert last_commit(repo)[1].startswith(f"{ID}: CAPA 1 verify\n")
    act_as(monkeypatch, "zhang.wei")
    closed = verbs.close(r, ID, True, "客户要求不回访", OPTS, date(2026, 11, 9)).record
    assert (closed.status, closed.get("closed_at"), closed.get("customer_accepted")) == ("closed", date(2026, 11, 9), True)


def test_reject_ends_a_groundless_complaint(repo: Path) -> None:
    record = verbs.reject(Repository(repo), ID, "客户使用不当", OPTS, DAY).record
    assert (record.status, record.get("resolution"), record.get("result"), record.get("closed_at")) == \
        ("not_established", "not_established", "客户使用不当", DAY)


def test_reopen_creates_a_new_complaint_and_leaves_the_original_closed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = to_resolved(repo, monkeypatch, tracked=False)
    verbs.close(r, ID, False, "客户拒绝回访", OPTS, DAY)
    original_text = (repo / REL).read_text(encoding="utf-8")
    outcome = verbs.reopen(r, ID, OPTS, date(2026, 11, 10), note="客户不接受折让金额")
    new = outcome.record
    assert (new.id, new.status, new.get("reopens"), new.get("customer")) == ("C-2611-002", "registered", ID, "hengda-auto")
    assert (repo / REL).read_text(encoding="utf-8") == original_text
    assert last_commit(repo)[1].endswith(f"Svc-Reopens: {ID}\nSvc-Actor: zhang.wei")


def test_reopen_of_an_open_complaint_is_refused(repo: Path) -> None:
    with pytest.raises(InvalidTransition) as exc:
        verbs.reopen(Repository(repo), ID, OPTS, DAY)
    assert exc.value.problems[0].code == "E411"


def test_handover_is_recorded_and_moves_the_owner(repo: Path) -> None:
    record = verbs.handover(Repository(repo), ID, "li.na", "出差，交李娜跟进", OPTS, DAY).record
    assert record.get("owner") == "li.na"
    assert [(h["from"], h["to"], h["note"]) for h in record.get("handovers")] == [("zhang.wei", "li.na", "出差，交李娜跟进")]
    assert "Svc-Action: handover\nSvc-Actor: zhang.wei\nSvc-Owner-From: zhang.wei\nSvc-Owner-To: li.na" in last_commit(repo)[1]


def test_only_the_owner_hands_over_but_anyone_may_assign(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    act_as(monkeypatch, "chen.gang")
    with pytest.raises(InvalidTransition) as exc:
        verbs.handover(Repository(repo), ID, "li.na", "note", OPTS, DAY)
    assert "only the current owner zhang.wei" in exc.value.problems[0].message
    record = verbs.assign(Repository(repo), ID, "li.na", OPTS, DAY).record
    assert record.get("handovers")[0]["note"] == "assigned by chen.gang" and record.get("owner") == "li.na"


def test_a_file_with_uncommitted_edits_is_refused(repo: Path) -> None:
    (repo / REL).write_text((repo / REL).read_text(encoding="utf-8") + "\n手工补充。\n", encoding="utf-8")
    with pytest.raises(UncommittedEdits, match="has uncommitted edits"):
        verbs.investigate(Repository(repo), ID, OPTS, DAY)
    verbs.investigate(Repository(repo), ID, CommitOptions(allow_dirty=True), DAY)
    assert git(repo, "status", "--porcelain").strip() == ""
    assert "手工补充" in git(repo, "show", "HEAD")


def test_no_commit_writes_but_leaves_committing_to_the_user(repo: Path) -> None:
    before = commits(repo)
    outcome = verbs.investigate(Repository(repo), ID, CommitOptions(commit=False), DAY)
    assert outcome.commit is None and commits(repo) == before
    assert git(repo, "status", "--porcelain").strip() == f"M {REL}"


def test_an_unknown_git_email_is_refused(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "stranger@example.org")
    with pytest.raises(UnknownActor, match="'stranger@example.org' is not in the staff directory"):
        verbs.investigate(Repository(repo), ID, OPTS, DAY)


def test_propose_does_not_track_improvement_for_human_causes(repo: Path) -> None:
    r = Repository(repo)
    verbs.investigate(r, ID, OPTS, DAY)
    record = verbs.propose(r, ID, {**PROPOSAL, "cause_class": "non_quality"}, OPTS, DAY).record
    assert record.get("improvement_tracked") is False


def test_generic_transition_to_the_current_status_is_refused(repo: Path) -> None:
    with pytest.raises(InvalidTransition) as exc:
        verbs.transition_to(Repository(repo), ID, "registered", {}, OPTS, DAY)
    assert exc.value.problems[0].message == f"{ID} is already registered"

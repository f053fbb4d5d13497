"""The complaint state machine: every legal and illegal transition, and the rules entering a status checks
(validate's own, under validate's codes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from svcnotes.model.record import Record
from svcnotes.model.schema import COMPLAINT_STATUSES, FINISHED, PIPELINE
from svcnotes.store.repository import Snapshot
from svcnotes.workflow.states import TRANSITIONS, guards, transition
from tests.workflow.complaint_helpers import approval, complete, config, record

PAIRS = [(a, b) for a in COMPLAINT_STATUSES for b in COMPLAINT_STATUSES if a != b]
LEGAL = {("registered", "investigating"), ("registered", "not_established"), ("investigating", "proposed"),
         ("investigating", "not_established"), ("proposed", "approved"), ("proposed", "investigating"),
         ("proposed", "not_established"), ("approved", "resolved"), ("approved", "proposed"), ("resolved", "closed")}


def codes(problems: list) -> list[str]:
    return sorted(p.code for p in problems if p.is_error)


def test_transition_table_is_the_documented_one() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert tuple(TRANSITIONS) == COMPLAINT_STATUSES


def test_finished_statuses_and_the_pipeline_are_derived_from_the_table() -> None:
    assert FINISHED == {"closed", "not_established"}
    assert PIPELINE == ("registered", "investigating", "proposed", "approved", "resolved", "closed")
    assert {c.name for c in guards("closed")} == {"check_state_requirements", "check_approvals_sufficient",
                                                  "check_capa_verified_on_close", "check_callback_on_close",
                                                  "check_amount_currency_has_a_rate"}


@pytest.mark.parametrize(("start", "to"), sorted(LEGAL))
def test_legal_transition_of_a_complete_record_passes_every_guard(start: str, to: str) -> None:
    changes, problems = transition(record(complete(status=start)), to, {}, config(), None)
    assert codes(problems) == []
    assert changes == {"status": to}


@pytest.mark.parametrize(("start", "to"), sorted(set(PAIRS) - LEGAL))
def test_illegal_transition_is_refused_naming_the_allowed_targets(start: str, to: str) -> None:
    _, problems = transition(record(complete(status=start)), to, {}, config(), None)
    assert codes(problems) == ["E401"]
    assert problems[0].message == f"cannot move {start} → {to}"
    assert problems[0].line == 4  # the status line
    assert "may go to" in problems[0].hint


def test_closed_complaint_cannot_move_and_the_hint_says_reopen() -> None:
    _, problems = transition(record(complete(status="closed")), "resolved", {}, config(), None)
    assert "svcnotes reopen C-2611-001" in problems[0].hint
    _, problems = transition(record(complete(status="not_established")), "investigating", {}, config(), None)
    assert "svcnotes reopen C-2611-001" in problems[0].hint


def test_unknown_status_gets_a_did_you_mean() -> None:
    _, problems = transition(record(complete(status="resolved")), "closd", {}, config(), None)
    assert codes(problems) == ["E401"] and "did you mean 'closed'" in problems[0].hint


def test_proposed_requires_cause_responsibility_countermeasure_resolution_and_amount() -> None:
    data = complete(status="investigating", cause_class=None, cause_analysis=None, responsible_dept=None,
                    countermeasure=None, resolution=None, amount=None, proposed_by=None, approvals=None)
    _, problems = transition(record(data), "proposed", {}, config(), None)
    assert {p.field for p in problems} == {"cause_class", "cause_analysis", "responsible_dept", "countermeasure",
                                           "resolution", "amount", "proposed_by"}
    assert all(p.code == "E303" and p.message.startswith("a proposed complaint needs") for p in problems)


def test_changes_given_with_the_transition_satisfy_the_guards() -> None:
    data = complete(status="investigating", countermeasure=None, approvals=None)
    _, problems = transition(record(data), "proposed", {"countermeasure": "更换模具"}, config(), None)
    assert codes(problems) == []


def test_approved_needs_approvals() -> None:
    _, problems = transition(record(complete(status="proposed", approvals=None)), "approved", {}, config(), None)
    assert codes(problems) == ["E303"] and problems[0].field == "approvals"


def test_approval_by_the_proposer_is_refused_four_eyes() -> None:
    data = complete(status="proposed", amount=Decimal(4000), proposed_by="li.na", approvals=None)
    data["approvals"] = [approval(data, by="li.na", role="sales_manager")]
    _, problems = transition(record(data), "approved", {}, config(), None)
    assert codes(problems) == ["E405", "E406"]


def test_approval_by_someone_without_the_role_does_not_count() -> None:
    data = complete(status="proposed", amount=Decimal(4000), approvals=None)
    data["approvals"] = [approval(data, by="zhao.min", role="sales_manager")]
    _, problems = transition(record(data), "approved", {}, config(), None)
    assert codes(problems) == ["E404", "E406"]


def test_approval_is_void_after_the_amount_changes() -> None:
    data = complete(status="approved")
    _, problems = transition(record(data), "resolved", {"amount": Decimal(7000)}, config(), None)
    assert codes(problems) == ["E403", "E406"]
    assert "approved amount 6000 but the record says 7000" in problems[0].message


def test_approval_is_void_after_the_resolution_changes() -> None:
    _, problems = transition(record(complete(status="approved")), "resolved", {"resolution": "compensation"},
                             config(), None)
    assert codes(problems) == ["E403", "E406"]


def test_critical_complaint_always_needs_the_general_manager() -> None:
    data = complete(status="proposed", severity="critical", amount=Decimal(100))
    _, problems = transition(record(data), "approved", {}, config(), None)
    assert codes(problems) == ["E406"]
    assert "(critical complaint): it needs the role 'gm'" in problems[0].message


def test_resolved_requires_when_and_how_the_customer_was_told_and_the_result() -> None:
    data = complete(status="approved", told_at=None, told_via=None, result=None)
    _, problems = transition(record(data), "resolved", {}, config(), None)
    assert {p.field for p in problems} == {"told_at", "told_via", "result"}


def test_closed_requires_customer_accepted_but_not_acceptance() -> None:
    _, missing = transition(record(complete(status="resolved", customer_accepted=None)), "closed", {}, config(), None)
    assert [p.field for p in missing] == ["customer_accepted"]
    _, declined = transition(record(complete(status="resolved", customer_accepted=False)), "closed", {}, config(), None)
    assert declined == []


def _callback(status: str) -> Record:
    return Record("callback", "CB-2611-001", "records/callbacks/2026/CB-2611-001.md",
                  {"id": "CB-2611-001", "complaint": "C-2611-001", "kind": "post_resolution", "status": status,
                   "customer": "hengda-auto", "due": date(2026, 11, 13)})


@pytest.mark.parametrize(("callback_status", "expected"), [(None, ["E408"]), ("scheduled", ["E408"]), ("done", [])])
def test_closed_requires_the_post_resolution_callback_done_or_waived(callback_status: str | None, expected: list) -> None:
    snap = Snapshot()
    snap.add(Record("customer", "hengda-auto", "records/customers/hengda-auto.md",
                    {"id": "hengda-auto", "name": "恒达", "tier": "key"}))
    if callback_status:
        snap.add(_callback(callback_status))
    _, problems = transition(record(complete(status="resolved", callback_waived=None)), "closed", {}, config(), snap)
    assert codes(problems) == expected


def _capa(status: str, verified_by: str | None = None, owner: str = "zhang.wei") -> dict:
    entry = {"action": "模具点检", "owner": owner, "due": date(2026, 12, 1), "status": status}
    if verified_by:
        entry.update(verified_by=verified_by, verified_at=date(2026, 11, 20))
    return entry


@pytest.mark.parametrize(("capa", "expected"), [
    (None, ["E407"]),
    ([_capa("open")], ["E407"]),
    ([_capa("done")], ["E407"]),
    ([_capa("verified", "li.na")], ["E413"]),
    ([_capa("verified", "zhao.min", owner="zhao.min")], ["E418"]),
    ([_capa("verified", "zhao.min")], []),
])
def test_closed_requires_capa_verified_by_quality_when_improvement_is_tracked(capa: list | None, expected: list) -> None:
    data = complete(status="resolved", improvement_tracked=True, capa=capa)
    _, problems = transition(record(data), "closed", {}, config(), None)
    assert codes(problems) == expected


def test_untracked_improvement_needs_no_capa() -> None:
    _, problems = transition(record(complete(status="resolved", improvement_tracked=False)), "closed", {}, config(), None)
    assert codes(problems) == []


@pytest.mark.parametrize("start", ["registered", "investigating", "proposed"])
def test_not_established_needs_closed_at(start: str) -> None:
    _, problems = transition(record(complete(status=start, closed_at=None)), "not_established", {}, config(), None)
    assert [(p.code, p.field) for p in problems] == [("E303", "closed_at")]


def test_forbidden_phrase_in_the_reply_refuses_any_transition() -> None:
    _, problems = transition(record(complete(status="approved")), "resolved", {"customer_reply": "这个我们不管"},
                             config(), None)
    assert codes(problems) == ["E409"] and "'我们不管'" in problems[0].message


def test_guard_problems_point_at_the_field_line() -> None:
    data = complete(status="approved", told_via=None)
    rec = record(data, lines={"status": 4, "told_at": 30})
    _, problems = transition(rec, "resolved", {"told_at": None}, config(), None)
    assert {(p.field, p.line, p.path) for p in problems} == {("told_at", 30, rec.path), ("told_via", 4, rec.path)}

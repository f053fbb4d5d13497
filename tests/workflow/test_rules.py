"""Workflow rules as `svcnotes validate` applies them to hand-edited complaint files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from svcnotes.store.repository import Repository
from svcnotes.workflow.approvals import approval_digest
from svcnotes.workflow.validation import validate_repository
from tests.conftest import write

REL = "records/complaints/2026/C-2611-002.md"
DIGEST = approval_digest({"id": "C-2611-002", "customer": "hengda-auto", "resolution": "allowance",
                          "amount": Decimal(6000), "currency": "CNY"})

CLOSED = f"""\
---
id: C-2611-002
title: 包装破损
status: closed
customer: hengda-auto
received_at: 2026-11-03 10:00
registered_at: 2026-11-03
channel: phone
first_responder: zhang.wei
owner: zhang.wei
category: delivery
severity: normal
cause_class: quality
cause_analysis: 包装材料强度不足
responsible_dept: logistics
countermeasure: 更换包装
improvement_tracked: true
resolution: allowance
amount: 6000
currency: CNY
proposed_by: zhang.wei
proposed_at: 2026-11-04 10:00
approvals:
  - by: wang.qiang
    role: deputy_gm
    at: 2026-11-05 09:00
    resolution: allowance
    amount: 6000
    digest: {DIGEST}
capa:
  - action: 包装跌落测试
    owner: zhang.wei
    due: 2026-12-01
    status: verified
    verified_by: zhao.min
    verified_at: 2026-11-20
customer_reply: |
  您好，
  我们已安排折让。
told_at: 2026-11-06 10:00
told_via: phone
result: 同意折让
closed_at: 2026-11-21
customer_accepted: true
callback_waived: 客户要求不回访
---
"""


def problems(root: Path, text: str) -> list[tuple[str, int | None, str]]:
    """(code, line, field) of the workflow problems (E4xx/W4xx) of C-2611-002 written as `text`."""
    write(root, REL, text)
    found = validate_repository(Repository(root))
    return [(p.code, p.line, p.field) for p in found if p.path == REL and p.code[1] == "4"]


def test_a_complete_closed_complaint_has_no_workflow_problems(repo: Path) -> None:
    write(repo, REL, CLOSED)
    assert [p.format() for p in validate_repository(Repository(repo))] == []


def test_approval_is_void_after_amount_is_edited_by_hand(repo: Path) -> None:
    found = problems(repo, CLOSED.replace("amount: 6000\ncurrency", "amount: 7000\ncurrency"))
    assert ("E403", 28, "approvals[0].amount") in found
    assert ("E406", 23, "approvals") in found


def test_approver_must_hold_the_recorded_role(repo: Path) -> None:
    found = problems(repo, CLOSED.replace("by: wang.qiang", "by: zhao.min"))
    assert ("E404", 25, "approvals[0].role") in found and ("E406", 23, "approvals") in found


def test_approval_role_without_authority_for_the_amount_is_flagged(repo: Path) -> None:
    text = CLOSED.replace("by: wang.qiang\n    role: deputy_gm", "by: li.na\n    role: sales_manager")
    assert problems(repo, text) == [("E406", 23, "approvals"), ("W417", 25, "approvals[0].role")]


def test_self_approval_breaks_four_eyes(repo: Path) -> None:
    found = problems(repo, CLOSED.replace("proposed_by: zhang.wei", "proposed_by: wang.qiang"))
    assert ("E405", 24, "approvals[0].by") in found and ("E406", 23, "approvals") in found


def test_resolved_without_approvals_is_an_error(repo: Path) -> None:
    text = CLOSED.replace("status: closed", "status: resolved")
    text = text[:text.index("approvals:")] + text[text.index("capa:"):]
    assert problems(repo, text) == []  # the missing field itself is the core's E303, not repeated here
    found = [p for p in validate_repository(Repository(repo)) if p.path == REL]
    assert [(p.code, p.field) for p in found] == [("E303", "approvals")]


def test_closed_without_verified_capa_when_tracked(repo: Path) -> None:
    found = problems(repo, CLOSED.replace("status: verified", "status: done"))
    assert found == [("E407", 34, "capa[0].status")]


def test_closed_with_human_negligence_needs_no_capa(repo: Path) -> None:
    text = CLOSED.replace("improvement_tracked: true", "improvement_tracked: false").replace("status: verified", "status: open")
    assert problems(repo, text) == []


def test_closed_without_callback_done_or_waived(repo: Path) -> None:
    assert problems(repo, CLOSED.replace("callback_waived: 客户要求不回访\n", "")) == [("E408", 4, "callback_waived")]


def test_forbidden_phrase_is_reported_with_its_line_inside_a_block_scalar(repo: Path) -> None:
    found = problems(repo, CLOSED.replace("我们已安排折让。", "我们已安排折让。\n  其他的我不知道。"))
    assert found == [("E409", 40, "customer_reply")]
    write(repo, REL, CLOSED.replace("我们已安排折让。", "我们已安排折让。\n  其他的我不知道。"))
    line = next(p for p in validate_repository(Repository(repo)) if p.code == "E409").format()
    assert line == (f"{REL}:40: E409 customer_reply: forbidden phrase '不知道' in customer-facing text (答复客户内容) "
                    "(rephrase it (服务禁用语, see conduct.forbidden_phrases and conduct.allowed_contexts in svcnotes.toml))")
    assert (repo / REL).read_text(encoding="utf-8").splitlines()[39] == "  其他的我不知道。"


def test_forbidden_phrase_on_a_single_line_value(repo: Path) -> None:
    text = CLOSED.replace("result: 同意折让", "result: 同意折让\nresolution_letter: 这个问题我们公司不能给您解决")
    assert problems(repo, text) == [("E409", 43, "resolution_letter")]


def test_proposed_amount_above_the_proposers_authority_is_a_warning(repo: Path) -> None:
    text = CLOSED.replace("status: closed", "status: proposed")
    text = text[:text.index("approvals:")] + text[text.index("customer_reply:"):text.index("told_at:")] + "---\n"
    assert problems(repo, text) == [("W410", 19, "amount")]
    assert problems(repo, text.replace("proposed_by: zhang.wei", "proposed_by: wang.qiang")) == []


def test_reopens_must_point_at_a_closed_complaint(repo: Path) -> None:
    text = CLOSED.replace("callback_waived: 客户要求不回访\n", "callback_waived: 客户要求不回访\nreopens: C-2611-001\n")
    assert problems(repo, text) == [("E411", 46, "reopens")]
    write(repo, "records/complaints/2026/C-2611-003.md",
          CLOSED.replace("C-2611-002", "C-2611-003").replace(f"digest: {DIGEST}", "digest: x").replace("    digest: x\n", ""))
    text = CLOSED.replace("callback_waived: 客户要求不回访\n", "callback_waived: 客户要求不回访\nreopens: C-2611-003\n")
    assert problems(repo, text) == []


def test_verified_capa_needs_verifier_and_date_from_quality(repo: Path) -> None:
    assert problems(repo, CLOSED.replace("    verified_at: 2026-11-20\n", "")) == [("E412", 34, "capa[0].status")]
    found = problems(repo, CLOSED.replace("verified_by: zhao.min", "verified_by: li.na"))
    assert found == [("E413", 35, "capa[0].verified_by")]  # one rule, one code (E407 is only 'not verified')


def test_handover_chain_must_run_from_the_first_responder_to_the_owner(repo: Path) -> None:
    chain = ("owner: li.na\n", "handovers:\n  - from: zhang.wei\n    to: li.na\n    at: 2026-11-04 09:00\n    note: 出差交接\n")
    good = CLOSED.replace("owner: zhang.wei\n", chain[0]).replace("callback_waived: 客户要求不回访\n",
                                                                  "callback_waived: 客户要求不回访\n" + chain[1])
    assert problems(repo, good) == []
    assert problems(repo, good.replace("owner: li.na", "owner: zhang.wei")) == [("E414", 10, "owner")]
    assert problems(repo, good.replace("  - from: zhang.wei", "  - from: chen.gang")) == [("E414", 47, "handovers[0].from")]


def test_imported_records_get_warnings_for_state_rules(repo: Path) -> None:
    text = CLOSED.replace("callback_waived: 客户要求不回访\n", "imported:\n  - source: 2025台账.xlsx\n    row: 7\n")
    write(repo, REL, text)
    found = [p for p in validate_repository(Repository(repo)) if p.path == REL]
    assert [(p.code, p.is_error) for p in found] == [("E408", False)]

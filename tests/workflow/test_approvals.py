"""Approval authority (核决权限) at its boundaries, the approval digest and voiding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from svcnotes.workflow.approvals import (
    approval_digest,
    approving_role,
    assess,
    authority_limit,
    can_approve,
    required_role,
    void_reason,
)
from tests.workflow.complaint_helpers import approval, complete, config


@pytest.mark.parametrize(("amount", "severity", "role"), [
    ("0", "normal", "sales_manager"),
    ("5000", "normal", "sales_manager"),
    ("5000.01", "normal", "deputy_gm"),
    ("50000", "major", "deputy_gm"),
    ("50000.01", "normal", "gm"),
    ("1000000", "minor", "gm"),
    ("1", "critical", "gm"),
])
def test_required_role_follows_the_matrix_at_its_boundaries(amount: str, severity: str, role: str) -> None:
    assert required_role(Decimal(amount), severity, config()) == role


@pytest.mark.parametrize(("staff", "amount", "severity", "allowed"), [
    ("li.na", "5000", "normal", True),
    ("li.na", "5000.01", "normal", False),
    ("wang.qiang", "5000.01", "normal", True),
    ("wang.qiang", "50000", "normal", True),
    ("wang.qiang", "50000.01", "normal", False),
    ("chen.gang", "50000.01", "normal", True),
    ("chen.gang", "10", "normal", True),  # a higher level covers lower amounts
    ("wang.qiang", "10", "critical", False),
    ("chen.gang", "10", "critical", True),
    ("zhang.wei", "0", "normal", False),
])
def test_can_approve_by_role_and_amount(staff: str, amount: str, severity: str, allowed: bool) -> None:
    cfg = config()
    assert can_approve(cfg.staff[staff], Decimal(amount), severity, cfg) is allowed


def test_approving_role_is_the_lowest_covering_role() -> None:
    cfg = config()
    assert approving_role(cfg.staff["li.na"], Decimal(3000), "normal", cfg) == "sales_manager"
    assert approving_role(cfg.staff["li.na"], Decimal(6000), "normal", cfg) is None


def test_authority_limit_of_each_staff_member() -> None:
    cfg = config()
    assert [authority_limit(cfg.staff[s], cfg) for s in ("zhang.wei", "li.na", "wang.qiang", "chen.gang")] == \
        [Decimal(0), Decimal(5000), Decimal(50000), None]


def test_digest_binds_id_customer_resolution_amount_and_currency() -> None:
    base = complete()
    digest = approval_digest(base)
    assert digest == approval_digest({**base, "amount": Decimal("6000.00"), "title": "changed"})
    for name, value in [("id", "C-2611-002"), ("customer", "other"), ("resolution", "return"),
                        ("amount", Decimal(6001)), ("currency", "USD")]:
        assert approval_digest({**base, name: value}) != digest, name


def test_approval_is_void_after_amount_changes() -> None:
    data = complete()
    assert void_reason(data["approvals"][0], data) == ""
    assert void_reason(data["approvals"][0], {**data, "amount": Decimal(5999)}).startswith("it approved amount 6000")


def test_approval_is_void_when_the_digest_no_longer_matches() -> None:
    data = complete()
    assert "changed since" in void_reason(data["approvals"][0], {**data, "currency": "USD"})


def test_assess_counts_only_valid_approvals_by_others_with_authority() -> None:
    cfg = config()
    data = complete(approvals=None)
    data["approvals"] = [approval(data, by="li.na", role="sales_manager"), approval(data)]
    state = assess(data, cfg)
    assert state.sufficient and state.valid == (0, 1) and state.needed_role == "deputy_gm"
    assert not assess({**data, "approvals": data["approvals"][:1]}, cfg).sufficient
    assert not assess({**data, "proposed_by": "wang.qiang"}, cfg).sufficient

"""Helpers for the complaint-workflow tests: config of the fixture and complaint values in any state."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from svcnotes.model.config import Config, parse_config
from svcnotes.model.record import Record
from svcnotes.workflow.approvals import approval_digest
from tests.conftest import CONFIG

PATH = "records/complaints/2026/C-2611-001.md"


def config() -> Config:
    """The fixture repository's configuration (staff zhang.wei, li.na, wang.qiang, chen.gang, zhao.min)."""
    cfg, problems = parse_config(CONFIG)
    assert not problems
    return cfg


def complete(**overrides: Any) -> dict[str, Any]:
    """Complaint data that meets every guard of every status (amount 6000, approved by a deputy GM)."""
    data: dict[str, Any] = {
        "id": "C-2611-001", "title": "支架尺寸超差", "status": "registered", "customer": "hengda-auto",
        "received_at": datetime(2026, 11, 2, 9, 30), "registered_at": date(2026, 11, 2), "channel": "phone",
        "first_responder": "zhang.wei", "owner": "zhang.wei", "category": "product_quality", "severity": "normal",
        "cause_class": "quality", "cause_analysis": "模具磨损", "responsible_dept": "manufacturing",
        "countermeasure": "更换模具", "improvement_tracked": False, "resolution": "allowance", "amount": Decimal(6000),
        "currency": "CNY", "proposed_by": "zhang.wei", "proposed_at": datetime(2026, 11, 4, 10, 0),
        "told_at": datetime(2026, 11, 6, 10, 0), "told_via": "phone", "result": "同意折让",
        "closed_at": date(2026, 11, 9), "customer_accepted": True, "callback_waived": "客户要求不回访",
    }
    data.update(overrides)
    if "approvals" not in overrides:
        data["approvals"] = [approval(data)]
    return {k: v for k, v in data.items() if v is not None}


def approval(data: dict[str, Any], by: str = "wang.qiang", role: str = "deputy_gm") -> dict[str, Any]:
    """An approval of `data` as it stands, bound by its digest."""
    return {"by": by, "role": role, "at": datetime(2026, 11, 5, 9, 0), "resolution": data.get("resolution"),
            "amount": data.get("amount"), "digest": approval_digest(data)}


def record(data: dict[str, Any], lines: dict[str, int] | None = None) -> Record:
    """A Record value of `data`; every field on its own line in declaration order unless given."""
    if lines is None:
        lines = {name: n for n, name in enumerate(data, 2)}
    return Record("complaint", str(data["id"]), PATH, data, "", lines)

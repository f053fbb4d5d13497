"""Labels of coded values (enum codes) in zh-CN and en, and which enum each schema field uses.

The site shows them, `svcnotes export` writes them in reports and record lists, and imports
accept them back in place of codes. Configurable lists (categories, departments) take their
labels from svcnotes.toml instead.
"""

from __future__ import annotations

from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.fields import Field
from svcnotes.model.message import label

ENUM_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "complaint_status": {
        "received": ("已受理", "Received"), "registered": ("已登记", "Registered"),
        "investigating": ("调查中", "Investigating"), "proposed": ("已提议", "Proposed"),
        "approved": ("已核决", "Approved"), "resolved": ("已告知客户", "Resolved"),
        "closed": ("已结案", "Closed"), "not_established": ("客诉不成立", "Not established"),
    },
    "callback_status": {
        "scheduled": ("待回访", "Scheduled"), "done": ("已完成", "Done"), "unreachable": ("联系不上", "Unreachable"),
        "missed": ("已逾期", "Missed"), "cancelled": ("已取消", "Cancelled"),
    },
    "severity": {
        "minor": ("轻微", "Minor"), "normal": ("一般", "Normal"), "major": ("重大", "Major"), "critical": ("严重", "Critical"),
    },
    "channel": {
        "phone": ("电话", "Phone"), "email": ("邮件", "E-mail"), "visit": ("来访", "Visit"), "letter": ("信函", "Letter"),
        "web": ("网站", "Web"), "on_site": ("现场", "On site"),
    },
    "request": {
        "return": ("退货", "Return"), "exchange": ("换货", "Exchange"), "allowance": ("折让", "Price allowance"),
        "compensation": ("赔款", "Compensation"), "repair": ("维修", "Repair"), "explanation": ("说明原因", "Explanation"),
    },
    "resolution": {
        "return": ("退货", "Return"), "rework": ("返工", "Rework"), "exchange": ("换货", "Exchange"),
        "allowance": ("折让", "Price allowance"), "compensation": ("赔款", "Compensation"), "repair": ("维修", "Repair"),
        "explanation": ("解释说明", "Explanation"), "not_established": ("客诉不成立", "Not established"),
    },
    "cause_class": {"quality": ("质量异常", "Quality"), "non_quality": ("非质量异常", "Non-quality")},
    "tier": {"vip": ("VIP 客户", "VIP"), "key": ("重点客户", "Key"), "normal": ("一般客户", "Normal")},
    "confidentiality": {"internal": ("内部", "Internal"), "confidential": ("机密", "Confidential"), "secret": ("绝密", "Secret")},
    "callback_kind": {
        "post_service": ("服务后回访", "After service"), "post_resolution": ("结案后回访", "After resolution"),
        "periodic": ("定期回访", "Periodic"), "satisfaction_survey": ("满意度调查", "Satisfaction survey"),
        "annual_needs": ("年度需求回访", "Next-year needs"),
    },
    "attempt_result": {
        "reached": ("已联系上", "Reached"), "no_answer": ("无人接听", "No answer"), "busy": ("占线", "Busy"),
        "wrong_number": ("号码错误", "Wrong number"), "refused": ("拒绝回访", "Refused"),
    },
    "note_kind": {
        "call_in": ("来电", "Incoming call"), "call_out": ("去电", "Outgoing call"), "visit": ("来访", "Visit"),
        "on_site": ("现场服务", "On-site job"), "email": ("邮件", "E-mail"), "handover": ("交接记录", "Shift handover"),
    },
    "capa_status": {"open": ("进行中", "Open"), "done": ("已完成", "Done"), "verified": ("已验证", "Verified")},
    "deadline_state": {
        "on_time": ("期限内", "On time"), "due_soon": ("即将到期", "Due soon"), "overdue": ("逾期", "Overdue"),
        "closed": ("已结案", "Closed"), "paused": ("等待客户", "Paused"),
        "past_target": ("超过目标期限", "Past the target"),
    },
    "callback_outcome": {
        "on_time": ("按期完成", "On time"), "late": ("逾期完成", "Late"), "unreachable": ("联系不上", "Unreachable"),
        "missed": ("未回访", "Missed"), "pending": ("待回访", "Pending"),
    },
    "escalation": {"gm": ("总经理", "General manager"), "gm_office": ("总经理室生产管理组", "GM office")},
    "kind": {
        "customer": ("客户档案", "Customer"), "complaint": ("客诉", "Complaint"),
        "callback": ("回访", "Callback"), "note": ("服务记录", "Service note"),
    },
}

# Which enum labels a schema field uses (field name -> enum), per record kind.
FIELD_ENUMS: dict[tuple[str, str], str] = {
    ("complaint", "status"): "complaint_status", ("complaint", "severity"): "severity",
    ("complaint", "channel"): "channel", ("complaint", "told_via"): "channel",
    ("complaint", "request"): "request", ("complaint", "resolution"): "resolution",
    ("complaint", "cause_class"): "cause_class", ("capa", "status"): "capa_status",
    ("approvals", "resolution"): "resolution", ("customer", "tier"): "tier",
    ("customer", "confidentiality"): "confidentiality", ("callback", "status"): "callback_status",
    ("callback", "kind"): "callback_kind", ("callback", "channel"): "channel",
    ("attempts", "result"): "attempt_result", ("note", "kind"): "note_kind",
}


def _pairs(f: Field, config: Config | None) -> list[tuple[str, tuple[str, str]]]:
    """(code, (zh, en)) for the choices of one enum field; a code may have labels in several enums."""
    if f.choices_from:
        config = config or Config()
        return list({"categories": config.categories, "departments": config.departments}.get(f.choices_from, {}).items())
    return [(code, pair) for values in ENUM_LABELS.values() for code, pair in values.items() if code in f.choices]


def label_for(owner: str, f: Field, code: Any, locale: str, config: Config | None = None) -> Any:
    """The label of a field's code in `locale` ('zh-CN' or 'en'); the code itself when it has none."""
    if not isinstance(code, str):
        return code
    col = 1 if locale.lower().startswith("en") else 0
    enum = FIELD_ENUMS.get((owner, f.name))
    pair = ENUM_LABELS.get(enum, {}).get(code) if enum and not f.choices_from else None
    if pair is None:
        pair = next((p for c, p in _pairs(f, config) if c == code), None)
    return pair[col] if pair else code


def code_for_label(f: Field, text: str, config: Config | None = None) -> str | None:
    """The code whose zh or en label is `text` (case-insensitive) among the field's choices; None if none or several."""
    wanted = text.strip().casefold()
    found = {code for code, pair in _pairs(f, config) if wanted in (pair[0].casefold(), pair[1].casefold())}
    return found.pop() if len(found) == 1 else None


def coded(enum: str, code: Any) -> Any:
    """A coded value as a problem-message parameter: the code itself in English, `code（中文名）` in
    Chinese (the code stays, so what the user types is always shown). Unknown codes pass through."""
    pair = ENUM_LABELS.get(enum, {}).get(str(code)) if code is not None else None
    if pair is None:
        return code
    return label(str(code), f"{code}（{pair[0]}）")

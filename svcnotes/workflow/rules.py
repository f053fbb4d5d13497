"""Workflow rules `svcnotes validate` enforces on every complaint, however the file was edited.

The same conditions the verbs guard (states.GUARDS, approvals) are re-checked here, so a hand
edit cannot get round them. Codes E403-E414 and W410/W417 are stable. Imported history
(`imported:` set) gets warnings instead of errors: old data cannot be made to meet today's rules.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Iterable

from svcnotes.checks import register, register_record
from svcnotes.model.config import Config
from svcnotes.model.fields import render_scalar
from svcnotes.model.problems import Problem, Severity
from svcnotes.model.schema import KINDS
from svcnotes.workflow import approvals, states

if TYPE_CHECKING:
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Snapshot

APPROVED_OR_LATER = frozenset({"approved", "resolved", "closed"})


def _located(record: Record, problems: Iterable[Problem]) -> list[Problem]:
    """Give unlocated problems the record's path and line; imported records get warnings."""
    imported = bool(record.data.get("imported"))
    out = []
    for p in problems:
        line = record.lines.get(p.field) or record.line(p.field) or record.line("status")
        severity = Severity.WARNING if imported else p.severity
        out.append(replace(p, path=record.path, line=p.line or line, severity=severity))
    return out


_APPROVAL_MEMO: dict[tuple[str, str, int], list[Problem]] = {}


def _approval_problems(record: Record, config: Config) -> list[Problem]:
    """approvals.approval_problems, computed once per record content (three rules share it)."""
    if not record.data.get("approvals"):
        return []
    key = (record.path, record.digest, id(config))
    found = _APPROVAL_MEMO.get(key)
    if found is None:
        if len(_APPROVAL_MEMO) > 200_000:
            _APPROVAL_MEMO.clear()
        found = _APPROVAL_MEMO[key] = approvals.approval_problems(record, config)
    return found


def _complaints(snap: Snapshot) -> list[Record]:
    return snap.records.get("complaint", [])


@register_record(["complaint"])
def check_approvals_not_void(record: Record, config: Config) -> list[Problem]:
    """E403: every approval still matches the record's resolution, amount and approved content."""
    return _located(record, [p for p in _approval_problems(record, config) if p.code == "E403"])


@register_record(["complaint"])
def check_approver_holds_role(record: Record, config: Config) -> list[Problem]:
    """E404: an approver holds the role the approval records; W417: that role covers the amount."""
    found = [p for p in _approval_problems(record, config) if p.code == "E404"]
    severity = str(record.get("severity", "normal"))
    for i, approval in enumerate(record.get("approvals", [])):
        role = str(approval.get("role") or "")
        if role and not approvals.role_covers(role, approval.get("amount"), severity, config):
            needed = approvals.required_role(approval.get("amount"), severity, config)
            found.append(Problem("W417", f"approval {i + 1}: role '{role}' has no authority for amount "
                                 f"{render_scalar(approval.get('amount'))} at severity {severity}",
                                 field=f"approvals[{i}].role", hint=f"it needs the role '{needed}'",
                                 severity=Severity.WARNING))
    return _located(record, found)


@register_record(["complaint"])
def check_four_eyes(record: Record, config: Config) -> list[Problem]:
    """E405: nobody approves their own proposal."""
    return _located(record, [p for p in _approval_problems(record, config) if p.code == "E405"])


@register_record(["complaint"])
def check_approvals_sufficient(record: Record, config: Config) -> list[Problem]:
    """E406: an approved, resolved or closed complaint has a valid approval covering its amount."""
    if record.status in APPROVED_OR_LATER and record.get("approvals"):
        problem = approvals.coverage_problem(record, config)
        return _located(record, [problem] if problem else [])
    return []


@register_record(["complaint"])
def check_capa_verified_on_close(record: Record, config: Config) -> list[Problem]:
    """E407: a closed complaint whose improvement is tracked has every CAPA verified by quality."""
    if record.status == "closed":
        return _located(record, states.capa_problems(record.data, config))
    return []


@register(fields=("status", "id", "callback_waived", "imported", "complaint", "kind"))
def check_callback_on_close(snap: Snapshot, config: Config) -> list[Problem]:
    """E408: a closed complaint has its post-resolution callback done, or waived with a reason."""
    out = []
    # complaint ids with a done post-resolution callback (what states.callback_problems looks for)
    done = {cb.data.get("complaint") for cb in snap.records.get("callback", [])
            if cb.data.get("kind") == "post_resolution" and cb.status == "done"}
    for record in _complaints(snap):
        data = record.data
        if data.get("status") and record.status == "closed" and data.get("id") not in done:
            if str(data.get("callback_waived") or "").strip():
                continue  # waived with a reason: callback_problems finds nothing (skipped: most closed ones are)
            out += _located(record, states.callback_problems(data, None))
    return out


def phrase_line(record: Record, name: str, value: str, index: int) -> int | None:
    """The file line of character `index` of a text field (exact inside a literal block scalar)."""
    key_line = record.lines.get(name)
    if key_line is None:
        return None
    if "\n" not in value:
        return key_line
    return key_line + 1 + value[:index].count("\n")


_CUSTOMER_FACING = {name: tuple(f for f in kind.fields if f.customer_facing) for name, kind in KINDS.items()}


@register_record()
def check_forbidden_phrases(record: Record, config: Config) -> list[Problem]:
    """E409: customer-facing text (replies, resolution letters) holds no forbidden phrase (服务禁用语)."""
    out = []
    for f in _CUSTOMER_FACING[record.kind]:
        value = record.data.get(f.name)
        if not isinstance(value, str):
            continue
        for phrase, start in states.find_phrases(value, config.forbidden_phrases):
            out += _located(record, [Problem(
                "E409", f"forbidden phrase '{phrase}' in customer-facing text ({f.zh})",
                line=phrase_line(record, f.name, value, start), field=f.name,
                hint="rephrase it (服务禁用语, see conduct.forbidden_phrases in svcnotes.toml)")])
    return out


@register_record(["complaint"])
def check_proposal_within_authority(record: Record, config: Config) -> list[Problem]:
    """W410: a proposed amount above the proposer's own authority needs approval before the customer is told."""
    proposer = config.staff.get(str(record.get("proposed_by", "")))
    amount = record.get("amount")
    if record.status != "proposed" or proposer is None or amount is None:
        return []
    limit = approvals.authority_limit(proposer, config)
    severity = str(record.get("severity", "normal"))
    if limit is not None and (amount > limit or (severity == "critical"
                                                 and config.critical_role not in proposer.roles)):
        needed = approvals.required_role(amount, severity, config)
        return _located(record, [Problem(
            "W410", f"proposed amount {render_scalar(amount)} is above {proposer.id}'s own authority "
                    f"({render_scalar(limit)}): tell the customer nothing before a '{needed}' approves",
            field="amount", hint=f"a {needed} approves it with: svcnotes approve {record.id}", severity=Severity.WARNING)])
    return []


@register(fields=("status", "reopens", "imported"))
def check_reopens_closed(snap: Snapshot, config: Config) -> list[Problem]:
    """E411: `reopens` points at a closed complaint (the original stays closed)."""
    out = []
    for record in _complaints(snap):
        original = snap.find(str(record.get("reopens", ""))) if record.get("reopens") else None
        if original is not None and original.kind == "complaint" and original.id != record.id and original.status != "closed":
            out += _located(record, [Problem("E411", f"reopens {original.id}, which is {original.status}, not closed",
                                             field="reopens", hint="only a closed complaint can be reopened")])
    return out


@register_record(["complaint"])
def check_capa_verification(record: Record, config: Config) -> list[Problem]:
    """E412: a verified CAPA has verified_by and verified_at; E413: the verifier is from quality."""
    found = []
    for i, entry in enumerate(record.get("capa", [])):
        if entry.get("status") != "verified":
            continue
        for name in ("verified_by", "verified_at"):
            if not entry.get(name):
                found.append(Problem("E412", f"CAPA {i + 1} is verified but has no {name}", field=f"capa[{i}].status",
                                     hint=f"add {name} (or run: svcnotes capa verify {record.id} {i + 1})"))
        staff = config.staff.get(str(entry.get("verified_by") or ""))
        if staff is not None and not states.is_quality(staff.department, staff.roles):
            found.append(Problem("E413", f"CAPA {i + 1} verified by {staff.id}, who is not in the quality department",
                                 field=f"capa[{i}].verified_by", hint="the quality department verifies CAPA"))
    return _located(record, found)


@register_record(["complaint"])
def check_handover_chain(record: Record, config: Config) -> list[Problem]:
    """E414: hand-overs run from the first responder on, each from the previous receiver, ending at the owner."""
    holder = record.get("first_responder")
    found = []
    for i, h in enumerate(record.get("handovers", [])):
        if h.get("from") != holder:
            found.append(Problem("E414", f"hand-over {i + 1} is from {h.get('from')}, but the case was with {holder}",
                                 field=f"handovers[{i}].from", hint=f"set from: {holder}"))
        holder = h.get("to")
    owner = record.get("owner")
    if record.get("handovers") and owner != holder:
        found.append(Problem("E414", f"owner is {owner or '(none)'} but the last hand-over gave the case to {holder}",
                             field="owner" if owner else "handovers", hint=f"set owner: {holder}"))
    return _located(record, found)

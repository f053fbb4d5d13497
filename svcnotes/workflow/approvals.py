"""Approval authority (核决权限): who may approve what, and approvals bound to what they approved.

The matrix is config.approval_levels (lowest first; a higher level covers every lower amount), in
the repository's currency (complaints.currency); an amount in another currency is held against it
at the rate recorded in approval.rates, and with no rate nobody has authority for it (E415).
Critical complaints always need config.critical_role. An approval records the resolution, the
amount and a digest of the approved content; once the record no longer matches, it is void.

The rules on one approval are functions the PR gate calls too (one code each, wherever judged):
`entry_problems(entry, index, data, config)` -> E404 (holds the role), W417 (the role covers the
amount; the gate may hold it an error for an approval a PR adds), E405 (four eyes), E415 (no
rate); `coverage_problem(data, config)` -> E406; `void_reason(entry, data)` -> why E403.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from svcnotes.model.config import Config, Staff
from svcnotes.model.fields import render_scalar
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity

QUALITY_DEPARTMENT = "quality"
DIGEST_FIELDS = ("id", "customer", "resolution", "amount", "currency")


def _data(record: Any) -> Mapping[str, Any]:
    """Record or plain mapping -> the field mapping."""
    return record.data if hasattr(record, "data") else record


def _amount(value: Any) -> Decimal:
    """An amount as Decimal (missing = 0)."""
    if value is None or value == "":
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def is_quality(staff: Staff) -> bool:
    """True for the quality department (质量管理部), which verifies corrective actions."""
    return staff.department == QUALITY_DEPARTMENT or QUALITY_DEPARTMENT in staff.roles


def in_base_currency(amount: Any, currency: Any, config: Config) -> Decimal | None:
    """`amount` in complaints.currency (the limits' currency); None when its currency has no rate."""
    code = str(currency or config.currency)
    if code == config.currency:
        return _amount(amount)
    rate = config.rates.get(code)
    return None if rate is None else _amount(amount) * rate


def currency_problem(data: Mapping[str, Any], config: Config) -> Problem | None:
    """E415 when the record's amount is in a currency the limits cannot be applied to."""
    code = str(data.get("currency") or config.currency)
    if data.get("amount") is None or in_base_currency(data.get("amount"), code, config) is not None:
        return None
    return Problem("E415", msg("amount is in {code}, but the approval limits are in {currency} and no rate for "
                               "{code} is recorded", code=code, currency=config.currency), field="currency",
                   hint=msg("add the rate under [approval.rates] in svcnotes.toml (e.g. {code} = 7.1, {currency} per "
                            "{code}), or give the amount in {currency}", code=code, currency=config.currency))


def required_role(amount: Any, severity: str, config: Config, currency: Any = None) -> str:
    """The lowest role whose authority covers `amount` in `currency` (default complaints.currency;
    critical: always config.critical_role; with no rate for the currency: the highest role)."""
    if severity == "critical":
        return config.critical_role
    value = in_base_currency(amount, currency, config)
    for level in config.approval_levels:
        if value is not None and (level.max_amount is None or value <= level.max_amount):
            return level.role
    return config.approval_levels[-1].role


def _level_index(role: str, config: Config) -> int:
    roles = [lv.role for lv in config.approval_levels]
    return roles.index(role) if role in roles else -1


def role_covers(role: str, amount: Any, severity: str, config: Config, currency: Any = None) -> bool:
    """True when `role` may approve `amount` in `currency` at `severity` (higher levels cover lower
    amounts; nobody covers an amount whose currency has no rate)."""
    if in_base_currency(amount, currency, config) is None:
        return False
    needed = required_role(amount, severity, config, currency)
    if severity == "critical":
        return role == needed
    got = _level_index(role, config)
    return got >= 0 and got >= _level_index(needed, config)


def can_approve(staff: Staff, amount: Any, severity: str, config: Config, currency: Any = None) -> bool:
    """True when any of the staff member's roles covers the amount at this severity."""
    return any(role_covers(role, amount, severity, config, currency) for role in staff.roles)


def approving_role(staff: Staff, amount: Any, severity: str, config: Config, currency: Any = None) -> str | None:
    """The staff member's lowest role that covers the amount (the role an approval records)."""
    covering = [r for r in staff.roles if role_covers(r, amount, severity, config, currency)]
    if not covering:
        return None
    return min(covering, key=lambda r: _level_index(r, config) if _level_index(r, config) >= 0 else 10**6)


def authority_limit(staff: Staff, config: Config) -> Decimal | None:
    """The largest amount (in complaints.currency) the staff member may approve alone (None =
    unlimited, 0 = no authority)."""
    best: Decimal | None = Decimal(0)
    for role in staff.roles:
        for level in config.approval_levels:
            if level.role == role:
                if level.max_amount is None:
                    return None
                best = max(best, level.max_amount) if best is not None else best
    return best


def approval_digest(record: Any) -> str:
    """A short hash of the approved content: id, customer, resolution, amount and currency."""
    data = _data(record)
    parts = []
    for name in DIGEST_FIELDS:
        value = data.get(name)
        if name == "amount":
            value = render_scalar(_amount(value))
        parts.append(f"{name}={'' if value is None else value}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ApprovalState:
    """What the approvals of a record amount to: void ones, valid ones, and whether they suffice."""

    void: tuple[tuple[int, str], ...]  # (index, reason)
    valid: tuple[int, ...]
    sufficient: bool
    needed_role: str


def void_reason(approval: Mapping[str, Any], record: Any) -> str:
    """Why an approval no longer binds the record ('' when it still does)."""
    data = _data(record)
    if approval.get("resolution") != data.get("resolution"):
        return msg("it approved resolution '{approved}' but the record says '{now}'",
                   approved=approval.get('resolution'), now=data.get('resolution'))
    if _amount(approval.get("amount")) != _amount(data.get("amount")):
        return msg("it approved amount {approved} but the record says {now}",
                   approved=render_scalar(_amount(approval.get('amount'))), now=render_scalar(_amount(data.get('amount'))))
    digest = approval.get("digest")
    # a renumbered record (svcnotes renumber) keeps its former numbers as aliases: its approvals still bind it
    if digest and digest != approval_digest(data) and all(
            digest != approval_digest({**data, "id": alias}) for alias in data.get("aliases") or ()):
        return msg("the approved content (customer, currency, resolution or amount) has changed since")
    return ""


def assess(record: Any, config: Config) -> ApprovalState:
    """Classify a record's approvals and decide whether they cover its amount and severity."""
    data = _data(record)
    severity = str(data.get("severity") or "normal")
    amount = data.get("amount")
    void, valid = [], []
    sufficient = False
    for i, approval in enumerate(data.get("approvals") or []):
        reason = void_reason(approval, data)
        if reason:
            void.append((i, reason))
            continue
        valid.append(i)
        staff = config.staff.get(str(approval.get("by")))
        role = str(approval.get("role") or "")
        if (staff is not None and role in staff.roles and staff.id != data.get("proposed_by")
                and role_covers(role, amount, severity, config, data.get("currency"))):
            sufficient = True
    return ApprovalState(tuple(void), tuple(valid), sufficient, required_role(amount, severity, config, data.get("currency")))


def entry_problems(entry: Mapping[str, Any], index: int, record: Any, config: Config) -> list[Problem]:
    """The rules on one approval of a record (unlocated; field names the entry): E404 the approver
    holds the role, W417 the role covers the entry's amount in the record's currency, E405 the
    approver is not the proposer. The PR gate calls this for each approval a PR adds."""
    data = _data(record)
    out = []
    by, role = str(entry.get("by") or ""), str(entry.get("role") or "")
    severity = str(data.get("severity") or "normal")
    currency = data.get("currency")
    staff = config.staff.get(by)
    if staff is not None and role and role not in staff.roles:
        out.append(Problem("E404", msg("approval {number}: {by} does not hold the role '{role}'",
                                       number=index + 1, by=by, role=role),
                           field=f"approvals[{index}].role",
                           hint=msg("{by} holds: {roles}; see [[staff]] in svcnotes.toml",
                                    by=by, roles=', '.join(staff.roles) or msg("no roles"))))
    elif role and in_base_currency(entry.get("amount"), currency, config) is not None \
            and not role_covers(role, entry.get("amount"), severity, config, currency):
        needed = required_role(entry.get("amount"), severity, config, currency)
        out.append(Problem("W417", msg("approval {number}: role '{role}' has no authority for amount {amount} "
                                       "{currency} at severity {severity}",
                                       number=index + 1, role=role,
                                       amount=render_scalar(_amount(entry.get('amount'))),
                                       currency=currency or config.currency, severity=severity), field=f"approvals[{index}].role",
                           hint=msg("it needs the role '{needed}'", needed=needed), severity=Severity.WARNING))
    if by and by == data.get("proposed_by"):
        out.append(Problem("E405", msg("approval {number}: {by} approved their own proposal (four eyes)",
                                       number=index + 1, by=by),
                           field=f"approvals[{index}].by", hint=msg("someone other than the proposer must approve")))
    return out


def approval_problems(record: Any, config: Config) -> list[Problem]:
    """Problems with individual approvals: void (E403), then entry_problems of each (no path/line yet)."""
    data = _data(record)
    out = []
    state = assess(data, config)
    for i, reason in state.void:
        out.append(Problem("E403", msg("approval {number} is void: {reason}", number=i + 1, reason=reason), field=f"approvals[{i}].amount",
                           hint=msg("approve again (svcnotes approve) or restore the approved values")))
    for i, approval in enumerate(data.get("approvals") or []):
        out += entry_problems(approval, i, data, config)
    return out


def coverage_problem(record: Any, config: Config) -> Problem | None:
    """An E406 problem when no valid approval covers the amount under the authority matrix."""
    data = _data(record)
    state = assess(data, config)
    if state.sufficient:
        return None
    amount = render_scalar(_amount(data.get("amount")))
    if in_base_currency(data.get("amount"), data.get("currency"), config) is None:
        amount += f" {data.get('currency')} (no rate recorded for it)"
    why = msg(" (critical complaint)") if data.get("severity") == "critical" else ""
    return Problem("E406", msg("no valid approval covers amount {amount}{why}: it needs the role '{needed_role}'",
                               amount=amount, why=why, needed_role=state.needed_role),
                   field="approvals",
                   hint=msg("have a '{needed_role}' other than the proposer run: svcnotes approve {id}",
                            needed_role=state.needed_role, id=data.get('id', 'ID')))

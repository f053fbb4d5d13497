"""svcnotes.toml: a declared, typed configuration. Every bad key is reported in one pass.

Each option is declared once with its type, default and a docstring; unknown keys are warnings
(fatal with --strict); problems point at the line of svcnotes.toml that holds the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from svcnotes.model.keys import BadKey, SigningKey, parse_key
from svcnotes.model.message import msg, reason
from svcnotes.model.problems import Problem, Severity, did_you_mean

CONFIG_FILE = "svcnotes.toml"

DEFAULT_CATEGORIES = {
    "product_quality": ("产品质量", "Product quality"),
    "delivery": ("交期", "Delivery"),
    "installation": ("安装", "Installation"),
    "service_attitude": ("服务态度", "Service attitude"),
    "billing": ("账务", "Billing"),
    "other": ("其他", "Other"),
}
DEFAULT_DEPARTMENTS = {
    "sales": ("业务部", "Sales"),
    "quality": ("质量管理部", "Quality"),
    "gm_office": ("总经理室生产管理组", "GM office, production control"),
    "manufacturing": ("制造部", "Manufacturing"),
    "logistics": ("物流部", "Logistics"),
    "service": ("客户服务部", "Customer service"),
    "finance": ("财务部", "Finance"),
}
DEFAULT_FORBIDDEN = (
    "我们不管", "跟我们没关系", "没办法解决", "随便", "不清楚", "不知道",
    "这个问题我不会处理", "这个问题我们公司不能给您解决", "您自己不会解决吗",
)

# Safe phrases that contain a forbidden one (a safety instruction is not 随便 towards the customer).
DEFAULT_ALLOWED_CONTEXTS = ("请勿随便", "切勿随便", "不要随便", "不可随便", "不得随便", "禁止随便")


@dataclass(frozen=True)
class Staff:
    """One staff member: id, name, department, roles and the git e-mails that identify them."""

    id: str
    name: str
    department: str = ""
    roles: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    signing_keys: tuple[SigningKey, ...] = ()  # SSH public keys / GPG fingerprints that sign as this person


@dataclass(frozen=True)
class ApprovalLevel:
    """A role that may approve settlements up to `max_amount` (None = unlimited)."""

    role: str
    max_amount: Decimal | None


@dataclass(frozen=True)
class Deadline:
    """Target and hard-limit days from registration."""

    target_days: int = 15
    limit_days: int = 20


@dataclass(frozen=True)
class Config:
    """The whole typed configuration of a record repository."""

    organisation: str = "客户服务部"
    locale: str = "zh-CN"
    prefixes: dict[str, str] = field(default_factory=lambda: {"complaint": "C", "callback": "CB", "note": "N"})
    departments: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_DEPARTMENTS))
    categories: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    staff: dict[str, Staff] = field(default_factory=dict)
    currency: str = "CNY"
    approval_levels: tuple[ApprovalLevel, ...] = (
        ApprovalLevel("sales_manager", Decimal(5000)),
        ApprovalLevel("deputy_gm", Decimal(50000)),
        ApprovalLevel("gm", None),
    )
    critical_role: str = "gm"
    deadlines: dict[str, Deadline] = field(default_factory=lambda: {s: Deadline() for s in ("minor", "normal", "major", "critical")})
    working_days: bool = False
    weekend: tuple[int, ...] = (6, 7)
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    pause_on_hold: bool = True
    due_soon_days: int = 3
    callback_after_resolution_days: int = 7
    callback_after_service_days: int = 7
    unreachable_after_attempts: int = 3
    annual_needs_month: int = 12
    target_callback_completion: float = 1.0
    target_satisfaction: float = 0.85
    target_rework_rate: float = 0.05
    target_valid_complaint_rate: float = 0.01
    valid_complaint_base: str = "shipments"
    quality_report_days: int = 3
    forbidden_phrases: tuple[str, ...] = DEFAULT_FORBIDDEN
    allowed_contexts: tuple[str, ...] = DEFAULT_ALLOWED_CONTEXTS
    rates: dict[str, Decimal] = field(default_factory=dict)
    max_hold_days: int = 30
    signed_approvals: bool = False
    admin_roles: tuple[str, ...] = ("gm",)
    path: Path | None = None

    def staff_by_email(self, email: str) -> Staff | None:
        """The staff member whose git e-mail this is (case-insensitive)."""
        email = email.strip().lower()
        for person in self.staff.values():
            if email in (e.lower() for e in person.emails):
                return person
        return None

    def staff_by_key(self, fingerprint: str) -> Staff | None:
        """The staff member who lists the signing key with this fingerprint (SHA256:... or GPG hex)."""
        wanted = fingerprint.strip().upper() if ":" not in fingerprint else fingerprint.strip()
        for person in self.staff.values():
            if any(k.fingerprint == wanted for k in person.signing_keys):
                return person
        return None

    def choices(self, source: str) -> tuple[str, ...]:
        """Allowed values for a configurable enum field ('categories' or 'departments')."""
        return tuple(getattr(self, source))


@dataclass(frozen=True)
class Option:
    """One declared svcnotes.toml option: dotted key, value type, docstring, and the Config
    attribute a simple option sets ('' when a dedicated reader builds the value)."""

    key: str
    type: str
    doc: str
    attr: str = ""


# Every option, declared once. The loader checks each value by its type and reports unknown keys;
# docs/config.md lists the same options (a test keeps the two in step).
OPTIONS: dict[str, Option] = {o.key: o for o in (
    Option("organisation.name", "str", "Name shown on the site and reports.", "organisation"),
    Option("organisation.locale", "locale", "Default language of the site, reports and the command line (when --lang and LANG do not name one): zh-CN or en.", "locale"),
    Option("ids.complaint_prefix", "prefix", "Prefix of complaint numbers (C-YYMM-NNN)."),
    Option("ids.callback_prefix", "prefix", "Prefix of callback numbers."),
    Option("ids.note_prefix", "prefix", "Prefix of service-note numbers."),
    Option("departments", "labels", "Department id -> {zh, en} labels; responsible_dept takes these ids."),
    Option("complaints.categories", "labels", "Category id -> {zh, en} labels."),
    Option("complaints.currency", "currency", "Default currency of amounts; approval limits are in it.", "currency"),
    Option("staff", "staff", "The staff directory: [[staff]] id, name, department, roles, emails, signing_keys (SSH "
                             "public key lines as in a .pub file, matched on type and key, or 40-hex GPG fingerprints; "
                             "one person per key; written by svcnotes keys propose)."),
    Option("approval.levels", "levels", "[[approval.levels]] role and max_amount (omit for unlimited), lowest first."),
    Option("approval.critical_role", "str", "Role that must approve every critical complaint.", "critical_role"),
    Option("approval.signed", "bool", "Every commit recording an approval, proposal, CAPA verification or closure must "
                                      "be signed by a key listed in the actor's [[staff]] signing_keys (see "
                                      "docs/security.md).", "signed_approvals"),
    Option("approval.admin_roles", "strings", "Roles whose own (signed) commits may change svcnotes.toml's rules, "
                                              "CODEOWNERS or the CI files in a PR (E622); default gm (svcnotes init "
                                              "writes [\"admin\"] and gives that role to whoever sets it up). The gate "
                                              "reads every option from svcnotes.toml at the merge base: a PR's "
                                              "change applies after it merges.", "admin_roles"),
    Option("approval.rates", "rates", "Currency -> units of complaints.currency per unit (USD = 7.1): "
                                      "how an amount in another currency is held against the limits."),
    Option("deadlines.target_days", "int", "Days from registration to the closure target (all severities)."),
    Option("deadlines.limit_days", "int", "Days from registration to the hard limit; past it a case is overdue."),
    Option("deadlines.severity", "deadlines", "Per-severity {target_days, limit_days} overrides."),
    Option("deadlines.working_days", "bool", "Count working days (with the calendar) instead of calendar days.", "working_days"),
    Option("deadlines.pause_on_hold", "bool", "Waiting-on-customer intervals (on_hold) pause the clock.", "pause_on_hold"),
    Option("deadlines.max_hold_days", "int", "Longest a hold may pause the clock (days); past it the case counts "
                                             "again, is overdue at its limit and escalated.", "max_hold_days"),
    Option("deadlines.due_soon_days", "int", "A case is 'due soon' this many days before its limit.", "due_soon_days"),
    Option("deadlines.quality_report_days", "int", "The quality department's report is due this many days (on the "
                                                   "deadline calendar) after investigation starts (investigation_started_at).",
           "quality_report_days"),
    Option("calendar.weekend", "weekdays", "ISO weekday numbers of the weekend (6 = Saturday, 7 = Sunday).", "weekend"),
    Option("calendar.holidays", "dates", "Public holidays (not working days)."),
    Option("calendar.extra_working_days", "dates", "Weekend days that are working days (调休)."),
    Option("callbacks.after_resolution_days", "int", "Post-resolution callback due this many days after resolution.",
           "callback_after_resolution_days"),
    Option("callbacks.after_service_days", "int", "Post-service callback due this many days after an on-site job.",
           "callback_after_service_days"),
    Option("callbacks.unreachable_after", "int", "Unreachable attempts (at different times of day) before hand-over.",
           "unreachable_after_attempts"),
    Option("callbacks.annual_needs_month", "month", "Month of the next-year-needs callbacks (12 = December).",
           "annual_needs_month"),
    Option("targets.callback_completion", "ratio", "Target callback completion rate.", "target_callback_completion"),
    Option("targets.satisfaction", "ratio", "Target satisfaction rate (share of scores 4-5).", "target_satisfaction"),
    Option("targets.rework_rate", "ratio", "Maximum after-sales rework rate.", "target_rework_rate"),
    Option("targets.valid_complaint_rate", "ratio", "Maximum valid-complaint rate.", "target_valid_complaint_rate"),
    Option("targets.valid_complaint_base", "base", "What the valid-complaint rate divides by: shipments or deliveries "
                                                   "of the month, from records/volumes.csv.", "valid_complaint_base"),
    Option("conduct.forbidden_phrases", "strings", "Phrases never to be written to customers (服务禁用语).",
           "forbidden_phrases"),
    Option("conduct.allowed_contexts", "strings", "Safe phrases that contain a forbidden one and pass "
                                                  "(e.g. 请勿随便拆卸).", "allowed_contexts"),
)}
_TABLES = {k.split(".")[0] for k in OPTIONS} | {"complaints", "deadlines"}


class _Reader:
    """Collects problems while reading raw TOML data, locating each key in the file."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.problems: list[Problem] = []

    def line_of(self, dotted: str) -> int | None:
        """Best line for a dotted key: the key inside its [table], else the table header."""
        parts = dotted.split(".")
        key = parts[-1]
        table = ".".join(parts[:-1])
        in_table = not table
        header = None
        for n, line in enumerate(self.lines, 1):
            s = line.strip()
            if s.startswith("["):
                name = s.strip("[] ")
                in_table = name == table or (not table)
                if name == dotted or name == table:
                    header = header or n
                continue
            if in_table and re.match(rf"{re.escape(key)}\s*=", s):
                return n
        return header

    def bad(self, dotted: str, message: str, hint: str = "", code: str = "C002", warn: bool = False) -> None:
        self.problems.append(Problem(code, message, self.path, self.line_of(dotted), dotted, hint,
                                     Severity.WARNING if warn else Severity.ERROR))


def _labels(r: _Reader, key: str, raw: Any) -> dict[str, tuple[str, str]] | None:
    if not isinstance(raw, dict):
        r.bad(key, msg("must be a table of id = {zh = '..', en = '..'}"), msg("see docs/config.md"))
        return None
    out = {}
    for ident, val in raw.items():
        if isinstance(val, str):
            out[ident] = (val, val)
        elif isinstance(val, dict) and isinstance(val.get("zh", ""), str) and isinstance(val.get("en", ""), str):
            out[ident] = (val.get("zh") or ident, val.get("en") or val.get("zh") or ident)
        else:
            r.bad(f"{key}.{ident}", msg("label of '{ident}' must be text or {{zh, en}}", ident=ident))
    return out


def _dates(r: _Reader, key: str, raw: Any) -> frozenset[date] | None:
    if not isinstance(raw, list):
        r.bad(key, msg("must be a list of dates"), msg("write [2026-10-01, 2026-10-02]"))
        return None
    out = set()
    for item in raw:
        if isinstance(item, date):
            out.add(item)
        elif isinstance(item, str):
            try:
                out.add(date.fromisoformat(item))
            except ValueError:
                r.bad(key, msg("'{item}' is not a date", item=item), msg("write YYYY-MM-DD"))
        else:
            r.bad(key, msg("{item!r} is not a date", item=item), msg("write YYYY-MM-DD"))
    return frozenset(out)


def _staff(r: _Reader, raw: Any, departments: dict[str, tuple[str, str]]) -> dict[str, Staff]:
    out: dict[str, Staff] = {}
    owners: dict[str, str] = {}  # key fingerprint -> staff id
    if not isinstance(raw, list):
        r.bad("staff", msg("must be an array of tables [[staff]]"), msg("see docs/config.md"))
        return out
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry.get("id"):
            r.bad("staff.id", msg("staff entry {number} has no id", number=i + 1), msg("add id = \"zhang.wei\""))
            continue
        sid = entry["id"]
        if sid in out:
            r.bad("staff.id", msg("staff id '{sid}' appears twice", sid=sid), msg("staff ids must be unique"))
        for extra in set(entry) - {"id", "name", "department", "roles", "emails", "email", "signing_keys"}:
            r.bad(f"staff.{extra}", msg("unknown key '{extra}' in staff '{sid}'", extra=extra, sid=sid),
                  did_you_mean(extra, ["name", "department", "roles", "emails", "signing_keys"]), "C001", warn=True)
        dept = entry.get("department", "")
        if not isinstance(dept, str):
            r.bad("staff.department", msg("department of '{sid}' must be a department id", sid=sid), msg("write department = \"sales\""))
            dept = ""
        if dept and dept not in departments:
            r.bad("staff.department", msg("staff '{sid}' has unknown department '{dept}'", sid=sid, dept=dept),
                  did_you_mean(dept, departments))
        emails = entry.get("emails", [])
        if isinstance(emails, str):
            emails = [emails]
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            r.bad("staff.emails", msg("emails of '{sid}' must be a list of e-mail addresses", sid=sid),
                  msg("write emails = [\"a@example.com\"]"))
            emails = []
        if isinstance(entry.get("email"), str) and entry["email"]:
            emails = [*emails, entry["email"]]
        roles = entry.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(x, str) for x in roles):
            r.bad("staff.roles", msg("roles of '{sid}' must be a list of text", sid=sid), msg("write roles = [\"sales_manager\"]"))
            roles = []
        out[sid] = Staff(sid, str(entry.get("name", sid)), str(dept), tuple(roles), tuple(str(e) for e in emails),
                         _signing_keys(r, sid, entry.get("signing_keys", []), owners))
    return out


def _signing_keys(r: _Reader, sid: str, raw: Any, owners: dict[str, str]) -> tuple[SigningKey, ...]:
    """The staff member's keys; every bad line (and a key listed for two people) reported with its fix."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        r.bad("staff.signing_keys", msg("signing_keys of '{sid}' must be a list of text", sid=sid),
              msg("write signing_keys = [\"ssh-ed25519 AAAA... name\"] (the line of your .pub file)"))
        return ()
    keys = []
    for n, line in enumerate(raw, 1):
        try:
            key = parse_key(line)
        except BadKey as exc:
            r.bad("staff.signing_keys", msg("signing key {n} of '{sid}' {error}", n=n, sid=sid, error=reason(exc)),
                  msg("paste the whole line of the public key file (~/.ssh/id_ed25519.pub), or run: svcnotes keys add"))
            continue
        other = owners.setdefault(key.fingerprint, sid)
        if other != sid:
            r.bad("staff.signing_keys", msg("signing key {n} of '{sid}' ({fingerprint}) is also listed for '{other}'",
                                            n=n, sid=sid, fingerprint=key.fingerprint, other=other),
                  msg("a key signs for one person only: remove it from one of them"))
            continue
        keys.append(key)
    return tuple(keys)


def _levels(r: _Reader, raw: Any) -> tuple[ApprovalLevel, ...] | None:
    if not isinstance(raw, list) or not raw:
        r.bad("approval.levels", msg("must be a non-empty array of tables [[approval.levels]]"))
        return None
    levels = []
    for entry in raw:
        if not isinstance(entry, dict) or "role" not in entry:
            r.bad("approval.levels", msg("each level needs a role"), msg("write role = \"sales_manager\""))
            continue
        cap = entry.get("max_amount")
        if cap is not None and (not isinstance(cap, (int, float)) or isinstance(cap, bool) or cap < 0):
            r.bad("approval.levels.max_amount", msg("max_amount of '{entry}' must be a non-negative number",
                                                    entry=entry['role']))
            cap = None
        levels.append(ApprovalLevel(str(entry["role"]), None if cap is None else Decimal(str(cap))))
    caps = [lv.max_amount for lv in levels]
    if any(c is None for c in caps[:-1]) or caps != sorted(caps, key=lambda c: Decimal("Infinity") if c is None else c):
        r.bad("approval.levels", msg("levels must go from the lowest max_amount to the highest, unlimited last"))
    return tuple(levels)


def _rates(r: _Reader, raw: Any) -> dict[str, Decimal]:
    """approval.rates: currency code -> positive rate into complaints.currency."""
    if not isinstance(raw, dict):
        r.bad("approval.rates", msg("must be a table of CODE = rate"), msg("write USD = 7.1"))
        return {}
    out = {}
    for code, rate in raw.items():
        if not re.fullmatch(r"[A-Z]{3}", code):
            r.bad(f"approval.rates.{code}", msg("'{code}' is not a currency code", code=code), msg("write an ISO 4217 code such as USD"))
        elif not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate <= 0:
            r.bad(f"approval.rates.{code}", msg("{rate!r} is not a valid rate", rate=rate), msg("write a positive number, e.g. USD = 7.1"))
        else:
            out[code] = Decimal(str(rate))
    return out


def _simple(r: _Reader, key: str, kind: str, raw: Any) -> Any:
    """Check a scalar option of a simple type; return it or None after reporting."""
    ok = {
        "str": isinstance(raw, str) and raw != "",
        "bool": isinstance(raw, bool),
        "int": isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0,
        "month": isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 12,
        "currency": isinstance(raw, str) and re.fullmatch(r"[A-Z]{3}", raw) is not None,
        "ratio": isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0 <= raw <= 1,
        "locale": raw in ("zh-CN", "en"),
        "prefix": isinstance(raw, str) and re.fullmatch(r"[A-Z]{1,4}", raw or "") is not None,
        "strings": isinstance(raw, list) and all(isinstance(x, str) and x for x in raw),
        "weekdays": isinstance(raw, list) and all(isinstance(x, int) and 1 <= x <= 7 for x in raw),
        "base": raw in ("shipments", "deliveries"),
    }[kind]
    if ok:
        return raw
    hints = {
        "bool": msg("write true or false"), "int": msg("write a whole number >= 0"), "month": msg("write a month number from 1 to 12"),
        "currency": msg("write an ISO 4217 code such as CNY or USD"), "ratio": msg("write a number from 0 to 1, e.g. 0.85"),
        "locale": msg("use zh-CN or en"), "prefix": msg("use 1-4 capital letters, e.g. C"), "strings": msg("write a list of text"),
        "weekdays": msg("write ISO weekday numbers, e.g. [6, 7]"), "str": msg("write non-empty text"),
        "base": msg("use shipments or deliveries"),
    }
    r.bad(key, msg("{raw!r} is not a valid value", raw=raw), hints[kind])
    return None


def parse_config(text: str, path: str = CONFIG_FILE) -> tuple[Config, list[Problem]]:
    """Parse svcnotes.toml text into a Config, reporting every problem (defaults fill the gaps)."""
    r = _Reader(text, path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        return Config(), [Problem("C000", msg("TOML syntax error: {error}", error=str(exc)), path, int(m.group(1)) if m else None,
                                  hint=msg("fix the syntax; see docs/config.md"))]
    values: dict[str, Any] = {}
    for table, content in raw.items():
        if table not in _TABLES:
            r.bad(table, msg("unknown section '{table}'", table=table), did_you_mean(table, sorted(_TABLES)), "C001", warn=True)
            continue
        if table in ("staff", "departments"):
            continue
        if not isinstance(content, dict):
            r.bad(table, msg("'{table}' must be a table", table=table))
            continue
        for key, val in content.items():
            dotted = f"{table}.{key}"
            if dotted not in OPTIONS:
                known = [k.split(".", 1)[1] for k in OPTIONS if k.startswith(table + ".")]
                r.bad(dotted, msg("unknown option '{dotted}'", dotted=dotted), did_you_mean(key, known), "C001", warn=True)
                continue
            values[dotted] = val
    cfg: dict[str, Any] = {"path": Path(path)}
    if "departments" in raw:
        cfg["departments"] = _labels(r, "departments", raw["departments"]) or dict(DEFAULT_DEPARTMENTS)
    departments = cfg.get("departments", DEFAULT_DEPARTMENTS)
    if "staff" in raw:
        cfg["staff"] = _staff(r, raw["staff"], departments)
    for dotted, option in OPTIONS.items():
        if option.attr and dotted in values:
            got = _simple(r, dotted, option.type, values[dotted])
            if got is not None:
                cfg[option.attr] = tuple(got) if isinstance(got, list) else got
    prefixes = dict(Config().prefixes)
    for kind in ("complaint", "callback", "note"):
        key = f"ids.{kind}_prefix"
        if key in values and _simple(r, key, "prefix", values[key]) is not None:
            prefixes[kind] = values[key]
    if len(set(prefixes.values())) < 3:
        r.bad("ids", msg("id prefixes must differ between kinds"))
    cfg["prefixes"] = prefixes
    if "complaints.categories" in values:
        cfg["categories"] = _labels(r, "complaints.categories", values["complaints.categories"]) or dict(DEFAULT_CATEGORIES)
    if "approval.levels" in values:
        levels = _levels(r, values["approval.levels"])
        if levels:
            cfg["approval_levels"] = levels
    for key in ("calendar.holidays", "calendar.extra_working_days"):
        if key in values:
            got_dates = _dates(r, key, values[key])
            if got_dates is not None:
                cfg[key.split(".")[1]] = got_dates
    base = Deadline()
    for key in ("deadlines.target_days", "deadlines.limit_days"):
        if key in values and _simple(r, key, "int", values[key]) is not None:
            base = replace(base, **{key.split(".")[1]: values[key]})
    deadlines = {s: base for s in ("minor", "normal", "major", "critical")}
    per_severity = values.get("deadlines.severity") or {}
    if not isinstance(per_severity, dict):
        r.bad("deadlines.severity", msg("must be a table of severity = {target_days, limit_days}"))
        per_severity = {}
    for sev, d in per_severity.items():
        if sev not in deadlines or not isinstance(d, dict):
            r.bad(f"deadlines.severity.{sev}", msg("unknown severity '{sev}'", sev=sev), did_you_mean(sev, deadlines))
            continue
        got = deadlines[sev]
        for name, val in d.items():
            if name not in ("target_days", "limit_days"):
                r.bad(f"deadlines.severity.{sev}.{name}", msg("unknown option '{name}' for severity '{sev}'",
                                                              name=name, sev=sev),
                      did_you_mean(name, ["target_days", "limit_days"]), "C001", warn=True)
            elif _simple(r, f"deadlines.severity.{sev}.{name}", "int", val) is not None:
                got = replace(got, **{name: val})
        deadlines[sev] = got
    for sev, d in deadlines.items():
        if d.target_days > d.limit_days:
            r.bad("deadlines", msg("{sev}: target_days {target_days} is after limit_days {limit_days}",
                                   sev=sev, target_days=d.target_days, limit_days=d.limit_days), msg("the target must not exceed the limit"))
    if "approval.rates" in values:
        cfg["rates"] = _rates(r, values["approval.rates"])
    cfg["deadlines"] = deadlines
    return Config(**cfg), r.problems


def load_config(root: Path) -> tuple[Config, list[Problem]]:
    """Read svcnotes.toml under `root` (defaults and an error when it is missing or unreadable)."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Config(path=path), [Problem("C003", msg("no svcnotes.toml"), str(CONFIG_FILE), hint=msg("run 'svcnotes init' or create it"))]
    except UnicodeDecodeError:
        return Config(path=path), [Problem("C004", msg("svcnotes.toml is not UTF-8"), CONFIG_FILE, hint=msg("save it as UTF-8"))]
    return parse_config(text, CONFIG_FILE)


_TYPE_LABELS = {
    "str": "text", "locale": "`zh-CN` or `en`", "prefix": "1-4 capitals", "labels": "table `id = {zh, en}`",
    "currency": "ISO 4217 code", "staff": "array of tables", "levels": "array of tables", "bool": "bool",
    "rates": "table `CODE = rate`", "int": "whole number >= 0", "deadlines": "table per severity",
    "weekdays": "list of ISO weekdays", "dates": "list of dates", "month": "1-12", "ratio": "number 0-1",
    "strings": "list of text", "base": "`shipments` or `deliveries`",
}


def config_reference() -> str:
    """docs/config.md: every declared option with its type, default and docstring."""
    defaults = Config()
    out = ["# svcnotes.toml reference", "",
           "Generated from `OPTIONS` in `svcnotes/model/config.py` by `python -m svcnotes.model.config`; do not edit by hand.",
           "",
           "Every record repository has one `svcnotes.toml` at its root. Each option is declared once, with its type",
           "and docstring. Every bad value is reported in one pass with the file and line that hold it (codes",
           "`C000`-`C004`); unknown keys are warnings (`C001`, fatal with `validate --strict`). A configuration error",
           "stops every command with exit 2 and the located errors (`validate` lists them with the record problems).",
           "", "| option | type | default | meaning |", "|---|---|---|---|"]
    for key, option in OPTIONS.items():
        default = getattr(defaults, option.attr) if option.attr else None
        if key in ("deadlines.target_days", "deadlines.limit_days"):
            default = getattr(Deadline(), key.split(".")[1])
        elif key.startswith("ids."):
            default = defaults.prefixes[key[4:].removesuffix("_prefix")]
        shown = "" if default in (None, "", (), {}) else f"`{', '.join(map(str, default)) if isinstance(default, tuple) else default}`"
        out.append(f"| `{key}` | {_TYPE_LABELS[option.type]} | {shown} | {option.doc} |")
    out += ["", "Defaults not shown: departments sales, quality, gm_office, manufacturing, logistics, service, finance;",
            "categories product_quality, delivery, installation, service_attitude, billing, other; approval levels",
            "sales_manager ≤ 5,000, deputy_gm ≤ 50,000, gm above (in `complaints.currency`).", "",
            "An amount in another currency than `complaints.currency` is held against the limits through",
            "`approval.rates` (e.g. `USD = 7.1`); without a rate for its currency nobody can approve it (E415).", "",
            "The bundled `svcnotes.toml` at the top of this project is a complete example.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(config_reference(), end="")

"""The typed value every report returns, and small helpers shared by the report modules.

A Report is plain data: a bilingual title, columns (key + zh/en header + value type), rows
(dicts of typed values: str, int, Decimal, float ratios, date, bool, Text), summary figures
(with targets where the department has one) and optional chart series for the site.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.model.schema import FINISHED
from svcnotes.reports.periods import Period

ENDED = FINISHED  # derived from the complaint transition table (model/schema.py)
UNSET = "unset"  # breakdown key for a record that has no value in the counted field


@dataclass(frozen=True)
class Text:
    """A bilingual label: Chinese and English."""

    zh: str
    en: str

    def __call__(self, locale: str) -> str:
        """The label in `locale` ('en...' -> English, anything else Chinese)."""
        return self.en if (locale or "").lower().startswith("en") else self.zh

    def __str__(self) -> str:
        return self.zh


@dataclass(frozen=True)
class Column:
    """One report column. type: text|int|date|datetime|bool|ratio|money|days|label.

    `enum` names the value set of a coded column (e.g. 'complaint_status', 'severity',
    'category', 'department', 'staff') so a renderer can show labels instead of codes.
    """

    key: str
    zh: str
    en: str
    type: str = "text"
    enum: str = ""

    def header(self, locale: str) -> str:
        """The column header in `locale`."""
        return Text(self.zh, self.en)(locale)


@dataclass(frozen=True)
class Count:
    """One side of a rate: what is counted and how many (None: not recorded for the period)."""

    label: Text
    value: int | None

    def text(self, locale: str) -> str:
        """'有效客诉 3', or '出货批次 未录入' / 'shipments not recorded'."""
        if self.value is None:
            return Text(f"{self.label.zh} 未录入", f"{self.label.en} not recorded")(locale)
        return f"{self.label(locale)} {self.value:,}"


@dataclass(frozen=True)
class Figure:
    """A summary figure. unit: count|ratio|days|money|date. better: 'higher', 'lower' or ''.

    A rate (a KPI) also carries its period, numerator and denominator, and, when its value cannot
    be computed because a denominator was never recorded, `missing` says what to enter."""

    key: str
    label: Text
    value: Any
    unit: str = "count"
    target: float | None = None
    better: str = ""
    basis: str = ""  # how it was computed, e.g. "3/4"
    period: str = ""
    numerator: Count | None = None
    denominator: Count | None = None
    missing: Text | None = None

    @property
    def met(self) -> bool | None:
        """Whether the value meets its target (None without a target or a value)."""
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target if self.better == "higher" else self.value <= self.target


@dataclass(frozen=True)
class Series:
    """Chart data: kind bar|line|stacked, x labels, named value lists (None = no data)."""

    key: str
    title: Text
    kind: str
    labels: tuple[Any, ...]  # str or Text
    values: Mapping[str, tuple[float | None, ...]]
    unit: str = "count"
    target: float | None = None


@dataclass(frozen=True)
class Report:
    """One computed report: what the CLI prints and the site renders.

    Rows are read-only: reports computed from one snapshot may share row objects (a complaint
    open for months is the same row in each weekly report); copy a row before changing it.
    """

    name: str
    title: Text
    today: date
    period: Period | None
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]
    figures: tuple[Figure, ...] = ()
    series: tuple[Series, ...] = ()
    notes: tuple[Text, ...] = field(default=())

    def figure(self, key: str) -> Figure:
        """The summary figure named `key` (KeyError when the report has none)."""
        for fig in self.figures:
            if fig.key == key:
                return fig
        raise KeyError(key)

    def value(self, key: str) -> Any:
        """The value of figure `key`."""
        return self.figure(key).value


def rate(key: str, label: Text, numerator: Count, denominator: Count, period: Period | None,
         target: float | None = None, better: str = "", missing: Text | None = None) -> Figure:
    """A rate figure: numerator / denominator (None when either is unknown or nothing was counted)."""
    num, den = numerator.value, denominator.value
    value = num / den if num is not None and den else None
    basis = f"{'—' if num is None else num}/{'—' if den is None else den}"
    return Figure(key, label, value, "ratio", target, better, basis, period.label if period else "", numerator,
                  denominator, missing if den is None else None)


def enter_hint(what: Text, period: Period) -> Text:
    """'n/a — enter shipments for 2026-10' (无法计算 — 请录入 2026-10 的出货批次)."""
    return Text(f"无法计算 — 请录入 {period.label} 的{what.zh}", f"n/a — enter {what.en} for {period.label}")


def day_of(value: Any) -> date | None:
    """A date from a date or datetime field value (None otherwise)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide."""
    return numerator / denominator if denominator else None


def owner_of(record: Record) -> str:
    """The current owner: the owner field, else the last hand-over's receiver, else the first responder."""
    if record.get("owner"):
        return str(record.get("owner"))
    handovers = record.get("handovers", [])
    if handovers and handovers[-1].get("to"):
        return str(handovers[-1]["to"])
    return str(record.get("first_responder", ""))


def ended_in(record: Record, period: Period) -> bool:
    """A complaint that was closed (or found not established) inside `period`."""
    return record.status in ENDED and day_of(record.get("closed_at")) in period


def registered_on(record: Record) -> date | None:
    """The registration date (the received date when missing)."""
    data = record.data
    return day_of(data.get("registered_at")) or day_of(data.get("received_at"))


def established(record: Record) -> bool:
    """A complaint not found groundless (客诉成立)."""
    return record.status != "not_established" and record.get("resolution") != "not_established"


def breakdown(records: Iterable[Record], field_name: str, order: Iterable[str]) -> dict[str, int]:
    """Counts per value of `field_name`, declared values first (zeros kept), UNSET last when used."""
    counts = Counter(str(r.get(field_name) or UNSET) for r in records)
    out = {key: counts.pop(key, 0) for key in order}
    out.update(sorted((k, v) for k, v in counts.items() if k != UNSET))
    if counts.get(UNSET):
        out[UNSET] = counts[UNSET]
    return out


def money_by_currency(records: Iterable[Record], config: Config) -> dict[str, Decimal]:
    """Sum of `amount` per currency (the configured currency when a record names none)."""
    sums: dict[str, Decimal] = {}
    for r in records:
        amount = r.get("amount")
        if isinstance(amount, Decimal):
            cur = str(r.get("currency") or config.currency)
            sums[cur] = sums.get(cur, Decimal(0)) + amount
    return dict(sorted(sums.items()))


def customer_name(snapshot: Any, customer_id: str) -> str:
    """A customer's short name (else name, else the id) from the snapshot."""
    rec = snapshot.by_id.get(customer_id)
    if rec is None or rec.kind != "customer":
        return customer_id
    return str(rec.get("short_name") or rec.get("name") or customer_id)


# Labels of the coded values that appear as row items in breakdowns (the site has its own
# complete tables; reports cannot import the site layer, so these few are declared here).
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "cause_class": {"quality": ("质量异常", "Quality"), "non_quality": ("非质量异常", "Non-quality")},
    "severity": {"minor": ("轻微", "Minor"), "normal": ("一般", "Normal"), "major": ("重大", "Major"),
                 "critical": ("严重", "Critical")},
    "resolution": {"return": ("退货", "Return"), "rework": ("返工", "Rework"), "exchange": ("换货", "Exchange"),
                   "allowance": ("折让", "Price allowance"), "compensation": ("赔款", "Compensation"),
                   "repair": ("维修", "Repair"), "explanation": ("解释说明", "Explanation"),
                   "not_established": ("客诉不成立", "Not established")},
    "note_kind": {"call_in": ("来电", "Incoming call"), "call_out": ("去电", "Outgoing call"), "visit": ("来访", "Visit"),
                  "on_site": ("现场服务", "On-site job"), "email": ("邮件", "E-mail"), "handover": ("交接记录", "Shift handover")},
}


def value_label(enum: str, value: str, config: Config) -> Text:
    """The bilingual label of a coded value: config labels for categories and departments."""
    if value == UNSET:
        return Text("未填写", "Not set")
    table = {"category": config.categories, "department": config.departments}.get(enum) or VALUE_LABELS.get(enum, {})
    pair = table.get(value)
    return Text(pair[0], pair[1]) if pair else Text(value, value)

"""Complaint reports: the tracking register, the overdue & escalation list, the monthly statistics."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.model.schema import CAUSE_CLASSES, RESOLUTIONS, SEVERITIES
from svcnotes.reports.base import (
    ENDED,
    UNSET,
    Column,
    Count,
    Figure,
    Report,
    Series,
    Text,
    breakdown,
    customer_name,
    day_of,
    established,
    money_by_currency,
    owner_of,
    rate,
    ratio,
    registered_on,
    value_label,
)
from svcnotes.reports.index import ReportIndex
from svcnotes.reports.periods import Period
from svcnotes.reports.quality import STATES as QUALITY_STATES
from svcnotes.reports.quality import quality_report_due, quality_report_state
from svcnotes.store.repository import Snapshot
from svcnotes.workflow.calendar import Calendar
from svcnotes.workflow.deadlines import Deadline, complaint_deadline

REGISTER_COLUMNS = (
    Column("id", "客诉编号", "Number"),
    Column("received_at", "受理日期", "Received", "date"),
    Column("registered_at", "登记日期", "Registered", "date"),
    Column("customer", "客户", "Customer", enum="customer"),
    Column("customer_name", "客户名称", "Customer name"),
    Column("title", "主题", "Title"),
    Column("category", "类别", "Category", enum="category"),
    Column("severity", "严重度", "Severity", enum="severity"),
    Column("status", "状态", "Status", enum="complaint_status"),
    Column("owner", "当前负责人", "Owner", enum="staff"),
    Column("target", "目标结案日", "Target", "date"),
    Column("limit", "处理期限", "Deadline", "date"),
    Column("days_open", "已处理天数", "Days open", "int"),
    Column("past_target", "超过目标", "Past target", "bool"),
    Column("overdue", "逾期", "Overdue", "bool"),
    Column("escalate_to", "升级", "Escalated to", enum="escalation"),
    Column("reopens", "重开自", "Reopens"),
)


def register_row(record: Record, snapshot: Snapshot, config: Config, today: date) -> dict[str, Any]:
    """One complaint as a tracking-register row, with its derived deadline columns."""
    return _register_row(record, snapshot, ReportIndex.of(snapshot).deadline(record, config, today), config, today)


def _register_row(record: Record, snapshot: Snapshot, d: Deadline, config: Config, today: date) -> dict[str, Any]:
    customer = str(record.get("customer", ""))
    quality = quality_report_state(record, config, today)
    return {
        "id": record.id, "received_at": day_of(record.get("received_at")), "registered_at": registered_on(record),
        "customer": customer, "customer_name": customer_name(snapshot, customer), "title": record.get("title", ""),
        "category": record.get("category", ""), "severity": record.get("severity", ""), "status": record.status,
        "owner": owner_of(record), "target": d.target, "limit": d.limit, "days_open": d.days_open,
        "past_target": past_target(record, d, today), "overdue": d.overdue,
        "escalate_to": d.escalate_to, "reopens": record.get("reopens", ""), "reply_overdue": d.reply_overdue,
        "quality_report_due": quality_report_due(record, config),
        "quality_report_overdue": quality == "outstanding" and record.status not in ENDED,
    }


def past_target(record: Record, d: Deadline, today: date) -> bool:
    """Open after its target date (the 15-day goal), whether or not the 20-day limit has passed too."""
    return record.status not in ENDED and d.target is not None and today > d.target


def complaints(snapshot: Snapshot) -> list[Record]:
    """Every complaint, in number order."""
    return list(ReportIndex.of(snapshot).complaints)


def tracking_register(snapshot: Snapshot, config: Config, period: Period | None, today: date) -> Report:
    """客户抱怨案件登记追踪表: every complaint (registered in `period` when one is given)."""
    index = ReportIndex.of(snapshot)
    records = index.complaints if period is None else index.registered.within(period)
    rows = tuple(_register_row(r, snapshot, index.deadline(r, config, today), config, today) for r in records)
    figures = (
        Figure("total", Text("客诉件数", "Complaints"), len(rows)),
        Figure("open", Text("处理中", "Open"), sum(1 for r in rows if r["status"] not in ENDED)),
        Figure("past_target", Text("超过目标期限未结", "Open past the target"), sum(1 for r in rows if r["past_target"])),
        Figure("overdue", Text("逾期", "Overdue"), sum(1 for r in rows if r["overdue"])),
    )
    return Report("register", Text("客户抱怨案件登记追踪表", "Complaint tracking register"), today, period,
                  REGISTER_COLUMNS, rows, figures)


OVERDUE_COLUMNS = (
    Column("id", "客诉编号", "Number"),
    Column("customer_name", "客户", "Customer"),
    Column("title", "主题", "Title"),
    Column("severity", "严重度", "Severity", enum="severity"),
    Column("status", "状态", "Status", enum="complaint_status"),
    Column("owner", "当前负责人", "Owner", enum="staff"),
    Column("registered_at", "登记日期", "Registered", "date"),
    Column("target", "目标结案日", "Target", "date"),
    Column("limit", "处理期限", "Deadline", "date"),
    Column("days_open", "已处理天数", "Days open", "int"),
    Column("days_over", "逾期天数", "Days over", "int"),
    Column("escalate_to", "升级至", "Escalated to", enum="escalation"),
    Column("reply_overdue", "承诺答复逾期", "Promised reply missed", "bool"),
    Column("quality_report_due", "质量报告应交", "Quality report due", "date"),
    Column("quality_report_overdue", "质量报告逾期", "Quality report overdue", "bool"),
)


def overdue_escalation(snapshot: Snapshot, config: Config, period: Period | None, today: date) -> Report:
    """逾期反应: open complaints past their limit, escalated (major/critical), with a missed promised reply
    or with the quality department's report overdue.

    `period` is ignored: the list is always as of `today`. Days over count on the working calendar.
    """
    cal = Calendar.from_config(config)
    index = ReportIndex.of(snapshot)
    rows = []
    for record in index.open_complaints:
        row = _register_row(record, snapshot, index.deadline(record, config, today), config, today)
        if not (row["overdue"] or row["escalate_to"] or row["reply_overdue"] or row["quality_report_overdue"]):
            continue
        row["days_over"] = cal.between(row["limit"], today) if row["overdue"] else 0
        rows.append(row)
    rows.sort(key=lambda r: (not r["overdue"], -r["days_over"], r["id"]))
    figures = (
        Figure("overdue", Text("逾期件数", "Overdue"), sum(1 for r in rows if r["overdue"])),
        Figure("escalated_gm", Text("呈报总经理", "Escalated to the general manager"),
               sum(1 for r in rows if r["escalate_to"] == "gm")),
        Figure("escalated_gm_office", Text("逾期呈报总经理室", "Overdue, escalated to the GM office"),
               sum(1 for r in rows if r["escalate_to"] == "gm_office")),
        Figure("reply_overdue", Text("承诺答复逾期", "Promised replies missed"), sum(1 for r in rows if r["reply_overdue"])),
        Figure("quality_report_overdue", Text("质量报告逾期", "Quality reports overdue"),
               sum(1 for r in rows if r["quality_report_overdue"])),
    )
    return Report("overdue", Text("逾期反应及升级清单", "Overdue & escalation list"), today, None,
                  OVERDUE_COLUMNS, tuple(rows), figures)


STATS_COLUMNS = (
    Column("dimension", "统计项目", "Breakdown", "label"),
    Column("label", "分类", "Item", "label"),
    Column("count", "件数", "Count", "int"),
    Column("share", "占比", "Share", "ratio"),
)

# (dimension, field, label, enum, declared order source); responsibility counts established cases only.
_DIMENSIONS = (
    ("category", "category", Text("类别", "Category"), "category"),
    ("cause_class", "cause_class", Text("原因类别", "Cause class"), "cause_class"),
    ("severity", "severity", Text("严重度", "Severity"), "severity"),
    ("responsible_dept", "responsible_dept", Text("责任归属", "Responsible department"), "department"),
    ("resolution", "resolution", Text("处理方式", "Resolution"), "resolution"),
)


def _order(enum: str, config: Config) -> tuple[str, ...]:
    return {"category": tuple(config.categories), "department": tuple(config.departments),
            "cause_class": CAUSE_CLASSES, "severity": SEVERITIES, "resolution": RESOLUTIONS}[enum]


Closure = tuple[int, int, list[int], int]  # ended, within the limit, handling days, within the target


def closure_facts(records: list[Record], config: Config, today: date) -> Closure:
    """Among ended complaints: how many, how many within their limit, their handling days, and how
    many within their target."""
    return _closure(records, lambda r: complaint_deadline(r, config, today))


def _closure(records: Iterable[Record], deadline_of: Callable[[Record], Deadline]) -> Closure:
    on_time, on_target, days = 0, 0, []
    for r in records:
        d = deadline_of(r)
        closed = day_of(r.get("closed_at"))
        if closed is not None and d.limit is not None and closed <= d.limit:
            on_time += 1
        if closed is not None and d.target is not None and closed <= d.target:
            on_target += 1
        days.append(d.days_open)
    return len(days), on_time, days, on_target


def ended_closure(snapshot: Snapshot, config: Config, period: Period, today: date) -> Closure:
    """`closure_facts` of the complaints ended in `period`, computed once per snapshot (do not mutate)."""
    index = ReportIndex.of(snapshot)
    return index.memo("closure", config, period, today,
                      lambda: _closure(index.ended.within(period), lambda r: index.deadline(r, config, today)))


def closure_rates(n_ended: int, on_time: int, on_target: int, period: Period) -> tuple[Figure, Figure]:
    """Closure within the 15-day target and within the 20-day limit, of the complaints ended in `period`."""
    ended = Count(Text("本月结案", "complaints ended"), n_ended)
    return (rate("on_target_rate", Text("目标期限内结案率", "Closed within the target"),
                 Count(Text("目标期限内结案", "closed within the target"), on_target), ended, period, 1.0, "higher"),
            rate("on_time_rate", Text("结案及时率（处理期限内）", "Closed within the limit"),
                 Count(Text("处理期限内结案", "closed within the limit"), on_time), ended, period, 1.0, "higher"))


def quality_reports(snapshot: Snapshot, config: Config, period: Period, today: date) -> dict[str, int]:
    """How the quality reports of the investigations started in `period` stand today, per state."""
    started = ReportIndex.of(snapshot).investigations.within(period)
    states = [quality_report_state(r, config, today) for r in started]
    return {state: states.count(state) for state in QUALITY_STATES}


def quality_rate(counts: dict[str, int], period: Period) -> Figure:
    """Quality reports delivered on time / reports due by today (pending ones are not yet due)."""
    due = counts["on_time"] + counts["late"] + counts["outstanding"]
    return rate("quality_report_rate", Text("质量报告及时率", "Quality reports on time"),
                Count(Text("按时提交质量报告", "reports on time"), counts["on_time"]),
                Count(Text("已到期质量报告", "reports due"), due), period, 1.0, "higher")


def monthly_statistics(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    """客诉案件统计表 for one month (due by the 10th of the next month).

    Counts and amounts cover complaints *registered* in the month; closure and handling days
    cover complaints *ended* in the month (closed or not established), within the target when
    closed_at <= the target date and on time when closed_at <= the limit; responsibility shares
    divide each department's established complaints by all established complaints of the month
    (not_established excluded); quality reports cover the investigations started in the month.
    """
    month = ReportIndex.of(snapshot).registered.within(period)
    valid = [r for r in month if established(r)]
    rows: list[dict[str, Any]] = []
    for dim, field_name, label, enum in _DIMENSIONS:
        base = valid if dim == "responsible_dept" else month
        for item, count in breakdown(base, field_name, _order(enum, config)).items():
            if count:
                rows.append({"dimension": label, "dimension_key": dim, "enum": enum, "item": item,
                             "label": value_label(enum, item, config), "count": count, "share": ratio(count, len(base))})
    n_ended, on_time, days, on_target = ended_closure(snapshot, config, period, today)
    quality = quality_reports(snapshot, config, period, today)
    figures = [
        Figure("registered", Text("本月登记", "Registered"), len(month)),
        Figure("established", Text("客诉成立", "Established"), len(valid)),
        Figure("not_established", Text("客诉不成立", "Not established"), len(month) - len(valid)),
        Figure("reopened", Text("重开案件", "Reopened cases"), sum(1 for r in month if r.get("reopens"))),
        Figure("closed", Text("本月结案", "Closed"), n_ended),
        Figure("closed_on_target", Text("目标期限内结案", "Closed within the target"), on_target),
        Figure("closed_on_time", Text("处理期限内结案", "Closed within the limit"), on_time),
        *closure_rates(n_ended, on_time, on_target, period),
        Figure("avg_handling_days", Text("平均处理天数", "Average handling days"),
               round(sum(days) / len(days), 1) if days else None, "days"),
        Figure("quality_reports", Text("本月开始调查", "Investigations started"), sum(quality.values())),
        Figure("quality_reports_on_time", Text("质量报告按时", "Quality reports on time"), quality["on_time"]),
        Figure("quality_reports_late", Text("质量报告迟交", "Quality reports late"), quality["late"]),
        Figure("quality_reports_outstanding", Text("质量报告逾期未交", "Quality reports overdue"), quality["outstanding"]),
        quality_rate(quality, period),
    ]
    for currency, total in money_by_currency(month, config).items():
        figures.append(Figure(f"amount_{currency}", Text(f"客诉损失金额 ({currency})", f"Loss amount ({currency})"),
                              total, "money"))
    figures.append(Figure("due_by", Text("报表应交日期", "Report due by"), period.report_due(), "date"))
    return Report("monthly", Text("客诉案件统计表", "Monthly complaint statistics"), today, period, STATS_COLUMNS,
                  tuple(rows), tuple(figures), _stats_series(snapshot, config, period, rows))


def _stats_series(snapshot: Snapshot, config: Config, period: Period, rows: list[dict[str, Any]]) -> tuple[Series, ...]:
    out = []
    for dim, _field, label, _enum in _DIMENSIONS:
        mine = [r for r in rows if r["dimension_key"] == dim]
        unit = "ratio" if dim == "responsible_dept" else "count"
        out.append(Series(dim, label, "bar", tuple(r["label"] for r in mine),
                          {"value": tuple(r["share"] if unit == "ratio" else r["count"] for r in mine)}, unit))
    months = period.trailing(12)
    counts = [cause_counts(snapshot, m) for m in months]
    trend = {cls: tuple(c[cls] for c in counts) for cls in (*CAUSE_CLASSES, UNSET)}
    out.append(Series("trend", Text("近12个月客诉件数", "Complaints, last 12 months"), "stacked",
                      tuple(m.label for m in months), trend))
    return tuple(out)


def cause_counts(snapshot: Snapshot, period: Period) -> dict[str, float]:
    """Complaints registered in `period` per cause class (UNSET included), computed once per snapshot."""
    index = ReportIndex.of(snapshot)

    def count() -> dict[str, float]:
        month = index.registered.within(period)
        return {cls: float(sum(1 for r in month if (r.get("cause_class") or UNSET) == cls)) for cls in (*CAUSE_CLASSES, UNSET)}
    return index.memo("causes", None, period, None, count)

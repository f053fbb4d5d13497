"""The reports computed the plain way: every report scans and sorts every record of the snapshot.

This is how svcnotes computed them before svcnotes.reports.index; test_report_index.py checks
that the indexed reports return exactly these results. Only the filtering, ordering and
aggregation live here; row shapes, columns and small pure helpers come from the package.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.model.schema import CAUSE_CLASSES
from svcnotes.reports.base import (
    ENDED,
    UNSET,
    Count,
    Figure,
    Report,
    Series,
    Text,
    breakdown,
    customer_name,
    day_of,
    ended_in,
    established,
    money_by_currency,
    owner_of,
    rate,
    ratio,
    registered_on,
    value_label,
)
from svcnotes.reports.callbacks import CAPA_COLUMNS, COMPLIANCE_COLUMNS, OUTCOMES, outcome, satisfaction
from svcnotes.reports.complaints import _DIMENSIONS, OVERDUE_COLUMNS, REGISTER_COLUMNS, STATS_COLUMNS, _order
from svcnotes.reports.periods import Period
from svcnotes.reports.service import CONTACT_KINDS, KPI_COLUMNS, SECTIONS, WEEKLY_COLUMNS, _row, kpi_row
from svcnotes.store.repository import Snapshot
from svcnotes.workflow.calendar import Calendar
from svcnotes.workflow.deadlines import complaint_deadline


def complaints(snapshot: Snapshot) -> list[Record]:
    return sorted(snapshot.records["complaint"], key=lambda r: r.id)


def quality_due(record: Record, config: Config) -> date | None:
    start = day_of(record.get("investigation_started_at"))
    return None if start is None else Calendar.from_config(config).add(start, config.quality_report_days)


def quality_state(record: Record, config: Config, today: date) -> str:
    due = quality_due(record, config)
    delivered = day_of(record.get("quality_report_at"))
    if due is None:
        return ""
    if delivered is None:
        return "outstanding" if due < today else "pending"
    return "late" if delivered > due else "on_time"


def register_row(record: Record, snapshot: Snapshot, config: Config, today: date) -> dict[str, Any]:
    d = complaint_deadline(record, config, today)
    customer = str(record.get("customer", ""))
    is_open = record.status not in ENDED
    return {
        "id": record.id, "received_at": day_of(record.get("received_at")), "registered_at": registered_on(record),
        "customer": customer, "customer_name": customer_name(snapshot, customer), "title": record.get("title", ""),
        "category": record.get("category", ""), "severity": record.get("severity", ""), "status": record.status,
        "owner": owner_of(record), "target": d.target, "limit": d.limit, "days_open": d.days_open,
        "past_target": is_open and d.target is not None and today > d.target, "overdue": d.overdue,
        "escalate_to": d.escalate_to, "reopens": record.get("reopens", ""), "reply_overdue": d.reply_overdue,
        "quality_report_due": quality_due(record, config),
        "quality_report_overdue": is_open and quality_state(record, config, today) == "outstanding",
    }


def tracking_register(snapshot: Snapshot, config: Config, period: Period | None, today: date) -> Report:
    records = [r for r in complaints(snapshot) if period is None or registered_on(r) in period]
    rows = tuple(register_row(r, snapshot, config, today) for r in records)
    figures = (
        Figure("total", Text("客诉件数", "Complaints"), len(rows)),
        Figure("open", Text("处理中", "Open"), sum(1 for r in rows if r["status"] not in ENDED)),
        Figure("past_target", Text("超过目标期限未结", "Open past the target"), sum(1 for r in rows if r["past_target"])),
        Figure("overdue", Text("逾期", "Overdue"), sum(1 for r in rows if r["overdue"])),
    )
    return Report("register", Text("客户抱怨案件登记追踪表", "Complaint tracking register"), today, period,
                  REGISTER_COLUMNS, rows, figures)


def overdue_escalation(snapshot: Snapshot, config: Config, period: Period | None, today: date) -> Report:
    cal = Calendar.from_config(config)
    rows = []
    for record in complaints(snapshot):
        row = register_row(record, snapshot, config, today)
        if record.status in ENDED or not (row["overdue"] or row["escalate_to"] or row["reply_overdue"]
                                          or row["quality_report_overdue"]):
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


def closure_facts(records: list[Record], config: Config, today: date) -> tuple[int, int, list[int], int]:
    on_time, on_target, days = 0, 0, []
    for r in records:
        d = complaint_deadline(r, config, today)
        closed = day_of(r.get("closed_at"))
        if closed is not None and d.limit is not None and closed <= d.limit:
            on_time += 1
        if closed is not None and d.target is not None and closed <= d.target:
            on_target += 1
        days.append(d.days_open)
    return len(records), on_time, days, on_target


def closure_rates(n_ended: int, on_time: int, on_target: int, period: Period) -> list[Figure]:
    ended = Count(Text("本月结案", "complaints ended"), n_ended)
    return [rate("on_target_rate", Text("目标期限内结案率", "Closed within the target"),
                 Count(Text("目标期限内结案", "closed within the target"), on_target), ended, period, 1.0, "higher"),
            rate("on_time_rate", Text("结案及时率（处理期限内）", "Closed within the limit"),
                 Count(Text("处理期限内结案", "closed within the limit"), on_time), ended, period, 1.0, "higher")]


def quality_counts(snapshot: Snapshot, config: Config, period: Period, today: date) -> dict[str, int]:
    started = [r for r in complaints(snapshot) if day_of(r.get("investigation_started_at")) in period]
    return {s: sum(1 for r in started if quality_state(r, config, today) == s) for s in ("on_time", "late", "outstanding", "pending")}


def quality_rate(counts: dict[str, int], period: Period) -> Figure:
    return rate("quality_report_rate", Text("质量报告及时率", "Quality reports on time"),
                Count(Text("按时提交质量报告", "reports on time"), counts["on_time"]),
                Count(Text("已到期质量报告", "reports due"), counts["on_time"] + counts["late"] + counts["outstanding"]),
                period, 1.0, "higher")


def monthly_statistics(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    month = [r for r in complaints(snapshot) if registered_on(r) in period]
    valid = [r for r in month if established(r)]
    rows: list[dict[str, Any]] = []
    for dim, field_name, label, enum in _DIMENSIONS:
        base = valid if dim == "responsible_dept" else month
        for item, count in breakdown(base, field_name, _order(enum, config)).items():
            if count:
                rows.append({"dimension": label, "dimension_key": dim, "enum": enum, "item": item,
                             "label": value_label(enum, item, config), "count": count, "share": ratio(count, len(base))})
    ended = [r for r in complaints(snapshot) if ended_in(r, period)]
    n_ended, on_time, days, on_target = closure_facts(ended, config, today)
    quality = quality_counts(snapshot, config, period, today)
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
    everything = complaints(snapshot)
    trend = {cls: tuple(float(sum(1 for r in everything if registered_on(r) in m and (r.get("cause_class") or UNSET) == cls))
                        for m in months) for cls in (*CAUSE_CLASSES, UNSET)}
    out.append(Series("trend", Text("近12个月客诉件数", "Complaints, last 12 months"), "stacked",
                      tuple(m.label for m in months), trend))
    return tuple(out)


def due_in(snapshot: Snapshot, period: Period) -> list[Record]:
    return sorted((r for r in snapshot.records["callback"] if day_of(r.get("due")) in period and r.status != "cancelled"),
                  key=lambda r: (r.get("due"), r.id))


def callback_compliance(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    records = due_in(snapshot, period)
    rows = []
    for r in records:
        rows.append({"id": r.id, "customer": r.get("customer", ""), "customer_name": customer_name(snapshot, r.get("customer", "")),
                     "kind": r.get("kind", ""), "complaint": r.get("complaint", ""), "due": day_of(r.get("due")),
                     "status": r.status, "outcome": outcome(r, today), "done_on": day_of(r.get("done_at")),
                     "by": r.get("conducted_by") or r.get("assigned_to", ""), "satisfaction": r.get("satisfaction")})
    count = {o: sum(1 for row in rows if row["outcome"] == o) for o in OUTCOMES}
    done = count["on_time"] + count["late"]
    happy, scored, average = satisfaction(records)
    figures = (
        Figure("due", Text("应回访", "Due"), len(rows)),
        Figure("done", Text("已回访", "Done"), done),
        Figure("done_late", Text("逾期完成", "Done late"), count["late"]),
        Figure("unreachable", Text("联系不上", "Unreachable"), count["unreachable"]),
        Figure("missed", Text("未回访", "Missed"), count["missed"]),
        Figure("pending", Text("待回访", "Pending"), count["pending"]),
        rate("completion_rate", Text("回访完成率", "Completion rate"), Count(Text("已回访", "done"), done),
             Count(Text("应回访", "callbacks due"), len(rows)), period, config.target_callback_completion, "higher"),
        rate("satisfaction_rate", Text("满意度", "Satisfaction rate"), Count(Text("评分4-5分", "scores 4-5"), happy),
             Count(Text("已评分回访", "scored callbacks"), scored), period, config.target_satisfaction, "higher"),
        Figure("average_score", Text("平均满意度评分", "Average score"), average, "score"),
    )
    return Report("callbacks", Text("回访执行及满意度统计", "Callback compliance"), today, period, COMPLIANCE_COLUMNS,
                  tuple(rows), figures, (satisfaction_trend(snapshot, config, period, today),))


def satisfaction_trend(snapshot: Snapshot, config: Config, period: Period, today: date) -> Series:
    months = period.trailing(12)
    sat, comp = [], []
    for m in months:
        recs = due_in(snapshot, m)
        happy, scored, _ = satisfaction(recs)
        sat.append(ratio(happy, scored))
        comp.append(ratio(sum(1 for r in recs if r.status == "done"), len(recs)))
    return Series("satisfaction_trend", Text("近12个月满意度", "Satisfaction, last 12 months"), "line",
                  tuple(m.label for m in months), {"satisfaction": tuple(sat), "completion": tuple(comp)},
                  "ratio", config.target_satisfaction)


def capa_tracker(snapshot: Snapshot, config: Config, period: Period | None, today: date) -> Report:
    rows: list[dict[str, Any]] = []
    for record in sorted(snapshot.records["complaint"], key=lambda r: r.id):
        for n, item in enumerate(record.get("capa", []), 1):
            due = day_of(item.get("due"))
            if period is not None and due not in period:
                continue
            status = str(item.get("status", "open"))
            rows.append({"complaint": record.id, "item": n, "action": item.get("action", ""), "owner": item.get("owner", ""),
                         "due": due, "status": status, "overdue": status == "open" and due is not None and due < today,
                         "verified_by": item.get("verified_by", ""), "verified_at": day_of(item.get("verified_at"))})
    figures = (
        Figure("total", Text("措施总数", "Actions"), len(rows)),
        Figure("open", Text("进行中", "Open"), sum(1 for r in rows if r["status"] == "open")),
        Figure("overdue", Text("逾期", "Overdue"), sum(1 for r in rows if r["overdue"])),
        Figure("done", Text("已完成待验证", "Done, awaiting verification"), sum(1 for r in rows if r["status"] == "done")),
        Figure("verified", Text("已验证", "Verified"), sum(1 for r in rows if r["status"] == "verified")),
    )
    return Report("capa", Text("纠正和预防措施追踪表", "CAPA tracker"), today, period, CAPA_COLUMNS, tuple(rows), figures)


def weekly_service(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    notes = sorted((n for n in snapshot.records["note"] if day_of(n.get("at")) in period), key=lambda n: (n.get("at"), n.id))
    cutoff = min(period.end, today)
    rows = []
    for r in complaints(snapshot):
        if registered_on(r) in period:
            rows.append(_row("new_complaint", r.id, registered_on(r), r.get("customer", ""), r.get("title", ""), r.status, snapshot))
    for r in complaints(snapshot):
        if ended_in(r, period):
            rows.append(_row("closed_complaint", r.id, day_of(r.get("closed_at")), r.get("customer", ""), r.get("title", ""),
                             r.status, snapshot))
    for cb in sorted(snapshot.records["callback"], key=lambda c: c.id):
        if cb.status == "done" and day_of(cb.get("done_at")) in period:
            score = cb.get("satisfaction")
            rows.append(_row("callback_done", cb.id, day_of(cb.get("done_at")), cb.get("customer", ""),
                             cb.get("comments", "") or cb.get("kind", ""), f"{score}/5" if score else "done", snapshot))
    for n in notes:
        for issue in n.get("open_issues", []) if n.get("kind") == "handover" else []:
            rows.append(_row("open_issue", n.id, day_of(n.get("at")), n.get("customer", ""), str(issue), "open", snapshot))
    for r in complaints(snapshot):
        reg, closed = registered_on(r), day_of(r.get("closed_at"))
        ended_before = r.status in ENDED and closed is not None and closed <= cutoff
        if reg is not None and reg <= cutoff and not ended_before:
            rows.append(_row("open_complaint", r.id, reg, r.get("customer", ""), r.get("title", ""), r.status, snapshot))
    contacts = {k: sum(1 for n in notes if n.get("kind") == k) for k in CONTACT_KINDS}
    count = {s: sum(1 for r in rows if r["section_key"] == s) for s in SECTIONS}
    figures = [Figure("contacts", Text("来电来访及服务记录", "Contacts"), sum(contacts.values()))]
    figures += [Figure(f"contacts_{k}", value_label("note_kind", k, config), v) for k, v in contacts.items()]
    figures += [Figure(s, SECTIONS[s], count[s]) for s in SECTIONS]
    series = (Series("contacts", Text("本周联系客户", "Contacts this week"), "bar",
                     tuple(value_label("note_kind", k, config) for k in CONTACT_KINDS),
                     {"value": tuple(float(v) for v in contacts.values())}),)
    return Report("weekly", Text("客户服务周报", "Weekly service report"), today, period, WEEKLY_COLUMNS,
                  tuple(rows), tuple(figures), series)


def kpis(snapshot: Snapshot, config: Config, period: Period, today: date) -> list[Figure]:
    n_ended, on_time, _, on_target = closure_facts([r for r in complaints(snapshot) if ended_in(r, period)], config, today)
    callbacks = due_in(snapshot, period)
    done = sum(1 for r in callbacks if r.status == "done")
    happy, scored, _ = satisfaction(callbacks)
    valid = [r for r in complaints(snapshot) if registered_on(r) in period and established(r)]
    rework = sum(1 for r in valid if r.get("resolution") == "rework")
    volumes = snapshot.volumes.months.get(period.label) if period.kind == "month" else None
    recorded_jobs = volumes.service_jobs if volumes else None
    on_site = sum(1 for n in snapshot.records["note"] if n.get("kind") == "on_site" and day_of(n.get("at")) in period)
    if recorded_jobs is not None:
        jobs = Count(Text("服务次数", "service jobs"), recorded_jobs)
    elif on_site:
        jobs = Count(Text("服务次数（现场服务记录）", "service jobs (on-site notes)"), on_site)
    else:
        jobs = Count(Text("服务次数", "service jobs"), None)
    base_label = Text(*{"shipments": ("出货批次", "shipments"), "deliveries": ("交货批次", "deliveries")}[config.valid_complaint_base])
    base = getattr(volumes, config.valid_complaint_base) if volumes else None
    target_rate, limit_rate = closure_rates(n_ended, on_time, on_target, period)
    return [
        replace(target_rate, key="on_target_closure"),
        replace(limit_rate, key="on_time_closure"),
        replace(quality_rate(quality_counts(snapshot, config, period, today), period), key="quality_report_on_time"),
        rate("callback_completion", Text("回访完成率", "Callback completion"), Count(Text("已回访", "done"), done),
             Count(Text("应回访", "callbacks due"), len(callbacks)), period, config.target_callback_completion, "higher"),
        rate("satisfaction", Text("客户满意度", "Satisfaction"), Count(Text("评分4-5分", "scores 4-5"), happy),
             Count(Text("已评分回访", "scored callbacks"), scored), period, config.target_satisfaction, "higher"),
        rate("rework_rate", Text("售后返工率", "Rework rate"), Count(Text("返工处理客诉", "rework jobs"), rework), jobs, period,
             config.target_rework_rate, "lower",
             Text(f"无法计算 — 请录入 {period.label} 的服务次数", f"n/a — enter service jobs for {period.label}")),
        rate("valid_complaint_rate", Text("有效客诉率", "Valid-complaint rate"),
             Count(Text("有效客诉", "established complaints"), len(valid)), Count(base_label, base), period,
             config.target_valid_complaint_rate, "lower",
             Text(f"无法计算 — 请录入 {period.label} 的{base_label.zh}", f"n/a — enter {base_label.en} for {period.label}")),
    ]


def supervision(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    figures = kpis(snapshot, config, period, today)
    rows = tuple(kpi_row(f) for f in figures)
    months = period.trailing(12)
    history = [kpis(snapshot, config, m, today) for m in months]
    series = tuple(Series(f"trend_{f.key}", f.label, "line", tuple(m.label for m in months),
                          {f.key: tuple(h[i].value for h in history)}, "ratio", f.target)
                   for i, f in enumerate(figures))
    return Report("supervision", Text("服务监督报告", "Service supervision report"), today, period, KPI_COLUMNS,
                  rows, tuple(figures), series)


REFERENCE = {
    "register": tracking_register, "monthly": monthly_statistics, "overdue": overdue_escalation,
    "callbacks": callback_compliance, "capa": capa_tracker, "weekly": weekly_service, "supervision": supervision,
}

"""Report pages: every month and week, from the reports registry (one source of truth).

`svcnotes.reports.REPORTS` maps a report name to `function(snapshot, config, period, today)`;
when it is present each report is rendered through `report_context`, which reads the common
shapes (title, period, tables of columns and rows, optional chart series). When the registry is
absent the site falls back to built-in monthly statistics and weekly reports, marked as such.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from svcnotes.model.record import Record
from svcnotes.model.schema import FINISHED
from svcnotes.site.charts import bar_chart, fmt_number, fmt_percent
from svcnotes.site.context import cell, column, row
from svcnotes.site.pages import Page, Planned, Site, complaint_columns, complaint_row, keyed_only, week_of


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def periods(s: Site) -> tuple[list[tuple[int, int]], list[date]]:
    """Months and week-Mondays that have any complaint, callback or note, up to today, newest first."""
    days: set[date] = set()
    for kind, key in (("complaint", "registered_at"), ("complaint", "closed_at"), ("callback", "due"), ("note", "at")):
        for r in s.records[kind]:
            d = _day(r.get(key))
            if d and d <= s.today:
                days.add(d)
    months = sorted({(d.year, d.month) for d in days}, reverse=True)
    weeks = sorted({week_of(d)[0] for d in days}, reverse=True)
    return months, weeks


def _breakdown(s: Site, records: list[Record], field: str, title: str, tid: str) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    amounts: dict[str, Decimal] = {}
    for r in records:
        v = r.get(field) or ""
        counts[v] += 1
        amounts[v] = amounts.get(v, Decimal(0)) + Decimal(r.get("amount") or 0)
    columns = [column("what", title), column("count", s.t("report.count"), type="num"),
               column("amount", s.t("report.amount"), type="num")]
    rows = [row({"what": s.enum("complaint", field, v) if v else cell(s.t("dash.unclassified")),
                 "count": cell(n, sort=n), "amount": cell(s.fmt.scalar(amounts[v]), sort=float(amounts[v]))})
            for v, n in counts.most_common()]
    total = sum(amounts.values(), Decimal(0))
    return {"id": tid, "title": s.t("report.by", what=title), "columns": columns, "rows": rows,
            "totals": {"what": cell(s.t("table.total")), "count": cell(len(records)), "amount": cell(s.fmt.scalar(total))}}


def _closed_on_time(s: Site, r: Record) -> bool:
    """Closed by its limit (or it has none); `r` is a finished complaint with a closed_at."""
    limit = s.deadlines[r.id].limit
    closed = _day(r.get("closed_at"))
    return limit is None or (closed is not None and closed <= limit)


def monthly_page(s: Site, ym: tuple[int, int]) -> Page:
    """Built-in 客诉案件统计表 for one month (used only without the reports registry)."""
    y, m = ym
    records = [r for r in s.records["complaint"]
               if (d := _day(r.get("registered_at")) or _day(r.get("received_at"))) and (d.year, d.month) == ym]
    closed = [r for r in s.records["complaint"] if r.status in FINISHED
              and (d := _day(r.get("closed_at"))) and (d.year, d.month) == ym]
    on_time = [r for r in closed if _closed_on_time(s, r)]
    tables = [_breakdown(s, records, f, s.label("complaint", f), f"by-{f.replace('_', '-')}")
              for f in ("category", "cause_class", "severity", "responsible_dept", "resolution")]
    avg = sum(s.deadlines[r.id].days_open for r in closed) / len(closed) if closed else None
    period = f"{y}-{m:02d}"
    desc = " · ".join([f"{s.t('report.count')} {len(records)}", f"{s.t('dash.closed_this_month')} {len(closed)}",
                       f"{s.t('kpi.on_time')} {fmt_percent(len(on_time) / len(closed)) if closed else '—'}",
                       f"{s.t('record.days_open')} {fmt_number(avg) if avg is not None else '—'}"])
    counts = Counter(r.get("category") or "" for r in records)
    labels = [s.enum("complaint", "category", k)["text"] if k else s.t("dash.unclassified") for k in counts]
    title = f"{s.t('report.monthly')} {period}"
    charts = [{"title": title, "svg": bar_chart(labels, list(counts.values()), title=s.t("report.by", what=s.label("complaint", "category")),
                                                no_data=s.t("chart.no_data"))}]
    return Page(f"reports/monthly-{period}.html", "report.html", title, "reports", {
        "report": {"title": title, "period": period, "compiled": s.today.isoformat(),
                   "description": desc + " · " + s.t("report.built_in")},
        "charts": charts, "tables": tables}, sources=tuple(r.path for r in records + closed),
        breadcrumbs=((s.t("page.reports"), "reports/index.html"), (period, "")))


def weekly_page(s: Site, monday: date) -> Page:
    """Built-in 服务周报 for one week (Monday to Sunday)."""
    sunday = monday + timedelta(days=6)
    inside = lambda d: d is not None and monday <= d <= sunday  # noqa: E731
    new = [r for r in s.records["complaint"] if inside(_day(r.get("registered_at")) or _day(r.get("received_at")))]
    closed = [r for r in s.records["complaint"] if r.status in FINISHED and inside(_day(r.get("closed_at")))]
    notes = [r for r in s.records["note"] if inside(_day(r.get("at")))]
    period = f"{monday.isoformat()} – {sunday.isoformat()}"
    cols = complaint_columns(s)
    tables = [{"id": "new", "title": s.t("dash.new_this_month"), "columns": cols, "rows": [complaint_row(s, r) for r in new]},
              {"id": "closed", "title": s.t("dash.closed_this_month"), "columns": cols, "rows": [complaint_row(s, r) for r in closed]}]
    title = f"{s.t('report.weekly')} {monday.isoformat()}"
    desc = f"{s.t('customer.notes')} {len(notes)} · {s.t('report.built_in')}"
    return Page(f"reports/weekly-{monday.isoformat()}.html", "report.html", title, "reports", {
        "report": {"title": title, "period": period, "compiled": s.today.isoformat(), "description": desc},
        "charts": [], "tables": tables}, sources=tuple(r.path for r in new + closed + notes),
        breadcrumbs=((s.t("page.reports"), "reports/index.html"), (monday.isoformat(), "")))


def _registry() -> dict[str, Any] | None:
    try:
        from svcnotes.reports import REPORTS  # type: ignore[attr-defined]
    except ImportError:
        return None
    return dict(REPORTS) if REPORTS else None


def report_plans(s: Site, salt: str) -> list[Planned]:
    """Every report page as a planned file keyed by the computed report, plus the report index.

    A report is recomputed only when one of the reads it made last build (ReportIndex tracing)
    now returns different records, or the salt or customer names changed; its page is rendered
    only when the recomputed report differs."""
    from svcnotes.site import deps

    months, weeks = periods(s)
    registry = _registry()
    planned: list[Planned] = []
    entries = []
    if registry:
        from svcnotes.reports.index import ReportIndex
        from svcnotes.site.reportadapter import registry_reports

        names = deps.names_key(s)
        for url, title, period, compute, name, span in registry_reports(s, registry, months, weeks):
            def keyed(note: Any, url: str = url, compute: Any = compute) -> tuple[str, Any, Any]:
                index = ReportIndex.of(s.snapshot)
                head = deps.digest(salt, url, names)
                same = deps.reads_unchanged(index, note, head) if note else None
                if same is not None:
                    return "", None, same  # every read returns what it did: the report is unchanged
                (report, make), reads = index.traced(compute)
                return deps.digest(salt, url, deps.report_key(report)), make, deps.reads_note(index, reads, head)
            planned.append(Planned(url, "", keyed_only, keyed=keyed, front_matter_only=True))
            entries.append({"title": title, "href": url, "period": period, "name": name, "span": span})
    else:
        for page in [monthly_page(s, ym) for ym in months] + [weekly_page(s, w) for w in weeks]:
            key = deps.digest(salt, page.url, json.dumps(page.context, default=str, sort_keys=True, ensure_ascii=False))
            def built(page: Page = page) -> Page:
                return page
            planned.append(Planned(page.url, key, built))
            entries.append({"title": page.title, "href": page.url, "period": page.context["report"].get("period", "")})
    title = s.t("page.reports")
    grid: dict[str, Any] = {}
    if registry:
        from svcnotes.site.reportadapter import report_index

        grid = report_index(s, [{"name": e["name"], "title": e["title"], "href": e["href"], "period": e["span"]} for e in entries])
    listed = [{k: v for k, v in e.items() if k != "span"} for e in entries]
    index = Page("reports/index.html", "reports.html", title, "reports", {"reports": listed, "grid": grid},
                 breadcrumbs=((title, ""),))
    planned.append(Planned(index.url, deps.digest(salt, index.url, json.dumps([listed, grid], sort_keys=True, ensure_ascii=False)),
                           lambda: index))
    return planned

"""The dashboard: what needs attention today, KPIs against their targets, 12-month trends.

The KPIs and their trends are the service supervision report's (svcnotes.reports.service), so the
dashboard, the report page and `svcnotes report supervision` show the same figures.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from svcnotes.model.schema import FINISHED
from svcnotes.site.charts import fmt_percent, stacked_bar
from svcnotes.site.pages import Page, Site, callback_columns, callback_row, complaint_columns, complaint_row, week_of
from svcnotes.site.reportadapter import chart


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def months_back(today: date, n: int = 12) -> list[tuple[int, int]]:
    """The last n (year, month) pairs, oldest first, ending with today's month."""
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _pct(v: float | None) -> str:
    return "—" if v is None else fmt_percent(v)


def dashboard_page(s: Site) -> Page:
    """The home page: attention cards and lists, KPI cards against targets, trend charts."""
    t, today = s.t, s.today
    open_c = [r for r in s.records["complaint"] if r.status not in FINISHED]
    overdue = [r for r in open_c if s.deadlines[r.id].overdue]
    due_soon = [r for r in open_c if s.deadlines[r.id].due_soon]
    escalated = [r for r in open_c if s.deadlines[r.id].escalate_to]
    monday, sunday = week_of(today)
    cb_due = [r for r in s.records["callback"] if r.status in ("scheduled", "unreachable")
              and (due := _day(r.get("due"))) is not None and due <= sunday]
    months = months_back(today)
    supervision = _supervision(s)
    # Every count links to exactly its list: the register opened on that work queue (URL state).
    queue = "complaints/index.html#complaints.queue="
    cards = [
        {"label": t("dash.open_complaints"), "value": len(open_c), "href": queue + "open"},
        {"label": t("dash.due_soon"), "value": len(due_soon), "tone": "warn" if due_soon else "ok", "href": queue + "due_soon"},
        {"label": t("dash.overdue"), "value": len(overdue), "tone": "bad" if overdue else "ok", "href": queue + "overdue"},
        {"label": t("dash.escalated"), "value": len(escalated), "tone": "bad" if escalated else "ok", "href": queue + "escalated"},
        {"label": t("dash.callbacks_week"), "value": len(cb_due), "tone": "warn" if cb_due else "ok",
         "href": "callbacks/index.html#callbacks.queue=week"},
    ]
    report = f"reports/supervision-{today.year}-{today.month:02d}.html" if _has_supervision(s) else None
    for f in supervision.figures:  # KPIs of this month, from the reports package (one source of truth)
        cards.append({**kpi_card(s, f), "href": report})
    labels = [f"{y % 100:02d}-{m:02d}" for y, m in months]
    per_month = {"quality": [0] * 12, "non_quality": [0] * 12, "": [0] * 12}
    index = {ym: i for i, ym in enumerate(months)}
    for r in s.records["complaint"]:
        d = _day(r.get("registered_at")) or _day(r.get("received_at"))
        if d and (d.year, d.month) in index:
            per_month[r.get("cause_class") if r.get("cause_class") in per_month else ""][index[(d.year, d.month)]] += 1
    stacks = {s.fmt.enum("complaint", _cause_field(), k) if k else t("dash.unclassified"): v for k, v in per_month.items()}
    no_data = t("chart.no_data")
    charts = [{"title": t("dash.chart_complaints"), "svg": stacked_bar(labels, stacks, title=t("dash.chart_complaints"), no_data=no_data,
                                                                    neutral=[t("dash.unclassified")])}]
    charts += [c for c in (chart(s, x) for x in supervision.series) if c]
    lists = []
    # Overdue first, then due soon; each complaint once, the most urgent (earliest limit) first.
    # Escalated complaints are overdue or major/critical ones: the card links to their queue.
    for lid, title, records, href in (("overdue", t("dash.overdue"), overdue, queue + "overdue"),
                                      ("due-soon", t("dash.due_soon"), due_soon, queue + "due_soon")):
        if records:
            lists.append({"id": lid, "title": title, "columns": complaint_columns(s), "href": href,
                          "rows": [complaint_row(s, r) for r in sorted(records, key=lambda r: (s.deadlines[r.id].limit or today, r.id))]})
    if cb_due:
        lists.append({"id": "callbacks-due", "title": t("dash.callbacks_week"), "columns": callback_columns(s),
                      "href": "callbacks/index.html#callbacks.queue=week",
                      "rows": [callback_row(s, r) for r in sorted(cb_due, key=lambda r: (str(r.get("due")), r.id))]})
    return Page("index.html", "dashboard.html", t("page.dashboard"), "dashboard",
                {"cards": cards, "charts": charts, "lists": lists})


def _has_supervision(s: Site) -> bool:
    """Whether the site has this month's supervision report page (the KPI cards link to it)."""
    from svcnotes.site.reportpages import _registry, periods

    registry = _registry() or {}
    return "supervision" in registry and (s.today.year, s.today.month) in periods(s)[0]


def kpi_card(s: Site, f: Any) -> dict[str, Any]:
    """One KPI as a dashboard card: its value (or n/a), and a note naming its period, numerator,
    denominator and target, and what to enter when a denominator was never recorded."""
    loc = s.locale
    parts = [f.period] if f.period else []
    if f.numerator is not None and f.denominator is not None:
        parts.append(f"{f.numerator.text(loc)} / {f.denominator.text(loc)}")
    elif f.basis:
        parts.append(f.basis)
    if f.target is not None:
        parts.append(s.t("dash.target", value=f"{'≥' if f.better == 'higher' else '≤'} {fmt_percent(f.target)}"))
    if f.missing is not None:
        parts.append(f.missing(loc))
    value = s.t("kpi.na") if f.value is None and f.missing is not None else _pct(f.value)
    met = f.met
    return {"label": f.label(loc), "value": value, "note": " · ".join(parts),
            "tone": ("warn" if f.missing is not None else None) if met is None else ("ok" if met else "bad")}


def _supervision(s: Site) -> Any:
    """This month's service supervision report: the KPIs and their 12-month trends (reports package)."""
    from svcnotes.reports.periods import Period
    from svcnotes.reports.service import supervision

    return supervision(s.snapshot, s.config, Period.containing("month", s.today), s.today)


def _cause_field():  # type: ignore[no-untyped-def]
    from svcnotes.model.schema import KINDS

    return KINDS["complaint"].by_name["cause_class"]


"""Reports registry -> report pages: one page per report and period, same figures as the CLI.

A `svcnotes.reports.Report` carries bilingual columns, typed rows, summary figures with targets
and chart series; this module turns it into the plain context of report.html (tables of cells,
SVG charts) in the site's locale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from svcnotes.site.charts import bar_chart, fmt_number, fmt_percent, line_chart, stacked_bar
from svcnotes.site.context import cell, column, filters_for, row
from svcnotes.site.i18n import code_label, enum_label
from svcnotes.site.pages import Page, Site

NUMERIC = {"int", "ratio", "money", "days", "num", "count"}
FILTERED = {"complaint_status", "callback_status", "severity", "category", "department", "staff", "label", "customer",
            "capa_status", "escalation", "callback_outcome", "callback_kind"}
LINKED = {"id", "complaint", "customer", "record", "callback", "note"}


def _text(value: Any, locale: str) -> str:
    if hasattr(value, "zh") and hasattr(value, "en") and callable(value):
        return str(value(locale))
    return str(value)


def value_cell(s: Site, col: Any, value: Any) -> dict[str, Any]:
    """One report value as a cell, formatted by the column type and labelled by its enum."""
    kind, enum, key = getattr(col, "type", "text"), getattr(col, "enum", ""), getattr(col, "key", "")
    if value is None or value == "":
        return cell("")
    if kind == "ratio" and isinstance(value, (int, float)):
        return cell(fmt_percent(value), sort=float(value))
    if isinstance(value, bool):
        return cell(s.t("yes") if value else s.t("no"), value="yes" if value else "no")
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        text = s.fmt.scalar(value) if isinstance(value, Decimal) else fmt_number(float(value))
        return cell(text, sort=float(value))
    if isinstance(value, (date, datetime)):
        text = s.fmt.scalar(value)
        return cell(text, sort=text)
    if enum == "staff":
        return s.staff(value)
    if enum == "customer" and isinstance(value, str):
        return cell(s.names.get(value, value), value=value, href=s.urls.get(value))
    if enum in ("category", "department") and isinstance(value, str):
        labels = (s.config.categories if enum == "category" else s.config.departments).get(value)
        return cell(labels[1] if labels and s.locale == "en" else labels[0] if labels else value, value=value)
    if enum and isinstance(value, str):
        return cell(enum_label(s.locale, enum, value), value=value, badge=value if enum.endswith("status") or enum == "severity" else None)
    text = _text(value, s.locale)
    href = s.urls.get(text) if key in LINKED or enum == "record" else None
    if key == "customer" and text in s.names:
        return cell(s.names[text], value=text, href=href)
    if isinstance(value, str) and href is None and (label := code_label(s.locale, value, configured(s))) is not None:
        return cell(label, value=value)  # a coded column the report did not name (e.g. a status among mixed items)
    if isinstance(value, str) and value in s.config.staff:
        return s.staff(value)
    return cell(text, sort=text if kind in ("date", "datetime") else None, href=href)


def configured(s: Site) -> dict[str, tuple[str, str]]:
    """Configured code labels (categories, then departments) of the site's config."""
    cached = getattr(s, "_configured_labels", None)
    if cached is None:
        cached = {**s.config.departments, **s.config.categories}
        s._configured_labels = cached  # type: ignore[attr-defined]
    return cached


def _figure_text(f: Any, locale: str = "zh-CN") -> str:
    v = f.value
    if v is None:
        missing = getattr(f, "missing", None)
        return _text(missing, locale) if missing is not None else "—"
    if f.unit == "ratio":
        return fmt_percent(v)
    if isinstance(v, dict):
        return ", ".join(f"{fmt_number(float(x))} {k}" for k, x in v.items())
    if isinstance(v, (int, float, Decimal)):
        return fmt_number(float(v))
    return str(v)


def report_context(s: Site, report: Any, tid: str) -> dict[str, Any]:
    """The context of report.html for one computed Report."""
    loc = s.locale
    shown = [c for c in report.columns]
    if any(getattr(c, "enum", "") == "customer" for c in shown):  # the customer column already shows the name
        shown = [c for c in shown if c.key != "customer_name"]
    columns = [column(c.key, c.header(loc), type="num" if c.type in NUMERIC else "date" if c.type in ("date", "datetime") else "text",
                      filter=(c.enum in FILTERED or c.type == "bool") and c.type != "label") for c in shown]
    rows = [row({c.key: value_cell(s, c, r.get(c.key)) for c in shown},
                url=s.urls.get(str(r.get("id", ""))) if r.get("id") else None) for r in report.rows]
    tables = [{"id": tid, "title": report.title(loc), "columns": columns, "rows": rows,
               "filters": filters_for(columns, rows) if len(rows) > 10 else []}]
    if report.figures:
        fcols = [column("label", s.t("report.figure")), column("value", s.t("report.value"), type="num"),
                 column("target", s.t("report.target"), type="num"), column("basis", s.t("report.basis"))]
        if any(getattr(f, "period", "") for f in report.figures):
            fcols.insert(1, column("period", s.t("report.period_col")))
        frows = []
        for f in report.figures:
            numerator, denominator = getattr(f, "numerator", None), getattr(f, "denominator", None)
            basis = f"{numerator.text(loc)} / {denominator.text(loc)}" if numerator and denominator else f.basis
            target = "" if f.target is None else (("≥ " if f.better == "higher" else "≤ ") +
                                                  (fmt_percent(f.target) if f.unit == "ratio" else fmt_number(f.target)))
            met = f.met
            frows.append(row({"label": cell(_text(f.label, loc)), "period": cell(getattr(f, "period", "")),
                              "value": cell(_figure_text(f, loc), badge=None if met is None else ("on_time" if met else "overdue")),
                              "target": cell(target), "basis": cell(basis)}))
        tables.insert(0, {"id": f"{tid}-summary", "title": s.t("report.summary"), "columns": fcols, "rows": frows})
    charts = [c for c in (chart(s, x) for x in report.series) if c]
    period = period_text(s, report.period) if report.period else ""
    notes = " ".join(_text(n, loc) for n in report.notes)
    title = report.title(loc) + (f" {period}" if period else "")
    return {"report": {"title": title, "period": period, "compiled": s.today.isoformat(), "description": notes},
            "charts": charts, "tables": tables}


def chart(s: Site, series: Any) -> dict[str, Any] | None:
    """An SVG chart for one Series (bar, line or stacked)."""
    loc = s.locale
    title = _text(series.title, loc)
    labels = [_text(x, loc) for x in series.labels]
    values = {_series_name(s, k): list(v) for k, v in series.values.items()}
    fmt = fmt_percent if series.unit == "ratio" else fmt_number
    no_data = s.t("chart.no_data")
    neutral = [_series_name(s, "unset")]
    if not values:
        return None
    if series.kind == "line":
        svg = line_chart(labels, values, title=title, target=series.target, target_label=s.t("report.target"), fmt=fmt,
                         no_data=no_data, neutral=neutral)
    elif series.kind == "stacked":
        svg = stacked_bar(labels, {k: [x or 0 for x in v] for k, v in values.items()}, title=title, fmt=fmt, no_data=no_data,
                          neutral=neutral)
    else:
        first = next(iter(values.values()))
        svg = bar_chart(labels, [x or 0 for x in first], title=title, fmt=fmt, no_data=no_data)
    return {"title": title, "svg": svg}


def _series_name(s: Site, key: str) -> str:
    labels = {"on_time_closure": "kpi.on_time", "callback_completion": "kpi.callbacks", "satisfaction": "kpi.satisfaction",
              "rework_rate": "kpi.rework", "valid_complaint_rate": "kpi.valid", "on_target_closure": "kpi.on_target",
              "quality_report_on_time": "kpi.quality_report"}
    if key in labels:
        return s.t(labels[key])
    return code_label(s.locale, key, configured(s)) or key


def report_periods(s: Site, spec: Any, months: list[tuple[int, int]], weeks: list[date]) -> list[Any]:
    """The periods the site shows a report for: every month or week with activity; the tracking
    register (whose period is optional) one page per month, so no page lists every complaint."""
    from svcnotes.reports.periods import Period

    if spec.period == "month" and (not spec.optional or spec.name == "register"):
        return [Period.month(y, m) for y, m in months] or [Period.containing("month", s.today)]
    if spec.period == "week":
        return [Period.containing("week", w) for w in weeks] or [Period.containing("week", s.today)]
    return [None]


def registry_reports(s: Site, registry: dict[str, Any], months: Iterable[tuple[int, int]],
                     weeks: Iterable[date]) -> list[tuple[str, str, str, Any, str, Any]]:
    """(url, title, period label, compute, report name, Period or None) for every report and
    period; compute() runs the report and returns (report, make page), so the work can be done
    where the page is built."""
    months, weeks = list(months), list(weeks)
    crumb = (s.t("page.reports"), "reports/index.html")
    out = []
    for name, spec in registry.items():
        for period in report_periods(s, spec, months, weeks):
            slug = name + (f"-{period.label}" if period else "")
            label = getattr(period, "label", "") if period else ""
            title = spec.title(s.locale) + (f" {period_text(s, period)}" if period else "")
            url = f"reports/{slug}.html"

            def compute(spec: Any = spec, period: Any = period, url: str = url, name: str = name) -> tuple[Any, Any]:
                report = spec.run(s.snapshot, s.config, period, s.today)

                def make() -> Page:
                    ctx = report_context(s, report, name)
                    return Page(url, "report.html", ctx["report"]["title"], "reports", ctx,
                                breadcrumbs=(crumb, (ctx["report"]["title"], "")))
                return report, make
            out.append((url, title, label, compute, name, period))
    return out


def period_text(s: Site, period: Any) -> str:
    """A period as people read it: '2026-11', or for a week '2026-W47（11-16 至 11-22）'."""
    if period is None:
        return ""
    if getattr(period, "kind", "") == "week":
        return s.t("report.week_range", label=period.label, start=period.start.isoformat(), end=period.end.isoformat())
    return str(period.label)


def report_index(s: Site, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The reports index as a grid: standing reports first, then report type × month, then weeks.

    `entries` are {name, title, href, period (Period or None)} for every report page."""
    from svcnotes.reports.registry import REPORTS

    standing = [dict(e, description=s.t(f"report.desc.{e['name']}")) for e in entries if e["period"] is None]
    monthly_names = [n for n in REPORTS if any(e["name"] == n and getattr(e["period"], "kind", "") == "month" for e in entries)]
    months: dict[str, dict[str, dict[str, Any]]] = {}
    weeks = []
    for e in entries:
        p = e["period"]
        if p is None:
            continue
        if p.kind == "month":
            months.setdefault(p.label, {})[e["name"]] = {"href": e["href"], "title": e["title"]}
        else:
            weeks.append({"label": p.label, "range": s.t("report.range", start=p.start.isoformat(), end=p.end.isoformat()),
                          "href": e["href"], "title": e["title"], "name": e["name"]})
    columns = [{"name": n, "title": REPORTS[n].title(s.locale), "description": s.t(f"report.desc.{n}")} for n in monthly_names]
    rows = [{"period": label, "cells": [months[label].get(n) for n in monthly_names]}
            for label in sorted(months, reverse=True)]
    weeks.sort(key=lambda w: w["label"], reverse=True)
    week_title = REPORTS["weekly"].title(s.locale) if "weekly" in REPORTS else ""
    return {"standing": standing, "columns": columns, "months": rows, "weeks": weeks, "week_title": week_title,
            "week_description": s.t("report.desc.weekly")}


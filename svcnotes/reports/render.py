"""A Report as text: an aligned table, CSV, JSON or Markdown, in one locale (no I/O, no click)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from svcnotes.model.text import display_width, fit
from svcnotes.reports.base import Figure, Report, Series, Text

FORMATS = ("table", "csv", "json", "md")
_YES_NO = {True: Text("是", "yes"), False: Text("否", "no")}


def percent(value: float) -> str:
    """0.857142 -> '85.7%'."""
    return f"{value * 100:.1f}%"


def text_of(value: Any, locale: str, unit: str = "") -> str:
    """One typed value as display text in `locale`."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return value(locale)
    if isinstance(value, bool):
        return _YES_NO[value](locale)
    if unit == "ratio" and isinstance(value, (int, float)):
        return percent(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(text_of(v, locale) for v in value)
    return str(value)


def data_of(value: Any, locale: str) -> Any:
    """One typed value as JSON data (Decimal -> number, dates -> ISO text, Text -> label)."""
    if isinstance(value, Text):
        return value(locale)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [data_of(v, locale) for v in value]
    if isinstance(value, dict):
        return {k: data_of(v, locale) for k, v in value.items()}
    return value


def cells(report: Report, locale: str) -> list[list[str]]:
    """The rows as display text, one list per row in column order."""
    return [[text_of(row.get(c.key), locale, c.type) for c in report.columns] for row in report.rows]


def figure_line(fig: Figure, locale: str) -> str:
    """'回访完成率 2026-10: 75.0% (已回访 3 / 应回访 4; 目标 >= 100.0%, 未达标)'.

    A rate names its period, numerator and denominator; one that cannot be computed says what to
    enter instead of a value ('有效客诉率 2026-10: 无法计算 — 请录入 2026-10 的出货批次 (...)')."""
    value = text_of(fig.value, locale, fig.unit) or (fig.missing(locale) if fig.missing else "—")
    if fig.numerator is not None and fig.denominator is not None:
        extra = [f"{fig.numerator.text(locale)} / {fig.denominator.text(locale)}"]
    else:
        extra = [fig.basis] if fig.basis else []
    if fig.target is not None:
        sign = ">=" if fig.better == "higher" else "<="
        target = percent(fig.target) if fig.unit == "ratio" else text_of(fig.target, locale)
        extra.append(Text(f"目标 {sign} {target}", f"target {sign} {target}")(locale))
        if fig.met is not None:
            extra.append(Text("达标", "met")(locale) if fig.met else Text("未达标", "not met")(locale))
    label = fig.label(locale) + (f" {fig.period}" if fig.period else "")
    return f"{label}: {value}" + (f" ({'; '.join(extra)})" if extra else "")


def _count_data(count: Any, locale: str) -> dict[str, Any] | None:
    return None if count is None else {"label": count.label(locale), "value": count.value}


def heading(report: Report, locale: str) -> str:
    """Title plus period and compilation date."""
    parts = [report.title(locale)]
    if report.period is not None:
        parts.append(report.period.label)
    parts.append(Text(f"编制日期 {report.today.isoformat()}", f"as of {report.today.isoformat()}")(locale))
    return "  ".join(parts)


def as_table(report: Report, locale: str, max_col: int = 40) -> str:
    """Heading, one line per figure, then the rows as an aligned (CJK-aware) table."""
    out = [heading(report, locale)]
    out += [f"  {figure_line(f, locale)}" for f in report.figures]
    out.append("")
    headers = [c.header(locale) for c in report.columns]
    body = cells(report, locale)
    widths = [min(max([display_width(h)] + [display_width(r[i]) for r in body]), max_col) for i, h in enumerate(headers)]
    out.append("  ".join(fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(fit(v, w) for v, w in zip(r, widths, strict=True)).rstrip() for r in body]
    if not body:
        out.append(Text("（无）", "(none)")(locale))
    return "\n".join(out) + "\n"


def as_csv(report: Report, locale: str) -> str:
    """The rows as CSV with localized headers (figures are not part of CSV)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.header(locale) for c in report.columns])
    writer.writerows(cells(report, locale))
    return buf.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(report: Report, locale: str) -> str:
    """A Markdown document: heading, figures as a list, rows as a table."""
    out = [f"# {_md(report.title(locale))}", ""]
    meta = []
    if report.period is not None:
        meta.append(f"{Text('统计期间', 'Period')(locale)}: {report.period.label}")
    meta.append(f"{Text('编制日期', 'Compiled on')(locale)}: {report.today.isoformat()}")
    out += [" · ".join(meta), ""]
    if report.figures:
        out += [f"- {_md(figure_line(f, locale))}" for f in report.figures] + [""]
    out.append("| " + " | ".join(_md(c.header(locale)) for c in report.columns) + " |")
    out.append("|" + "|".join(" ---: " if c.type in ("int", "ratio", "money", "days") else " --- " for c in report.columns) + "|")
    out += ["| " + " | ".join(_md(v) for v in r) + " |" for r in cells(report, locale)]
    return "\n".join(out) + "\n"


def _series_data(s: Series, locale: str) -> dict[str, Any]:
    return {"key": s.key, "title": s.title(locale), "kind": s.kind, "unit": s.unit, "target": s.target,
            "labels": [text_of(x, locale) for x in s.labels], "values": {k: list(v) for k, v in s.values.items()}}


def as_data(report: Report, locale: str) -> dict[str, Any]:
    """The whole report as JSON-ready data in `locale`."""
    return {
        "report": report.name, "title": report.title(locale), "today": report.today.isoformat(),
        "period": report.period.label if report.period else None,
        "columns": [{"key": c.key, "header": c.header(locale), "type": c.type} for c in report.columns],
        "rows": [{c.key: data_of(row.get(c.key), locale) for c in report.columns} for row in report.rows],
        "figures": [{"key": f.key, "label": f.label(locale), "value": data_of(f.value, locale), "unit": f.unit,
                     "target": f.target, "met": f.met, "basis": f.basis,
                     **({"period": f.period, "numerator": _count_data(f.numerator, locale),
                         "denominator": _count_data(f.denominator, locale),
                         "missing": f.missing(locale) if f.missing else None} if f.numerator is not None else {})}
                    for f in report.figures],
        "series": [_series_data(s, locale) for s in report.series],
    }


def render(report: Report, fmt: str, locale: str) -> str:
    """The report in one of FORMATS."""
    if fmt == "json":
        return json.dumps(as_data(report, locale), ensure_ascii=False, indent=2) + "\n"
    return {"table": as_table, "csv": as_csv, "md": as_markdown}[fmt](report, locale)

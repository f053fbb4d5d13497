"""Pure-Python SVG charts: readable without JavaScript, accessible, deterministic.

Every chart is one `<svg role="img">` with a `<title>` and a `<desc>` that states the data in
words, visible text labels and values, and no `style` attributes (the site's CSP forbids inline
styles; presentation attributes and classes from site.css are used instead). All text is escaped:
labels are user data. The same input always gives byte-identical output.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from html import escape

Number = float | int
Formatter = Callable[[float], str]

PALETTE = ("#2f6690", "#d1495b", "#edae49", "#6c4f9c", "#00798c", "#8c5e3c", "#3a7d44", "#5c6b73")
NEUTRAL = "#9aa3ae"  # the colour of a "not set" bucket, never a signal colour
WIDTH = 560  # natural width of a chart in CSS pixels: site.css never scales a chart up, and little down
TARGET_COLOUR = "#b23a48"
AXIS_COLOUR = "#6b7280"
GRID_COLOUR = "#e5e7eb"
TEXT_COLOUR = "#1f2937"
FONT = "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', system-ui, sans-serif"


def _e(text: object) -> str:
    """Escape text for XML content and attribute values."""
    return escape(str(text), quote=True)


def fmt_number(value: float) -> str:
    """Whole numbers without decimals, others with at most two, thousands separated."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def fmt_percent(value: float) -> str:
    """A ratio 0..1 as a percentage, e.g. 0.853 -> '85.3%'."""
    return f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"


def text_width(text: str, size: float) -> float:
    """Approximate rendered width: wide (CJK) characters a full em, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def _clip(text: str, size: float, max_width: float) -> str:
    """Shorten `text` with an ellipsis so it fits `max_width`."""
    if text_width(text, size) <= max_width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > max_width:
            break
        out += ch
    return out + "…"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 up to at least `top` (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def nice_range(low: float, high: float, count: int = 5) -> list[float]:
    """Axis ticks for values between low and high: from 0 when the data is near it, else from a
    round number just below the data, so a trend between 80% and 95% is not flattened."""
    if low <= 0 or high <= 0 or low < high * 0.5:
        return nice_ticks(high, count)
    raw = (high - low) / count or high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step - 1e-9) * step
    n = math.ceil((high - start) / step - 1e-9) or 1
    return [round(start + i * step, 10) for i in range(n + 1)]


def _colour(i: int, name: str, neutral: Sequence[str]) -> str:
    return NEUTRAL if name in neutral else PALETTE[i % len(PALETTE)]


def _chart_id(kind: str, title: str, payload: object) -> str:
    """A deterministic id, unique per chart content, so several charts can share a page."""
    digest = hashlib.sha1(f"{kind}\x00{title}\x00{payload!r}".encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _open(kind: str, cid: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}" height="{height:g}" role="img" aria-labelledby="{cid}-t {cid}-d" '
        f'font-family="{_e(FONT)}" font-size="12" fill="{TEXT_COLOUR}">',
        f'<title id="{cid}-t">{_e(title)}</title>',
        f'<desc id="{cid}-d">{_e(desc)}</desc>',
    ]


def _empty(kind: str, title: str, no_data: str, width: float) -> str:
    cid = _chart_id(kind, title, ())
    parts = _open(kind, cid, width, 60, title, no_data)
    parts.append(f'<text x="{width / 2:g}" y="34" text-anchor="middle" class="chart-empty">{_e(no_data)}</text>')
    return "\n".join(parts + ["</svg>"])


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    desc: str = "",
    fmt: Formatter = fmt_number,
    width: int = WIDTH,
    bar_height: int = 22,
    colour: str = PALETTE[0],
    no_data: str = "No data",
) -> str:
    """Horizontal bars with the label on the left and the value at the bar's end.

    Horizontal bars keep long Chinese category names readable. `desc` defaults to the data in words.
    """
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    if not labels or not any(values):
        return _empty("bar", title, no_data, width)
    labels = [str(label) for label in labels]
    size = 12
    label_w = min(max(text_width(label, size) for label in labels) + 12, width * 0.4)
    value_w = max(text_width(fmt(v), size) for v in values) + 10
    gap, top = 8, 8
    plot_x, plot_w = label_w, width - label_w - value_w
    height = top * 2 + len(labels) * (bar_height + gap) - gap
    high = max(max(values), 0) or 1
    desc = desc or "; ".join(f"{label}: {fmt(v)}" for label, v in zip(labels, values, strict=False))
    cid = _chart_id("bar", title, (labels, list(values)))
    parts = _open("bar", cid, width, height, title, desc)
    parts.append(f'<line x1="{plot_x:g}" y1="{top - 4}" x2="{plot_x:g}" y2="{height - top + 4:g}" stroke="{AXIS_COLOUR}"/>')
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        y = top + i * (bar_height + gap)
        w = max(plot_w * max(value, 0) / high, 0)
        mid = y + bar_height / 2 + 4
        parts.append(f'<g class="bar"><title>{_e(label)}: {_e(fmt(value))}</title>')
        parts.append(f'<text x="{plot_x - 6:g}" y="{mid:g}" text-anchor="end">{_e(_clip(label, size, label_w - 12))}</text>')
        parts.append(f'<rect x="{plot_x:g}" y="{y:g}" width="{w:.1f}" height="{bar_height}" fill="{colour}"/>')
        parts.append(f'<text x="{plot_x + w + 4:.1f}" y="{mid:g}" class="chart-value">{_e(fmt(value))}</text></g>')
    return "\n".join(parts + ["</svg>"])


def _legend(names: Sequence[str], x: float, y: float, extra: str = "", neutral: Sequence[str] = ()) -> list[str]:
    """One row of colour keys with their names (and optionally a dashed target key)."""
    out, cx = ['<g class="chart-legend">'], x
    for i, name in enumerate(names):
        colour = _colour(i, name, neutral)
        out.append(f'<rect x="{cx:g}" y="{y - 9:g}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{cx + 14:g}" y="{y:g}">{_e(name)}</text>')
        cx += 14 + text_width(name, 12) + 16
    if extra:
        out.append(f'<line x1="{cx:g}" y1="{y - 4:g}" x2="{cx + 16:g}" y2="{y - 4:g}" stroke="{TARGET_COLOUR}" '
                   f'stroke-width="2" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{cx + 20:g}" y="{y:g}">{_e(extra)}</text>')
    out.append("</g>")
    return out


def _axes(ticks: list[float], fmt: Formatter, x0: float, x1: float, y_of: Callable[[float], float]) -> list[str]:
    out = ['<g class="chart-grid">']
    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{x0:g}" y1="{y:.1f}" x2="{x1:g}" y2="{y:.1f}" stroke="{GRID_COLOUR}"/>')
        out.append(f'<text x="{x0 - 6:g}" y="{y + 4:.1f}" text-anchor="end" class="chart-tick">{_e(fmt(tick))}</text>')
    out.append("</g>")
    return out


def _x_labels(labels: Sequence[str], xs: Sequence[float], y: float, slot: float) -> list[str]:
    out = ['<g class="chart-xlabels">']
    for label, x in zip(labels, xs, strict=False):
        out.append(f'<text x="{x:.1f}" y="{y:g}" text-anchor="middle">{_e(_clip(label, 11, max(slot, 24)))}</text>')
    out.append("</g>")
    return out


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    *,
    title: str,
    target: float | None = None,
    target_label: str = "Target",
    desc: str = "",
    fmt: Formatter = fmt_number,
    width: int = WIDTH,
    height: int = 260,
    no_data: str = "No data",
    neutral: Sequence[str] = (),
) -> str:
    """Lines over ordered labels (e.g. 12 months), gaps where a value is None, optional target line.

    The value axis is scaled to the data (see nice_range); a chart with no value at all is "no data"."""
    names = list(series)
    if not labels or not names or all(v is None for name in names for v in series[name]):
        return _empty("line", title, no_data, width)
    for name in names:
        if len(series[name]) != len(labels):
            raise ValueError(f"series {name!r} does not have one value per label")
    labels = [str(label) for label in labels]
    present = [v for name in names for v in series[name] if v is not None]
    high = max(present + ([target] if target is not None else []) + [0])
    ticks = nice_range(min(present + ([target] if target is not None else [])), high)
    left = max(text_width(fmt(t), 11) for t in ticks) + 14
    right, top, bottom = 16, 28, 30
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    slot = (x1 - x0) / len(labels)
    xs = [x0 + slot * (i + 0.5) for i in range(len(labels))]

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * (v - ticks[0]) / ((ticks[-1] - ticks[0]) or 1)

    if not desc:
        desc = " ".join(f"{name}: " + ", ".join(f"{lab} {fmt(v) if v is not None else '—'}"
                                                for lab, v in zip(labels, series[name], strict=False)) + "."
                        for name in names)
        if target is not None:
            desc += f" {target_label}: {fmt(target)}."
    cid = _chart_id("line", title, (labels, {n: list(series[n]) for n in names}, target))
    parts = _open("line", cid, width, height, title, desc)
    parts += _legend(names, x0, 14, target_label if target is not None else "", neutral)
    parts += _axes(ticks, fmt, x0, x1, y_of)
    parts.append(f'<line x1="{x0:g}" y1="{y1:g}" x2="{x1:g}" y2="{y1:g}" stroke="{AXIS_COLOUR}"/>')
    parts += _x_labels(labels, xs, height - 10, slot)
    if target is not None:
        ty = y_of(target)
        parts.append(f'<g class="chart-target"><title>{_e(target_label)}: {_e(fmt(target))}</title>'
                     f'<line x1="{x0:g}" y1="{ty:.1f}" x2="{x1:g}" y2="{ty:.1f}" stroke="{TARGET_COLOUR}" '
                     f'stroke-width="2" stroke-dasharray="6 4"/></g>')
    for i, name in enumerate(names):
        colour = _colour(i, name, neutral)
        parts.append('<g class="chart-series">')
        run: list[str] = []
        runs: list[list[str]] = []
        for x, v in zip(xs, series[name], strict=False):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{x:.1f},{y_of(v):.1f}")
        if run:
            runs.append(run)
        for points in runs:
            if len(points) > 1:
                parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for lab, x, v in zip(labels, xs, series[name], strict=False):
            if v is not None:
                parts.append(f'<circle cx="{x:.1f}" cy="{y_of(v):.1f}" r="3.5" fill="{colour}">'
                             f'<title>{_e(name)} {_e(lab)}: {_e(fmt(v))}</title></circle>')
        parts.append("</g>")
    return "\n".join(parts + ["</svg>"])


def stacked_bar(
    labels: Sequence[str],
    series: Mapping[str, Sequence[Number]],
    *,
    title: str,
    desc: str = "",
    fmt: Formatter = fmt_number,
    width: int = WIDTH,
    height: int = 280,
    no_data: str = "No data",
    neutral: Sequence[str] = (),
) -> str:
    """Vertical columns per label, stacked by series (e.g. complaints per month by cause class);
    `neutral` names the series drawn grey (a "not set" bucket). All zeros is "no data"."""
    names = list(series)
    if not labels or not names or not any(v for name in names for v in series[name]):
        return _empty("stacked", title, no_data, width)
    for name in names:
        if len(series[name]) != len(labels):
            raise ValueError(f"series {name!r} does not have one value per label")
    labels = [str(label) for label in labels]
    totals = [sum(max(series[n][i], 0) for n in names) for i in range(len(labels))]
    ticks = nice_ticks(max(totals))
    left = max(text_width(fmt(t), 11) for t in ticks) + 14
    top, bottom, right = 28, 30, 16
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    slot = (x1 - x0) / len(labels)
    bar_w = slot * 0.6

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * v / ticks[-1]

    if not desc:
        desc = " ".join(f"{lab}: " + ", ".join(f"{n} {fmt(series[n][i])}" for n in names) + f" ({fmt(totals[i])})."
                        for i, lab in enumerate(labels))
    cid = _chart_id("stacked", title, (labels, {n: list(series[n]) for n in names}))
    parts = _open("stacked", cid, width, height, title, desc)
    parts += _legend(names, x0, 14, neutral=neutral)
    parts += _axes(ticks, fmt, x0, x1, y_of)
    parts.append(f'<line x1="{x0:g}" y1="{y1:g}" x2="{x1:g}" y2="{y1:g}" stroke="{AXIS_COLOUR}"/>')
    xs = [x0 + slot * (i + 0.5) for i in range(len(labels))]
    parts += _x_labels(labels, xs, height - 10, slot)
    for i, (lab, cx) in enumerate(zip(labels, xs, strict=False)):
        base = 0.0
        parts.append(f'<g class="chart-column"><title>{_e(lab)}: {_e(fmt(totals[i]))}</title>')
        for j, name in enumerate(names):
            v = max(series[name][i], 0)
            if v:
                parts.append(f'<rect x="{cx - bar_w / 2:.1f}" y="{y_of(base + v):.1f}" width="{bar_w:.1f}" '
                             f'height="{y_of(base) - y_of(base + v):.1f}" fill="{_colour(j, name, neutral)}">'
                             f'<title>{_e(lab)} {_e(name)}: {_e(fmt(v))}</title></rect>')
            base += v
        if totals[i]:
            parts.append(f'<text x="{cx:.1f}" y="{y_of(totals[i]) - 4:.1f}" text-anchor="middle" '
                         f'class="chart-value">{_e(fmt(totals[i]))}</text>')
        parts.append("</g>")
    return "\n".join(parts + ["</svg>"])

"""HTML of register tables: the one implementation of their rows, totals and cells.

A register of 10,000 complaints has 110,000 cells; rendering each through a Jinja macro costs
about 45 µs, so the rows are made here with explicit escaping and handed to the template as
Markup (`{{ tbody(columns, rows, root) }}`, `{{ tfoot(...) }}` and the `cell` macro in
_macros.html call these; the macro markup they replaced is gone). Every value is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup

EMPTY: dict[str, Any] = {"text": ""}


def _escape_text(text: str) -> str:
    # markupsafe.escape's entities, on public str methods only (markupsafe's internals change between
    # releases); most cells hold no special character and return after five `in` scans.
    if "&" in text or "<" in text or ">" in text or "'" in text or '"' in text:
        return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("'", "&#39;").replace('"', "&#34;"))
    return text


def esc(value: Any) -> str:
    """HTML-escape like markupsafe.escape (same entities), without building Markup objects: the
    hot loops of a build escape millions of short strings. Markup (anything with __html__) passes."""
    if value.__class__ is str:
        return _escape_text(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_text(str(value))


def cell_html(c: Mapping[str, Any], root: str) -> str:
    """One cell's content: text, optionally in a badge, optionally linked (root-relative href)."""
    inner = esc(c.get("text", ""))
    if c.get("badge"):
        inner = f'<span class="badge badge-{esc(c["badge"])}">{inner}</span>'
    if c.get("href"):
        inner = f'<a href="{esc(root)}{esc(c["href"])}">{inner}</a>'
    return inner


def tbody_html(columns: Iterable[Mapping[str, Any]], rows: Iterable[Mapping[str, Any]], root: str) -> Markup:
    """The <tr> rows of a register table (see the `register` macro for the contract)."""
    cols = [(c["key"], f'class="col-{esc(c["type"])}{" nw" if c.get("filter") else ""}"', bool(c.get("filter")),
             f" data-f-{esc(c['key'])}=\"") for c in columns]
    root_e = esc(root)
    out: list[str] = []
    for r in rows:
        cells = r["cells"]
        attrs = ""
        if r.get("queues"):
            attrs += ' data-q="' + esc(" ".join(r["queues"])) + '"'
        if r.get("flags"):
            attrs += ' class="' + " ".join(f"is-{esc(f)}" for f in r["flags"]) + '"'
        for key, _, filtered, data_attr in cols:
            if filtered:
                x = cells.get(key)
                if x:
                    attrs += f'{data_attr}{esc(x["value"] if "value" in x else x.get("text", ""))}"'
        parts = [f"\n      <tr{attrs}>"]
        first = True
        for key, klass, _, _ in cols:
            x = cells.get(key) or EMPTY
            sort = f' data-sort="{esc(x["sort"])}"' if "sort" in x else ""
            if first:
                first = False
                body = cell_html(x, root)
                if r.get("url") and not x.get("href"):
                    body = f'<a href="{root_e}{esc(r["url"])}">{body}</a>'
                parts.append(f'<th scope="row" {klass}{sort}>{body}</th>')
            else:
                parts.append(f"<td {klass}{sort}>{cell_html(x, root)}</td>")
        parts.append("\n      </tr>")
        out.append("".join(parts))
    return Markup("".join(out))


def cell_markup(c: Mapping[str, Any], root: str) -> Markup:
    """`cell_html` for templates (the `cell` macro)."""
    return Markup(cell_html(c, root))


def tfoot_html(columns: Iterable[Mapping[str, Any]], totals: Mapping[str, Any], root: str, label: str) -> Markup:
    """The totals row of a register table: the first column says what it is (`label` when the
    totals give no text of their own), the others hold a cell each."""
    parts = ["\n    <tfoot><tr>"]
    first = True
    for c in columns:
        x = totals.get(c["key"]) or EMPTY
        if first:
            first = False
            parts.append(f'<th scope="row">{esc(x.get("text") or label)}</th>')
        else:
            parts.append(f'<td class="col-{esc(c["type"])}">{cell_html(x, root)}</td>')
    parts.append("\n    </tr></tfoot>")
    return Markup("".join(parts))

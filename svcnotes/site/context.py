"""Builders for the plain template context, so the pipeline and the templates agree on shapes.

Every page gets: `site`, `page`, `root`, `t`, `tv` (see `base_context`). Registers and reports
get `columns` + `rows` (+ `filters`); record pages get `record`, `sections`, `body_html`,
`history`, `related`. A *cell* is a dict {'text', 'sort'?, 'value'?, 'href'?, 'badge'?}:
`text` is shown, `sort` orders the column (number or ISO text), `value` is the raw code that
filters match (e.g. 'investigating' while text says '调查中'), `href` is root-relative.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from svcnotes.site.i18n import normalise_locale, translator, value_labeller

TRANSLATOR = "t"  # the template global that translates a key (site/jinja_i18n.py compiles literal calls)
SECTIONS = ("dashboard", "complaints", "customers", "callbacks", "notes", "reports", "search")


def root_for(url: str) -> str:
    """The relative prefix back to the site root from a page URL: 'complaints/2026/x.html' -> '../../'."""
    return "../" * url.count("/")


def base_context(*, locale: str, url: str, title: str, section: str, site_title: str,
                 generated: str, breadcrumbs: Iterable[tuple[str, str]] = (), **extra: Any) -> dict[str, Any]:
    """The keys every template reads, for one page at root-relative `url`."""
    loc = normalise_locale(locale)
    return {
        "site": {"title": site_title, "locale": loc, "generated": generated},
        "page": {"title": title, "section": section, "url": url, "breadcrumbs": list(breadcrumbs)},
        "root": root_for(url),
        TRANSLATOR: translator(loc),
        "tv": value_labeller(loc),
        **extra,
    }


def cell(text: object, *, sort: object = None, value: object = None, href: str | None = None,
         badge: str | None = None) -> dict[str, Any]:
    """One table cell (see the module docstring)."""
    out: dict[str, Any] = {"text": "" if text is None else str(text)}
    if sort is not None:
        out["sort"] = sort
    if value is not None:
        out["value"] = str(value)
    if href:
        out["href"] = href
    if badge:
        out["badge"] = badge
    return out


def column(key: str, label: str, *, type: str = "text", filter: bool = False,
           order: Iterable[str] | None = None) -> dict[str, Any]:
    """One table column; type 'text' | 'num' | 'date' sets sorting and alignment; `order` lists a
    coded column's values in their declared order (workflow, severity), which its filter follows."""
    out: dict[str, Any] = {"key": key, "label": label, "type": type, "filter": filter}
    if order is not None:
        out["order"] = list(order)
    return out


def row(cells: Mapping[str, dict[str, Any]], *, url: str | None = None, flags: Iterable[str] = (),
        queues: Iterable[str] = ()) -> dict[str, Any]:
    """One table row: cells by column key, the record page URL, CSS flags like 'overdue', and the
    work queues it belongs to ('open', 'due_soon', 'overdue', 'escalated'; see pages.queues_for)."""
    out = {"cells": dict(cells), "url": url, "flags": list(flags)}
    queues = list(queues)
    if queues:
        out["queues"] = queues
    return out


def filters_for(columns: Iterable[Mapping[str, Any]], rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Select filters for every column marked filter=True, options taken from the rows in order seen."""
    rows = list(rows)
    out = []
    for col in columns:
        if not col.get("filter"):
            continue
        seen: dict[str, str] = {}
        for r in rows:
            c = r["cells"].get(col["key"])
            if c and c.get("text"):
                seen.setdefault(c.get("value", c["text"]), c["text"])
        order = {v: i for i, v in enumerate(col.get("order") or ())}
        out.append({"key": col["key"], "label": col["label"],
                    "options": sorted(seen.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[1]))})
    return out


def search_entry(*, url: str, title: str, kind: str, kind_label: str, status: str = "",
                 text: Iterable[str] = (), customer: str = "", date: str = "", owner: str = "",
                 status_code: str = "", keys: Iterable[str] = ()) -> dict[str, str]:
    """One search-index entry: short keys keep the shards small for thousands of records.

    u url, t title, k kind, kl kind label, s status label, sv status code, c customer name,
    d date (YYYY-MM-DD), o the person on it, x the searchable text (lowercased): the title, then
    after U+0001 the `keys` a record is found by (ids, names), then after U+0001 its `text` (the
    part a result quotes around the match)."""
    haystack = "\x01".join([title, " ".join(k for k in keys if k), " ".join(s for s in text if s)])
    out = {"u": url, "t": title, "k": kind, "kl": kind_label, "s": status, "x": haystack.lower()}
    for key, value in (("sv", status_code), ("c", customer), ("d", date), ("o", owner)):
        if value:
            out[key] = value
    return out


def search_index_js(entries: Iterable[Mapping[str, str]]) -> str:
    """The text of search-index.js: `window.SVCNOTES_INDEX = [...]`, safe to load as a script.

    A script file (not JSON via fetch) works from file://. '<' is escaped so the text can never
    close a surrounding tag, and U+2028/2029 are escaped for older JavaScript engines.
    """
    data = json.dumps(list(entries), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    data = data.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.SVCNOTES_INDEX = {data};\n"

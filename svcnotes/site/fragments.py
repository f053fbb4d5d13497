"""HTML of the two hot fragments of every record page: form sections and the history timeline.

A 10k-complaint site has 17,000 record pages; rendering their ~40 fields and their timelines
through Jinja macros cost ~5 ms a page. These functions are the one implementation of that
markup, with explicit escaping: the `sections` and `history_timeline` macros in _macros.html call
them (tests/site/test_fragments.py pins the markup), and a theme that wants other markup
replaces those macros.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup

from svcnotes.site.tables import cell_html, esc

Translate = Callable[..., str]


_e = esc


def field_value_html(f: Mapping[str, Any], root: str, t: Translate) -> str:
    """One field's value (see forms.py: type text|long|badge|link|list|table)."""
    if f.get("empty"):
        return f'<span class="blank">{_e(t("record.empty_value"))}</span>'
    kind = f.get("type")
    if kind == "table":
        table = f["table"]
        head = "".join(f'<th scope="col">{_e(label)}</th>' for label in table["columns"])
        body = "".join("<tr>" + "".join(f"<td>{cell_html(x, root)}</td>" for x in r) + "</tr>" for r in table["rows"])
        return (f'\n<div class="table-wrap" role="region" aria-label="{_e(t("record.table_of", label=f.get("label", "")))}" tabindex="0">'
                f'<table class="data nested">\n  <thead><tr>{head}</tr></thead>\n'
                f'  <tbody>{body}</tbody>\n</table></div>')
    if kind == "list":
        return '<ul class="inline-list">' + "".join(f"<li>{cell_html(x, root)}</li>" for x in f["items"]) + "</ul>"
    if kind == "long":
        return f'<div class="long-text">{_e(f.get("text", ""))}</div>'
    return cell_html(f, root)


def sections_html(items: Iterable[Mapping[str, Any]], root: str, t: Translate) -> Markup:
    """The form sections of a record page (the `sections` macro)."""
    out: list[str] = []
    for s in items:
        key = _e(s["key"])
        out.append(f'\n<section class="form-section section-{key}" aria-labelledby="s-{key}">\n'
                   f'  <h2 id="s-{key}">{_e(s["title"])}</h2>\n  <dl class="form-grid">')
        for f in s["fields"]:
            empty = " is-empty" if f.get("empty") else ""
            out.append(f'\n    <div class="field field-{_e(f["name"])} type-{_e(f["type"])}{empty}">\n'
                       f'      <dt>{_e(f["label"])}</dt>\n      <dd>{field_value_html(f, root, t)}</dd>\n    </div>')
        out.append("\n  </dl>\n</section>")
    return Markup("".join(out))


def timeline_html(history: Iterable[Mapping[str, Any]], t: Translate) -> Markup:
    """The history section of a record page (the `history_timeline` macro)."""
    history = list(history)
    out = [f'<section class="history" aria-labelledby="h-history">\n  <h2 id="h-history">{_e(t("record.history"))}</h2>']
    if not history:
        out.append(f'\n  <p class="muted">{_e(t("record.history_empty"))}</p>\n</section>')
        return Markup("".join(out))
    out.append('\n  <ol class="timeline">')
    commit_title = _e(t("record.commit"))
    for h in history:
        at = _e(h.get("at", ""))
        commit = f' · <code title="{commit_title}">{_e(str(h["commit"])[:8])}</code>' if h.get("commit") else ""
        out.append(f'\n    <li>\n      <p class="when"><time datetime="{at}">{at}</time> · {_e(h.get("author", ""))}{commit}</p>')
        if h.get("message"):
            out.append(f'<p class="message">{_e(h["message"])}</p>')
        if h.get("changes"):
            items = "".join(('<li class="proof">' if c.get("proof") else "<li>") + f'{_e(c["text"])}</li>'
                            for c in h["changes"])
            out.append(f'\n      <ul class="changes">{items}</ul>')
        out.append("\n    </li>")
    out.append("\n  </ol>\n</section>")
    return Markup("".join(out))

"""Readable terminal rendering of records and their values in the chosen language (svcnotes.i18n).

Coded values (status, severity, channel, kinds, categories …) are shown by their labels in that
language (svcnotes.model.labels, the one declaration the site and exports use too), staff ids by
the person's name; `--format json` and CSV keep the codes.
"""

from __future__ import annotations

from typing import Any

from svcnotes.cli.common import cell
from svcnotes.i18n import language, tr
from svcnotes.model.config import Config
from svcnotes.model.fields import Field
from svcnotes.model.labels import ENUM_LABELS, label_for
from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS
from svcnotes.model.text import display_width, fit


def shown(owner: str, f: Field | None, value: Any, config: Config, lang: str | None = None) -> str:
    """One value of field `f` (of record kind or table `owner`) as the chosen language shows it."""
    lang = lang or language()
    if f is None or value is None:
        return yes_no(value) if isinstance(value, bool) else cell(value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(owner, f.item or f, v, config, lang) for v in value)
    if f.ref == "staff" and isinstance(value, str):
        person = config.staff.get(value)
        return person.name if person else value
    if f.choices or f.choices_from:
        return str(label_for(owner, f, value, lang, config))
    return cell(value)


def yes_no(value: bool) -> str:
    """A boolean as the chosen language's yes or no."""
    return tr("yes") if value else tr("no")


def enum_text(enum: str, code: Any, lang: str | None = None) -> str:
    """The label of a code of one declared enum (e.g. 'kind', 'complaint_status'); the code itself when it has none."""
    pair = ENUM_LABELS.get(enum, {}).get(str(code)) if code is not None else None
    if pair is None:
        return cell(code)
    return pair[1] if (lang or language()) == "en" else pair[0]


def labelled_rows(columns: Any, rows: Any, config: Config, lang: str | None = None) -> list[dict[str, Any]]:
    """Report rows with every coded cell (a column with an `enum`) as its label in the chosen language;
    staff as names, categories and departments by svcnotes.toml's labels (the site's report cells do the same)."""
    from svcnotes.site.i18n import enum_label

    lang = lang or language()
    col = 1 if lang == "en" else 0
    out = []
    for row in rows:
        shown_row = dict(row)
        for c in columns:
            value, enum = row.get(c.key), getattr(c, "enum", "")
            if not enum or not isinstance(value, str):
                continue
            if enum == "staff":
                person = config.staff.get(value)
                shown_row[c.key] = person.name if person else value
            elif enum in ("category", "department"):
                pair = (config.categories if enum == "category" else config.departments).get(value)
                shown_row[c.key] = pair[col] if pair else value
            elif enum != "customer":
                shown_row[c.key] = enum_label(lang, enum, value)
        out.append(shown_row)
    return out


def render_record(record: Record, config: Config, lang: str | None = None) -> str:
    """A record as labelled lines in the chosen language, nested entries indented, then the Markdown body."""
    kind = KINDS[record.kind]
    loc = lang or language()
    lines = [f"{kind.label(loc)} {record.id}  ({record.path})", ""]
    width = max(display_width(f.label(loc)) for f in kind.fields)
    for f in kind.fields:
        value = record.data.get(f.name)
        if value in (None, "", []):
            continue
        label = f.label(loc)
        if f.type == "objects":
            lines.append(f"{label}:")
            for entry in value:
                lines.append("  - " + "; ".join(f"{f.sub[k].label(loc) if k in f.sub else k}: "
                                               f"{shown(f.name, f.sub.get(k), v, config, loc)}" for k, v in entry.items()))
        elif f.type == "text" and "\n" in str(value):
            lines.append(f"{label}:")
            lines.extend("    " + line for line in str(value).splitlines())
        else:
            lines.append(f"{fit(label, width)}  {shown(record.kind, f, value, config, loc)}")
    if record.body.strip():
        lines += ["", record.body.rstrip()]
    return "\n".join(lines)

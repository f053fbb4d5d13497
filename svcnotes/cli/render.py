"""Readable terminal rendering of one record (labels in the configured locale)."""

from __future__ import annotations

from svcnotes.cli.common import cell
from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS
from svcnotes.model.text import display_width, fit


def render_record(record: Record, config: Config) -> str:
    """A record as labelled lines, nested entries indented, then the Markdown body."""
    kind = KINDS[record.kind]
    loc = config.locale
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
                lines.append("  - " + "; ".join(f"{f.sub[k].label(loc) if k in f.sub else k}: {cell(v)}"
                                               for k, v in entry.items()))
        elif f.type == "text" and "\n" in str(value):
            lines.append(f"{label}:")
            lines.extend("    " + line for line in str(value).splitlines())
        else:
            lines.append(f"{fit(label, width)}  {cell(value)}")
    if record.body.strip():
        lines += ["", record.body.rstrip()]
    return "\n".join(lines)

"""docs/records.md, generated from the declared schema (`python -m svcnotes.model.docs`)."""

from __future__ import annotations

from svcnotes.model.fields import Field
from svcnotes.model.schema import KINDS


def _type(f: Field) -> str:
    if f.type == "enum":
        return "one of " + (f"config `{f.choices_from}`" if f.choices_from else ", ".join(f"`{c}`" for c in f.choices))
    if f.type == "ref":
        return f"{f.ref} id"
    if f.type == "list" and f.item is not None:
        return f"list of {_type(f.item)}"
    if f.type == "objects":
        return "list of entries"
    return f.type


def _required(f: Field) -> str:
    if f.required:
        return "yes"
    if f.required_in:
        return "from " + ", ".join(sorted(f.required_in))
    return ""


def _rows(fields: tuple[Field, ...], prefix: str = "") -> list[str]:
    rows = []
    for f in fields:
        doc = f.doc.replace("|", "\\|")
        flags = " (personal)" if f.personal else ""
        flags += " (customer-facing)" if f.customer_facing else ""
        rows.append(f"| `{prefix}{f.name}` | {f.zh} | {f.en} | {_type(f)} | {_required(f)} | {doc}{flags} |")
        if f.type == "objects":
            rows.extend(_rows(f.fields, prefix + f.name + "[]."))
    return rows


def records_reference() -> str:
    """The Markdown reference of every record kind and field."""
    out = ["# Record reference", "",
           "Generated from `svcnotes/model/schema.py` by `python -m svcnotes.model.docs`; do not edit by hand.", ""]
    for kind in KINDS.values():
        out += [f"## {kind.en} ({kind.zh})", "", f"Folder: `records/{kind.folder}/`"
                + ("`<YYYY>/`" if kind.year_folders else "") + ".", ""]
        if kind.statuses:
            out += ["Statuses: " + ", ".join(f"`{s}`" for s in kind.statuses) + ".", ""]
        out += ["| field | 中文 | English | type | required | notes |", "|---|---|---|---|---|---|", *_rows(kind.fields), ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(records_reference(), end="")

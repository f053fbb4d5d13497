"""Record pages as forms: typed record data -> labelled sections of display values.

The complaint page is laid out like the department's 客户抱怨处理表 (intake, product, request,
classification, investigation, settlement, approvals, CAPA, communication, closure). The result
is plain dicts/lists for the templates; see docs in svcnotes/site/context.py for the shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.fields import Field
from svcnotes.model.schema import KINDS
from svcnotes.site.i18n import FIELD_ENUMS, enum_label, normalise_locale, translator

Href = Callable[[str, str], "str | None"]

SECTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "complaint": (
        ("intake", ("id", "title", "status", "customer", "received_at", "registered_at", "channel",
                    "first_responder", "owner", "reporter", "handovers")),
        ("product", ("order_no", "part_no", "quantity", "ship_date", "defective_qty")),
        ("request", ("request", "request_note")),
        ("classification", ("category", "severity", "cause_class")),
        ("investigation", ("investigation_started_at", "quality_report_at", "cause_analysis", "responsible_dept",
                           "countermeasure", "improvement_tracked", "production")),
        ("settlement", ("resolution", "amount", "currency", "proposed_by", "proposed_at")),
        ("approvals", ("approvals",)),
        ("capa", ("capa",)),
        ("communication", ("promised_reply_at", "replied_at", "customer_reply", "resolution_letter",
                           "told_at", "told_via", "result")),
        ("closure", ("closed_at", "customer_accepted", "callback_waived", "reopens", "on_hold")),
        ("other", ("aliases", "tags", "imported")),
    ),
    "customer": (
        ("basic", ("name", "short_name", "industry", "region", "address", "tier", "account_owner",
                   "since", "confidentiality", "tags")),
        ("contacts", ("contacts",)),
        ("agreement", ("agreement_start", "agreement_end", "projects")),
        ("requirements", ("special_requirements",)),
    ),
    "callback": (
        ("callback", ("id", "customer", "complaint", "note", "project", "kind", "due", "status", "assigned_to")),
        ("attempts", ("attempts",)),
        ("outcome", ("conducted_by", "done_at", "channel", "satisfaction", "comments", "follow_up",
                     "follow_up_complaint", "cancel_reason")),
        ("other", ("imported",)),
    ),
    "note": (
        ("note", ("id", "at", "author", "customer", "complaint", "kind", "summary", "billable", "open_issues")),
    ),
}

# Status values that get a coloured badge; the CSS class is badge-<value>.
BADGE_FIELDS = frozenset({"status", "severity", "tier", "kind", "result", "confidentiality"})


class Formatter:
    """Turns typed values into display text for one locale, config and link scheme."""

    def __init__(self, locale: str, config: Config | None = None, href: Href | None = None,
                 names: Mapping[str, str] | None = None) -> None:
        self.names = names or {}
        self.locale = normalise_locale(locale)
        self.config = config or Config()
        self.href = href or (lambda kind, rid: None)
        self.t = translator(self.locale)
        self.en = self.locale == "en"

    def scalar(self, value: Any) -> str:
        """Dates ISO, times to the minute, amounts with separators, booleans as yes/no."""
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return self.t("yes") if value else self.t("no")
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return f"{value:,.2f}"
        return str(value)

    def enum(self, owner: str, f: Field, value: str) -> str:
        """The label of an enum value: schema enums from i18n, configurable ones from config."""
        if f.choices_from:
            labels = getattr(self.config, f.choices_from, {}).get(value)
            return (labels[1] if self.en else labels[0]) if labels else value
        enum = FIELD_ENUMS.get((owner, f.name))
        return enum_label(self.locale, enum, value) if enum else value

    def staff(self, staff_id: str) -> str:
        """A staff member's name (the id when not in the directory)."""
        person = self.config.staff.get(staff_id)
        return person.name if person else staff_id

    def value(self, owner: str, f: Field, value: Any) -> dict[str, Any]:
        """One display value: {'text', 'href'?, 'badge'?} for a scalar of field `f`."""
        if f.type != "enum" and isinstance(value, str) and (owner, f.name) in FIELD_ENUMS:  # coded text, e.g. a role
            return {"text": enum_label(self.locale, FIELD_ENUMS[(owner, f.name)], value)}
        if f.type == "enum" and isinstance(value, str):
            out: dict[str, Any] = {"text": self.enum(owner, f, value)}
            if f.name in BADGE_FIELDS:
                out["badge"] = value
            return out
        if f.type == "ref" and isinstance(value, str) and value:
            if f.ref == "staff":
                return {"text": self.staff(value)}
            return {"text": self.names.get(value, value), "href": self.href(f.ref, value)}
        return {"text": self.scalar(value)}

    def text(self, owner: str, f: Field | None, value: Any) -> str:
        """Any value of field `f` as one line of display text: labels for codes, names for staff,
        yes/no for booleans, a list as "a、b", an object as "label value，label value" (never a data dump)."""
        sep = ", " if self.en else "，"
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, list):
            item = (f.item or f) if f is not None and f.type == "list" else f
            return ("; " if self.en else "；").join(self.text(owner, item, v) for v in value) if f is not None and \
                f.type == "objects" else ("; " if self.en else "、").join(self.text(owner, item, v) for v in value)
        if isinstance(value, Mapping):
            subs = {x.name: x for x in f.fields} if f is not None else {}
            parts = []
            for key, v in value.items():
                sub = subs.get(key)
                shown = self.text(f.name if f is not None else owner, sub, v)
                if shown:
                    parts.append(f"{sub.label(self.locale) if sub else key} {shown}")
            return sep.join(parts)
        if f is None:
            return self.scalar(value)
        return str(self.value(owner, f, value).get("text", ""))

    def table(self, f: Field, items: list[Any]) -> dict[str, Any]:
        """A nested list of objects as {'columns': [labels], 'rows': [[values]]}."""
        columns = [sub.label(self.locale) for sub in f.fields]
        rows = [[self.value(f.name, sub, item.get(sub.name)) if isinstance(item, Mapping) else {"text": str(item)}
                 for sub in f.fields] for item in items]
        return {"columns": columns, "rows": rows}

    def field(self, kind: str, f: Field, value: Any, line: int | None = None) -> dict[str, Any]:
        """One labelled field of a record page."""
        out: dict[str, Any] = {"name": f.name, "label": f.label(self.locale), "type": "text", "line": line,
                               "empty": value is None or value == "" or value == []}
        if out["empty"]:
            out.update(text="")
        elif f.type == "objects":
            out.update(type="table", table=self.table(f, list(value)))
        elif f.type == "list":
            item = f.item or f
            out.update(type="list", items=[self.value(kind, item, v) for v in value])
        elif f.type == "text":
            out.update(type="long", text=self.scalar(value))
        else:
            out.update(self.value(kind, f, value))
            if "badge" in out:
                out["type"] = "badge"
            elif out.get("href"):
                out["type"] = "link"
        return out


def record_sections(
    kind: str,
    data: Mapping[str, Any],
    locale: str,
    *,
    config: Config | None = None,
    href: Href | None = None,
    lines: Mapping[str, int] | None = None,
    names: Mapping[str, str] | None = None,
    show_empty: bool | None = None,
) -> list[dict[str, Any]]:
    """The sections of a record page: [{'key', 'title', 'fields': [field, ...]}, ...].

    `href(kind, id)` gives a root-relative URL for references, `names` maps record ids to display
    names (e.g. customer short names), `lines` maps fields to their source line.
    Complaints show empty fields too (a blank box on the paper form says "not done yet");
    other kinds hide them. Fields a section list does not name land in 'other'; unknown keys
    in `data` (not in the schema) are left to the checks and not shown.
    """
    declared = KINDS[kind]
    fmt = Formatter(locale, config, href, names)
    show_empty = kind == "complaint" if show_empty is None else show_empty
    lines = lines or {}
    plan = list(SECTIONS.get(kind, ()))
    # a customer's id is its file's slug: shown as the source path, not as a field of the file
    placed = {name for _, listed in plan for name in listed} | ({"id"} if kind == "customer" else set())
    rest = tuple(f.name for f in declared.fields if f.name not in placed)
    if rest:
        other = dict(plan).get("other", ())
        plan = [(key, listed) for key, listed in plan if key != "other"] + [("other", other + rest)]
    sections = []
    for key, listed in plan:
        fields = [fmt.field(kind, declared.by_name[name], data.get(name), lines.get(name))
                  for name in listed if name in declared.by_name]
        fields = [f for f in fields if show_empty or not f["empty"]]
        if fields and (show_empty or key != "other" or any(not f["empty"] for f in fields)):
            sections.append({"key": key, "title": fmt.t(f"section.{key}"), "fields": fields})
    return sections

"""Page builders: records and registers -> (url, template, context) for the render step.

Everything here is pure: a `Site` value (snapshot, config, locale, today, rendered bodies,
timelines) in, plain template context out (see svcnotes/site/context.py for the shapes).
Each page also names its source records, so a failing page can say which file broke it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.model.schema import FINISHED, KINDS
from svcnotes.site.context import cell, column, filters_for, row
from svcnotes.site.forms import Formatter, record_sections
from svcnotes.site.i18n import enum_label, normalise_locale, translator
from svcnotes.workflow.deadlines import Deadline, callback_overdue

FOLDERS = {"customer": "customers", "complaint": "complaints", "callback": "callbacks", "note": "notes"}


@dataclass
class Page:
    """One output page: root-relative url, template name, context, and the records it shows."""

    url: str
    template: str
    title: str
    section: str
    context: dict[str, Any]
    sources: tuple[str, ...] = ()
    breadcrumbs: tuple[tuple[str, str], ...] = ()


@dataclass
class Planned:
    """One output file before it is built: its url, its key (see deps.py) and how to make it.

    `make` returns a Page (rendered through its template) or bytes (written as they are)."""

    url: str
    key: str
    make: Callable[[], Page | bytes]
    source: str = ""
    record_page: bool = False
    # For files whose key costs real work (record pages, the dashboard, reports): run in a render
    # worker, so that work is spread over the cores; `key` and `make` above are then unused (pass
    # keyed_only). Given what it returned last build as `note` (None when there is no usable
    # previous page), it returns (key, make, note); make None means "the previous page is still
    # right" (see reportpages.report_plans).
    keyed: Callable[[Any], tuple[str, Callable[[], Page | bytes] | None, Any]] | None = None
    front_matter_only: bool = False  # reads no record's body or file (the dashboard, reports): see site.build._Changes
    note: Any = None  # kept in the manifest with a plan that is not keyed (REGISTER: a register page)


REGISTER = "register"  # the manifest's note of a register page (site.build keeps them all when nothing they read changed)


def keyed_only() -> bytes:
    """Planned.make of a keyed plan: never called (the plan is made through its keyed())."""
    raise AssertionError("a keyed plan is made through its keyed()")


def record_url(record: Record) -> str:
    """The page of a record, mirroring its file: records/complaints/2026/C-2611-001.md -> complaints/2026/C-2611-001.html."""
    rel = record.path[len("records/"):] if record.path.startswith("records/") else record.path
    stem = rel[:-3] if rel.endswith(".md") else rel
    if stem.rsplit("/", 1)[-1] == "index":  # a customer called 'index' must not replace the register
        stem += "-record"
    return stem + ".html"


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


class _Deadlines(Mapping[str, Deadline]):
    """Complaint deadlines by id, computed on first use and shared with the reports (one calendar walk each)."""

    def __init__(self, site: Site) -> None:
        from svcnotes.reports.index import ReportIndex

        self._site = site
        self._index = ReportIndex.of(site.snapshot)
        self._ids = {r.id: r for r in site.records["complaint"]}

    def __getitem__(self, record_id: str) -> Deadline:
        return self._index.deadline(self._ids[record_id], self._site.config, self._site.today)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


@dataclass
class Site:
    """What every page builder reads: the records, config, locale, today and derived lookups."""

    records: dict[str, list[Record]]
    config: Config
    locale: str
    today: date
    problems: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    body_html: Callable[[Record], str] = lambda r: ""
    timeline: Callable[[Record], list[dict[str, Any]]] = lambda r: []
    snapshot: Any = None
    redactor: Any = None  # a redacted build's svcnotes.site.redact.Redactor (None: not redacted)

    def __post_init__(self) -> None:
        self.locale = normalise_locale(self.locale)
        self.t = translator(self.locale)
        if self.snapshot is None:
            from svcnotes.store.repository import Snapshot

            self.snapshot = Snapshot()
            for rs in self.records.values():
                for r in rs:
                    self.snapshot.add(r)
        self.by_id = {r.id: r for rs in self.records.values() for r in rs}
        self.urls = {r.id: record_url(r) for rs in self.records.values() for r in rs}
        self.names = {r.id: str(r.get("short_name") or r.get("name") or r.id) for r in self.records["customer"]}
        self.fmt = Formatter(self.locale, self.config, self.href, self.names)
        self.deadlines = _Deadlines(self)
        self.children: dict[tuple[str, str], list[Record]] = {}
        for kind in ("complaint", "callback", "note"):
            for r in self.records[kind]:
                for ref in ("customer", "complaint", "reopens"):
                    target = r.get(ref)
                    if isinstance(target, str) and target:
                        self.children.setdefault((kind + "." + ref, target), []).append(r)

    def href(self, kind: str, record_id: str) -> str | None:
        """Root-relative URL of a referenced record, None when it does not exist."""
        return self.urls.get(record_id)

    def related(self, key: str, record_id: str) -> list[Record]:
        """Records of one kind that reference `record_id` through a field: related('callback.complaint', id)."""
        return self.children.get((key, record_id), [])

    def label(self, kind: str, name: str) -> str:
        """A schema field's label in the site locale."""
        return KINDS[kind].by_name[name].label(self.locale)

    def enum(self, kind: str, name: str, value: Any) -> dict[str, Any]:
        """A display cell for an enum/ref field value: label text, raw value for filters."""
        if value in (None, ""):
            return cell("")
        shown = self.fmt.value(kind, KINDS[kind].by_name[name], value)
        return cell(shown["text"], value=value, href=shown.get("href"), badge=shown.get("badge"))

    def order(self, kind: str, name: str) -> list[str]:
        """The declared order of a coded field's values (workflow, severity, config order) for filters."""
        f = KINDS[kind].by_name[name]
        return list(getattr(self.config, f.choices_from, {})) if f.choices_from else list(f.choices)

    def staff(self, value: Any) -> dict[str, Any]:
        """A staff cell: the name shown, the id as the filter value."""
        return cell(self.fmt.staff(value), value=value) if value else cell("")

    def when(self, value: Any) -> dict[str, Any]:
        """A date/time cell sorted by its ISO text."""
        text = self.fmt.scalar(value)
        return cell(text, sort=text)


# ---- registers -------------------------------------------------------------------------------

def complaint_columns(s: Site) -> list[dict[str, Any]]:
    """Columns of the complaint tracking register (客户抱怨案件登记追踪表, DOMAIN.md §6)."""
    L = lambda n: s.label("complaint", n)  # noqa: E731
    return [column("id", L("id")), column("received_at", L("received_at"), type="date"),
            column("customer", L("customer"), filter=True), column("title", L("title")),
            column("category", L("category"), filter=True, order=s.order("complaint", "category")),
            column("severity", L("severity"), filter=True, order=s.order("complaint", "severity")),
            column("status", L("status"), filter=True, order=s.order("complaint", "status")), column("owner", L("owner"), filter=True),
            column("limit", s.t("record.limit"), type="date"), column("days_open", s.t("record.days_open"), type="num"),
            column("overdue", s.t("record.overdue"), filter=True, order=["yes", "no"])]


def complaint_row(s: Site, r: Record) -> dict[str, Any]:
    """One register row of a complaint with its deadline flags."""
    d = s.deadlines[r.id]
    overdue = d.overdue
    flags = ["overdue"] if overdue else (["due_soon"] if d.due_soon else [])
    queues = ["open", *flags] + (["escalated"] if d.escalate_to else []) if r.status not in FINISHED else []
    owner = r.get("owner") or r.get("first_responder")
    if queues and owner:
        queues.append(f"mine:{owner}")
    if r.status == "proposed":
        queues += [f"approve:{sid}" for sid in approvers(s, r)]
    cells = {
        "id": cell(r.id, sort=r.id),
        "received_at": s.when(r.get("received_at")),
        "customer": s.enum("complaint", "customer", r.get("customer")),
        "title": cell(r.get("title", "")),
        "category": s.enum("complaint", "category", r.get("category")),
        "severity": s.enum("complaint", "severity", r.get("severity")),
        "status": s.enum("complaint", "status", r.get("status")),
        "owner": s.staff(r.get("owner") or r.get("first_responder")),
        "limit": s.when(d.limit),
        "days_open": cell(d.days_open, sort=d.days_open),
        "overdue": cell(s.t("yes") if overdue else s.t("no"), value="yes" if overdue else "no",
                        badge="overdue" if overdue else None),
    }
    return row(cells, url=s.urls[r.id], flags=flags, queues=queues)


def callback_columns(s: Site) -> list[dict[str, Any]]:
    """Columns of the callback register."""
    L = lambda n: s.label("callback", n)  # noqa: E731
    return [column("id", L("id")), column("due", L("due"), type="date"), column("customer", L("customer"), filter=True),
            column("complaint", L("complaint")), column("kind", L("kind"), filter=True, order=s.order("callback", "kind")),
            column("status", L("status"), filter=True, order=s.order("callback", "status")),
            column("assigned_to", L("assigned_to"), filter=True),
            column("satisfaction", L("satisfaction"), type="num"),
            column("overdue", s.t("record.overdue"), filter=True, order=["yes", "no"])]


def callback_row(s: Site, r: Record) -> dict[str, Any]:
    """One register row of a callback."""
    late = callback_overdue(r, s.today)
    sat = r.get("satisfaction")
    due = _day(r.get("due"))
    queues = ["pending"] + (["week"] if due is not None and due <= week_of(s.today)[1] else []) + \
        (["overdue"] if late else []) + ([f"mine:{r.get('assigned_to')}"] if r.get("assigned_to") else []) \
        if r.status in PENDING else []
    return row({
        "id": cell(r.id, sort=r.id), "due": s.when(r.get("due")),
        "customer": s.enum("callback", "customer", r.get("customer")),
        "complaint": s.enum("callback", "complaint", r.get("complaint")),
        "kind": s.enum("callback", "kind", r.get("kind")), "status": s.enum("callback", "status", r.get("status")),
        "assigned_to": s.staff(r.get("assigned_to")),
        "satisfaction": cell("" if sat is None else sat, sort=sat if sat is not None else -1),
        "overdue": cell(s.t("yes") if late else s.t("no"), value="yes" if late else "no", badge="overdue" if late else None),
    }, url=s.urls[r.id], flags=["overdue"] if late else [], queues=queues)


def note_columns(s: Site) -> list[dict[str, Any]]:
    """Columns of the service-notes register."""
    L = lambda n: s.label("note", n)  # noqa: E731
    return [column("id", L("id")), column("at", L("at"), type="date"), column("customer", L("customer"), filter=True),
            column("kind", L("kind"), filter=True, order=s.order("note", "kind")), column("author", L("author"), filter=True),
            column("summary", L("summary")), column("complaint", L("complaint"))]


def note_row(s: Site, r: Record) -> dict[str, Any]:
    """One register row of a service note."""
    return row({
        "id": cell(r.id, sort=r.id), "at": s.when(r.get("at")),
        "customer": s.enum("note", "customer", r.get("customer")), "kind": s.enum("note", "kind", r.get("kind")),
        "author": s.staff(r.get("author")), "summary": cell(r.get("summary", "")),
        "complaint": s.enum("note", "complaint", r.get("complaint")),
    }, url=s.urls[r.id])


def in_agreement(r: Record, today: date) -> bool | None:
    """Inside the service agreement today (free service), outside (charged), or None when unknown."""
    start, end = _day(r.get("agreement_start")), _day(r.get("agreement_end"))
    if start is None and end is None:
        return None
    return (start is None or start <= today) and (end is None or today <= end)


def customer_columns(s: Site) -> list[dict[str, Any]]:
    """Columns of the customer register."""
    L = lambda n: s.label("customer", n)  # noqa: E731
    return [column("name", L("name")), column("tier", L("tier"), filter=True, order=s.order("customer", "tier")),
            column("region", L("region"), filter=True), column("account_owner", L("account_owner"), filter=True),
            column("agreement", s.t("section.agreement"), filter=True),
            column("open", s.t("dash.open_complaints"), type="num"), column("complaints", s.t("customer.complaints"), type="num")]


def customer_row(s: Site, r: Record) -> dict[str, Any]:
    """One register row of a customer."""
    inside = in_agreement(r, s.today)
    complaints = s.related("complaint.customer", r.id)
    open_n = sum(1 for c in complaints if c.status not in FINISHED)
    agreement = cell("") if inside is None else cell(
        s.t("customer.inside") if inside else s.t("customer.outside"), value="in" if inside else "out",
        badge="on_time" if inside else "due_soon")
    return row({
        "name": cell(r.get("name") or r.id, sort=r.get("name") or r.id),
        "tier": s.enum("customer", "tier", r.get("tier")), "region": cell(r.get("region", ""), value=r.get("region") or None),
        "account_owner": s.staff(r.get("account_owner")), "agreement": agreement,
        "open": cell(open_n, sort=open_n), "complaints": cell(len(complaints), sort=len(complaints)),
    }, url=s.urls[r.id])


def newest(records: Iterable[Record], key: str) -> list[Record]:
    """Records sorted newest first by a date field (then id)."""
    return sorted(records, key=lambda r: (str(r.get(key) or ""), r.id), reverse=True)


REGISTER_SPLIT = 2000  # a register with more rows than this gets one page per month (see register_parts)
REGISTERS = (  # kind, section, sort/month field
    ("complaint", "complaints", "received_at"),
    ("customer", "customers", "id"),
    ("callback", "callbacks", "due"),
    ("note", "notes", "at"),
)
_COLUMNS = {"complaint": complaint_columns, "customer": customer_columns, "callback": callback_columns, "note": note_columns}
_ROWS = {"complaint": complaint_row, "customer": customer_row, "callback": callback_row, "note": note_row}


@dataclass
class RegisterPart:
    """One page of a register: its url, the records it lists, the month links and the lead text."""

    kind: str
    section: str
    url: str
    title: str
    records: list[Record]
    summary: str
    nav: list[dict[str, Any]] = field(default_factory=list)


def _month_of(r: Record, key: str) -> str:
    d = _day(r.get(key))
    return f"{d.year:04d}-{d.month:02d}" if d else "undated"


PENDING = ("scheduled", "unreachable")  # callbacks still to be made


def _open(r: Record) -> bool:
    if r.kind == "complaint":
        return r.status not in FINISHED
    return r.kind == "callback" and r.status in PENDING


def register_parts(s: Site, split: int = REGISTER_SPLIT) -> list[RegisterPart]:
    """The register pages, newest first. A register of at most `split` rows is one page; a bigger
    one (complaints, callbacks, notes at scale) is one page per month of its date field, and its
    index page lists what needs work: the open complaints, the pending callbacks, the latest
    month's notes. Months are stable pages: a new record changes only its month and the index."""
    parts = []
    for kind, section, key in REGISTERS:
        records = sorted(s.records[kind], key=lambda r: (str(r.get("name") or r.id), r.id)) if kind == "customer" \
            else newest(s.records[kind], key)
        title = s.t(f"page.{section}")
        total = len(records)
        if kind == "customer" or total <= split:
            parts.append(RegisterPart(kind, section, f"{section}/index.html", title, records,
                                      s.t("register.total", total=total)))
            continue
        months: dict[str, list[Record]] = {}
        for r in records:
            months.setdefault(_month_of(r, key), []).append(r)
        nav = [{"label": s.t("register.undated") if m == "undated" else m, "href": f"{section}/{m}.html", "count": len(rs)}
               for m, rs in months.items()]
        if kind == "note":
            latest = next(iter(months))
            first = months[latest]
            lead = s.t("register.latest_page", total=total, shown=len(first), month=latest)
        else:
            first = [r for r in records if _open(r)]
            lead = s.t("register.open_page", total=total, shown=len(first))
        index_nav = [{"label": s.t("register.open"), "href": f"{section}/index.html", "count": len(first), "current": True}] \
            if kind != "note" else []
        parts.append(RegisterPart(kind, section, f"{section}/index.html", title, first, lead, index_nav + nav))
        for m, rs in months.items():
            label = s.t("register.undated") if m == "undated" else m
            here = [dict(x, current=x["href"] == f"{section}/{m}.html") for x in index_nav + nav]
            parts.append(RegisterPart(kind, section, f"{section}/{m}.html", f"{title} {label}", rs,
                                      s.t("register.month_page", month=label, shown=len(rs), total=total), here))
    return parts


QUEUES = {"complaint": ("open", "due_soon", "overdue", "escalated"), "callback": ("pending", "week", "overdue")}
PERSONAL = {"complaint": ("mine", "approve"), "callback": ("mine",)}  # counted in the browser, for the person chosen


def approvers(s: Site, r: Record) -> list[str]:
    """Staff who may approve a proposed complaint's settlement (the approval authority matrix),
    except its proposer: the 待我核决 queue of each of them lists it."""
    from svcnotes.workflow.approvals import can_approve

    severity, amount, currency = str(r.get("severity") or "normal"), r.get("amount"), r.get("currency")
    return [p.id for p in s.config.staff.values()
            if p.id != r.get("proposed_by") and can_approve(p, amount, severity, s.config, currency)]


def queues_for(s: Site, kind: str, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The work queues of a register, with how many rows each holds; the first is shown by default."""
    if kind not in QUEUES:
        return None
    counts = {q: sum(1 for r in rows if q in r.get("queues", ())) for q in QUEUES[kind]}
    return {"label": s.t("queue.label"), "all": s.t("queue.all"), "default": QUEUES[kind][0],
            "options": [(q, enum_label(s.locale, "queue", q), counts[q]) for q in QUEUES[kind]],
            "personal": [(q, enum_label(s.locale, "queue", q)) for q in PERSONAL[kind]],
            "me_label": s.t("queue.me"), "nobody": s.t("queue.nobody"),
            "staff": sorted(((p.id, p.name) for p in s.config.staff.values()), key=lambda x: x[1])}


def by_urgency(s: Site, kind: str, records: list[Record]) -> list[Record]:
    """A register's rows in working order: open complaints by their hard limit (the most urgent
    first), pending callbacks by due date (overdue, today, then later); the rest after, as given."""
    if kind == "complaint":
        waiting = [r for r in records if r.status not in FINISHED]
        far = date.max
        waiting.sort(key=lambda r: (s.deadlines[r.id].limit or far, r.id))
        return waiting + [r for r in records if r.status in FINISHED]
    if kind == "callback":
        waiting = sorted((r for r in records if r.status in PENDING), key=lambda r: (str(r.get("due") or "9999"), r.id))
        return waiting + [r for r in records if r.status not in PENDING]
    return records


def register_page(s: Site, part: RegisterPart) -> Page:
    """One register page from its part, rows in working order (see by_urgency)."""
    columns = _COLUMNS[part.kind](s)
    rows = [_ROWS[part.kind](s, r) for r in by_urgency(s, part.kind, part.records)]
    index_title = s.t(f"page.{part.section}")
    crumbs = ((index_title, ""),) if part.url.endswith("/index.html") else \
        ((index_title, f"{part.section}/index.html"), (part.title[len(index_title):].strip(), ""))
    return Page(part.url, f"{part.section}.html", part.title, part.section, {
        "columns": columns, "rows": rows, "filters": filters_for(columns, rows), "csv_name": part.url[:-5].replace("/", "-").replace("-index", ""),
        "summary": part.summary, "register_nav": part.nav, "queues": queues_for(s, part.kind, rows),
    }, sources=tuple(r.path for r in part.records), breadcrumbs=crumbs)


# ---- record pages -----------------------------------------------------------------------------

def _related_table(s: Site, rid: str, title: str, columns: Callable[[Site], list[dict[str, Any]]],
                   rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A related-records table, or None without rows (its columns are then never made: most of
    10,000 complaint pages have no notes and no reopen chain)."""
    return {"id": rid, "title": title, "columns": columns(s), "rows": rows} if rows else None


def record_page(s: Site, r: Record, extra_related: Iterable[dict[str, Any] | None] = (),
                **extra: Any) -> Page:
    """The page of one record: form sections, body, related tables, history."""
    section = FOLDERS[r.kind]
    title = str(r.get("title") or r.get("name") or r.get("summary") or r.id)
    status = r.status
    enum = {"complaint": "complaint_status", "callback": "callback_status"}.get(r.kind)
    record = {"kind": r.kind, "id": r.id, "title": title, "status": status,
              "status_label": enum_label(s.locale, enum, status) if enum and status else status,
              "path": r.path, **extra.pop("record_extra", {})}
    context = {
        "record": record,
        "sections": record_sections(r.kind, r.data, s.locale, config=s.config, href=s.href, lines=r.lines, names=s.names),
        "body_html": s.body_html(r),
        "history": s.timeline(r),
        "problems": s.problems.get(r.path, []),
        "related": [x for x in extra_related if x],
        **extra,
    }
    crumbs = ((s.t(f"page.{section}"), f"{section}/index.html"), (r.id if r.kind != "customer" else title, ""))
    if r.kind == "callback":  # a callback has no title of its own: name it by its customer and kind
        title = " · ".join(x for x in (s.names.get(str(r.get("customer") or ""), ""),
                                       s.fmt.enum("callback", KINDS["callback"].by_name["kind"], str(r.get("kind") or "")),
                                       s.fmt.scalar(r.get("due"))) if x)
        record["title"] = title
    return Page(s.urls[r.id], f"{r.kind}.html", f"{r.id} {title}" if r.kind != "customer" else title,
                section, context, sources=(r.path,), breadcrumbs=crumbs)


def complaint_page(s: Site, r: Record) -> Page:
    """A complaint laid out like the 客户抱怨处理表, with deadline, callbacks, notes, reopen chain."""
    d = s.deadlines[r.id]
    state = ("closed" if r.status in FINISHED else "overdue" if d.overdue else "due_soon" if d.due_soon
             else "past_target" if d.target is not None and s.today > d.target else "on_time")
    deadline = {"state": state, "target": s.fmt.scalar(d.target), "limit": s.fmt.scalar(d.limit), "days_open": d.days_open}
    from svcnotes.reports.quality import quality_report_due, quality_report_state

    due = quality_report_due(r, s.config)
    if due is not None:
        deadline.update(quality_due=s.fmt.scalar(due), quality_state=quality_report_state(r, s.config, s.today))
    chain = list(s.related("complaint.reopens", r.id))
    if r.get("reopens") in s.by_id:
        chain.insert(0, s.by_id[r.get("reopens")])
    badges = [cell(enum_label(s.locale, "severity", r.get("severity", "")), badge=r.get("severity"))] if r.get("severity") else []
    page = record_page(
        s, r,
        [_related_table(s, "callbacks", s.t("customer.callbacks"), callback_columns,
                        [callback_row(s, x) for x in s.related("callback.complaint", r.id)]),
         _related_table(s, "notes", s.t("customer.notes"), note_columns,
                        [note_row(s, x) for x in s.related("note.complaint", r.id)]),
         _related_table(s, "reopen-chain", s.t("record.reopen_chain"), complaint_columns,
                        [complaint_row(s, x) for x in chain])],
        record_extra={"deadline": deadline, "badges": badges})
    page.sources += tuple(x.path for x in chain)
    return page


def customer_page(s: Site, r: Record, chart: Callable[..., str] | None = None) -> Page:
    """A customer file (客户档案): profile, contacts, agreement, requirements, records, satisfaction."""
    complaints = newest(s.related("complaint.customer", r.id), "received_at")
    callbacks = newest(s.related("callback.customer", r.id), "due")
    notes = newest(s.related("note.customer", r.id), "at")
    charts = []
    scored = sorted((x for x in callbacks if x.get("satisfaction") is not None), key=lambda x: str(x.get("done_at") or x.get("due")))
    if scored and chart is not None:
        labels = [s.fmt.scalar(_day(x.get("done_at")) or x.get("due")) for x in scored]
        title = s.t("customer.satisfaction")
        charts.append({"title": title, "svg": chart(labels, {title: [x.get("satisfaction") for x in scored]}, title=title,
                                                     no_data=s.t("chart.no_data"))})
    page = record_page(
        s, r,
        [_related_table(s, "complaints", s.t("customer.complaints"), complaint_columns, [complaint_row(s, x) for x in complaints]),
         _related_table(s, "callbacks", s.t("customer.callbacks"), callback_columns, [callback_row(s, x) for x in callbacks]),
         _related_table(s, "notes", s.t("customer.notes"), note_columns, [note_row(s, x) for x in notes])],
        record_extra={"in_agreement": in_agreement(r, s.today), "short_name": r.get("short_name") or ""}, charts=charts)
    page.sources += tuple(x.path for x in (*complaints, *callbacks, *notes))
    return page


def simple_page(s: Site, r: Record) -> Page:
    """A callback or service-note page, with links back to its complaint through the form."""
    return record_page(s, r)


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing `day`."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)

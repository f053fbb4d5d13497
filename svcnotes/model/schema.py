"""The one declared schema of the four record kinds (DOMAIN.md §1).

Validation, `svcnotes schema KIND` (JSON Schema), the templates `svcnotes new` writes and
docs/records.md are all derived from these declarations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from svcnotes.model.fields import Field
from svcnotes.model.message import Label, label

COMPLAINT_STATUSES = ("registered", "investigating", "proposed", "approved", "resolved", "closed", "not_established")
CALLBACK_STATUSES = ("scheduled", "done", "unreachable", "missed", "cancelled")
SEVERITIES = ("minor", "normal", "major", "critical")
CHANNELS = ("phone", "email", "visit", "letter", "web", "on_site")
REQUESTS = ("return", "exchange", "allowance", "compensation", "repair", "explanation")
RESOLUTIONS = ("return", "rework", "exchange", "allowance", "compensation", "repair", "explanation", "not_established")
CAUSE_CLASSES = ("quality", "non_quality")
TIERS = ("vip", "key", "normal")
CONFIDENTIALITY = ("internal", "confidential", "secret")
CALLBACK_KINDS = ("post_service", "post_resolution", "periodic", "satisfaction_survey", "annual_needs")
ATTEMPT_RESULTS = ("reached", "no_answer", "busy", "wrong_number", "refused")
NOTE_KINDS = ("call_in", "call_out", "visit", "on_site", "email", "handover")
OUTGOING_NOTE_KINDS = ("call_out", "email")  # notes of what was said or written to the customer
CAPA_STATUSES = ("open", "done", "verified")

# The complaint state machine, declared once next to its statuses (DOMAIN.md §4): every allowed
# move. A proposal may go back to investigating, an approved case back to proposed (to revise it);
# `not_established` ends a groundless complaint. What is finished, what is open and the order of
# the main pipeline are derived from this table (see Workflow below), never listed again.
COMPLAINT_TRANSITIONS: dict[str, frozenset[str]] = {
    "registered": frozenset({"investigating", "not_established"}),
    "investigating": frozenset({"proposed", "not_established"}),
    "proposed": frozenset({"approved", "investigating", "not_established"}),
    "approved": frozenset({"resolved", "proposed"}),
    "resolved": frozenset({"closed"}),
    "closed": frozenset(),
    "not_established": frozenset(),
}


@dataclass(frozen=True)
class Workflow:
    """A status table: the initial status and every allowed move; the rest is derived from it."""

    initial: str
    transitions: dict[str, frozenset[str]]

    @property
    def finished(self) -> frozenset[str]:
        """Statuses with no way out (closed, not_established): the case is over."""
        return frozenset(s for s, targets in self.transitions.items() if not targets)

    @property
    def open(self) -> frozenset[str]:
        """Statuses a case can still leave."""
        return frozenset(self.transitions) - self.finished

    def distance(self) -> dict[str, int]:
        """Fewest moves from the initial status to each status."""
        seen = {self.initial: 0}
        todo = [self.initial]
        while todo:
            here = todo.pop(0)
            for target in sorted(self.transitions[here]):
                if target not in seen:
                    seen[target] = seen[here] + 1
                    todo.append(target)
        return seen

    @property
    def pipeline(self) -> tuple[str, ...]:
        """The main line, initial to finished, moving forward (each step one move further from the
        initial status) and taking the longest such way: registered → ... → closed."""
        far = self.distance()

        def longest(status: str) -> tuple[str, ...]:
            ahead = [longest(t) for t in sorted(self.transitions[status]) if far.get(t, -1) == far[status] + 1]
            return (status, *max(ahead, key=len, default=()))

        return longest(self.initial)

    def from_status(self, status: str) -> frozenset[str]:
        """The statuses at or after `status` on the main pipeline."""
        line = self.pipeline
        return frozenset(line[line.index(status):])


COMPLAINT_FLOW = Workflow("registered", COMPLAINT_TRANSITIONS)
assert tuple(COMPLAINT_TRANSITIONS) == COMPLAINT_STATUSES
FINISHED = COMPLAINT_FLOW.finished
PIPELINE = COMPLAINT_FLOW.pipeline
from_status = COMPLAINT_FLOW.from_status


def F(name: str, type_: str, zh: str, en: str, doc: str = "", **kw: object) -> Field:
    """Shorthand for declaring a Field."""
    return Field(name, type_, zh, en, doc, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Kind:
    """A record kind: folder, id pattern, fields, and (for workflow kinds) statuses."""

    name: str
    folder: str
    zh: str
    en: str
    id_pattern: str
    fields: tuple[Field, ...]
    statuses: tuple[str, ...] = ()
    initial_status: str = ""
    prefix_key: str = ""
    year_folders: bool = True
    flow: Workflow | None = None
    by_name: dict[str, Field] = dc_field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    @property
    def id_regex(self) -> re.Pattern[str]:
        """Compiled id pattern (with the default prefix)."""
        return re.compile(self.id_pattern)

    def label(self, locale: str) -> str:
        """The kind's label in the given locale."""
        return self.en if locale.startswith("en") else self.zh

    @property
    def named(self) -> Label:
        """The kind as a message parameter: 'complaint' in English, '客诉' in Chinese."""
        return label(self.en.lower(), self.zh)


_STAFF = {"ref": "staff"}

CUSTOMER = Kind(
    "customer", "customers", "客户档案", "Customer", r"[a-z0-9][a-z0-9-]*\Z",
    year_folders=False,
    fields=(
        F("id", "id", "客户代号", "Customer id", "Slug, same as the file name, e.g. hengda-auto.", required=True, example="hengda-auto"),
        F("name", "str", "客户名称", "Name", required=True, example="恒达汽车零部件有限公司"),
        F("short_name", "str", "简称", "Short name", example="恒达汽车"),
        F("industry", "str", "行业", "Industry", example="汽车零部件"),
        F("region", "str", "区域", "Region", example="华东"),
        F("address", "str", "地址", "Address", personal=True),
        F("contacts", "objects", "联系人", "Contacts", "Personal data: masked by --redact.", personal=True, fields=(
            F("name", "str", "姓名", "Name", required=True, personal=True),
            F("role", "str", "职务", "Role"),
            F("phone", "str", "电话", "Phone", personal=True),
            F("email", "str", "邮箱", "E-mail", personal=True),
        )),
        F("tier", "enum", "客户分级", "Tier", "vip, key or normal; key customers get personal service plans.", required=True, choices=TIERS, example="normal"),
        F("account_owner", "ref", "客户经理", "Account owner", "Staff id.", **_STAFF),
        F("since", "date", "合作起始", "Customer since"),
        F("agreement_start", "date", "服务协议开始", "Agreement start"),
        F("agreement_end", "date", "服务协议结束", "Agreement end", "Outside the agreement service is charged; say so before the visit."),
        F("special_requirements", "objects", "客户特殊要求清单", "Special requirements", fields=(
            F("item", "str", "要求", "Requirement", required=True),
            F("source", "str", "来源文件", "Source document"),
            F("date", "date", "日期", "Date"),
            F("reviewed_by", "ref", "审核人", "Reviewed by", **_STAFF),
        )),
        F("projects", "objects", "交付项目", "Delivered projects", "Drives periodic callbacks: monthly in the first year, quarterly after.", fields=(
            F("name", "str", "项目", "Project", required=True),
            F("delivered_on", "date", "交付日期", "Delivered on", required=True),
        )),
        F("confidentiality", "enum", "保密级别", "Confidentiality", choices=CONFIDENTIALITY),
        F("tags", "list", "标签", "Tags", item=F("tag", "str", "标签", "Tag")),
    ),
)

COMPLAINT = Kind(
    "complaint", "complaints", "客诉", "Complaint", r"[A-Z]+-\d{4}-\d{3,}\Z",
    statuses=COMPLAINT_STATUSES, initial_status=COMPLAINT_FLOW.initial, prefix_key="complaint", flow=COMPLAINT_FLOW,
    fields=(
        F("id", "id", "客诉编号", "Number", "C-YYMM-NNN from the received month; never reused.", required=True, example="C-2611-007"),
        F("title", "str", "主题", "Title", required=True, example="批次 2610 支架尺寸超差"),
        F("status", "enum", "状态", "Status", required=True, choices=COMPLAINT_STATUSES, example="registered"),
        F("customer", "ref", "客户", "Customer", required=True, ref="customer", example="hengda-auto"),
        F("received_at", "datetime", "受理时间", "Received at", required=True, example="2026-11-05 09:30"),
        F("registered_at", "date", "登记日期", "Registered on", "Deadlines count from here.", required=True, example="2026-11-05"),
        F("channel", "enum", "受理渠道", "Channel", required=True, choices=CHANNELS, example="phone"),
        F("first_responder", "ref", "首问责任人", "First responder", "Owns the case until a written hand-over.", required=True, **_STAFF),
        F("owner", "ref", "当前负责人", "Owner", "Current owner after hand-overs.", **_STAFF),
        F("reporter", "str", "客户反映人", "Reporter", personal=True),
        F("order_no", "str", "订单编号", "Order number"),
        F("part_no", "str", "料号", "Part number"),
        F("quantity", "int", "数量", "Quantity", minimum=0),
        F("ship_date", "date", "交运日期", "Ship date"),
        F("defective_qty", "int", "不良数量", "Defective quantity", minimum=0),
        F("request", "list", "客户要求", "Customer request", item=F("request", "enum", "客户要求", "Request", choices=REQUESTS)),
        F("request_note", "str", "要求说明", "Request note", "E.g. 客户加工中未确定 when the returned quantity is not yet known."),
        F("category", "enum", "类别", "Category", "Configurable list (complaints.categories).", required=True, choices_from="categories"),
        F("severity", "enum", "严重度", "Severity", "major and critical go to the general manager at once.", required=True, choices=SEVERITIES, example="normal"),
        F("investigation_started_at", "date", "调查开始日期", "Investigation started", "Set by `investigate`; the quality report is due 3 days later (deadlines.quality_report_days)."),
        F("quality_report_at", "date", "质量报告日期", "Quality report on", "When the quality department delivered its investigation report."),
        F("cause_class", "enum", "原因类别", "Cause class", "quality = 质量异常, non_quality = 非质量异常.", choices=CAUSE_CLASSES, required_in=from_status("proposed")),
        F("cause_analysis", "text", "原因分析", "Cause analysis", required_in=from_status("proposed")),
        F("responsible_dept", "enum", "责任归属", "Responsible department", choices_from="departments", required_in=from_status("proposed")),
        F("countermeasure", "text", "处理对策", "Countermeasure", required_in=from_status("proposed")),
        F("improvement_tracked", "bool", "追踪改善", "Improvement tracked", "false for human negligence (not tracked)."),
        F("production", "objects", "生产信息", "Production trace", "Filled by manufacturing.", fields=(
            F("unit", "str", "生产单位", "Unit"), F("shift", "str", "班别", "Shift"),
            F("operator", "str", "作业员", "Operator", personal=True), F("date", "date", "生产日期", "Production date"),
        )),
        F("resolution", "enum", "处理方式", "Resolution", choices=RESOLUTIONS, required_in=from_status("proposed")),
        F("amount", "decimal", "客诉损失金额", "Loss amount", minimum=0, required_in=from_status("proposed")),
        F("currency", "str", "币种", "Currency", example="CNY"),
        F("proposed_by", "ref", "提议人", "Proposed by", required_in=from_status("proposed"), **_STAFF),
        F("proposed_at", "datetime", "提议时间", "Proposed at"),
        F("approvals", "objects", "核决", "Approvals", "Bound to the approved resolution and amount.", required_in=from_status("approved"), fields=(
            F("by", "ref", "核决人", "Approved by", required=True, **_STAFF),
            F("role", "str", "职务", "Role", required=True),
            F("at", "datetime", "时间", "At", required=True),
            F("resolution", "enum", "处理方式", "Resolution", choices=RESOLUTIONS, required=True),
            F("amount", "decimal", "金额", "Amount", minimum=0, required=True),
            F("digest", "str", "内容摘要", "Digest", "Hash of the approved content."),
        )),
        F("capa", "objects", "纠正和预防措施", "CAPA", fields=(
            F("action", "str", "措施", "Action", required=True),
            F("owner", "ref", "负责人", "Owner", required=True, **_STAFF),
            F("due", "date", "期限", "Due", required=True),
            F("status", "enum", "状态", "Status", choices=CAPA_STATUSES, required=True),
            F("verified_by", "ref", "验证人", "Verified by", **_STAFF),
            F("verified_at", "date", "验证日期", "Verified on"),
        )),
        F("promised_reply_at", "datetime", "承诺答复时间", "Promised reply by", "Must be kept whatever the progress."),
        F("replied_at", "datetime", "实际答复时间", "Replied at"),
        F("customer_reply", "text", "答复客户内容", "Reply to customer", "Customer-facing: checked for forbidden phrases.", customer_facing=True),
        F("resolution_letter", "text", "处理结果函", "Resolution letter", customer_facing=True),
        F("told_at", "datetime", "告知客户时间", "Customer told at", required_in=from_status("resolved")),
        F("told_via", "enum", "告知方式", "Told via", choices=CHANNELS, required_in=from_status("resolved")),
        F("result", "text", "处理结果", "Result", "What the customer was told; customer-facing.",
          required_in=from_status("resolved"), customer_facing=True),
        F("closed_at", "date", "结案日期", "Closed on", required_in=frozenset({"closed", "not_established"})),
        F("customer_accepted", "bool", "客户接受", "Customer accepted", required_in=frozenset({"closed"})),
        F("callback_waived", "str", "免回访原因", "Callback waived because"),
        F("reopens", "ref", "重开自", "Reopens", "The original complaint the customer did not accept.", ref="complaint"),
        F("handovers", "objects", "交接记录", "Hand-overs", fields=(
            F("from", "ref", "移交人", "From", required=True, **_STAFF),
            F("to", "ref", "接收人", "To", required=True, **_STAFF),
            F("at", "datetime", "时间", "At", required=True),
            F("note", "str", "说明", "Note"),
        )),
        F("on_hold", "objects", "等待客户", "Waiting on customer", "Intervals that pause the deadline clock "
          "(svcnotes hold / resume), each for at most deadlines.max_hold_days.", fields=(
            F("from", "date", "开始", "From", required=True),
            F("to", "date", "结束", "To", "Empty while the hold lasts."),
            F("reason", "str", "原因", "Reason"),
            F("by", "ref", "登记人", "Put on hold by", **_STAFF),
            F("resumed_by", "ref", "恢复人", "Resumed by", **_STAFF),
        )),
        F("aliases", "list", "曾用编号", "Former numbers", item=F("alias", "str", "编号", "Number")),
        F("imported", "objects", "导入来源", "Imported from", "Provenance of imported history.", fields=(
            F("source", "str", "文件", "File", required=True), F("row", "int", "行", "Row"), F("key", "str", "键", "Key"),
        )),
        F("tags", "list", "标签", "Tags", item=F("tag", "str", "标签", "Tag")),
    ),
)

CALLBACK = Kind(
    "callback", "callbacks", "回访", "Callback", r"[A-Z]+-\d{4}-\d{3,}\Z",
    statuses=CALLBACK_STATUSES, initial_status="scheduled", prefix_key="callback",
    fields=(
        F("id", "id", "回访编号", "Number", required=True, example="CB-2611-003"),
        F("customer", "ref", "客户", "Customer", required=True, ref="customer", example="hengda-auto"),
        F("complaint", "ref", "关联客诉", "Complaint", ref="complaint"),
        F("note", "ref", "关联服务记录", "Service note", ref="note"),
        F("project", "str", "项目", "Project"),
        F("kind", "enum", "回访类型", "Kind", required=True, choices=CALLBACK_KINDS, example="post_resolution"),
        F("due", "date", "应回访日期", "Due", required=True, example="2026-11-12"),
        F("status", "enum", "状态", "Status", required=True, choices=CALLBACK_STATUSES, example="scheduled"),
        F("assigned_to", "ref", "回访人", "Assigned to", **_STAFF),
        F("attempts", "objects", "联系记录", "Attempts", fields=(
            F("at", "datetime", "时间", "At", required=True),
            F("by", "ref", "联系人", "By", required=True, **_STAFF),
            F("result", "enum", "结果", "Result", choices=ATTEMPT_RESULTS, required=True),
            F("note", "str", "备注", "Note"),
        )),
        F("conducted_by", "ref", "执行人", "Conducted by", required_in=frozenset({"done"}), **_STAFF),
        F("done_at", "datetime", "完成时间", "Done at", required_in=frozenset({"done"})),
        F("channel", "enum", "方式", "Channel", choices=CHANNELS, required_in=frozenset({"done"})),
        F("satisfaction", "int", "满意度", "Satisfaction", "1 (very dissatisfied) to 5 (very satisfied).", minimum=1, maximum=5),
        F("comments", "text", "客户意见", "Comments"),
        F("follow_up", "bool", "需跟进", "Follow-up needed"),
        F("follow_up_complaint", "ref", "跟进客诉", "Follow-up complaint", ref="complaint"),
        F("cancel_reason", "str", "取消原因", "Cancel reason", required_in=frozenset({"cancelled"})),
        F("imported", "objects", "导入来源", "Imported from", fields=(
            F("source", "str", "文件", "File", required=True), F("row", "int", "行", "Row"), F("key", "str", "键", "Key"),
        )),
    ),
)

NOTE = Kind(
    "note", "notes", "服务记录", "Service note", r"[A-Z]+-\d{4}-\d{3,}\Z",
    prefix_key="note",
    fields=(
        F("id", "id", "记录编号", "Number", required=True, example="N-2611-004"),
        F("at", "datetime", "时间", "Date and time", required=True, example="2026-11-05 14:00"),
        F("author", "ref", "记录人", "Author", required=True, **_STAFF),
        F("customer", "ref", "客户", "Customer", "Optional for shift hand-overs.", ref="customer"),
        F("complaint", "ref", "关联客诉", "Complaint", ref="complaint"),
        F("kind", "enum", "类型", "Kind", required=True, choices=NOTE_KINDS, example="call_in"),
        F("summary", "str", "摘要", "Summary", "Customer-facing (with the body) in call_out and email notes.",
          required=True, example="客户来电询问交期"),
        F("open_issues", "list", "未结事项", "Open issues", "Hand-over notes list what the next shift inherits.", item=F("issue", "str", "事项", "Issue")),
        F("billable", "bool", "收费服务", "Billable", "True when outside the service agreement."),
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in (CUSTOMER, COMPLAINT, CALLBACK, NOTE)}
FOLDER_KIND: dict[str, Kind] = {k.folder: k for k in KINDS.values()}


def kind_of_id(record_id: str, prefixes: dict[str, str]) -> str | None:
    """Which kind an id names, from its prefix (customers have slugs, no prefix)."""
    head = record_id.split("-", 1)[0]
    for kind, prefix in prefixes.items():
        if head == prefix and re.match(rf"{re.escape(prefix)}-\d{{4}}-\d{{3,}}\Z", record_id):
            return kind
    return "customer" if CUSTOMER.id_regex.match(record_id) else None

"""UI strings of the site in zh-CN and en, and labels of every enum value of the schema.

Field labels come from the schema (`Field.zh` / `Field.en`); everything else a page shows comes
from here. Both locales hold exactly the same keys (tests/site/test_i18n.py checks it), so a page
never mixes languages. Enum value labels live under `enum.<enum>.<value>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from svcnotes.model.labels import ENUM_LABELS
from svcnotes.model.labels import FIELD_ENUMS as _MODEL_FIELD_ENUMS

LOCALES = ("zh-CN", "en")


class Translator(Protocol):
    """t(key, **kwargs) -> text in one locale; kwargs fill `{name}` placeholders."""

    def __call__(self, key: str, /, **kwargs: object) -> str: ...


# key -> (zh-CN, en). One table keeps both languages side by side so neither drifts.
_UI: dict[str, tuple[str, str]] = {
    # chrome
    "site.skip": ("跳到正文", "Skip to content"),
    "site.nav_label": ("主导航", "Main navigation"),
    "site.generated": ("生成于 {at}", "Generated {at}"),
    "site.internal": ("内部资料，严禁外传", "Internal use only; do not share outside the company"),
    "site.source": ("源文件", "Source file"),
    "nav.dashboard": ("总览", "Dashboard"),
    "nav.complaints": ("客诉登记追踪", "Complaint register"),
    "nav.customers": ("客户档案", "Customers"),
    "nav.callbacks": ("回访", "Callbacks"),
    "nav.notes": ("服务记录", "Service notes"),
    "nav.reports": ("报表", "Reports"),
    "nav.search": ("搜索", "Search"),
    "nav.breadcrumb": ("当前位置", "Breadcrumb"),
    # page titles
    "page.dashboard": ("客服总览", "Service dashboard"),
    "page.complaints": ("客户抱怨案件登记追踪表", "Complaint tracking register"),
    "page.customers": ("客户档案", "Customer files"),
    "page.callbacks": ("回访登记表", "Callback register"),
    "page.notes": ("服务记录", "Service notes"),
    "page.reports": ("报表", "Reports"),
    "page.search": ("搜索", "Search"),
    "page.complaint_form": ("客户抱怨处理表", "Customer complaint handling form"),
    # registers and tables
    "table.filter": ("筛选", "Filter"),
    "table.filter_text": ("关键字", "Keyword"),
    "table.filter_text_hint": ("在表内查找", "Find in this table"),
    "table.all": ("全部", "All"),
    "table.reset": ("清除筛选", "Clear filters"),
    "table.csv": ("下载 CSV", "Download CSV"),
    "table.print": ("打印", "Print"),
    "table.count": ("显示 {shown} / {total} 条", "Showing {shown} of {total}"),
    "register.open_page": ("共 {total} 条记录，按月分页；本页列出未结的 {shown} 条。",
                           "{total} records, one page per month; this page lists the {shown} open ones."),
    "register.latest_page": ("共 {total} 条记录，按月分页；本页列出最近一个月（{month}）的 {shown} 条。",
                             "{total} records, one page per month; this page lists the {shown} of the latest month ({month})."),
    "register.month_page": ("{month}：{shown} 条记录（共 {total} 条）。", "{month}: {shown} records (of {total})."),
    "register.months": ("按月份查看", "By month"),
    "register.total": ("共 {total} 条记录。", "{total} records."),
    "register.open": ("未结", "Open"),
    "register.undated": ("无日期", "Undated"),
    "table.empty": ("没有记录", "No records"),
    "table.no_match": ("没有符合筛选条件的记录", "No records match the filters"),
    "table.sort": ("按此列排序", "Sort by this column"),
    "table.total": ("合计", "Total"),
    "table.open": ("查看", "Open"),
    # detail pages
    "record.status": ("状态", "Status"),
    "record.body": ("说明", "Notes"),
    "record.history": ("变更记录", "History"),
    "record.history_empty": ("暂无变更记录", "No recorded changes"),
    "record.changed": ("修改", "Changed"),
    "record.commit": ("提交", "Commit"),
    "record.from": ("原值", "Before"),
    "record.to": ("新值", "After"),
    "record.problems": ("数据问题", "Data problems"),
    "record.related": ("相关记录", "Related records"),
    "record.empty_value": ("—", "—"),
    "record.table_of": ("{label}明细", "{label}: table"),
    "record.line": ("第 {line} 行", "line {line}"),
    "record.deadline": ("处理期限", "Deadline"),
    "record.target": ("目标结案", "Closure target"),
    "record.limit": ("最迟结案", "Hard limit"),
    "record.days_open": ("已处理天数", "Days open"),
    "record.days": ("{n} 天", "{n} days"),
    "record.overdue": ("逾期", "Overdue"),
    "record.due_soon": ("即将到期", "Due soon"),
    "record.on_time": ("期限内", "On time"),
    "record.signature": ("签核", "Sign-off"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    # complaint form sections (客户抱怨处理表)
    "section.intake": ("受理", "Intake"),
    "section.product": ("产品信息", "Product"),
    "section.request": ("客户要求", "Customer request"),
    "section.classification": ("分类", "Classification"),
    "section.investigation": ("调查分析", "Investigation"),
    "section.settlement": ("处理", "Settlement"),
    "section.approvals": ("核决", "Approvals"),
    "section.capa": ("纠正和预防措施", "Corrective and preventive actions"),
    "section.communication": ("客户沟通", "Customer communication"),
    "section.closure": ("结案", "Closure"),
    "section.other": ("其他", "Other"),
    "section.basic": ("基本资料", "Basic data"),
    "section.contacts": ("联系人", "Contacts"),
    "section.agreement": ("服务协议", "Service agreement"),
    "section.requirements": ("客户特殊要求", "Special requirements"),
    "section.callback": ("回访安排", "Callback plan"),
    "section.attempts": ("联系记录", "Contact attempts"),
    "section.outcome": ("回访结果", "Outcome"),
    "section.note": ("记录", "Note"),
    # customer page
    "customer.complaints": ("客诉", "Complaints"),
    "customer.callbacks": ("回访", "Callbacks"),
    "customer.notes": ("服务记录", "Service notes"),
    "customer.in_agreement": ("服务协议期内（免费服务）", "Within the service agreement (free service)"),
    "customer.out_of_agreement": ("服务协议期外（收费服务，上门前须告知客户）",
                                  "Outside the service agreement (charged; tell the customer before the visit)"),
    # dashboard
    "dash.open_complaints": ("未结客诉", "Open complaints"),
    "dash.overdue": ("逾期客诉", "Overdue complaints"),
    "dash.due_soon": ("即将到期", "Due soon"),
    "dash.callbacks_due": ("待回访", "Callbacks due"),
    "dash.satisfaction": ("满意度", "Satisfaction"),
    "dash.open_capa": ("未关闭纠正措施", "Open corrective actions"),
    "dash.new_this_month": ("本月新增客诉", "New complaints this month"),
    "dash.closed_this_month": ("本月结案", "Closed this month"),
    "dash.target": ("目标 {value}", "Target {value}"),
    "dash.trends": ("趋势", "Trends"),
    "dash.attention": ("需关注", "Needs attention"),
    # reports
    "report.period": ("统计期间", "Period"),
    "report.generated": ("编制日期", "Compiled on"),
    "report.chart": ("图表", "Chart"),
    "report.table": ("数据", "Data"),
    "report.target": ("目标", "Target"),
    "report.none": ("暂无报表", "No reports"),
    "report.standing": ("常备报表", "Standing reports"),
    "report.by_month": ("月度报表", "Monthly reports"),
    "report.by_week": ("周报", "Weekly reports"),
    "report.month": ("月份", "Month"),
    "report.week": ("周次", "Week"),
    "report.dates": ("日期", "Dates"),
    "report.open": ("查看", "Open"),
    "report.range": ("{start} 至 {end}", "{start} to {end}"),
    "report.week_range": ("{label}（{start} 至 {end}）", "{label} ({start} to {end})"),
    "report.desc.register": ("当月登记的全部客诉，含期限、已处理天数和逾期标记。",
                             "Every complaint registered in the month, with deadline, days open and overdue flag."),
    "report.desc.monthly": ("按类别、原因、严重度、责任部门和处理方式统计件数与金额；次月 10 日前完成。",
                            "Counts and amounts by category, cause, severity, department and resolution; due by the 10th."),
    "report.desc.overdue": ("当前逾期、已升级或未按承诺答复的未结客诉。",
                            "Open complaints that are overdue, escalated or past a promised reply."),
    "report.desc.callbacks": ("应回访、已完成、逾期完成、联系不上的回访及满意度。",
                              "Callbacks due, done, late and unreachable, with satisfaction."),
    "report.desc.capa": ("全部纠正和预防措施：未完成、逾期和已验证。", "Every corrective action: open, overdue and verified."),
    "report.desc.weekly": ("每周五：来电来访、新增和结案客诉、未结事项。",
                           "Every Friday: contacts, new and closed complaints, open issues."),
    "report.desc.supervision": ("当月服务指标对照目标：结案及时率、回访完成率、满意度、返工率、有效客诉率。",
                                "The month's service KPIs against their targets."),
    # search
    "search.label": ("搜索客诉、客户、回访和服务记录", "Search complaints, customers, callbacks and notes"),
    "search.placeholder": ("编号、客户、料号、关键字……", "Number, customer, part number, keyword…"),
    "search.button": ("搜索", "Search"),
    "search.results": ("找到 {n} 条结果", "{n} results"),
    "search.none": ("没有找到结果", "No results"),
    "search.no_index": ("搜索索引未加载", "The search index did not load"),
    "search.needs_js": ("搜索需要启用 JavaScript；也可以使用各登记表的筛选。",
                        "Search needs JavaScript; the registers can also be filtered."),
    "search.more": ("再显示 {n} 条", "Show {n} more"),
    "search.shown": ("显示前 {shown} 条", "showing the first {shown}"),
    "search.loading": ("正在搜索（已载入 {done}/{total} 个索引分片）", "Searching ({done} of {total} index parts loaded)"),
    "search.kind": ("类型", "Kind"),
    "search.status": ("状态", "Status"),
    "search.help": ("可组合条件：客户:名称 状态:状态 类型:类型 负责人:姓名，例如 “客户:恒达 状态:调查中”。",
                    "Combine terms with customer:, status:, kind: and owner:, e.g. “customer:hengda status:investigating”."),
    "customer.inside": ("协议期内", "Inside agreement"),
    "customer.outside": ("协议期外", "Outside agreement"),
    "customer.satisfaction": ("满意度（1–5）", "Satisfaction (1–5)"),
    "record.reopen_chain": ("重开关联", "Reopen chain"),
    "dash.escalated": ("已升级", "Escalated"),
    "dash.callbacks_week": ("本周应回访", "Callbacks due this week"),
    "dash.chart_complaints": ("每月客诉（按原因类别）", "Complaints per month by cause class"),
    "dash.unclassified": ("未填写", "Not set"),
    "dash.all_open": ("全部未结客诉", "All open complaints"),
    "queue.label": ("工作队列", "Work queue"),
    "dash.open_queue": ("在登记表中处理{title}（{n} 件）→", "Work through the {n} in the register: {title} →"),
    "queue.all": ("全部（含已结）", "All (incl. closed)"),
    "queue.me": ("我是", "I am"),
    "queue.nobody": ("（选择姓名）", "(choose your name)"),
    "history.item": ("第 {n} 项", "item {n}"),
    "history.added": ("新增", "added"),
    "history.removed": ("删除", "removed"),
    "history.sentence": ("{who} 修改了 {n} 项", "{who} changed {n} fields"),
    "history.changed": ("{who} 将{field}从 {old} 改为 {new}", "{who} changed the {field} from {old} to {new}"),
    "history.set": ("{who} 将{field}设为 {new}", "{who} set the {field} to {new}"),
    "history.cleared": ("{who} 清空了{field}（原为 {old}）", "{who} cleared the {field} (was {old})"),
    "history.added_item": ("{who} 添加了{field}：{new}", "{who} added to the {field}: {new}"),
    "history.removed_item": ("{who} 删除了{field}：{old}", "{who} removed from the {field}: {old}"),
    "history.body": ("{who} 修改了{field}（删去 {old} 行，新增 {new} 行）", "{who} edited the {field} ({old} lines removed, {new} added)"),
    "history.proof": ("{who} 的核决：{proof}", "Approval by {who}: {proof}"),
    "signoff.handler": ("经办（业务部门）", "Handled by (sales)"),
    "signoff.quality": ("质量管理部", "Quality department"),
    "signoff.gm_office": ("总经理室生产管理组", "GM office, production control"),
    "signoff.approver": ("核决", "Approved by"),
    "signoff.compiled": ("编制（总经理室生产管理组）", "Compiled by (GM office)"),
    "signoff.reviewed": ("审核", "Reviewed by"),
    "signoff.approved": ("核准", "Approved by"),
    "signoff.name": ("签名", "Name"),
    "signoff.date": ("日期", "Date"),
    "print.page": ("第 {n}/{total} 页", "Page {n} of {total}"),
    "kpi.on_time": ("按期结案率", "On-time closure"),
    "kpi.callbacks": ("回访完成率", "Callback completion"),
    "kpi.satisfaction": ("满意度", "Satisfaction"),
    "kpi.rework": ("返工率", "Rework rate"),
    "kpi.on_target": ("目标期限内结案率", "Closed within the target"),
    "kpi.quality_report": ("质量报告及时率", "Quality reports on time"),
    "kpi.na": ("无法计算", "n/a"),
    "record.quality_report_due": ("质量报告应交", "Quality report due"),
    "quality.on_time": ("已按时提交", "In on time"),
    "quality.late": ("迟交", "In late"),
    "quality.outstanding": ("逾期未交", "Overdue"),
    "quality.pending": ("待提交", "Not yet due"),
    "site.redacted": ("脱敏版：客户联系人姓名、电话、邮箱、地址等个人资料已隐去（•••）。",
                      "Redacted edition: customer contacts' names, phones, e-mails, addresses and other personal data are masked (•••)."),
    "site.redacted_short": ("脱敏版", "Redacted edition"),
    "report.period_col": ("统计期间", "Period"),
    "kpi.valid": ("有效客诉率", "Valid-complaint rate"),
    "report.monthly": ("客诉案件统计表", "Monthly complaint statistics"),
    "report.weekly": ("服务周报", "Weekly service report"),
    "report.by": ("按{what}", "By {what}"),
    "report.count": ("件数", "Cases"),
    "report.amount": ("金额", "Amount"),
    "report.figure": ("指标", "Figure"),
    "report.value": ("数值", "Value"),
    "report.basis": ("计算依据", "Basis"),
    "report.summary": ("汇总", "Summary"),
    "report.built_in": ("内置统计（报表模块未提供）", "Built-in statistics (the reports module is not available)"),
    "build.failed": ("本页生成失败", "This page failed to build"),
    "live.reload": ("已更新，正在刷新", "Updated, reloading"),
    # chart defaults
    "chart.no_data": ("无数据", "No data"),
}

# Enum value labels and which enum each field uses live in the model (exports and imports use them
# too); the site adds the value sets only its pages show: approval roles, report buckets, work queues.
_SITE_ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "role": {
        "rep": ("客服专员", "Service rep"), "sales_manager": ("业务经理", "Sales manager"),
        "deputy_gm": ("副总经理", "Deputy general manager"), "gm": ("总经理", "General manager"),
        "gm_office": ("总经理室", "GM office"), "quality": ("质量管理", "Quality"),
    },
    "bucket": {"unset": ("未填写", "Not set")},
    "queue": {
        "open": ("未结", "Open"), "due_soon": ("即将到期", "Due soon"), "overdue": ("已逾期", "Overdue"),
        "escalated": ("已升级", "Escalated"), "pending": ("待回访", "Pending"), "week": ("本周应回访", "Due this week"),
        "open_capa": ("未完成", "Not done"), "mine": ("我负责的", "Mine"), "approve": ("待我核决", "Awaiting my approval"),
    },
}
_ENUMS = {**_SITE_ENUMS, **ENUM_LABELS}
FIELD_ENUMS = {**_MODEL_FIELD_ENUMS, ("approvals", "role"): "role"}  # a role is coded text: shown by its label


def normalise_locale(locale: str | None) -> str:
    """'en', 'en-GB', 'en_US' -> 'en'; anything else -> 'zh-CN' (the department's language)."""
    return "en" if (locale or "").lower().startswith("en") else "zh-CN"


def _column(locale: str) -> int:
    return 1 if normalise_locale(locale) == "en" else 0


def strings(locale: str) -> dict[str, str]:
    """Every UI string and enum label of one locale as a flat dict (enum labels as enum.E.V)."""
    col = _column(locale)
    out = {key: pair[col] for key, pair in _UI.items()}
    for enum, values in _ENUMS.items():
        out.update({f"enum.{enum}.{value}": pair[col] for value, pair in values.items()})
    return out


STRINGS: dict[str, dict[str, str]] = {loc: strings(loc) for loc in LOCALES}


def enum_label(locale: str, enum: str, value: str) -> str:
    """The label of one enum value, or the raw value when it has none (e.g. a typo in a record)."""
    pair = _ENUMS.get(enum, {}).get(value)
    return pair[_column(locale)] if pair else value


# Where a report column names no value set, a bare code is looked up in these enums, in this order.
GUESS_ORDER = ("complaint_status", "callback_status", "callback_outcome", "callback_kind", "capa_status", "severity",
               "cause_class", "role", "bucket", "resolution", "request", "channel", "note_kind", "attempt_result",
               "tier", "confidentiality", "deadline_state", "kind")


def code_label(locale: str, value: str, configured: dict[str, tuple[str, str]] | None = None) -> str | None:
    """The label of a code whose value set is not known (a report cell, a chart bucket): the
    configured labels (categories, departments) first, then the schema enums; None when it is no code."""
    col = _column(locale)
    if configured and value in configured:
        return configured[value][col]
    for enum in GUESS_ORDER:
        pair = _ENUMS[enum].get(value)
        if pair:
            return pair[col]
    return None


def enum_labels(locale: str, enum: str) -> dict[str, str]:
    """value -> label for every value of one enum, in declaration order."""
    col = _column(locale)
    return {value: pair[col] for value, pair in _ENUMS[enum].items()}


def translator(locale: str) -> Translator:
    """The `t` function templates use: t('nav.complaints'), t('table.count', shown=3, total=9).

    A missing key returns the key itself, so a gap is visible on the page instead of crashing
    the build; the i18n tests keep both tables complete.
    """
    table = STRINGS[normalise_locale(locale)]

    def t(key: str, /, **kwargs: object) -> str:
        text = table.get(key, key)
        return text.format(**kwargs) if kwargs else text

    return t


def value_labeller(locale: str) -> Callable[[str, str], str]:
    """tv(enum, value) -> label; handy as a second template global."""
    return lambda enum, value: enum_label(locale, enum, value)

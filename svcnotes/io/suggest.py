"""Write a starting import mapping (TOML text) from a file's header and, optionally, its rows.

Known headers, Chinese and English (including the CFPB export's), are matched to fields; the
rest are listed as comments; value maps are pre-filled with each distinct value of an enum
column and a guess where one is safe. The result is meant to be edited, then used with --map.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable

from svcnotes.model.config import Config
from svcnotes.model.fields import Field
from svcnotes.model.schema import KINDS

_CONFIG = Config()

_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "complaint": {
        "received_at": ("投诉日期", "投诉时间", "受理日期", "受理时间", "接收日期", "反馈日期", "发生日期", "日期", "时间",
                        "date received", "received", "received at", "date", "datetime", "created", "created at"),
        "registered_at": ("登记日期", "立案日期", "date sent to company", "registered", "registered at"),
        "customer": ("客户名称", "客户", "客户名", "公司", "公司名称", "单位", "品牌", "投诉品牌", "厂商", "厂家",
                     "company", "customer", "customer name", "brand"),
        "title": ("问题简述", "问题", "主题", "标题", "摘要", "投诉主题", "issue", "subject", "title", "desc", "summary"),
        "body": ("详细描述", "投诉内容", "问题描述", "描述", "内容", "说明", "备注", "consumer complaint narrative",
                 "narrative", "description", "details", "remarks", "notes"),
        "status": ("状态", "投诉状态", "处理状态", "进度", "status", "company response to consumer"),
        "category": ("类别", "分类", "问题类别", "投诉类别", "投诉类型", "product", "category"),
        "severity": ("严重度", "严重程度", "等级", "severity", "priority"),
        "channel": ("受理渠道", "渠道", "投诉渠道", "来源", "submitted via", "channel"),
        "order_no": ("订单编号", "订单号", "order", "order no", "order number"),
        "part_no": ("料号", "品号", "产品编号", "型号", "part no", "part number", "sku", "model"),
        "quantity": ("数量", "qty", "quantity"),
        "defective_qty": ("不良数量", "不良数", "defective qty"),
        "ship_date": ("交运日期", "发货日期", "出货日期", "ship date"),
        "amount": ("客诉损失金额", "损失金额", "赔偿金额", "金额", "amount"),
        "reporter": ("客户反映人", "反映人", "投诉人", "联系人", "reporter", "contact"),
        "cause_analysis": ("原因分析", "原因", "cause"),
        "countermeasure": ("处理对策", "对策", "countermeasure"),
        "responsible_dept": ("责任归属", "责任部门", "responsible department"),
        "result": ("处理结果", "结果", "result"),
        "closed_at": ("结案日期", "关闭日期", "完成日期", "closed at", "closed"),
        "tags": ("标签", "典型问题", "问题代码", "tags", "problem"),
    },
    "customer": {
        "name": ("客户名称", "客户", "名称", "公司名称", "公司", "name", "company", "customer"),
        "short_name": ("简称", "short name"),
        "industry": ("行业", "industry"),
        "region": ("区域", "地区", "省份", "region", "state"),
        "address": ("地址", "address"),
        "tier": ("客户分级", "分级", "等级", "tier"),
        "since": ("合作起始", "建档日期", "since"),
        "agreement_start": ("服务协议开始", "协议开始"),
        "agreement_end": ("服务协议结束", "协议结束", "协议到期"),
        "tags": ("标签", "tags"),
    },
    "callback": {
        "customer": ("客户名称", "客户", "公司", "company", "customer"),
        "complaint": ("关联客诉", "客诉编号", "complaint"),
        "kind": ("回访类型", "类型", "kind", "type"),
        "due": ("应回访日期", "回访日期", "计划日期", "日期", "due", "date"),
        "status": ("状态", "回访状态", "status"),
        "channel": ("方式", "回访方式", "channel"),
        "satisfaction": ("满意度", "评分", "satisfaction", "score"),
        "comments": ("客户意见", "意见", "comments"),
        "follow_up": ("需跟进", "follow up"),
    },
}
_KEYS = ("客诉编号", "投诉编号", "客户编号", "客户代码", "回访编号", "编号", "单号", "序号", "complaint id", "id", "no")
_STATUS_GUESS = (
    ("not_established", ("不成立", "驳回", "rejected", "invalid")),
    ("closed", ("结案", "关闭", "已完成", "完成", "用户评分", "closed")),
    ("resolved", ("已处理", "处理反馈", "已答复", "已回复", "resolved", "replied")),
    ("investigating", ("处理中", "受理", "调查", "in progress", "investigating")),
    ("registered", ("新建", "登记", "待处理", "审核", "new", "open", "registered")),
)
_CHANNEL_GUESS = (
    ("letter", ("mail", "fax", "letter", "信函", "传真", "邮寄")), ("email", ("email", "e-mail", "邮件")),
    ("web", ("web", "online", "网站", "网上", "网络")), ("phone", ("phone", "call", "电话", "来电")),
    ("on_site", ("现场", "on site")), ("visit", ("visit", "来访", "拜访")),
)
_REQUIRED_DEFAULTS = {"status": None, "severity": "normal", "channel": "phone", "category": "other",
                      "first_responder": "", "tier": "normal", "kind": "post_resolution"}


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-?？:：()（）/]+", " ", name.strip().lower()).strip()


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def own_headers(kind: str) -> dict[str, str]:
    """Every header svcnotes itself writes for a kind (field names, zh and en labels; body) -> the field."""
    out: dict[str, str] = {}
    for f in KINDS[kind].fields:
        if f.type != "objects":
            for name in (f.name, f.zh, f.en):
                out.setdefault(_norm(name), f.name)
    for name in ("body", "正文", "Body"):
        out.setdefault(_norm(name), "body")
    return out


def _looks_like_ids(kind: str, values: list[str]) -> bool:
    """True when (nearly) every sample value is one of our ids for `kind` (not some other system's number)."""
    pattern = KINDS[kind].id_regex
    filled = [v for v in values if v]
    good = [v for v in filled if pattern.match(v) and not v.isdigit()]
    return bool(filled) and len(good) >= 0.9 * len(filled)


def match_headers(headers: Iterable[str], kind: str, rows: list[dict[str, object]] | None = None
                  ) -> tuple[dict[str, str], list[str]]:
    """Header -> field for the headers we recognise (first come, first served), and key columns.

    svcnotes' own headers (what `export` writes, in either language) come first; a column that
    matches `id` is mapped to it only when its values are our ids, else it is the key."""
    aliases = _ALIASES.get(kind, {})
    taken: set[str] = set()
    found: dict[str, str] = {}
    keys: list[str] = []
    heads = list(headers)
    own = own_headers(kind)
    for h in heads:
        target = own.get(_norm(h))
        if target is None or target in taken:
            continue
        if target == "id" and not _looks_like_ids(kind, [str(r.get(h, "")).strip() for r in rows or ()]):
            continue
        found[h] = target
        taken.add(target)
        if target == "id":
            keys.append(h)
    for rank in range(max((len(a) for a in aliases.values()), default=0)):
        for target, names in aliases.items():
            if target in taken and target != "body" or rank >= len(names):
                continue
            for h in heads:
                if h not in found and _norm(h) == _norm(names[rank]):
                    found[h] = target
                    taken.add(target)
                    break
    for name in _KEYS:
        hit = next((h for h in heads if _norm(h) == _norm(name) and h not in found), None)
        if hit and not keys:
            keys.append(hit)
            break
    return found, keys


def _guess(f: Field, value: str, choices: tuple[str, ...]) -> str:
    low = value.lower()
    if low in choices:
        return low
    from svcnotes.model.labels import code_for_label

    code = code_for_label(f, value, _CONFIG)
    if code:
        return code  # a label svcnotes writes (已结案, Closed)
    field = f.name
    table = {"status": _STATUS_GUESS, "channel": _CHANNEL_GUESS, "told_via": _CHANNEL_GUESS}.get(field, ())
    for target, words in table:
        if any(w in low for w in words) and target in choices:
            return target
    return ""


def suggest_mapping(headers: list[str], kind: str, rows: Iterable[dict[str, object]] | None = None,
                    source: str = "") -> str:
    """A starting mapping (TOML text) for a file with these headers; with rows, value maps too."""
    schema = KINDS[kind]
    samples = list(rows or [])
    found, keys = match_headers(headers, kind, samples)
    lines = ["# svcnotes import mapping (suggested; check every line, then run svcnotes import --map)",
             f"kind = {_q(kind)}", f"source = {_q(source or 'import')}"]
    lines.append(f"key = [{', '.join(_q(k) for k in keys)}]" if keys else "# key = [\"编号\"]   # the source id column(s)")
    lines += ['na = ["N/A", "n/a", "无", "-"]', "", "[columns]"]
    for h in headers:
        if h in found:
            lines.append(f"{_q(h)} = {_q(found[h])}")
    for h in headers:
        if h not in found and h not in keys:
            lines.append(f"# {_q(h)} = \"\"   # not mapped")
    lines += ["", "[defaults]"]
    targets = set(found.values())
    for f in schema.fields:
        if f.required and f.name not in targets and f.name in _REQUIRED_DEFAULTS:
            value = schema.initial_status if f.name == "status" else _REQUIRED_DEFAULTS[f.name]
            note = "   # a staff id from svcnotes.toml" if f.type == "ref" else ""
            lines.append(f"{f.name} = {_q(value or '')}{note}")
    for h, target in found.items():
        ef = schema.by_name.get(target)
        if ef is None or ef.type != "enum" or not samples:
            continue
        distinct = Counter(str(r.get(h, "")).strip() for r in samples)
        distinct.pop("", None)
        if not distinct or len(distinct) > 40:
            continue
        choices = ef.choices or tuple(_config_choices(ef.choices_from))
        lines += ["", f"[values.{target}]   # allowed: {', '.join(choices)}"]
        for value, count in distinct.most_common():
            guess = _guess(ef.item if ef.type == "list" and ef.item else ef, value, choices)
            off = "# " if ef.choices_from and not guess else ""  # the "*" line below catches it
            lines.append(f"{off}{_q(value)} = {_q(guess)}   # {count} rows")
        if ef.choices_from:
            lines.append(f'"*" = {_q("other" if "other" in choices else "")}   # any other value')
    return "\n".join(lines) + "\n"


def _config_choices(source: str) -> list[str]:
    from svcnotes.model.config import Config

    return list(Config().choices(source)) if source else []

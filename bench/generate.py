"""Synthetic record repositories of realistic shape, written straight into a git pack (bench.gitpack).

N complaints with proportional customers (N/50), callbacks (N/2) and notes (N/5); bodies in
Chinese and English; a deep history: each complaint moves through its states in separate commits
by different authors, approvals arrive through --no-ff merges of a side branch.
"""

from __future__ import annotations

import random
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.gitpack import History, PackWriter

STAFF = [("zhang.wei", "张伟", "sales", ["rep"]), ("li.na", "李娜", "sales", ["rep", "sales_manager"]),
         ("wang.qiang", "王强", "gm_office", ["deputy_gm"]), ("chen.gang", "陈刚", "gm_office", ["gm"]),
         ("zhao.min", "赵敏", "quality", ["quality"]), ("liu.yang", "刘洋", "service", ["rep"])]
CATEGORIES = ["product_quality", "delivery", "installation", "service_attitude", "billing", "other"]
STEPS = ["registered", "investigating", "proposed", "approved", "resolved", "closed"]
ZH = ["客户反映批次产品尺寸超差，要求退货处理。", "交货延迟三天，影响客户生产排程。", "安装现场发现固定孔位偏移。",
      "发票金额与合同不符，需重新开具。", "客服回复不及时，客户表示不满。", "包装破损导致表面划伤。"]
EN = ["Customer reports dimensional deviation on lot 2610.", "Delivery was three days late.",
      "Mounting holes misaligned at installation.", "Invoice amount does not match the contract."]

CONFIG = """[organisation]
name = "基准测试客服部"
locale = "zh-CN"

[[approval.levels]]
role = "sales_manager"
max_amount = 5000
[[approval.levels]]
role = "deputy_gm"
max_amount = 50000
[[approval.levels]]
role = "gm"
""" + "".join(f"""
[[staff]]
id = "{s}"
name = "{n}"
department = "{d}"
roles = {r!r}
emails = ["{s}@example.com"]
""".replace("'", '"') for s, n, d, r in STAFF)


def complaint_text(cid: str, customer: str, received: datetime, step: int, rng: random.Random) -> str:
    """The file text of complaint `cid` at workflow step `step` (0 = registered)."""
    status = STEPS[step]
    amount = rng.choice([800, 3000, 12000, 36000, 80000])
    role = "sales_manager" if amount <= 5000 else "deputy_gm" if amount <= 50000 else "gm"
    approver = {"sales_manager": "li.na", "deputy_gm": "wang.qiang", "gm": "chen.gang"}[role]
    reg = received.date()
    lines = ["---", f"id: {cid}", f"title: {rng.choice(ZH)[:12]} {cid}", f"status: {status}", f"customer: {customer}",
             f"received_at: {received:%Y-%m-%d %H:%M}", f"registered_at: {reg}", "channel: phone",
             "first_responder: zhang.wei", "owner: zhang.wei", "order_no: SO-" + str(rng.randint(10000, 99999)),
             f"quantity: {rng.randint(100, 5000)}", f"category: {rng.choice(CATEGORIES)}",
             f"severity: {rng.choice(['minor', 'normal', 'normal', 'major'])}"]
    if step >= 2:
        lines += ["cause_class: quality", "cause_analysis: 模具磨损导致尺寸偏移。", "responsible_dept: manufacturing",
                  "countermeasure: 更换模具并加严首件检验。", "resolution: return", f"amount: {amount}",
                  "currency: CNY", "proposed_by: zhang.wei", f"proposed_at: {reg + timedelta(days=3)} 10:00"]
    if step >= 3:
        lines += ["approvals:", f"  - by: {approver}", f"    role: {role}", f"    at: {reg + timedelta(days=4)} 11:00",
                  "    resolution: return", f"    amount: {amount}"]
    if step >= 4:
        lines += [f"told_at: {reg + timedelta(days=5)} 15:00", "told_via: phone", "result: 客户同意退货。"]
    if step >= 5:
        lines += [f"closed_at: {reg + timedelta(days=12)}", "customer_accepted: true", "callback_waived: 批量测试数据"]
    body = f"{rng.choice(ZH)}\n\n{rng.choice(EN)}\n\n- 处理记录 {step}\n"
    return "\n".join(lines) + "\n---\n\n" + body


def _stamp(when: datetime) -> int:
    return int(when.timestamp())


def span(complaints: int) -> tuple[datetime, int]:
    """When the records start and how many days they span: 700 days up to 10k complaints, then
    proportionally longer (about 14 complaints a day), always ending in December 2025."""
    days = max(700, 700 * complaints // 10_000)
    return datetime(2024, 1, 1, 9, 0) - timedelta(days=days - 700), days


def generate(root: Path, complaints: int, seed: int = 7) -> dict[str, float]:
    """Create the repository at `root`; return counts and the seconds it took.

    The records span 700 days up to 10k complaints and proportionally longer beyond (`span`), so a
    year folder holds about 5,000 complaints at any size, as a long-lived repository would.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    n_customers = max(complaints // 50, 10)
    customers = [f"cust-{i:05d}" for i in range(n_customers)]
    pack = PackWriter(root / ".git")
    repo = History(pack)
    start, span_days = span(complaints)
    repo.put("svcnotes.toml", CONFIG)
    repo.put(".gitignore", "/site/\n.svcnotes-cache/\n")
    for i, c in enumerate(customers):
        repo.put(f"records/customers/{c}.md",
                 f"---\nid: {c}\nname: 客户{i} Customer {i} 有限公司\ntier: {rng.choice(['vip', 'key', 'normal'])}\n"
                 f"account_owner: zhang.wei\nregion: 华东\n---\n\n客户档案 {i}.\n")
    head = repo.commit([], "zhang.wei", "zhang.wei@example.com", _stamp(start), "setup")
    # events: (time, complaint index, step)
    events = []
    serial: dict[str, int] = {}
    ids = []
    for i in range(complaints):
        received = start + timedelta(days=rng.random() * span_days, hours=rng.randint(0, 8))
        yymm = f"{received.year % 100:02d}{received.month:02d}"
        serial[yymm] = serial.get(yymm, 0) + 1
        cid = f"C-{yymm}-{serial[yymm]:03d}"
        ids.append((cid, received, rng.choice(customers)))
        last = rng.choice([0, 1, 2, 3, 4, 5, 5, 5])
        if received < start + timedelta(days=span_days - 45):
            last = 5  # as in a real department, all but the last weeks' complaints are closed
        for step in range(last + 1):
            events.append((received + timedelta(days=step * 2, minutes=i % 50), i, step))
    events.sort()
    authors = ["zhang.wei", "zhao.min", "zhang.wei", "li.na", "zhang.wei", "liu.yang"]
    commits = 1
    for when, i, step in events:
        cid, received, customer = ids[i]
        path = f"records/complaints/20{cid[2:4]}/{cid}.md"
        rec_rng = random.Random(i)
        repo.put(path, complaint_text(cid, customer, received, step, rec_rng))
        msg = f"{cid}: {STEPS[step - 1] if step else 'new'} → {STEPS[step]}\n\nSvc-Record: {cid}\n"
        if step == 3:  # approval on a side branch, merged --no-ff as a pull request would be
            side = repo.commit([head], "li.na", "li.na@example.com", _stamp(when), msg)
            head = repo.commit([head, side], "li.na", "li.na@example.com", _stamp(when + timedelta(minutes=5)),
                               f"Merge pull request: approve {cid}")
            commits += 2
        else:
            head = repo.commit([head], authors[step], f"{authors[step]}@example.com", _stamp(when), msg)
            commits += 1
    del events, ids
    # callbacks and notes arrive in batches of 50 per commit
    for kind, count, prefix in (("callbacks", complaints // 2, "CB"), ("notes", complaints // 5, "N")):
        batch = 0
        serial = {}
        for j in range(count):
            day = start + timedelta(days=rng.random() * span_days)
            yymm = f"{day.year % 100:02d}{day.month:02d}"
            serial[yymm] = serial.get(yymm, 0) + 1
            rid = f"{prefix}-{yymm}-{serial[yymm]:03d}"
            cust = rng.choice(customers)
            if kind == "callbacks":
                text = (f"---\nid: {rid}\ncustomer: {cust}\nkind: periodic\ndue: {day:%Y-%m-%d}\nstatus: done\n"
                        f"conducted_by: liu.yang\ndone_at: {day:%Y-%m-%d} 10:00\nchannel: phone\n"
                        f"satisfaction: {rng.randint(3, 5)}\n---\n\n回访记录 {rng.choice(EN)}\n")
            else:
                text = (f"---\nid: {rid}\nat: {day:%Y-%m-%d %H:%M}\nauthor: liu.yang\ncustomer: {cust}\nkind: call_in\n"
                        f"summary: 来电咨询 {j}\n---\n\n{rng.choice(ZH)}\n")
            repo.put(f"records/{kind}/20{yymm[:2]}/{rid}.md", text)
            batch += 1
            if batch >= 50 or j == count - 1:
                head = repo.commit([head], "liu.yang", "liu.yang@example.com",
                                   _stamp(start + timedelta(days=span_days + 1)), f"{kind}: batch")
                commits += 1
                batch = 0
    pack.finish()
    (root / ".git" / "refs" / "heads" / "main").write_text(head.hex() + "\n", encoding="ascii")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    return {"complaints": complaints, "customers": n_customers, "callbacks": complaints // 2, "notes": complaints // 5,
            "commits": commits, "seconds": time.perf_counter() - started}

"""A record repository with a bit of everything wrong, for tests that compare validation paths.

`build(root, copies)` writes svcnotes.toml and, `copies` times over, customers, complaints,
callbacks and notes carrying every kind of problem validate reports: reading errors (encoding,
fences, YAML, tabs, duplicate keys), typing errors, per-record rules and cross-record rules
(duplicate ids and aliases, dangling references, reopening, callbacks on close).
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CONFIG

STAFF_LINES = "first_responder: zhang.wei\nowner: zhang.wei\n"


def _complaint(cid: str, status: str = "registered", extra: str = "", customer: str = "hengda-auto",
               received: str = "2026-11-02 09:30", registered: str = "2026-11-02") -> str:
    return (f"---\nid: {cid}\ntitle: 支架尺寸超差 {cid}\nstatus: {status}\ncustomer: {customer}\n"
            f"received_at: {received}\nregistered_at: {registered}\nchannel: phone\n{STAFF_LINES}"
            f"category: product_quality\nseverity: normal\n{extra}---\n\n客户来电。\n")


PROPOSED = ("cause_class: quality\ncause_analysis: 模具磨损。\nresponsible_dept: manufacturing\n"
            "countermeasure: 更换模具。\nresolution: return\namount: 3000\ncurrency: CNY\nproposed_by: zhang.wei\n"
            "proposed_at: 2026-11-04 10:00\n")
APPROVED = PROPOSED + "approvals:\n  - by: li.na\n    role: sales_manager\n    at: 2026-11-05 11:00\n    resolution: return\n    amount: 3000\n"
RESOLVED = APPROVED + "told_at: 2026-11-06 15:00\ntold_via: phone\nresult: 客户同意退货。\n"
CLOSED = RESOLVED + "closed_at: 2026-11-12\ncustomer_accepted: true\n"


def _callback(cbid: str, extra: str, status: str = "scheduled", kind: str = "periodic") -> str:
    return (f"---\nid: {cbid}\ncustomer: hengda-auto\nkind: {kind}\ndue: 2026-11-20\nstatus: {status}\n{extra}"
            "---\n\n回访。\n")


def files(n: int) -> dict[str, str | bytes]:
    """Relative path -> text (or bytes) of the n-th copy of every problem case."""
    yy = f"{26 - n % 3}"
    c = f"C-{yy}11-{100 + n * 40:03d}"
    num = lambda i: f"C-{yy}11-{100 + n * 40 + i:03d}"  # noqa: E731
    cb = lambda i: f"CB-{yy}11-{100 + n * 40 + i:03d}"  # noqa: E731
    folder = f"records/complaints/20{yy}"
    cbf = f"records/callbacks/20{yy}"
    out: dict[str, str | bytes] = {
        f"records/customers/cust-{n}.md": f"---\nid: cust-{n}\nname: 客户 {n}\ntier: key\naccount_owner: zhang.wei\n---\n",
        f"records/customers/bad_{n}.md": f"---\nid: bad_{n}\nname: x\naccount_owner: nobody.here\n---\n",
        f"{folder}/{c}.md": _complaint(c),
        f"{folder}/{num(1)}.md": _complaint(num(1), "closd"),
        f"{folder}/{num(2)}.md": _complaint(num(2)).replace("title: 支架尺寸超差 " + num(2) + "\n", ""),
        f"{folder}/{num(3)}.md": _complaint(num(3), extra="quantity: 10\ndefective_qty: 20\nship_date: 2026-11-09\n"),
        f"{folder}/{num(4)}.md": _complaint(num(4), extra="amount: 1,000\nquantity: 012\nimproved: yes\n"),
        f"{folder}/{num(5)}.md": _complaint(num(1)),  # id does not match the file name; duplicate id
        f"{folder}/{num(6)}.md": _complaint(num(6), customer="no-such-customer", extra="owner_x: 1\nreopens: C-0000-001\n"),
        f"{folder}/{num(7)}.md": _complaint(num(7), "closed", CLOSED),
        f"{folder}/{num(8)}.md": _complaint(num(8), "closed", CLOSED + "callback_waived: 客户不需要\nreopens: " + num(8) + "\n"),
        f"{folder}/{num(9)}.md": _complaint(num(9), "registered", "reopens: " + c + "\naliases:\n  - " + c + "\n  - C-2001-001\n"),
        f"{folder}/{num(10)}.md": _complaint(num(10), "approved", APPROVED.replace("amount: 3000\ncurrency", "amount: 90000\ncurrency")),
        f"{folder}/{num(11)}.md": _complaint(num(11), "approved", APPROVED.replace("by: li.na", "by: zhang.wei")),
        f"{folder}/{num(12)}.md": _complaint(num(12), "approved", APPROVED.replace("role: sales_manager", "role: gm")),
        f"{folder}/{num(13)}.md": _complaint(num(13), "proposed", PROPOSED.replace("3000", "80000")
                                             + "customer_reply: |-\n  您好，\n  这不是我们的问题，你自己看说明书。\n"),
        f"{folder}/{num(14)}.md": _complaint(num(14), "closed", CLOSED + "improvement_tracked: true\ncapa:\n"
                                             "  - action: 更换模具\n    owner: zhao.min\n    due: 2026-12-01\n    status: verified\n"
                                             "  - action: 培训\n    owner: zhao.min\n    due: 2026-12-01\n    status: verified\n"
                                             "    verified_by: li.na\n    verified_at: 2026-12-02\n"
                                             "  - action: 复训\n    owner: zhao.min\n    due: 2026-12-01\n    status: done\n"),
        f"{folder}/{num(15)}.md": _complaint(num(15), extra="handovers:\n  - from: li.na\n    to: wang.qiang\n"
                                             "    at: 2026-11-03 09:00\n"),
        f"{folder}/{num(16)}.md": _complaint(num(16), received="2027-01-02 09:30", registered="2027-01-03"),
        f"{folder}/{num(17)}.md": _complaint(num(17)).replace("status: registered", "status: registered\nstatus: closed"),
        f"{folder}/{num(18)}.md": _complaint(num(18)).replace("channel: phone", "channel: [phone"),
        f"{folder}/{num(19)}.md": _complaint(num(19)).replace("channel: phone", "channel:\n\t- phone"),
        f"{folder}/{num(20)}.md": _complaint(num(20)).encode("gbk"),
        f"{folder}/{num(21)}.md": "no front matter here\n",
        f"{folder}/{num(22)}.md": "---\nid: " + num(22) + "\n",
        f"{folder}/{num(23)}.md": ("\ufeff" + _complaint(num(23), extra="tags: [a, b]\nrequest:\n  - return\n  - refund\n")
                                   ).replace("\n", "\r\n"),
        f"{folder}/{num(24)}.md": _complaint(num(24), "closed", CLOSED.replace("  - by: li.na", "  - by: li.na\n    digest: abc")
                                             + "imported:\n  - source: old.xlsx\n    row: 3\n"),
        f"{folder}/{num(25)}.md": _complaint(num(25), extra="anchor: &a x\nother: *a\nquoted: 'it''s'\n"),
        f"records/complaints/2019/{num(26)}.md": _complaint(num(26)),
        f"{folder}/{num(28)}.md": _complaint(num(28), "approved", APPROVED.replace("amount: 3000", "amount: 90000")),
        f"{folder}/{num(27)}.md": _complaint(num(27), "resolved", RESOLVED.replace("result: 客户同意退货。\n", "")),
        f"{cbf}/{cb(1)}.md": _callback(cb(1), "satisfaction: 1\nconducted_by: liu.yang\ndone_at: 2026-11-20 10:00\n"
                                       "channel: phone\n", "done"),
        f"{cbf}/{cb(2)}.md": _callback(cb(2), "attempts:\n  - at: 2026-11-20 10:00\n    by: zhang.wei\n    result: busy\n"
                                       "  - at: 2026-11-19 10:00\n    by: zhang.wei\n    result: no_answer\n", "unreachable"),
        f"{cbf}/{cb(3)}.md": _callback(cb(3), "follow_up_complaint: " + c + "\ncomplaint: " + num(7) + "\n",
                                       kind="post_resolution"),
        f"{cbf}/{cb(4)}.md": _callback(cb(4), "complaint: " + num(8) + "\nconducted_by: zhang.wei\n"
                                       "done_at: 2026-11-21 10:00\nchannel: phone\n", "done", "post_resolution"),
        f"{cbf}/{cb(5)}.md": _callback(cb(5), "satisfaction: 9\nnote: N-2611-999\n"),
        f"records/notes/20{yy}/N-{yy}11-{100 + n:03d}.md": (f"---\nid: N-{yy}11-{100 + n:03d}\nat: 2026-11-05 14:00\n"
                                                            "author: zhang.wei\nkind: call_in\nsummary: 询问交期\n"
                                                            f"complaint: {c}\nopen_issues:\n  - 交期\n---\n"),
    }
    return out


def build(root: Path, copies: int = 3) -> Path:
    """Write the repository (config plus `copies` sets of problem cases) under root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "svcnotes.toml").write_text(CONFIG, encoding="utf-8")
    (root / "records/customers").mkdir(parents=True, exist_ok=True)
    (root / "records/customers/hengda-auto.md").write_text(
        "---\nid: hengda-auto\nname: 恒达\ntier: key\naccount_owner: zhang.wei\n---\n", encoding="utf-8")
    for n in range(copies):
        for rel, content in files(n).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_bytes(content.encode("utf-8"))
    return root

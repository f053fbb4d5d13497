"""A record repository whose every text field carries hostile strings: XSS payloads and the BLNS."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from tests.conftest import CONFIG, git, write

CHUNKS = 6


def payloads(corpora: Path) -> list[str]:
    """Every XSS payload line and every non-blank BLNS string, deduplicated, in file order."""
    out: dict[str, None] = {}
    for f in sorted((corpora / "xss-payloads" / "payloadsallthethings").glob("*.txt")):
        for line in f.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n").split("\n"):
            if line.strip():
                out.setdefault(line)
    for s in json.loads((corpora / "blns" / "blns.json").read_text(encoding="utf-8")):
        if isinstance(s, str) and s.strip():
            out.setdefault(s)
    return [p for p in out if _encodable(p)]


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot be stored in a UTF-8 file at all
        return False
    return True


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar holding `text` exactly (control and special characters escaped)."""
    out = ['"']
    for ch in text:
        cp = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= cp < 0x7F:
            out.append(ch)
        elif cp > 0xA0 and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") and cp not in (0xFEFF, 0xFFFE, 0xFFFF):
            out.append(ch)
        elif cp <= 0xFFFF:
            out.append(f"\\u{cp:04x}")
        else:
            out.append(f"\\U{cp:08x}")
    out.append('"')
    return "".join(out)


def chunks(items: list[str], n: int = CHUNKS) -> list[list[str]]:
    """`items` split into n nearly equal consecutive parts."""
    size = -(-len(items) // n)
    return [items[i:i + size] for i in range(0, len(items), size)]


def make_repo(root: Path, corpora: Path) -> tuple[Path, list[list[str]]]:
    """Write and commit the hostile repository; return it and the payload chunks (one per record set)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    write(root, "svcnotes.toml", CONFIG)
    parts = chunks(payloads(corpora))
    q = yaml_quote
    for i, chunk in enumerate(parts, 1):
        joined = " ".join(chunk)
        items = "\n".join(f"  - {q(p)}" for p in chunk)
        cust = f"xss-{i}"
        (root / "records/customers").mkdir(parents=True, exist_ok=True)
        body = "\n\n".join(chunk) + "\n"
        (root / f"records/customers/{cust}.md").write_text(
            f"---\nid: {cust}\nname: {q(joined)}\nshort_name: {q(chunk[0])}\nindustry: {q(joined)}\nregion: {q(chunk[-1])}\n"
            f"address: {q(joined)}\ntier: normal\n"
            f"contacts:\n  - name: {q(joined)}\n    role: {q(joined)}\n    phone: {q(chunk[1])}\n    email: {q(chunk[2])}\n"
            f"special_requirements:\n  - item: {q(joined)}\n    source: {q(joined)}\n"
            f"tags:\n{items}\n---\n\n{body}", encoding="utf-8")
        cid = f"C-2611-{i:03d}"
        (root / "records/complaints/2026").mkdir(parents=True, exist_ok=True)
        (root / f"records/complaints/2026/{cid}.md").write_text(
            f"---\nid: {cid}\ntitle: {q(joined)}\nstatus: investigating\ncustomer: {cust}\nreceived_at: 2026-11-0{i} 09:30\n"
            f"registered_at: 2026-11-0{i}\nchannel: phone\nfirst_responder: zhang.wei\nowner: zhang.wei\n"
            f"reporter: {q(joined)}\norder_no: {q(joined)}\npart_no: {q(joined)}\nrequest_note: {q(joined)}\n"
            f"category: product_quality\nseverity: normal\ncause_analysis: {q(joined)}\ncountermeasure: {q(joined)}\n"
            f"customer_reply: {q(joined)}\ntags:\n{items}\n---\n\n{body}", encoding="utf-8")
        (root / "records/callbacks/2026").mkdir(parents=True, exist_ok=True)
        (root / f"records/callbacks/2026/CB-2611-{i:03d}.md").write_text(
            f"---\nid: CB-2611-{i:03d}\ncustomer: {cust}\ncomplaint: {cid}\nkind: post_resolution\ndue: 2026-11-2{i}\n"
            f"status: scheduled\nproject: {q(joined)}\ncomments: {q(joined)}\n---\n\n{body}", encoding="utf-8")
        (root / "records/notes/2026").mkdir(parents=True, exist_ok=True)
        (root / f"records/notes/2026/N-2611-{i:03d}.md").write_text(
            f"---\nid: N-2611-{i:03d}\nat: 2026-11-0{i} 10:00\nauthor: zhang.wei\ncustomer: {cust}\ncomplaint: {cid}\n"
            f"kind: call_in\nsummary: {q(joined)}\nopen_issues:\n{items}\n---\n\n{body}", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "hostile records")
    # A second commit so every history timeline shows field changes carrying the payloads too.
    for i, chunk in enumerate(parts, 1):
        path = root / f"records/complaints/2026/C-2611-{i:03d}.md"
        lines = [f"request_note: {yaml_quote(chunk[-1])}" if line.startswith("request_note: ") else line
                 for line in path.read_text(encoding="utf-8").split("\n")]
        path.write_text("\n".join(lines), encoding="utf-8")
    git(root, "commit", "-q", "-am", "edit " + parts[0][0][:60].replace("\n", " "))
    return root, parts

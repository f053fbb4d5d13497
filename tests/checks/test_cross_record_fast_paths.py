"""The cross-record rules run over every record of a repository on each full validate, so their hot
loops are written out by hand; they report exactly what their plain definitions report."""

from __future__ import annotations

from pathlib import Path

from svcnotes.checks.references import check_references_resolve, iter_refs
from svcnotes.model.config import Config
from svcnotes.model.problems import Problem, did_you_mean
from svcnotes.store.bulk import load_all
from svcnotes.store.repository import Repository, Snapshot
from svcnotes.workflow import rules
from svcnotes.workflow.rules import _complaints, _located, check_callback_on_close
from svcnotes.workflow.validation import load_rules
from tests.fastpath import same_as_canonical
from tests.workflow.varied import build

EXTRA = {
    # a reference through a former number, one to a record of the wrong kind, nested staff references
    "records/complaints/2026/C-2611-900.md": "---\nid: C-2611-900\ntitle: t\nstatus: registered\ncustomer: C-2611-100\n"
    "received_at: 2026-11-02 09:30\nregistered_at: 2026-11-02\nchannel: phone\nfirst_responder: zhang.wei\n"
    "owner: nobody.x\ncategory: product_quality\nseverity: normal\nreopens: C-2001-001\nhandovers:\n"
    "  - from: zhang.wei\n    to: ghost.person\n    at: 2026-11-03 10:00\n---\n",
    # closed, waived with only blanks: not waived
    "records/complaints/2026/C-2611-901.md": "---\nid: C-2611-901\ntitle: t\nstatus: closed\ncustomer: hengda-auto\n"
    "received_at: 2026-11-02 09:30\nregistered_at: 2026-11-02\nchannel: phone\nfirst_responder: zhang.wei\n"
    "owner: zhang.wei\ncategory: product_quality\nseverity: normal\ncallback_waived: '  '\n---\n",
}


def plain_references(snap: Snapshot, config: Config) -> list[Problem]:
    """check_references_resolve as first written, over iter_refs."""
    ids_by_kind: dict[str, list[str]] = {}
    out = []
    for record in snap.all():
        for f, where, value in iter_refs(record):
            line = record.lines.get(where) or record.line(where)
            if f.ref == "staff":
                if value not in config.staff:
                    out.append(Problem("E205", f"'{value}' is not in the staff directory", record.path, line, where,
                                       did_you_mean(value, config.staff) if config.staff else "add [[staff]] entries to svcnotes.toml"))
                continue
            target = snap.find(value)
            if target is None or target.kind != f.ref:
                if f.ref not in ids_by_kind:
                    ids_by_kind[f.ref] = sorted({r.id for r in snap.records.get(f.ref, [])})
                out.append(Problem("E204", f"no {f.ref} '{value}'", record.path, line, where,
                                   did_you_mean(value, [i for i in ids_by_kind[f.ref] if i != record.id])))
            elif f.ref == "complaint" and where == "reopens" and value == record.id:
                out.append(Problem("E204", "a complaint cannot reopen itself", record.path, line, where,
                                   "name the original complaint"))
    return out


def plain_callback_on_close(snap: Snapshot, config: Config) -> list[Problem]:
    """check_callback_on_close as first written."""
    out = []
    done = {cb.data.get("complaint") for cb in snap.records.get("callback", [])
            if cb.data.get("kind") == "post_resolution" and cb.status == "done"}
    for record in _complaints(snap):
        if record.status == "closed" and record.data.get("id") not in done:
            out += _located(record, rules.callback_problems(record.data, None))
    return out


def snapshot(tmp_path: Path) -> tuple[Snapshot, Config]:
    root = build(tmp_path / "varied", copies=2)
    for rel, text in EXTRA.items():
        (root / rel).write_text(text, encoding="utf-8")
    load_rules()
    repo = Repository(root)
    return load_all(repo, use_cache=False, workers=1), repo.config


def test_references_report_what_their_plain_definition_reports(tmp_path: Path) -> None:
    snap, config = snapshot(tmp_path)
    found = check_references_resolve(snap, config)
    same_as_canonical([snap], lambda snap: check_references_resolve(snap, config), lambda snap: plain_references(snap, config))
    assert {p.code for p in found} == {"E204", "E205"} and len(found) > 10
    assert any(p.field == "handovers[0].to" for p in found) and any(p.message == "a complaint cannot reopen itself" for p in found)
    assert not any(p.path.endswith("C-2611-900.md") and p.field == "reopens" for p in found)  # a former number resolves


def test_callbacks_on_close_report_what_their_plain_definition_reports(tmp_path: Path) -> None:
    snap, config = snapshot(tmp_path)
    found = check_callback_on_close(snap, config)
    same_as_canonical([snap], lambda snap: check_callback_on_close(snap, config),
                      lambda snap: plain_callback_on_close(snap, config))
    assert any(p.path.endswith("C-2611-901.md") for p in found)

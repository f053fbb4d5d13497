"""`python -m svcnotes lsp` end to end: a real subprocess spoken to in JSON-RPC over stdio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from svcnotes.model.schema import COMPLAINT_STATUSES
from tests.conftest import COMPLAINT, write
from tests.editing.lspclient import LspClient

REL = "records/complaints/2026/C-2611-001.md"
BROKEN = COMPLAINT.replace("status: registered", "status: closd").replace("customer: hengda-auto", "customer: xinrui-ev")


@pytest.fixture
def client(repo: Path) -> Iterator[LspClient]:
    lsp = LspClient(repo, {"SVCNOTES_TODAY": "2026-11-23"}, capabilities={
        "textDocument": {"publishDiagnostics": {}, "completion": {}},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}})
    yield lsp
    assert lsp.close() == 0


def open_doc(lsp: LspClient, root: Path, rel: str, text: str) -> str:
    uri = (root / rel).as_uri()
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}})
    return uri


def summary(diagnostics: list[dict]) -> list[tuple[int, str, int, str]]:
    return [(d["range"]["start"]["line"], d["code"], d["severity"], d["message"]) for d in diagnostics]


def test_a_broken_record_gets_its_problems_on_the_right_lines(client: LspClient, repo: Path) -> None:
    uri = open_doc(client, repo, REL, BROKEN)
    diagnostics = client.diagnostics(uri)
    assert summary(diagnostics) == [
        (3, "E104", 1, "status: 'closd' is not a valid status (did you mean 'closed'?)"),
        (4, "E204", 1, "customer: no customer 'xinrui-ev' (allowed: hengda-auto)"),
    ]
    assert diagnostics[0]["range"] == {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": len("status: closd")}}
    assert {d["source"] for d in diagnostics} == {"svcnotes"}


def test_edits_are_checked_unsaved_and_closing_clears_the_problems(client: LspClient, repo: Path) -> None:
    uri = open_doc(client, repo, REL, BROKEN)
    assert len(client.diagnostics(uri)) == 2
    fix = {"range": {"start": {"line": 3, "character": 8}, "end": {"line": 3, "character": 13}}, "text": "registered"}
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [fix]})
    assert summary(client.diagnostics(uri, version=2)) == [
        (4, "E204", 1, "customer: no customer 'xinrui-ev' (allowed: hengda-auto)")]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []
    assert (repo / REL).read_text(encoding="utf-8") == COMPLAINT  # the server never writes


def test_completion_offers_the_statuses_and_field_names(client: LspClient, repo: Path) -> None:
    text = COMPLAINT.replace("status: registered", "status: re").replace("severity: normal\n", "severity: normal\n\n")
    uri = open_doc(client, repo, REL, text)
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 10}})
    assert [item["label"] for item in result["items"]] == list(COMPLAINT_STATUSES)
    resolved = next(item for item in result["items"] if item["label"] == "resolved")
    assert resolved["textEdit"] == {"range": {"start": {"line": 3, "character": 8}, "end": {"line": 3, "character": 10}},
                                    "newText": "resolved"}
    fields = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 12, "character": 0}})
    labels = [item["label"] for item in fields["items"]]
    assert "reporter" in labels and "status" not in labels
    body = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 15, "character": 0}})
    assert body["items"] == []


def test_positions_count_utf16_units_as_lsp_says(client: LspClient, repo: Path) -> None:
    # 𝐀 is one character in Python and two UTF-16 code units for the editor: 'owner: 𝐀zh' is 11 units long
    uri = open_doc(client, repo, REL, COMPLAINT.replace("owner: zhang.wei", "owner: 𝐀zh"))
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 9, "character": 11}})
    assert [item["label"] for item in result["items"]] == ["chen.gang", "li.na", "wang.qiang", "zhang.wei", "zhao.min"]
    assert result["items"][0]["textEdit"]["range"] == {"start": {"line": 9, "character": 7}, "end": {"line": 9, "character": 11}}
    bad = [d for d in client.diagnostics(uri) if d["code"] == "E205"]
    assert bad[0]["range"] == {"start": {"line": 9, "character": 0}, "end": {"line": 9, "character": 11}}


def test_a_record_created_on_disk_is_seen_after_the_editor_reports_it(client: LspClient, repo: Path) -> None:
    uri = open_doc(client, repo, REL, BROKEN)
    assert [d["code"] for d in client.diagnostics(uri)] == ["E104", "E204"]
    assert any(r["method"] == "client/registerCapability" for r in client.server_requests)
    write(repo, "records/customers/xinrui-ev.md", "---\nid: xinrui-ev\nname: 新锐\ntier: key\n---\n")
    client.notify("workspace/didChangeWatchedFiles", {"changes": [
        {"uri": (repo / "records/customers/xinrui-ev.md").as_uri(), "type": 1}]})
    assert [d["code"] for d in client.diagnostics(uri)] == ["E104"]


def test_files_that_are_not_records_are_left_alone(client: LspClient, repo: Path) -> None:
    write(repo, "README.md", "status: closd\n")
    uri = open_doc(client, repo, "README.md", "---\nstatus: \n---\n")
    assert client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 8}}) is None
    record = open_doc(client, repo, REL, BROKEN)
    client.diagnostics(record)  # the record's answer comes; none came for README.md before it
    assert not [n for n in client.notifications if n["params"].get("uri") == uri]


def test_the_stdio_flag_some_editors_always_pass_is_accepted(repo: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "svcnotes", "lsp", "--stdio"], input=b"", capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr

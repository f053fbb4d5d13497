"""The language server behind `svcnotes lsp`: pygls wiring around diagnose() and complete().

For every open Markdown file under records/ of a repository (the folder with svcnotes.toml at
or above the file) it publishes the problems `svcnotes validate` would report if the unsaved
text were saved, a moment after typing stops, and completes front-matter field names and
values. Other files are left alone, so it can run beside a Markdown language server.

The repository's records are read once and re-read after a save or a change the editor reports
on disk; checking runs in one worker thread so completion stays responsive on large repositories.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition

from svcnotes import __version__
from svcnotes.editing.complete import Completions, complete
from svcnotes.editing.diagnose import diagnose, is_record_path
from svcnotes.model.config import CONFIG_FILE
from svcnotes.model.problems import Problem
from svcnotes.store.repository import Repository, Snapshot

DEBOUNCE_SECONDS = 0.3
log = logging.getLogger(__name__)


def today() -> date:
    """$SVCNOTES_TODAY when set to a date (as for the CLI), else the clock."""
    try:
        return date.fromisoformat(os.environ.get("SVCNOTES_TODAY", ""))
    except ValueError:
        return date.today()


class RepoState:
    """One record repository: its config and records as last read from disk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = Repository(root)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """The records on disk, read on first use and after `stale()`."""
        with self._lock:
            if self._snapshot is None:
                from svcnotes.store.bulk import load_all

                # one core: this process has threads, and forking worker processes from it can hang
                self._snapshot = load_all(self.repo, workers=1)
            return self._snapshot

    def stale(self) -> None:
        """Something changed on disk: re-read the config now and the records on next use."""
        with self._lock:
            self.repo = Repository(self.root)
            self._snapshot = None


class Records:
    """Finds the repository of a file and keeps one RepoState per repository root."""

    def __init__(self) -> None:
        self.states: dict[Path, RepoState] = {}

    def locate(self, path: str) -> tuple[RepoState, str] | None:
        """(repository, posix path relative to its root) for a record file; None for anything else."""
        if not path:
            return None
        file = Path(path).resolve()
        root = next((d for d in file.parents if (d / CONFIG_FILE).is_file()), None)
        if root is None:
            return None
        rel = file.relative_to(root).as_posix()
        if not is_record_path(rel):
            return None
        state = self.states.get(root)
        if state is None:
            state = self.states[root] = RepoState(root)
        return state, rel

    def changed(self, path: str) -> list[RepoState]:
        """Mark the repositories holding `path` stale; return them."""
        file = Path(path).resolve()
        hit = [s for root, s in self.states.items() if file == root or root in file.parents]
        for state in hit:
            state.stale()
        return hit


def to_diagnostic(problem: Problem, lines: Sequence[str], doc: TextDocument) -> types.Diagnostic:
    """An LSP diagnostic spanning the problem's line; the message reads as in `svcnotes validate`."""
    n = max(min((problem.line or 1) - 1, len(lines) - 1), 0)
    text = lines[n].rstrip("\r\n") if lines else ""
    indent = len(text) - len(text.lstrip())
    units = doc.position_codec.client_num_units
    message = problem.text()  # in the user's language, as `svcnotes validate` prints it
    return types.Diagnostic(
        range=types.Range(types.Position(n, units(text[:indent])), types.Position(n, units(text))),
        message=message, code=problem.code, source="svcnotes",
        severity=types.DiagnosticSeverity.Error if problem.is_error else types.DiagnosticSeverity.Warning)


def to_completion_list(found: Completions, line: int, cursor: int, doc: TextDocument) -> types.CompletionList:
    """LSP completion items whose edits replace what was typed from each suggestion's start column."""
    lines = doc.lines
    start_at = {s.start for s in found.items}
    client = {col: doc.position_codec.position_to_client_units(lines, ServerTextPosition(line, col)) for col in start_at | {cursor}}
    items = []
    for s in found.items:
        edit = types.TextEdit(types.Range(client[s.start], client[cursor]), s.insert)
        items.append(types.CompletionItem(
            label=s.label, detail=s.detail or None, documentation=s.doc or None, sort_text=f"{s.order:05d}",
            filter_text=s.insert.strip(), text_edit=edit,
            kind=types.CompletionItemKind.Field if s.kind == "field" else types.CompletionItemKind.Value))
    return types.CompletionList(is_incomplete=found.incomplete, items=items)


class SvcnotesServer(LanguageServer):
    """The pygls server with svcnotes' repository state and a debounced diagnostics worker."""

    def __init__(self) -> None:
        super().__init__("svcnotes", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.records = Records()
        self.checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="svcnotes-check")
        self.pending: dict[str, asyncio.TimerHandle] = {}

    def schedule(self, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
        """Check `uri` after `delay` seconds of quiet (a newer edit restarts the wait)."""
        loop = asyncio.get_running_loop()
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = loop.call_later(delay, lambda: asyncio.ensure_future(self.publish(uri)))

    async def publish(self, uri: str) -> None:
        """Check the open document's current text and publish its diagnostics (skipped if edited meanwhile)."""
        self.pending.pop(uri, None)
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return
        found = self.records.locate(doc.path)
        if found is None:
            return
        state, rel = found
        text, version = doc.source, doc.version

        def work() -> list[Problem]:
            return diagnose(text, rel, state.snapshot(), state.repo.config, today())

        try:
            problems = await asyncio.get_running_loop().run_in_executor(self.checker, work)
        except Exception:  # noqa: BLE001 - a crash in a check must not take the editor's server down
            log.exception("checking %s failed", rel)
            return
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            return  # edited or closed while checking: a newer check is on its way
        lines = current.lines
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[to_diagnostic(p, lines, current) for p in problems]))

    def recheck_open(self, states: list[RepoState]) -> None:
        """Re-check every open record of these repositories (after a save or a change on disk)."""
        roots = {s.root for s in states}
        for uri, doc in list(self.workspace.text_documents.items()):
            found = self.records.locate(doc.path)
            if found is not None and found[0].root in roots:
                self.schedule(uri, 0)


def make_server() -> SvcnotesServer:
    """A server with every feature registered (not started)."""
    server = SvcnotesServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: SvcnotesServer, params: types.InitializedParams) -> None:
        caps = ls.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps else None
        if watched and watched.dynamic_registration:
            ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="svcnotes-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                    types.FileSystemWatcher(glob_pattern="**/records/**/*.md"),
                    types.FileSystemWatcher(glob_pattern=f"**/{CONFIG_FILE}")]))]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: SvcnotesServer, params: types.DidOpenTextDocumentParams) -> None:
        await ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SvcnotesServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SvcnotesServer, params: types.DidSaveTextDocumentParams) -> None:
        doc = ls.workspace.text_documents.get(params.text_document.uri)
        if doc is not None:
            ls.recheck_open(ls.records.changed(doc.path))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(ls: SvcnotesServer, params: types.DidChangeWatchedFilesParams) -> None:
        states: list[RepoState] = []
        for change in params.changes:
            states += [s for s in ls.records.changed(to_fs_path(change.uri) or "") if s not in states]
        ls.recheck_open(states)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SvcnotesServer, params: types.DidCloseTextDocumentParams) -> None:
        handle = ls.pending.pop(params.text_document.uri, None)
        if handle is not None:
            handle.cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[":", " ", "-"]))
    def completion(ls: SvcnotesServer, params: types.CompletionParams) -> types.CompletionList | None:
        doc = ls.workspace.get_text_document(params.text_document.uri)
        found = ls.records.locate(doc.path)
        if found is None:
            return None
        state, rel = found
        pos = doc.position_from_client_units(params.position)
        result = complete(doc.source, pos.line, pos.character, rel, state.repo.config, state.snapshot())
        return to_completion_list(result, pos.line, pos.character, doc)

    return server


def serve() -> None:
    """Run the server over stdin/stdout until the editor closes the connection."""
    make_server().start_io()

"""A minimal LSP client over a real subprocess's stdio: JSON-RPC with Content-Length framing."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class LspClient:
    """Starts `python -m svcnotes lsp`, sends requests and notifications, collects what comes back."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None, capabilities: dict[str, Any] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "lsp"], cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.initialize_result = self.request("initialize", {
            "processId": os.getpid(), "rootUri": cwd.as_uri(), "workspaceFolders": [{"uri": cwd.as_uri(), "name": "repo"}],
            "capabilities": capabilities or {"textDocument": {"publishDiagnostics": {}, "completion": {}}}})
        self.notify("initialized", {})

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                header = out.readline()
                if not header:
                    return
                if header in (b"\r\n", b"\n"):
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            self.inbox.put(json.loads(out.read(length).decode("utf-8")))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}, ensure_ascii=False).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        """Send a notification (no answer)."""
        self._send({"method": method, "params": params})

    def _pump(self, until: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for seen in list(self.notifications):
            if until(seen):
                self.notifications.remove(seen)
                return seen
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                err = self.proc.stderr.read1(65536).decode(errors="replace") if self.proc.poll() is not None and self.proc.stderr else ""
                raise AssertionError(f"no {what} within {timeout} s (server exit code {self.proc.poll()}) {err}")
            try:
                message = self.inbox.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            if "method" in message and "id" in message:  # a request from the server: answer it
                self.server_requests.append(message)
                self._send({"id": message["id"], "result": None})
                continue
            if until(message):
                return message
            if "method" in message:
                self.notifications.append(message)

    def request(self, method: str, params: dict[str, Any], timeout: float = 30) -> Any:
        """Send a request and return its result (AssertionError on an error answer or a timeout)."""
        self.next_id += 1
        rid = self.next_id
        self._send({"id": rid, "method": method, "params": params})
        answer = self._pump(lambda m: m.get("id") == rid and "method" not in m, timeout, f"answer to {method}")
        assert "error" not in answer, answer["error"]
        return answer.get("result")

    def diagnostics(self, uri: str, timeout: float = 30, version: int | None = None) -> list[dict[str, Any]]:
        """The next publishDiagnostics for `uri` (for `version`, when given)."""
        def wanted(m: dict[str, Any]) -> bool:
            p = m.get("params") or {}
            return (m.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri
                    and (version is None or p.get("version") == version))
        return self._pump(wanted, timeout, f"diagnostics for {uri}")["params"]["diagnostics"]

    def close(self) -> int:
        """shutdown + exit; the server's exit code (killed after 10 s)."""
        try:
            self.request("shutdown", {}, timeout=10)
            self.notify("exit", {})
            return self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a hung or dead server is killed, and the test fails on its own assertions
            self.proc.kill()
            return self.proc.wait()

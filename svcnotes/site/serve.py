"""`svcnotes serve`: the built site on 127.0.0.1 with rebuild-on-change and live reload.

The HTTP server (the standard library's, in a thread) serves the output folder. A watcher
(watchfiles) follows records/, svcnotes.toml and templates/; each change batch runs `rebuild`
(incremental: only changed pages are written) and bumps the version in `reload.json`, which
static/live-reload.js polls so open pages reload themselves.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Callable, Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class _Handler(SimpleHTTPRequestHandler):
    """Static files without request logging noise, never cached (pages change under the reader)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def start_server(out: Path, port: int) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve `out` on 127.0.0.1:port in a daemon thread; port 0 picks a free port."""
    handler = functools.partial(_Handler, directory=str(out))
    server = ThreadingHTTPServer((HOST, port), handler)
    thread = threading.Thread(target=server.serve_forever, name="svcnotes-serve", daemon=True)
    thread.start()
    return server, thread


def bump_reload(out: Path, version: int) -> None:
    """Write reload.json {'version': n} atomically; live-reload.js reloads when n changes."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".reload.json.tmp"
    tmp.write_text(json.dumps({"version": version}), encoding="utf-8")
    os.replace(tmp, out / "reload.json")


def watched_paths(root: Path) -> list[Path]:
    """What a rebuild depends on: records/, svcnotes.toml, the repository's templates/ and the theme."""
    from svcnotes.site.build import default_templates

    candidates = [root / "records", root / "svcnotes.toml", root / "templates", default_templates()]
    seen: list[Path] = []
    for p in candidates:
        if p.exists() and p.resolve() not in [s.resolve() for s in seen]:
            seen.append(p)
    return seen


def relevant(changes: Iterable[tuple[Any, str]], out: Path) -> bool:
    """Ignore editor temp files and anything inside the output or cache folders."""
    out_s = str(out.resolve())
    for _, path in changes:
        name = os.path.basename(path)
        if path.startswith(out_s) or ".svcnotes-cache" in path or name.startswith((".#", "~")) or name.endswith(("~", ".swp", ".tmp")):
            continue
        return True
    return False


def serve(root: Path, out: Path, *, port: int, build_first: bool, rebuild: Callable[[], Any],
          echo: Callable[[str], Any] = print, stop: threading.Event | None = None) -> None:
    """Build (unless told not to), serve, and rebuild on every relevant change until stopped."""
    import watchfiles

    out.mkdir(parents=True, exist_ok=True)
    version = 1
    if build_first:
        rebuild()
    bump_reload(out, version)
    server, _ = start_server(out, port)
    echo(f"Serving on http://{HOST}:{server.server_address[1]}/")
    stop = stop or threading.Event()
    try:
        for changes in watchfiles.watch(*watched_paths(root), stop_event=stop, debounce=300, raise_interrupt=False):
            if not relevant(changes, out):
                continue
            echo(f"Changed: {len(changes)} file(s); rebuilding")
            rebuild()
            version += 1
            bump_reload(out, version)
    finally:
        server.shutdown()
        server.server_close()

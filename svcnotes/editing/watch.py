"""Wait for changes to a repository's records or svcnotes.toml (the loop of `svcnotes validate --watch`).

Only what validation reads counts: Markdown files under records/ (not hidden or temporary
files) and svcnotes.toml; git's own files, caches and the built site are ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from svcnotes.model.config import CONFIG_FILE
from svcnotes.store.repository import RECORDS_DIR


def relevant(root: Path, path: str) -> bool:
    """True when a change to `path` can change what `svcnotes validate` reports."""
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        return False
    parts = rel.parts
    if parts == (CONFIG_FILE,):
        return True
    return (len(parts) >= 3 and parts[0] == RECORDS_DIR and parts[-1].endswith(".md")
            and not any(p.startswith(".") for p in parts))


def changes(root: Path, stop: threading.Event | None = None, debounce_ms: int = 300) -> Iterator[list[str]]:
    """Batches of relevant changes (posix paths relative to root) until `stop` is set or Ctrl-C.

    The first batch is empty and comes as soon as the watcher runs: take it before doing the
    work, and changes made during the work come in the next batch instead of being missed.
    """
    from watchfiles import watch

    root = root.resolve()
    yield_empty = True
    for batch in watch(root, watch_filter=lambda _change, path: relevant(root, path), stop_event=stop,
                       debounce=debounce_ms, rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
        if batch or yield_empty:
            yield_empty = False
            yield sorted({Path(path).relative_to(root).as_posix() for _change, path in batch})

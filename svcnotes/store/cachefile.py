"""Cache files under .svcnotes-cache/ are optional: one that cannot be used is ignored and rebuilt.

A missing cache file, or one written for other settings, is simply rebuilt. A cache file that is
there but cannot be read (truncated, corrupt, or written by another program or version) is rebuilt
too, and noted here, so a command can tell the user once as a warning (never a traceback).

May import: nothing of svcnotes.
"""

from __future__ import annotations

import os

_IGNORED: dict[str, str] = {}  # path -> why, in the order noted


def ignored(path: str | os.PathLike[str], why: str = "corrupt or not written by this svcnotes") -> None:
    """Note that the cache file at `path` could not be used and is being rebuilt."""
    _IGNORED.setdefault(os.fspath(path), why)


def take() -> dict[str, str]:
    """The cache files noted since the last call (path -> why), and forget them (a worker sends these on)."""
    out = dict(_IGNORED)
    _IGNORED.clear()
    return out


def note_all(noted: dict[str, str]) -> None:
    """Note cache files another process could not use (what its `take()` returned)."""
    for path, why in noted.items():
        ignored(path, why)


def take_warnings(root: str | os.PathLike[str] | None = None) -> list[str]:
    """The warnings noted since the last call (paths relative to `root` when under it), and forget them."""
    out = []
    for path, why in take().items():
        shown = path
        if root is not None:
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
            shown = path if rel.startswith("..") else rel
        out.append(f"{shown}: cache file {why}; ignored and rebuilt")
    return out

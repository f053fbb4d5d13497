"""The build-level key: one hash of everything a build reads, so that a build of an unchanged
repository is known to be unchanged after one stat pass, without loading a record or a template.

The key covers the record files' paths, sizes and mtimes (the stat pass of a warm `validate`,
store.stamps), records/volumes.csv, and what the caller adds: svcnotes.toml, the templates,
svcnotes' own code and the libraries that render, HEAD (with history), today and every build
option (site/build.py). It is saved beside the manifest after a build without failures, with
what the output folder looked like then: the mtime of every folder holding a built file (removing
or adding a file changes it). A folder modified within the racy window before the save has its
files listed, and each is checked to still be there.

A key is only saved when no record file was modified within the racy window before the stat pass
(a same-size edit in the same mtime tick could go unseen); a build after such an edit finds no key
to match and builds as usual (each page's own key decides then).

May import: svcnotes.store and the standard library: this runs before jinja2 or any page module
is imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from svcnotes.store import cachefile
from svcnotes.store.bulk import RACY_SECONDS
from svcnotes.store.stamps import Scan, fingerprint, scan_parts

FORMAT = 1  # of the stamp file


def build_key(repo: Any, parts: Iterable[str]) -> tuple[str, Scan]:
    """The build-level key of `repo` now, given the caller's parts (code, templates, config,
    options, HEAD), '' when a record file is too recently modified for its stat to be trusted; and
    the stat pass it was made from (the records are loaded by it)."""
    scan = scan_parts(repo)
    records, newest = fingerprint(repo, scan, "")
    if newest >= int((scan.started - RACY_SECONDS) * 1e9):
        return "", scan
    try:
        volumes = (Path(repo.root) / "records" / "volumes.csv").read_bytes()
    except OSError:
        volumes = b"-"
    h = hashlib.blake2b(digest_size=16)
    for part in (str(FORMAT), records, hashlib.blake2b(volumes, digest_size=16).hexdigest(), *parts):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest(), scan


def _stat_key(path: Path) -> list[int]:
    try:
        st = os.stat(path)
    except OSError:
        return [-1, -1]
    return [st.st_size, st.st_mtime_ns]


def load(path: Path) -> dict[str, Any] | None:
    """The saved stamp, or None (missing; unreadable or foreign ones are noted and ignored)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        cachefile.ignored(path)
        return None
    if not (isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("dirs"), dict)
            and isinstance(data.get("racy"), dict)):
        cachefile.ignored(path)
        return None
    return data


def output_intact(stamp: dict[str, Any] | None, out: Path, manifest: Path) -> bool:
    """Whether every file the stamp's build wrote (its manifest's) is still in `out`, and the
    manifest is the one written with it; told from the folders' mtimes (see the module docstring)."""
    if stamp is None or _stat_key(manifest) != stamp.get("manifest"):
        return False
    try:
        for rel, mtime in stamp["dirs"].items():
            if os.stat(os.path.join(out, rel)).st_mtime_ns != mtime:
                return False
        for rel, names in stamp["racy"].items():
            folder = os.path.join(out, rel)
            for name in names:
                if not os.path.isfile(os.path.join(folder, name)):
                    return False
    except (OSError, TypeError, AttributeError):
        return False
    return True


def save(path: Path, key: str, out: Path, urls: Iterable[str], manifest: Path, **counts: int) -> None:
    """Write the stamp of a finished build: its key, counts, and the output folders' state now."""
    names: dict[str, list[str]] = {}
    for url in urls:
        folder, _, name = url.rpartition("/")
        names.setdefault(folder, []).append(name)
        while folder:  # every folder up to the output folder: removing one changes its parent
            folder = folder.rpartition("/")[0]
            names.setdefault(folder, [])
    settled = int((time.time() - RACY_SECONDS) * 1e9)
    dirs: dict[str, int] = {}
    racy: dict[str, list[str]] = {}
    try:
        for rel in sorted(names):
            dirs[rel] = os.stat(os.path.join(out, rel)).st_mtime_ns
            if dirs[rel] >= settled:
                racy[rel] = names[rel]
    except OSError:
        remove(path)
        return
    data = {"format": FORMAT, "key": key, "manifest": _stat_key(manifest), "dirs": dirs, "racy": racy, **counts}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        remove(path)


def remove(path: Path) -> None:
    """Forget the stamp (a build with failures must be made again next time, to report them)."""
    try:
        path.unlink()
    except OSError:
        pass

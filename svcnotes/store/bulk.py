"""Loading the whole repository: the hot path of validate, check and build.

Two speed-ups, neither of which can change a result:
- a per-file cache under .svcnotes-cache/ keyed by path, size, mtime and content hash (and by
  the config and svcnotes version); a file whose mtime is too recent to trust is re-read;
  a missing, stale or corrupt cache only costs time;
- on a cold load of many files, the files are read and typed on every core.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from svcnotes import __version__
from svcnotes.model.config import Config
from svcnotes.model.problems import Problem
from svcnotes.model.record import Record

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository, Snapshot

CACHE_DIR = ".svcnotes-cache"
CACHE_FILE = "records.pickle"
PARALLEL_MIN_FILES = 2000
RACY_SECONDS = 2.0  # mtimes this close to the cache's own write time are not trusted

Entry = tuple[int, int, Record | None, list[Problem]]  # size, mtime_ns, record, problems


def _config_key(root: Path) -> str:
    """What the typed result depends on besides the file: svcnotes version and svcnotes.toml."""
    try:
        config_bytes = (root / "svcnotes.toml").read_bytes()
    except OSError:
        config_bytes = b""
    return hashlib.blake2b(__version__.encode() + b"\0" + config_bytes, digest_size=16).hexdigest()


def _read_cache(path: Path, key: str) -> tuple[dict[str, Entry], float]:
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
        if isinstance(data, dict) and data.get("key") == key and isinstance(data.get("entries"), dict):
            return data["entries"], float(data.get("written", 0.0))
    except Exception:  # noqa: BLE001 - any unreadable cache is simply ignored
        pass
    return {}, 0.0


def _write_cache(path: Path, key: str, entries: dict[str, Entry]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump({"key": key, "written": time.time(), "entries": entries}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout still validates, just without a cache


def _load_files(root: str, rels: list[str], config: Config) -> list[tuple[str, int, int, Record | None, list[Problem]]]:
    """Read and type files (runs in worker processes too)."""
    from svcnotes.store.repository import kind_for_path, read_record

    out = []
    base = Path(root)
    for rel in rels:
        try:
            st = os.stat(base / rel)
        except OSError:
            st = None
        record, problems = read_record(base, rel, config, kind_for_path(rel))
        out.append((rel, st.st_size if st else -1, st.st_mtime_ns if st else -1, record, problems))
    return out


def _load_parallel(root: Path, rels: list[str], config: Config, workers: int) -> list[Any]:
    chunks = [rels[i::workers * 4] for i in range(workers * 4)]
    import multiprocessing

    ctx = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        results = pool.map(_load_files, [str(root)] * len(chunks), chunks, [config] * len(chunks))
        return [item for chunk in results for item in chunk]


def load_all(repo: Repository, use_cache: bool = True, workers: int | None = None) -> Snapshot:
    """Read every record file once into a Snapshot (problems collected, nothing raised)."""
    from svcnotes.store.repository import Snapshot

    snap = Snapshot()
    snap.problems.extend(repo.config_problems)
    scanned = repo.scan()
    rels = [rel for rel, _s, _m in scanned]
    cache_path = repo.root / CACHE_DIR / CACHE_FILE
    key = _config_key(repo.root)
    cached, written = _read_cache(cache_path, key) if use_cache else ({}, 0.0)
    entries: dict[str, Entry] = {}
    todo: list[str] = []
    racy_ns = int((written - RACY_SECONDS) * 1e9)
    for rel, size, mtime in scanned:
        hit = cached.get(rel)
        if hit is not None and hit[0] == size and hit[1] == mtime and mtime < racy_ns:
            entries[rel] = hit
            continue
        todo.append(rel)
    workers = workers if workers is not None else int(os.environ.get("SVCNOTES_WORKERS") or os.cpu_count() or 1)
    if len(todo) >= PARALLEL_MIN_FILES and workers > 1:
        loaded = _load_parallel(repo.root, todo, repo.config, workers)
    else:
        loaded = _load_files(str(repo.root), todo, repo.config)
    for rel, size, mtime, record, problems in loaded:
        entries[rel] = (size, mtime, record, problems)
    for rel in rels:
        entry = entries.get(rel)
        if entry is None:
            continue
        snap.problems.extend(entry[3])
        if entry[2] is not None:
            snap.add(entry[2])
    if use_cache and (todo or len(cached) != len(entries)):
        _write_cache(cache_path, key, entries)
    return snap


def stat_fingerprint(repo: Repository) -> tuple[str, int]:
    """A hash of every record file's path, size and mtime plus the config; and the newest mtime (ns)."""
    digest = hashlib.blake2b(_config_key(repo.root).encode(), digest_size=16)
    scanned = repo.scan()
    newest = max((mtime for _r, _s, mtime in scanned), default=0)
    digest.update("\n".join(f"{rel}\0{size}\0{mtime}" for rel, size, mtime in scanned).encode())
    return digest.hexdigest(), newest


def cached_result(repo: Repository, name: str, key: str, compute: Any) -> Any:
    """`compute()` memoised under .svcnotes-cache/<name>.pickle for an exact `key`.

    The key must cover everything the result depends on (see stat_fingerprint); a result is not
    stored when a file was modified within the racy window, so a same-size edit in the same
    mtime tick can never be missed.
    """
    path = repo.root / CACHE_DIR / f"{name}.pickle"
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
        if isinstance(data, dict) and data.get("key") == key:
            return data["value"]
    except Exception:  # noqa: BLE001 - a missing or corrupt cache only costs time
        pass
    value = compute()
    fingerprint_newest = int(key.rsplit(":", 1)[-1]) if ":" in key else 0
    if fingerprint_newest < int((time.time() - RACY_SECONDS) * 1e9):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as handle:
                pickle.dump({"key": key, "value": value}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass
    return value

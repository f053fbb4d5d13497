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
    rels = repo.record_files()
    cache_path = repo.root / CACHE_DIR / CACHE_FILE
    key = _config_key(repo.root)
    cached, written = _read_cache(cache_path, key) if use_cache else ({}, 0.0)
    entries: dict[str, Entry] = {}
    todo: list[str] = []
    racy_ns = int((written - RACY_SECONDS) * 1e9)
    for rel in rels:
        hit = cached.get(rel)
        if hit is not None:
            try:
                st = os.stat(repo.root / rel)
            except OSError:
                continue
            if hit[0] == st.st_size and hit[1] == st.st_mtime_ns and st.st_mtime_ns < racy_ns:
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

"""Loading the whole repository: the hot path of validate, check and build.

Two speed-ups, neither of which can change a result:
- per-file caches under .svcnotes-cache/, split into SHARDS files by a hash of the path, keyed by
  path, size and mtime (and by the config and svcnotes version); a file whose mtime is too recent
  to trust is re-read; a missing, stale or corrupt shard only costs time;
- on a cold load of many files, the files are read, typed (and, for validate, checked) on every
  core, one shard per task, each task writing the shard it read in full.

`load_all` gives full Records (the site and every command need them), cached as 'records'.
`load_derived` gives, per file, what a caller derives from the record where it is read (validate:
the per-record problems and a slim record for the cross-record rules), cached under the caller's
name: only that small value crosses processes and is written.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from svcnotes import __version__
from svcnotes.model.config import Config
from svcnotes.model.problems import Problem
from svcnotes.model.record import Record
from svcnotes.store.loader import read_file

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository, Snapshot

CACHE_DIR = ".svcnotes-cache"
RECORDS = "records"
SHARDS = 16
PARALLEL_MIN_FILES = 2000
RACY_SECONDS = 2.0  # mtimes this close to a shard's own write time are not trusted

Stamped = tuple[str, int, int]  # relative path, size, mtime_ns (as scanned)
Read = tuple[Record | None, list[Problem]]  # what reading one file gives
Derive = Callable[[Record | None, list[Problem], Config], Any]


def _config_key(root: Path) -> str:
    """What a cached result depends on besides the file: svcnotes (version and code) and svcnotes.toml."""
    try:
        config_bytes = (root / "svcnotes.toml").read_bytes()
    except OSError:
        config_bytes = b""
    return hashlib.blake2b(f"{__version__}\0{_code_key()}\0".encode() + config_bytes, digest_size=16).hexdigest()


@functools.cache
def _code_key() -> str:
    """A hash of svcnotes' own modules (path, size, mtime): an edited rule or loader, as in a
    development install, invalidates the caches even when the version number stays the same."""
    package = Path(__file__).resolve().parents[1]
    lines = []
    for folder, _dirs, files in os.walk(package):
        for name in files:
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                lines.append(f"{os.path.relpath(os.path.join(folder, name), package)}\0{st.st_size}\0{st.st_mtime_ns}")
    return hashlib.blake2b("\n".join(sorted(lines)).encode(), digest_size=16).hexdigest()


def shard_of(rel: str) -> int:
    """The cache shard of a file (stable across processes and runs)."""
    return zlib.crc32(rel.encode("utf-8")) % SHARDS


def _shard_path(root: str, name: str, shard: int) -> str:
    return f"{root}/{CACHE_DIR}/{name}.{shard}.pickle"


def _read_shard(path: str, key: str) -> tuple[dict[str, tuple[int, int, Any]], float]:
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
        if isinstance(data, dict) and data.get("key") == key and isinstance(data.get("entries"), dict):
            return data["entries"], float(data.get("written", 0.0))
    except Exception:  # noqa: BLE001 - any unreadable cache is simply ignored
        pass
    return {}, 0.0


def _write_shard(path: str, key: str, entries: dict[str, tuple[int, int, Any]]) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            pickle.dump({"key": key, "written": time.time(), "entries": entries}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout still validates, just without a cache


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: records hold no cycles, and collecting again and again
    while hundreds of thousands of objects are built or unpickled costs more than the work itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_files(root: str, items: list[Stamped], config: Config, derive: Derive | None, shard: int,
                name: str, key: str) -> list[tuple[str, Any]]:
    """Read (and derive from) files; with a key, write them as the `name` shard (all of its files).

    Runs in worker processes too. The stamps stored are the scanned ones, taken before the read:
    a file changed after the scan is re-read next time.
    """
    with paused_gc():
        out = []
        for rel, _size, _mtime in items:
            read = read_file(root, rel, config)
            out.append((rel, derive(read[0], read[1], config) if derive is not None else read))
        if key:
            _write_shard(_shard_path(root, name, shard), key,
                         {rel: (size, mtime, value) for (rel, size, mtime), (_rel, value) in zip(items, out, strict=True)})
        return out


def _may_fork() -> bool:
    """Whether worker processes may be forked: not from a process running other threads (a watcher,
    a language server), where a child can inherit a lock held by one of them and hang."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _in_parallel(tasks: list[tuple[Any, ...]], workers: int) -> list[list[tuple[str, Any]]]:
    """Run the tasks on `workers` cores: worker processes take them from the front, this process
    from the back for as long as no worker has claimed them, so only the workers' share of the
    results crosses processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    results: list[list[tuple[str, Any]]] = []
    with ProcessPoolExecutor(max_workers=min(workers - 1, len(tasks)), mp_context=ctx) as pool:
        futures = [pool.submit(_read_files, *task) for task in tasks]
        for task, future in zip(reversed(tasks), reversed(futures), strict=True):
            if not future.cancel():
                break
            results.append(_read_files(*task))
        results += [future.result() for future in futures if not future.cancelled()]
    return results


def _load(repo: Repository, name: str, key: str, derive: Derive | None, use_cache: bool,
          workers: int | None) -> list[tuple[str, Any]]:
    """(path, value) for every record file in scan order, from the `name` cache where it is current."""
    with paused_gc():
        return _load_unpaused(repo, name, key, derive, use_cache, workers)


def _load_unpaused(repo: Repository, name: str, key: str, derive: Derive | None, use_cache: bool,
                   workers: int | None) -> list[tuple[str, Any]]:
    root = str(repo.root)
    scanned = repo.scan()
    by_shard: list[list[Stamped]] = [[] for _ in range(SHARDS)]
    for item in scanned:
        by_shard[shard_of(item[0])].append(item)
    values: dict[str, Any] = {}
    misses: list[list[Stamped]] = [[] for _ in range(SHARDS)]
    stale: list[bool] = []
    for shard, items in enumerate(by_shard):
        entries, written = _read_shard(_shard_path(root, name, shard), key) if use_cache else ({}, 0.0)
        stale.append(len(entries) != len(items))
        racy_ns = int((written - RACY_SECONDS) * 1e9)
        for item in items:
            hit = entries.get(item[0])
            if hit is not None and hit[0] == item[1] and hit[1] == item[2] and item[2] < racy_ns:
                values[item[0]] = hit[2]
            else:
                misses[shard].append(item)
    todo = [shard for shard in range(SHARDS) if misses[shard]]
    # a task that reads a whole shard writes it
    whole = {shard for shard in todo if len(misses[shard]) == len(by_shard[shard])} if use_cache else set()
    tasks = [(root, misses[shard], repo.config, derive, shard, name, key if shard in whole else "") for shard in todo]
    workers = workers if workers is not None else int(os.environ.get("SVCNOTES_WORKERS") or os.cpu_count() or 1)
    if (workers > 1 and len(tasks) > 1 and sum(len(misses[shard]) for shard in todo) >= PARALLEL_MIN_FILES
            and _may_fork()):
        results = _in_parallel(tasks, workers)
    else:
        results = [_read_files(*task) for task in tasks]
    for loaded in results:
        values.update(loaded)
    if use_cache:
        for shard, items in enumerate(by_shard):
            if shard not in whole and (misses[shard] or stale[shard]):
                _write_shard(_shard_path(root, name, shard), key,
                             {rel: (size, mtime, values[rel]) for rel, size, mtime in items})
    return [(rel, values[rel]) for rel, _size, _mtime in scanned]


def load_all(repo: Repository, use_cache: bool = True, workers: int | None = None) -> Snapshot:
    """Read every record file once into a Snapshot (problems collected, nothing raised)."""
    from svcnotes.store.repository import Snapshot

    snap = Snapshot()
    snap.problems.extend(repo.config_problems)
    with paused_gc():
        for _rel, (record, problems) in _load(repo, RECORDS, _config_key(repo.root), None, use_cache, workers):
            snap.problems.extend(problems)
            if record is not None:
                snap.add(record)
    return snap


def load_derived(repo: Repository, name: str, version: str, derive: Derive, use_cache: bool = True,
                 workers: int | None = None) -> list[tuple[str, Any]]:
    """(path, derive(record, problems, config)) for every record file, in scan order.

    `derive` must be a module-level function (it runs in worker processes); its results are
    cached under `name`, keyed also by `version`, which must change whenever derive's result for
    the same file and config could.
    """
    key = f"{_config_key(repo.root)}:{version}"
    return _load(repo, name, key, derive, use_cache, workers)


def stat_fingerprint(repo: Repository, workers: int | None = None) -> tuple[str, int]:
    """A hash of every record file's path, size and mtime plus the config; and the newest mtime (ns).

    The whole of a warm `validate`: one stat per file, so the files repo.scan lists are walked
    without sorting folders, in parts (a kind folder's own files, each of its sub-folders), a
    forked process taking about half of them in a large repository.
    """
    from svcnotes.model.schema import KINDS
    from svcnotes.store.repository import RECORDS_DIR

    root = str(repo.root)
    parts: list[tuple[str, bool, int]] = []  # (folder, with sub-folders, size of the folder as a hint)
    for kind in KINDS.values():
        rel_dir = f"{RECORDS_DIR}/{kind.folder}"
        try:
            with os.scandir(f"{root}/{rel_dir}") as entries:
                subs = [(f"{rel_dir}/{e.name}", True, e.stat().st_size) for e in entries
                        if not e.name.startswith(".") and e.is_dir()]
        except (FileNotFoundError, NotADirectoryError):
            continue
        parts.append((rel_dir, False, os.stat(f"{root}/{rel_dir}").st_size))
        parts += subs
    workers = workers if workers is not None else int(os.environ.get("SVCNOTES_WORKERS") or os.cpu_count() or 1)
    hints = sum(size for _p, _s, size in parts)
    if workers > 1 and len(parts) > 1 and hints >= PARALLEL_MIN_FOLDER_BYTES and _may_fork():
        mine, theirs = _halves(parts)
        found = _forked(lambda: _digest_parts(root, theirs), lambda: _digest_parts(root, mine))
    else:
        found = _digest_parts(root, parts)
    digest = hashlib.blake2b(_config_key(repo.root).encode(), digest_size=16)
    for name, part_digest, _newest in sorted(found):
        digest.update(f"{name}\0{part_digest}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest(), max((newest for _n, _d, newest in found), default=0)


PARALLEL_MIN_FOLDER_BYTES = 1 << 20  # about 30,000 files on ext4: below that a fork costs more than it saves


def _halves(parts: list[tuple[str, bool, int]]) -> tuple[list[tuple[str, bool, int]], list[tuple[str, bool, int]]]:
    """Two groups of about equal folder size (largest first, each to the lighter group)."""
    groups: tuple[list[tuple[str, bool, int]], list[tuple[str, bool, int]]] = ([], [])
    weights = [0, 0]
    for part in sorted(parts, key=lambda p: -p[2]):
        lighter = 0 if weights[0] <= weights[1] else 1
        groups[lighter].append(part)
        weights[lighter] += part[2]
    return groups


def _digest_parts(root: str, parts: list[tuple[str, bool, int]]) -> list[tuple[str, str, int]]:
    """(part, digest of its sorted 'path NUL size NUL mtime' lines, newest mtime) for each part."""
    out = []
    for rel_dir, deep, _size in parts:
        lines: list[str] = []
        newest = _stat_lines(root, rel_dir, deep, lines)
        lines.sort()
        digest = hashlib.blake2b("\n".join(lines).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
        out.append((f"{rel_dir}/" if deep else rel_dir, digest, newest))
    return out


def _stat_lines(root: str, rel_dir: str, deep: bool, out: list[str]) -> int:
    """Append 'path NUL size NUL mtime' of the *.md in rel_dir (and below, if deep); the newest mtime."""
    newest = 0
    try:
        entries = os.scandir(f"{root}/{rel_dir}")
    except (FileNotFoundError, NotADirectoryError):
        return 0
    with entries:
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir():
                if deep:
                    newest = max(newest, _stat_lines(root, f"{rel_dir}/{name}", True, out))
            elif name.endswith(".md"):
                st = entry.stat()
                out.append(f"{rel_dir}/{name}\0{st.st_size}\0{st.st_mtime_ns}")
                if st.st_mtime_ns > newest:
                    newest = st.st_mtime_ns
    return newest


def _forked(child: Callable[[], list[Any]], parent: Callable[[], list[Any]]) -> list[Any]:
    """parent() + child(), the child's part computed in a forked process meanwhile (here if that fails)."""
    if not hasattr(os, "fork"):
        return parent() + child()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return parent() + child()
    if pid == 0:  # the child: compute, send, leave without running any cleanup of the parent's
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(child(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        mine = parent()
    finally:  # reap the child whatever happens here
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _pid, status = os.waitpid(pid, 0)
    try:
        theirs = pickle.loads(data) if status == 0 else None
    except Exception:  # noqa: BLE001 - a child that failed only costs time
        theirs = None
    return mine + (theirs if isinstance(theirs, list) else child())


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

"""Loading the whole repository: the hot path of validate, check and build.

Two speed-ups, neither of which can change a result:
- per-file caches under .svcnotes-cache/, one file per part of the record files (a kind folder's
  own files, or one of its sub-folders: see store.stamps), keyed by path, size and mtime (and by
  the config and svcnotes version); a file whose mtime is too recent to trust is re-read; a
  missing, stale or corrupt cache file only costs time. An edit rewrites only its part's file;
- on a cold load of many files, the files are read, typed (and, for validate, checked) on every
  core, one part per task, each task writing the cache file of the part it read in full.

`load_all` gives full Records (the site and every command need them), cached as 'records'.
`load_derived` and `load_parts` give, per file, what a caller derives from the record where it is
read (validate: the per-record problems and a slim record for the cross-record rules), cached
under the caller's name: only that small value crosses processes and is written.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from svcnotes import __version__
from svcnotes.model.config import Config
from svcnotes.model.problems import Problem
from svcnotes.model.record import Record
from svcnotes.store import cachefile
from svcnotes.store.loader import Coercions, read_file
from svcnotes.store.stamps import Part, Scan, Stamped, fingerprint, in_scan_order, scan_parts

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository, Snapshot

CACHE_DIR = ".svcnotes-cache"
RECORDS = "records"
PARALLEL_MIN_FILES = 2000
RACY_SECONDS = 2.0  # mtimes this close to the scan that stamped a cached value are not trusted

Entries = dict[str, tuple[int, int, Any]]  # path -> (size, mtime_ns, value): one part's cache file
Derive = Callable[[Record | None, list[Problem], Config], Any]


def _config_key(root: Path, repo: Any = None) -> str:
    """What a cached result depends on besides the file: svcnotes (version and code) and svcnotes.toml
    (the text the repository's config was read from when it is not the file's: the PR gate's base policy)."""
    config_bytes = getattr(repo, "config_bytes", None)
    try:
        config_bytes = (root / "svcnotes.toml").read_bytes() if config_bytes is None else config_bytes
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


@functools.cache
def source_key(*parts: str) -> str:
    """A hash of the source of svcnotes' modules under `parts` (package-relative: 'history',
    'site/markup.py'): what a persisted cache whose entries those modules produce is keyed by, so an
    edited module, or another release, never reads entries the old code made. By content, not
    mtime: a reinstall of the same code keeps the caches."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        where = package / part
        for path in sorted(where.rglob("*.py")) if where.is_dir() else [where]:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def derived_key(repo: Repository, version: str) -> str:
    """The cache key of values derived by a caller whose derive function is at `version`."""
    return f"{_config_key(repo.root, repo)}:{version}"


def cache_path(root: str | Path, name: str, part: str) -> str:
    """The cache file of one part under `name` (a short hash of the part keeps the name portable)."""
    slug = hashlib.blake2b(part.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return f"{root}/{CACHE_DIR}/{name}.{slug}.pickle"


def _read_part(path: str, key: str, part: str) -> dict[str, Any] | None:
    """A part's cache file, or None when missing, unreadable, foreign or for other settings."""
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - any unreadable cache is ignored (and said so)
        cachefile.ignored(path)
        return None
    if not (isinstance(data, dict) and isinstance(data.get("entries"), dict)):
        cachefile.ignored(path)
        return None
    if data.get("key") == key and data.get("part") == part:
        return data
    return None


def write_pickle(path: str | Path, data: Any) -> bool:
    """Write `data` atomically (a reader sees the old file or the new one); False when it cannot."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        return True
    except OSError:
        return False  # a read-only checkout still validates, just without a cache


def _write_part(root: str, name: str, key: str, part: Part, scanned: float, token: str, entries: Entries) -> str:
    """Write one part's cache file; its token, or '' when it could not be written."""
    data = {"key": key, "part": part.name, "digest": part.digest, "scanned": scanned, "token": token,
            "entries": entries}
    return token if write_pickle(cache_path(root, name, part.name), data) else ""


@contextmanager
def paused_gc(keep: bool = False) -> Iterator[None]:
    """No cyclic garbage collection inside: records hold no cycles, and collecting again and again
    while hundreds of thousands of objects are built or unpickled costs more than the work itself.

    With `keep`, what is alive at the end stays out of the collector's scans (gc.freeze) until
    `thaw()`: a site read for one build lives to its end, and the first collection after the pause
    would otherwise walk all of it (0.6 s at 100k records, in a one-record rebuild)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if enabled:
            gc.enable()


def thaw() -> None:
    """What `paused_gc(keep=True)` kept out of the collector is collected again (a long-running
    process, `svcnotes serve`, builds again and again)."""
    gc.unfreeze()


# Worker processes. The one place that decides how many there are (worker_count), whether this
# process may fork them (may_fork), how they start (fork: they inherit what the parent has read, nothing
# is pickled on the way in) and what the collector does around them (paused_gc, shared_with_workers).
# The loaders here, store.stamps, the history ingest and the site build call these; nothing else forks.

R = TypeVar("R")


def worker_count(requested: int | None = None) -> int:
    """How many processes parallel work uses: `requested` when given, else SVCNOTES_WORKERS, else one
    per core; at least 1 (an SVCNOTES_WORKERS that is not a whole number counts as unset)."""
    if requested is None:
        env = os.environ.get("SVCNOTES_WORKERS", "").strip()
        try:
            requested = int(env) if env else None
        except ValueError:
            requested = None
    return max(1, requested if requested is not None else (os.cpu_count() or 1))


def may_fork(threads_ok: bool = False) -> bool:
    """Whether worker processes may be forked here: the platform forks and, unless `threads_ok`, this
    process runs no other thread (a watcher, a language server), whose held locks a child would inherit
    and could hang on. `threads_ok` is for callers whose only other threads are known to be idle
    (`svcnotes serve`'s HTTP server during a build)."""
    return hasattr(os, "fork") and (threads_ok or threading.active_count() == 1)


@contextmanager
def shared_with_workers() -> Iterator[None]:
    """Everything alive now is frozen for the collector while workers are forked inside: the children
    neither scan it nor, by touching its reference counts in a collection, copy its memory pages."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def map_parallel(fn: Callable[..., R], tasks: Sequence[tuple[Any, ...]], workers: int) -> list[R]:
    """`[fn(*task) for task in tasks]` on `workers` cores: forked worker processes take tasks from the
    front, this process from the back for as long as no worker has claimed them, so only the workers'
    results cross processes; all in this process when it may not fork. `fn` is a module-level function."""
    from concurrent.futures import ProcessPoolExecutor

    if workers <= 1 or len(tasks) <= 1 or not may_fork():
        return [fn(*task) for task in tasks]
    results: list[Any] = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=min(workers - 1, len(tasks)), mp_context=_fork_context()) as pool:
        futures = [pool.submit(fn, *task) for task in tasks]
        done = len(tasks)
        for n in range(len(tasks) - 1, -1, -1):
            if not futures[n].cancel():
                break
            results[n] = fn(*tasks[n])
            done = n
        for n in range(done):
            results[n] = futures[n].result()
    return results


def process_pool(count: int) -> Any:
    """A ProcessPoolExecutor of `count` forked workers that collect garbage again (the parent may
    have paused its collector) and die with this process: a killed parent leaves no worker behind
    still writing files or holding a lock."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=count, mp_context=_fork_context(), initializer=_worker_start,
                               initargs=(os.getpid(),))


def _fork_context() -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork") if hasattr(os, "fork") else None


def _worker_start(parent: int) -> None:
    """In a new worker: the collector on, and death with the parent (Linux PR_SET_PDEATHSIG)."""
    gc.enable()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def forked_pair(child: Callable[[], list[Any]], parent: Callable[[], list[Any]]) -> list[Any]:
    """parent() + child(), the child's part computed in a forked process meanwhile (here, after
    parent(), when this process may not fork or the fork fails)."""
    if not may_fork():
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


class Shards:
    """`count` forked worker processes, each running `work(*args, tasks, results)` on a queue of its own:
    for work that must be split by owner (a file's versions all to one worker, in order). `put(n, x)`
    sends to worker n, `get(n)` takes its next result. Whatever `work` returns is kept until the worker
    exits, so a large memo is released by the exit, not object by object. Used as a context manager:
    leaving waits up to 10 s for the workers to finish (taking results nobody will read), then kills them."""

    def __init__(self, count: int, work: Callable[..., Any], args: tuple[Any, ...] = ()) -> None:
        ctx = _fork_context()
        # queues write from a thread: neither side ever waits on a full pipe while the other waits on it
        self.tasks = [ctx.Queue() for _ in range(count)]
        self.results = [ctx.Queue() for _ in range(count)]
        self.procs = [ctx.Process(target=_shard_main, args=(work, (*args, t, r)), daemon=True)
                      for t, r in zip(self.tasks, self.results, strict=True)]
        for proc in self.procs:
            proc.start()
        self.closed = False

    def __len__(self) -> int:
        return len(self.procs)

    def put(self, n: int, item: Any) -> None:
        """Send `item` to worker n."""
        self.tasks[n].put(item)

    def get(self, n: int) -> Any:
        """Worker n's next result (RuntimeError when it died)."""
        while True:
            try:
                return self.results[n].get(timeout=1.0)
            except queue.Empty:
                if not self.procs[n].is_alive():
                    raise RuntimeError("a worker process died") from None

    def close(self) -> None:
        """Nothing more will be sent: each worker is sent None, its sign to end."""
        if not self.closed:
            self.closed = True
            for tasks in self.tasks:
                tasks.put(None)

    def __enter__(self) -> Shards:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        clean = True
        deadline = time.monotonic() + 10
        for proc, results in zip(self.procs, self.results, strict=True):
            while proc.is_alive() and time.monotonic() < deadline:
                try:  # given up early, results are left unread: a worker only ends once what it sent is taken
                    results.get(timeout=0.05)
                except queue.Empty:
                    pass
            if proc.is_alive():
                proc.kill()
                clean = False
            proc.join()
        for q in self.tasks + self.results:  # end the queues' feeder threads: no thread of ours outlives the work
            q.close()
            if clean:
                q.join_thread()
            else:
                q.cancel_join_thread()


def at_exit(fn: Callable[..., Any], *args: Any) -> None:
    """Call `fn(*args)` when this process ends, a forked worker included: a worker ends through
    multiprocessing's exit path, which runs these finalizers but not atexit handlers."""
    from multiprocessing import util

    util.Finalize(None, fn, args=args, exitpriority=10)


_KEPT: list[Any] = []  # in a Shards worker: what its work returned, freed by the process exit


def _shard_main(work: Callable[..., Any], args: tuple[Any, ...]) -> None:
    _KEPT.append(work(*args))


@dataclass
class Loaded:
    """One part loaded: its files' values in scan order, and what its cache file held before."""

    values: list[tuple[str, Any]]
    previous: Entries | None  # the cache file's entries before this load (None: there was no usable one)
    previous_token: str  # the token of that cache file ('' when none)
    token: str  # the token of the cache file now holding `values` ('' when none was written)


Task = tuple[str, list[Stamped], Config, "Derive | None", str, str, "Part | None", float, str]


def _read_files(root: str, items: list[Stamped], config: Config, derive: Derive | None, name: str, key: str,
                whole: Part | None, scanned: float, token: str,
                memo: Coercions | None = None) -> tuple[str, list[tuple[str, Any]]]:
    """Read (and derive from) files; with `whole`, write them as that part's cache file (all of its files).

    Runs in worker processes too. The stamps stored are the scanned ones, taken before the read:
    a file changed after the scan is re-read next time. `memo`: the typed values of the load so far
    (by default this task's own).
    """
    with paused_gc():
        out = []
        memo = memo if memo is not None else Coercions()  # values typed so far repeat in the files after them
        for rel, _size, _mtime in items:
            read = read_file(root, rel, config, memo)
            out.append((rel, derive(read[0], read[1], config) if derive is not None else read))
        if whole is not None:
            _write_part(root, name, key, whole, scanned, token,
                        {rel: (size, mtime, value) for (rel, size, mtime), (_rel, value) in zip(items, out, strict=True)})
        return whole.name if whole is not None else "", out


def load_parts(repo: Repository, name: str, key: str, derive: Derive | None, scan: Scan, parts: list[Part],
               use_cache: bool = True, workers: int | None = None) -> dict[str, Loaded]:
    """Each of `parts` loaded: from its `name` cache file where that is current, files read (on
    every core when there are many) where not; cache files of changed parts are rewritten."""
    with paused_gc():
        return _load_parts(repo, name, key, derive, scan, parts, use_cache, workers)


def _load_parts(repo: Repository, name: str, key: str, derive: Derive | None, scan: Scan, parts: list[Part],
                use_cache: bool, workers: int | None) -> dict[str, Loaded]:
    root = str(repo.root)
    loaded: dict[str, Loaded] = {}
    pending: list[tuple[Part, list[Stamped], dict[str, Any], Entries | None, str, str]] = []
    tasks: list[Task] = []
    for part in parts:
        cached = _read_part(cache_path(root, name, part.name), key, part.name) if use_cache else None
        entries: Entries | None = cached["entries"] if cached is not None else None
        old_token = str(cached.get("token", "")) if cached is not None else ""
        if cached is not None and cached.get("digest") == part.digest:
            settled = int((float(cached.get("scanned", 0.0)) - RACY_SECONDS) * 1e9)
            if part.newest < settled:  # the very files it was written for, all settled then
                assert entries is not None
                loaded[part.name] = Loaded([(rel, entry[2]) for rel, entry in entries.items()], entries, old_token,
                                           old_token)
                continue
        items = part.stamps()
        hits: dict[str, Any] = {}
        misses: list[Stamped] = []
        if entries:
            settled = int((float(cached.get("scanned", 0.0)) - RACY_SECONDS) * 1e9)  # type: ignore[union-attr]
            for item in items:
                hit = entries.get(item[0])
                if hit is not None and hit[0] == item[1] and hit[1] == item[2] and item[2] < settled:
                    hits[item[0]] = hit[2]
                else:
                    misses.append(item)
        else:
            misses = items
        token = os.urandom(8).hex() if use_cache else ""
        whole = part if use_cache and misses and len(misses) == len(items) else None
        pending.append((part, items, hits, entries, old_token, token))
        if misses:
            tasks.append((root, misses, repo.config, derive, name, key, whole, scan.started, token))
    workers = worker_count(workers)
    if workers > 1 and len(tasks) > 1 and sum(len(task[1]) for task in tasks) >= PARALLEL_MIN_FILES:
        results = map_parallel(_read_files, tasks, workers)
    else:
        memo = Coercions()  # one for the whole load in this process
        results = [_read_files(*task, memo) for task in tasks]
    read: dict[str, Any] = {}
    written = set()
    for whole_name, values in results:
        read.update(values)
        if whole_name:
            written.add(whole_name)
    for part, items, hits, entries, old_token, token in pending:
        values = [(rel, hits[rel] if rel in hits else read[rel]) for rel, _size, _mtime in items]
        if part.name not in written and use_cache:
            token = _write_part(root, name, key, part, scan.started, token,
                                {rel: (size, mtime, value) for (rel, size, mtime), (_rel, value) in zip(items, values, strict=True)})
        loaded[part.name] = Loaded(values, entries, old_token, token)
    return loaded


def remove_stale(repo: Repository, name: str, scan: Scan) -> None:
    """Delete `name` cache files of parts that no longer exist (and of older cache layouts)."""
    folder = repo.root / CACHE_DIR
    current = {os.path.basename(cache_path(folder, name, part.name)) for part in scan.parts}
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for file in names:
        if file.startswith(f"{name}.") and file.endswith(".pickle") and file not in current:
            try:
                os.unlink(folder / file)
            except OSError:
                pass


def _load(repo: Repository, name: str, key: str, derive: Derive | None, use_cache: bool,
          workers: int | None, scan: Scan | None = None) -> list[tuple[str, Any]]:
    """(path, value) for every record file in scan order, from the `name` cache where it is current
    (`scan`: the stat pass to go by, when the caller made one just before)."""
    scan = scan if scan is not None else scan_parts(repo, workers)
    loaded = load_parts(repo, name, key, derive, scan, scan.parts, use_cache, workers)
    if use_cache:
        remove_stale(repo, name, scan)
    with paused_gc():
        return in_scan_order(scan.parts, {part: found.values for part, found in loaded.items()})


def load_all(repo: Repository, use_cache: bool = True, workers: int | None = None, scan: Scan | None = None) -> Snapshot:
    """Read every record file once into a Snapshot (problems collected, nothing raised); `scan`:
    the stat pass to go by, when the caller made one just before."""
    from svcnotes.store.repository import Snapshot
    from svcnotes.store.volumes import load_volumes

    snap = Snapshot()
    snap.problems.extend(repo.config_problems)
    with paused_gc():
        loaded = _load(repo, RECORDS, _config_key(repo.root, repo), None, use_cache, workers, scan)
        for _rel, (_record, problems) in loaded:
            snap.problems.extend(problems)
        snap.add_all(record for _rel, (record, _problems) in loaded if record is not None)
    snap.volumes = load_volumes(repo.root)
    return snap


def load_derived(repo: Repository, name: str, version: str, derive: Derive, use_cache: bool = True,
                 workers: int | None = None) -> list[tuple[str, Any]]:
    """(path, derive(record, problems, config)) for every record file, in scan order.

    `derive` must be a module-level function (it runs in worker processes); its results are
    cached under `name`, keyed also by `version`, which must change whenever derive's result for
    the same file and config could.
    """
    return _load(repo, name, derived_key(repo, version), derive, use_cache, workers)


def stat_fingerprint(repo: Repository, workers: int | None = None, scan: Scan | None = None) -> tuple[str, int]:
    """A hash of every record file's path, size and mtime plus the config; and the newest mtime (ns).

    The whole of a warm `validate`: one stat per file (see stamps.scan_parts), or none given `scan`.
    """
    return fingerprint(repo, scan if scan is not None else scan_parts(repo, workers), _config_key(repo.root, repo))


def cached_result(repo: Repository, name: str, key: str, compute: Any, scanned: float | None = None) -> Any:
    """`compute()` memoised under .svcnotes-cache/<name>.pickle for an exact `key`.

    The key must cover everything the result depends on (see stat_fingerprint); a result is not
    stored when a file was modified within the racy window before `scanned` (when the stat pass
    behind the key began; by default now), so a same-size edit in the same mtime tick can never be
    missed.
    """
    path = repo.root / CACHE_DIR / f"{name}.pickle"
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
        if not (isinstance(data, dict) and "key" in data and "value" in data):
            cachefile.ignored(path)
        elif data["key"] == key:
            return data["value"]
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a corrupt cache only costs time (and is said so)
        cachefile.ignored(path)
    value = compute()
    fingerprint_newest = int(key.rsplit(":", 1)[-1]) if ":" in key else 0
    if fingerprint_newest < int(((scanned if scanned is not None else time.time()) - RACY_SECONDS) * 1e9):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as handle:
                pickle.dump({"key": key, "value": value}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass
    return value

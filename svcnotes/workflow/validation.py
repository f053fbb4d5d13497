"""`validate`: every registered check (store-level and workflow rules) over a repository.

Where a cold run spends its time: reading and typing files and the per-record rules, all done
file by file where the file is read (on every core, see store.bulk.load_derived) and cached per
file; what crosses processes is each file's problems and a slim record holding only the fields
the cross-record rules declare. Those rules then run once over the slim records. The problems
are put in exactly the order run_checks gives (reading problems, then check by check in registry
order, records in snapshot order) before the final sort, so the report is byte-identical.
"""

from __future__ import annotations

import importlib
import pickle
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from svcnotes.checks import Check, RecordCheck, all_checks, run_checks
from svcnotes.model.config import Config
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity, sort_key
from svcnotes.model.record import Record

if TYPE_CHECKING:
    from svcnotes.store.bulk import Loaded
    from svcnotes.store.repository import Repository, Snapshot
    from svcnotes.store.stamps import Part, Scan

# Every module that registers rules (store-level checks and the workflow's): the one registry.
RULE_MODULES = ("svcnotes.checks.consistency", "svcnotes.checks.identity", "svcnotes.checks.references",
                "svcnotes.workflow.rules", "svcnotes.workflow.callback_rules")


def load_rules() -> None:
    """Import every module that registers rules."""
    for name in RULE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


HELD = "on_hold"  # day tuples of check_file named 'on_hold[i]': (name, last day open hold i may pause, its line)
FUTURE_FIELDS = ("received_at", "registered_at", "told_at", "closed_at", "done_at", "at")


def future_dates(snapshot: Snapshot, today: date, config: Config | None = None) -> list[Problem]:
    """What depends on today: W304 for events dated after it (received, registered, told, closed,
    done, note time); W416 for a hold open longer than deadlines.max_hold_days by then."""
    from svcnotes.workflow.holds import open_hold_expiries

    config = config or Config()
    out = []
    for record in snapshot.all():
        for name in FUTURE_FIELDS:
            value = record.data.get(name)
            day = value.date() if isinstance(value, datetime) else value
            if isinstance(day, date) and day > today:
                out.append(future_problem(name, day, today, record.path, record.line(name)))
        if record.kind == "complaint":
            for index, last in open_hold_expiries(record.data, config):
                if today.toordinal() > last:
                    out.append(_held(record, _held_name(index, record), last, record.line(f"on_hold[{index}].from"),
                                     config))
    return out


def _held_name(index: int, record: Record) -> str:
    """The day-tuple name of open hold `index`."""
    return f"{HELD}[{index}]"


def _held(record: Record, name: str, last: int, line: int | None, config: Config) -> Problem:
    """W416 for the open hold a day tuple names."""
    from svcnotes.workflow.holds import held_too_long

    index = int(name[len(HELD) + 1:-1])
    start = date.fromordinal(last - config.max_hold_days + 1)
    return held_too_long(index, start, record.id, config, record.path, line)


def future_problem(name: str, day: date, today: date, path: str, line: int | None) -> Problem:
    """W304 for field `name` dated `day`, after `today`."""
    return Problem("W304", msg("{name} {day} is in the future (today is {today})", name=name, day=day, today=today), path, line, name,
                   msg("check the date; pass --today to validate as of another day"), Severity.WARNING)


class _Plan:
    """The registry split for file-by-file validation (recomputed when the registry changes)."""

    def __init__(self, checks: tuple[Check, ...]) -> None:
        self.checks = checks
        self.per_record: list[tuple[int, RecordCheck, tuple[str, ...] | None]] = [
            (i, c.fn, c.kinds) for i, c in enumerate(checks) if c.scope == "record"]
        self.cross = [(i, c) for i, c in enumerate(checks) if c.scope != "record"]
        fields: set[str] | None = {"aliases"}  # the snapshot finds records by former numbers too
        for _i, check in self.cross:
            reads = check.reads
            if reads is None:
                fields = None  # an undeclared cross-record check gets whole records
                break
            assert fields is not None
            fields |= reads
        self.fields = frozenset(fields) if fields is not None else None
        names = ",".join(f"{c.module}.{c.name}" for c in checks)
        self.version = f"{names}|{sorted(self.fields) if self.fields is not None else '*'}"


_PLAN: _Plan | None = None


def _plan() -> _Plan:
    """The current plan (a per-file call only compares the registry with the plan's)."""
    global _PLAN
    if _PLAN is None:
        load_rules()
    checks = tuple(all_checks())
    if _PLAN is None or _PLAN.checks != checks:
        _PLAN = _Plan(checks)
    return _PLAN


def _slim(record: Record, fields: frozenset[str] | None) -> Record:
    """The record with only `fields` (and their lines): what the cross-record checks read."""
    if fields is None:
        return record
    whole, parts, keep_line = _split_fields(fields)
    data: dict[str, Any] = {}
    for key, value in record.data.items():
        if key in whole:
            data[key] = value
        elif key in parts and isinstance(value, list):
            keep = parts[key]
            data[key] = [{k: v for k, v in entry.items() if k in keep} if isinstance(entry, dict) else entry
                         for entry in value]
    lines = {}
    for key, line in record.lines.items():
        kept = keep_line.get(key)
        if kept is None:
            kept = _keeps_line(key, whole, parts)
            if len(keep_line) < 100_000:
                keep_line[key] = kept
        if kept:
            lines[key] = line
    return Record(record.kind, record.id, record.path, data, "", lines)


def _keeps_line(key: str, whole: frozenset[str], parts: dict[str, frozenset[str]]) -> bool:
    """Whether a slim record keeps the line of `key` (a field, or a dotted path into one)."""
    if key in whole or key in parts:
        return True
    top = key.split("[", 1)[0].split(".", 1)[0]
    return top in whole or (top in parts and key.rsplit(".", 1)[-1] in parts[top])


_SPLIT: dict[frozenset[str], tuple[frozenset[str], dict[str, frozenset[str]], dict[str, bool]]] = {}


def _split_fields(fields: frozenset[str]) -> tuple[frozenset[str], dict[str, frozenset[str]], dict[str, bool]]:
    """Declared fields -> (whole fields, {list-of-entries field: the sub-fields kept}, line decisions so far)."""
    found = _SPLIT.get(fields)
    if found is None:
        whole = frozenset(f for f in fields if "[]." not in f)
        parts: dict[str, set[str]] = {}
        for f in fields:
            if "[]." in f:
                name, sub = f.split("[].", 1)
                if name not in whole:
                    parts.setdefault(name, set()).add(sub)
        found = _SPLIT[fields] = (whole, {k: frozenset(v) for k, v in parts.items()}, {})
    return found


def check_file(record: Record | None, problems: list[Problem], config: Config) -> tuple[Any, ...]:
    """One file's part of validate: its reading problems (tagged -1) and per-record rule problems
    (tagged with the check's registry index), its slim record, its (field, day ordinal, line) for
    future_dates (which depends on today, so is not decided here) and the latest of those days."""
    plan = _plan()
    tagged = [(-1, p) for p in problems]
    if record is None:
        return tuple(tagged), None, (), 0
    kind = record.kind
    for index, check, kinds in plan.per_record:
        if kinds is None or kind in kinds:
            for p in check(record, config):
                tagged.append((index, p))
    days = []
    last = 0
    data = record.data
    for name in FUTURE_FIELDS:
        value = data.get(name)
        if isinstance(value, date):
            ordinal = (value.date() if isinstance(value, datetime) else value).toordinal()
            days.append((name, ordinal, record.line(name)))
            last = max(last, ordinal)
    if kind == "complaint" and data.get("on_hold"):
        from svcnotes.workflow.holds import open_hold_expiries

        for index, expiry in open_hold_expiries(data, config):
            days.append((_held_name(index, record), expiry, record.line(f"on_hold[{index}].from")))
    return tuple(tagged), _slim(record, plan.fields), tuple(days), last


# Per part of the record files (store.stamps.Part), what the last run found, in the index file:
# (part digest, token of the part's cache file, trusted, records, ((path, tagged problems), ...), latest day).
# A part whose digest is unchanged (and was settled when read) is not opened at all; the results of
# the cross-record rules are reused while no slim record changed, was added or removed.
NAME = "validation"
INDEX = "validation-index"
Summary = tuple[str, str, bool, int, tuple[tuple[str, tuple[tuple[int, Problem], ...]], ...], int, int]


def check_repository(repo: Repository, today: date | None = None, use_cache: bool = True,
                     workers: int | None = None, scan: Scan | None = None) -> tuple[list[Problem], int]:
    """run_checks (plus future_dates when `today` is given) over the repository, file by file where
    possible: the same problems in the same order; and the number of records. `scan` is the stat
    pass to use (one is made when not given)."""
    from svcnotes import __version__
    from svcnotes.store.bulk import derived_key, load_parts, paused_gc, remove_stale
    from svcnotes.store.stamps import scan_parts

    plan = _plan()
    key = derived_key(repo, f"{__version__}|{plan.version}")
    scan = scan if scan is not None else scan_parts(repo, workers)
    with paused_gc():
        index = _read_index(repo, key) if use_cache else None
        loaded: dict[str, Loaded] = {}
        cross = _reusable_cross(repo, key, scan, index, loaded, workers) if index is not None else None
        if cross is None:
            rest = [part for part in scan.parts if part.name not in loaded]
            loaded.update(load_parts(repo, NAME, key, check_file, scan, rest, use_cache, workers))
            cross = _run_cross(repo, plan, scan, loaded)
            if use_cache:
                remove_stale(repo, NAME, scan)
        known = index["parts"] if index is not None else {}
        summaries = {part.name: _summary(part, loaded[part.name], scan) if part.name in loaded else known[part.name]
                     for part in scan.parts}
        if use_cache and (index is None or loaded):
            from svcnotes.store.bulk import CACHE_DIR, write_pickle

            write_pickle(repo.root / CACHE_DIR / f"{INDEX}.pickle", {"key": key, "parts": summaries, "cross": cross})
        result = _assemble(repo, plan, scan, summaries, cross, loaded, today, key, use_cache, workers)
        loaded.clear()  # freed here, not walked by the collector once it is back on
    return result


def _read_index(repo: Repository, key: str) -> dict[str, Any] | None:
    from svcnotes.store.bulk import CACHE_DIR

    try:
        with open(repo.root / CACHE_DIR / f"{INDEX}.pickle", "rb") as handle:
            data = pickle.load(handle)
        if (isinstance(data, dict) and data.get("key") == key and isinstance(data.get("parts"), dict)
                and isinstance(data.get("cross"), list) and len(data["cross"]) == len(_plan().cross)):
            return data
    except Exception:  # noqa: BLE001 - a missing or corrupt index only costs time
        pass
    return None


def _reusable_cross(repo: Repository, key: str, scan: Scan, index: dict[str, Any], loaded: dict[str, Loaded],
                    workers: int | None) -> list[list[Problem]] | None:
    """The index's cross-record results when they still hold: every part that changed since is
    loaded (into `loaded`) and compared file by file with the values the index was made from."""
    from svcnotes.store.bulk import load_parts

    known: dict[str, Summary] = index["parts"]
    now = {part.name for part in scan.parts}
    if any(summary[3] for name, summary in known.items() if name not in now):
        return None  # records went with a part that is gone
    changed = [part for part in scan.parts
               if part.name not in known or known[part.name][0] != part.digest or not known[part.name][2]]
    loaded.update(load_parts(repo, NAME, key, check_file, scan, changed, True, workers))
    for part in changed:
        found = loaded[part.name]
        if part.name not in known:  # a new part: its records are new
            if any(value[1] is not None for _rel, value in found.values):
                return None
        elif found.previous is None or found.previous_token != known[part.name][1] or _slims_changed(found):
            return None
    cross: list[list[Problem]] = index["cross"]
    return cross


def _slims_changed(found: Loaded) -> bool:
    """Whether a part's slim records differ from those its cache file held before (added and
    removed records included): only then can a cross-record rule find something else."""
    previous = found.previous
    assert previous is not None
    seen = 0
    for rel, value in found.values:
        old = previous.get(rel)
        if old is None:
            if value[1] is not None:
                return True
            continue
        seen += 1
        if old[2] is not value and old[2][1] != value[1]:
            return True
    if seen != len(previous):
        now = {rel for rel, _value in found.values}
        return any(entry[2][1] is not None for rel, entry in previous.items() if rel not in now)
    return False


def _run_cross(repo: Repository, plan: _Plan, scan: Scan, loaded: dict[str, Loaded]) -> list[list[Problem]]:
    """Every cross-record rule over the slim records of every part, in scan order."""
    from svcnotes.store.repository import Snapshot
    from svcnotes.store.stamps import in_scan_order

    snap = Snapshot()
    snap.add_all(value[1] for _rel, value in in_scan_order(scan.parts, {name: found.values for name, found in loaded.items()})
                 if value[1] is not None)
    return [check(snap, repo.config) for _index, check in plan.cross]


def _summary(part: Part, found: Loaded, scan: Scan) -> Summary:
    """What the index keeps of one part (see Summary)."""
    from svcnotes.store.bulk import RACY_SECONDS

    problems = []
    records = last = 0
    held = 1 << 40  # the earliest last day of an open hold (none: never)
    for rel, (tagged, slim, days, last_day) in found.values:
        if tagged:
            problems.append((rel, tagged))
        if slim is not None:
            records += 1
        if last_day > last:
            last = last_day
        for name, ordinal, _line in days:
            if name.startswith(HELD) and ordinal < held:
                held = ordinal
    trusted = bool(found.token) and scan.trusted(part.newest, RACY_SECONDS)
    return part.digest, found.token, trusted, records, tuple(problems), last, held


def _assemble(repo: Repository, plan: _Plan, scan: Scan, summaries: dict[str, Summary], cross: list[list[Problem]],
              loaded: dict[str, Loaded], today: date | None, key: str, use_cache: bool,
              workers: int | None) -> tuple[list[Problem], int]:
    """The problems in exactly run_checks' order: config, reading and per-record problems check by
    check (records in scan order), cross-record results, future dates; then sorted."""
    from svcnotes.store.bulk import load_parts
    from svcnotes.store.stamps import scan_key

    buckets: list[list[Problem]] = [[] for _ in range(len(plan.checks) + 1)]
    for _rel, tagged in sorted((item for s in summaries.values() for item in s[4]), key=lambda item: scan_key(item[0])):
        for index, problem in tagged:
            buckets[index + 1].append(problem)
    for (index, _check), found in zip(plan.cross, cross, strict=True):
        buckets[index + 1] = list(found)
    future = []
    if today is not None:
        limit = today.toordinal()
        late = [part for part in scan.parts if summaries[part.name][5] > limit or summaries[part.name][6] < limit]
        need = [part for part in late if part.name not in loaded]
        if need:
            loaded.update(load_parts(repo, NAME, key, check_file, scan, need, use_cache, workers))
        values = sorted(((rel, value) for part in late for rel, value in loaded[part.name].values
                         if value[3] > limit or any(d[0].startswith(HELD) for d in value[2])),
                        key=lambda item: scan_key(item[0]))
        for _rel, (_tagged, slim, days, _last) in values:
            for name, ordinal, line in days:
                if name.startswith(HELD):
                    if ordinal < limit:
                        future.append(_held(slim, name, ordinal, line, repo.config))
                elif ordinal > limit:
                    future.append(future_problem(name, date.fromordinal(ordinal), today, slim.path, line))
    problems = list(repo.config_problems)
    for bucket in buckets:
        problems += bucket
    return sorted(problems + future, key=sort_key), sum(s[3] for s in summaries.values())


def validate_all(repo: Repository, today: date | None = None) -> tuple[list[Problem], int]:
    """Every problem and the number of records; memoised on the files' stat fingerprint."""
    from svcnotes import __version__
    from svcnotes.store.bulk import cached_result, stat_fingerprint
    from svcnotes.store.stamps import scan_parts

    scan = scan_parts(repo)

    def compute() -> tuple[list[Problem], int]:
        loaded: Any = getattr(repo, "_snapshot", None)
        if loaded is None:
            return check_repository(repo, today, scan=scan)
        # already read in this process: check it as it is
        problems = run_checks(loaded, repo.config)
        if today is not None:
            problems = sorted(problems + future_dates(loaded, today, repo.config), key=sort_key)
        return problems, sum(len(v) for v in loaded.records.values())

    fingerprint, newest = stat_fingerprint(repo, scan=scan)
    key = f"{__version__}:{','.join(RULE_MODULES)}:{today}:{fingerprint}:{newest}"
    result: tuple[list[Problem], int] = cached_result(repo, "validate", key, compute, scan.started)
    from svcnotes.store.volumes import load_volumes  # one small file, read every time: never stale

    return result[0] + list(load_volumes(repo.root).problems), result[1]


def registry() -> tuple[Check, ...]:
    """Every rule validate runs, as Check values: the registry with every rule module imported."""
    return _plan().checks


def record_rule_problems(record: Record, config: Config) -> list[Problem]:
    """What the per-record rules report about one record (no cross-record rule)."""
    out: list[Problem] = []
    for _index, check, kinds in _plan().per_record:
        if kinds is None or record.kind in kinds:
            out += check(record, config)
    return sorted(out, key=sort_key)


def record_problems(snapshot: Snapshot, records: Sequence[Record], config: Config,
                    removed: Sequence[str] = ()) -> list[Problem]:
    """What validate reports about `records` once they are in `snapshot` (replacing the records at
    their paths; the files at `removed` gone): every per-record rule over each, and the
    cross-record rules over the whole snapshot, keeping the problems located in their files.
    The very rules validate runs."""
    return problems_in(_with(snapshot, records, removed), records, config)


def problems_in(snap: Snapshot, records: Sequence[Record], config: Config) -> list[Problem]:
    """What validate reports about `records`, which `snap` already holds: every per-record rule
    over each, and the cross-record rules over `snap`, keeping the problems located in their files."""
    plan = _plan()
    out: list[Problem] = []
    for record in records:
        out += record_rule_problems(record, config)
    paths = {r.path for r in records}
    for _index, check in plan.cross:
        out += [p for p in check(snap, config) if p.path in paths]
    return sorted(out, key=sort_key)


def _with(snapshot: Snapshot, records: Sequence[Record], removed: Sequence[str] = ()) -> Snapshot:
    """A snapshot holding `records` in place of the records at their paths (new ones added)."""
    from svcnotes.store.repository import Snapshot

    replaced = {r.path: r for r in records}
    gone = set(removed)
    snap = Snapshot()
    snap.add_all(replaced.pop(r.path, r) for r in snapshot.all() if r.path not in gone)
    snap.add_all(r for r in records if r.path in replaced)
    return snap


def write_problems(repo: Repository, records: Sequence[Record], removed: Sequence[str] = ()) -> list[Problem]:
    """The store's write check: record_problems over the repository as it is now."""
    return record_problems(repo.snapshot(), records, repo.config, removed)


def only_paths(problems: list[Problem], paths: list[str] | None) -> list[Problem]:
    """The problems in `paths` (plus repository-wide and config problems)."""
    if not paths:
        return problems
    wanted = tuple(p.rstrip("/") for p in paths)
    return [p for p in problems if p.path == "" or p.path.startswith(wanted) or p.path == "svcnotes.toml"]


def validate_repository(repo: Repository, paths: list[str] | None = None, today: date | None = None) -> list[Problem]:
    """All problems in the repository (or only those in `paths`, checked against the whole repo)."""
    return only_paths(validate_all(repo, today)[0], paths)

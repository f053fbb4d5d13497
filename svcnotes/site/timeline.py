"""History timelines for record pages: one `git log` pass plus one `git cat-file --batch`.

The history package's index (svcnotes.history.log: one `git log` pass, cached and refreshed
incrementally, records followed across renumbering) is the source; `git_timelines` is a fallback
that reads the whole log once here (never one git call per record) when that index is absent.
The result maps a record path to its entries, newest first, as plain dicts for the templates.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from svcnotes.model.config import Config
from svcnotes.model.schema import KINDS

Entry = dict[str, Any]


def _log(root: Path) -> list[tuple[str, str, str, str, str, list[tuple[str, str]]]]:
    """(commit, author, email, date, subject, [(status, path)]) oldest first, for records/ only."""
    out = subprocess.run(
        ["git", "log", "--reverse", "-z", "--no-renames", "--name-status",
         "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s", "--", "records"],
        cwd=root, capture_output=True, check=False)
    if out.returncode != 0:
        return []
    commits = []
    for chunk in out.stdout.decode("utf-8", "replace").split("\x1e")[1:]:
        header, _, rest = chunk.partition("\0")
        parts = header.split("\x1f")
        if len(parts) < 5:
            continue
        tokens = rest.lstrip("\n").split("\0")
        files = [(tokens[i], tokens[i + 1]) for i in range(0, len(tokens) - 1, 2) if tokens[i]]
        commits.append((parts[0], parts[1], parts[2], parts[3], parts[4], files))
    return commits


class _Blobs:
    """Reads many `commit:path` blobs through one `git cat-file --batch` process."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)

    def get(self, spec: str) -> bytes | None:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(spec.encode("utf-8") + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)
        return data

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


@lru_cache(maxsize=65536)
def _label(kind: str, dotted: str, locale: str) -> str:
    """A changed field's label: the schema label of its top-level field plus the index path."""
    head = dotted.split("[", 1)[0].split(".", 1)[0]
    if head == "body":
        return "正文" if not locale.startswith("en") else "Body"
    f = KINDS[kind].by_name.get(head) if kind in KINDS else None
    return (f.label(locale) if f else head) + dotted[len(head):]


def git_timelines(root: Path, config: Config, locale: str, paths: Iterable[str] | None = None,
                  author_name: Callable[[str, str], str] | None = None) -> dict[str, list[Entry]]:
    """Per-record-path timelines (newest first) with field-level changes, from one pass over git."""
    from svcnotes.history.diff import diff_records, parse_blob, show

    wanted = set(paths) if paths is not None else None
    commits = _log(root)
    if not commits:
        return {}
    blobs = _Blobs(root)
    previous: dict[str, Any] = {}
    out: dict[str, list[Entry]] = {}
    try:
        for commit, author, email, at, subject, files in commits:
            for status, path in files:
                if not path.endswith(".md") or (wanted is not None and path not in wanted):
                    continue
                new = None
                if not status.startswith("D"):
                    raw = blobs.get(f"{commit}:{path}")
                    new = parse_blob(raw, path, config) if raw is not None else None
                old = previous.get(path)
                kind = (new or old).kind if (new or old) else ""
                changes = []
                if old is not None or new is not None:
                    for ch in diff_records(old, new) if old is not None else []:
                        if ch.field == "body":
                            changes.append({"label": _label(kind, "body", locale),
                                            "old": f"−{len(ch.old)}", "new": f"+{len(ch.new)}"})
                        else:
                            changes.append({"label": _label(kind, ch.field, locale),
                                            "old": "" if ch.old is None else show(ch.old),
                                            "new": "" if ch.new is None else show(ch.new)})
                previous[path] = new
                name = author_name(author, email) if author_name else author
                out.setdefault(path, []).append({"at": at.replace("T", " ")[:16], "author": name, "message": subject,
                                                 "commit": commit, "changes": changes})
    finally:
        blobs.close()
    for entries in out.values():
        entries.reverse()
    return out


def _is_personal(kind: str, dotted: str) -> bool:
    """A change to a personal field (or a personal sub-field of a table) — masked by --redact."""
    k = KINDS.get(kind)
    head = dotted.split("[", 1)[0].split(".", 1)[0]
    f = k.by_name.get(head) if k else None
    if f is None:
        return False
    sub = dotted.rsplit(".", 1)[-1] if "." in dotted else ""
    if f.type == "objects" and sub:
        inner = {x.name: x for x in f.fields}.get(sub)
        return bool(inner and inner.personal)
    return f.personal


def event_entries(kind: str, events: Iterable[Any], locale: str, author_name: Callable[[str, str], str] | None = None,
                  redact: bool = False) -> list[Entry]:
    """History events (oldest first) as timeline entries for the page, newest first.

    With `redact`, personal fields' values are masked and names, phones and e-mails in commit
    messages are masked like the rest of a redacted site."""
    from svcnotes.history.diff import show
    from svcnotes.site.redact import mask_text

    entries = []
    for ev in events:
        changes = []
        # A record's first commit lists every field as a change from nothing; the form above shows
        # those values, so (as in `svcnotes history`) the created entry carries no change table.
        for ch in ev.changes if getattr(ev, "action", "") != "created" else ():
            if ch.field == "body":
                changes.append({"label": _label(kind, "body", locale), "old": f"−{len(ch.old)}", "new": f"+{len(ch.new)}"})
                continue
            hide = redact and _is_personal(kind, ch.field)
            old = "•••" if hide and ch.old is not None else "" if ch.old is None else show(ch.old)
            new = "•••" if hide and ch.new is not None else "" if ch.new is None else show(ch.new)
            if redact:
                old, new = mask_text(str(old)), mask_text(str(new))
            changes.append({"label": _label(kind, ch.field, locale), "old": old, "new": new})
        name = author_name(ev.author, ev.email) if author_name else ev.author
        entries.append({"at": ev.date.isoformat(" ")[:16], "author": name,
                        "message": mask_text(ev.subject) if redact else ev.subject,
                        "commit": ev.sha, "changes": changes, "pr": ev.pr})
    entries.reverse()
    return entries


def index_timelines(root: Path, config: Config, locale: str, records: Iterable[Any],
                    author_name: Callable[[str, str], str] | None = None, redact: bool = False) -> dict[str, list[Entry]]:
    """Timelines from the history package's index (cached under .svcnotes-cache/history, refreshed incrementally)."""
    from svcnotes.history.log import load_index

    index = load_index(root, config)
    out: dict[str, list[Entry]] = {}
    for r in records:
        lineage = index.lineage_for(root, r.id, r.path)
        if lineage is not None:
            out[r.path] = event_entries(r.kind, index.timeline(lineage), locale, author_name, redact)
    return out


class Timelines:
    """The timelines a build needs, read only for the record pages being built.

    `prepare` brings the history's per-record shard to HEAD once (incrementally), before the render
    workers fork; each page then reads its own record's events (one indexed lookup), so a full
    build never holds the whole history in memory and a build after one edit reads one timeline.
    Without a usable shard each record is read through `record_history`.
    """

    def __init__(self, root: Path, config: Config, locale: str, author_name: Callable[[str, str], str] | None = None,
                 redact: bool = False) -> None:
        self.root, self.config, self.locale, self.author_name, self.redact = Path(root), config, locale, author_name, redact
        self._reader: Any = None
        self._prepared = False

    def prepare(self, pages: int) -> None:
        """Get ready to read `pages` record pages' timelines."""
        if pages and not self._prepared:
            from svcnotes.history.log import ShardReader

            self._reader = ShardReader.open(self.root, self.config)
            self._prepared = True

    def __call__(self, record: Any) -> list[Entry]:
        """The record's timeline entries, newest first ([] when it has none)."""
        if self._reader is not None:
            events = self._reader.events(record.id, record.path)
        else:
            from posixpath import dirname, join

            from svcnotes.history.log import record_history

            paths = [join(dirname(record.path), f"{alias}.md") for alias in record.data.get("aliases") or ()]
            events = record_history(self.root, self.config, record.id, record.path, paths).events
        return event_entries(record.kind, events, self.locale, self.author_name, self.redact)


def history_head(root: Path) -> str:
    """The commit the history shown on the site comes from ('' without commits)."""
    from svcnotes.history.gitread import head_sha

    return head_sha(Path(root)) or ""


def paths_changed_since(root: Path, old: str, new: str) -> set[str] | None:
    """Record files whose history changed between two commits; None when that cannot be told
    (no previous commit, or history was rewritten), meaning every record's history may have changed."""
    if old == new:
        return set()
    if not old or not new:
        return None
    from svcnotes.history.gitread import is_ancestor

    if not is_ancestor(Path(root), old, new):
        return None
    out = subprocess.run(["git", "diff", "--name-only", "--no-renames", "-z", old, new, "--", "records"],
                         cwd=root, capture_output=True)
    if out.returncode != 0:
        return None
    return {p for p in out.stdout.decode("utf-8", "surrogateescape").split("\0") if p}


def timelines(root: Path, config: Config, locale: str, records: Iterable[Any],
              author_name: Callable[[str, str], str] | None = None, redact: bool = False) -> dict[str, list[Entry]]:
    """Per-record timelines, newest first: the history index when available, else one git pass here."""
    records = list(records)
    try:
        return index_timelines(root, config, locale, records, author_name, redact)
    except ImportError:
        return git_timelines(root, config, locale, [r.path for r in records], author_name)

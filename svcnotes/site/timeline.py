"""History timelines for record pages: one `git log` pass plus one `git cat-file --batch`.

When the history package offers per-record timelines (`svcnotes.history.timelines`), the site
uses them; otherwise this module reads the whole log once (never one git call per record) and
diffs consecutive versions of each file field by field with `svcnotes.history.diff`.
The result maps a record path to its entries, newest first, as plain dicts for the templates.
"""

from __future__ import annotations

import subprocess
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


def timelines(root: Path, config: Config, locale: str, paths: Iterable[str] | None = None,
              author_name: Callable[[str, str], str] | None = None) -> dict[str, list[Entry]]:
    """Timelines from the history package when it offers them, else from `git_timelines`."""
    try:
        from svcnotes.history import timelines as provided  # type: ignore[attr-defined]
    except ImportError:
        provided = None
    if callable(provided):
        try:
            return provided(root, config, locale=locale, paths=paths)  # type: ignore[no-any-return]
        except TypeError:
            pass
    return git_timelines(root, config, locale, paths, author_name)

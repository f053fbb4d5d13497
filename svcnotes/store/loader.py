"""Type a parsed front matter by the declared schema into a Record, collecting every problem."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.fields import CoercionError, Field, coerce_scalar
from svcnotes.model.message import label, msg
from svcnotes.model.problems import Problem, Severity, did_you_mean
from svcnotes.model.record import Record
from svcnotes.model.schema import FOLDER_KIND, Kind
from svcnotes.store.frontmatter import Parsed, decode, parse

BODY = "(body)"  # the key of the body's first line in Record.lines (no field has this name)
_TEXT_TYPES = frozenset({"str", "text", "id", "ref"})  # coerce_scalar returns these as read
_SCALAR_TYPES = frozenset({"id", "str", "text", "int", "decimal", "date", "datetime", "bool", "enum", "ref"})


# Types whose coercion depends only on the field's type and bounds and the text (not on config)
_MEMO_TYPES = frozenset({"int", "decimal", "date", "datetime", "bool"})
_MEMO_LIMIT = 50_000  # values remembered per (type, bounds): a bound on memory over a long history


class Coercions:
    """The typed values of scalar texts one load has coerced already: dates, amounts and flags repeat
    across records. Made by whoever reads many files at once (one bulk load task, one history reader)
    and dropped with it; the typed values are immutable, so sharing them is safe."""

    __slots__ = ("_by_rule",)

    def __init__(self) -> None:
        self._by_rule: dict[tuple[str, float | None, float | None], dict[str, Any]] = {}

    def of(self, f: Field) -> dict[str, Any]:
        """text -> typed value for fields coerced like `f` (same type and bounds)."""
        key = (f.type, f.minimum, f.maximum)
        found = self._by_rule.get(key)
        if found is None:
            found = self._by_rule[key] = {}
        return found


def _is_extension(key: str) -> bool:
    """Keys starting with 'x_' or 'x-' are a repository's own fields: kept, never flagged."""
    return key.startswith(("x_", "x-"))


class _Typer:
    """Coerces raw values field by field, recording problems with their file lines."""

    def __init__(self, path: str, lines: dict[str, int], config: Config, end_line: int | None = None,
                 memo: Coercions | None = None) -> None:
        self.path = path
        self.memo = memo
        self.lines = lines
        self.end_line = end_line  # the closing '---': where a missing top-level field belongs
        self.config = config
        self.problems: list[Problem] = []

    def bad(self, where: str, message: str, hint: str = "", code: str = "E102", warn: bool = False) -> None:
        line = self.lines.get(where) or self.lines.get(where.split("[", 1)[0])
        self.problems.append(Problem(code, message, self.path, line, where, hint,
                                     Severity.WARNING if warn else Severity.ERROR))

    def fields(self, fields: dict[str, Field], raw: dict[str, Any], prefix: str, kind_label: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in raw.items():
            f = fields.get(key)
            if f is None:
                if not _is_extension(key):
                    self.bad(prefix + key, msg("unknown field '{key}' for a {kind_label}", key=key, kind_label=kind_label),
                             did_you_mean(key, fields), "W106", warn=True)
                out[key] = value
                continue
            if value is None:
                continue
            if value.__class__ is str and f.type in _SCALAR_TYPES:  # the common case, without self.value
                if f.type in _TEXT_TYPES:
                    out[key] = value
                    continue
                memo = self.memo.of(f) if self.memo is not None and f.type in _MEMO_TYPES else None
                typed = memo.get(value) if memo is not None else None
                if typed is None:
                    try:
                        typed = coerce_scalar(f, value, self.config.choices(f.choices_from) if f.choices_from else ())
                    except CoercionError as exc:
                        self.bad(prefix + key, exc.message, exc.hint, exc.code)
                        continue
                    if memo is not None and len(memo) < _MEMO_LIMIT:
                        memo[value] = typed
                out[key] = typed
                continue
            typed = self.value(f, value, prefix + key)
            if typed is not None:
                out[key] = typed
        for f in fields.values():
            if f.required and (out.get(f.name) in (None, "", [])) and not any(p.field == prefix + f.name for p in self.problems):
                self.bad(prefix + f.name if prefix else f.name, msg("is required"), msg("add '{name}: ...' ({zh} / {en})",
                                                                                   name=f.name, zh=f.zh, en=f.en), "E101")
                if not prefix and self.end_line:
                    self.problems[-1] = replace(self.problems[-1], line=self.end_line)
                if prefix:
                    # the entry itself has no line of its own: point at its first key, else at the parent field
                    entry_lines = [n for k, n in self.lines.items() if k.startswith(prefix)]
                    line = self.lines.get(prefix.rstrip(".")) or (min(entry_lines) if entry_lines else None) \
                        or self.lines.get(prefix.split("[", 1)[0])
                    self.problems[-1] = Problem("E101", msg("'{name}' is required", name=f.name), self.path,
                                                line, prefix + f.name,
                                                msg("add '{name}: ...' ({zh} / {en})", name=f.name, zh=f.zh, en=f.en))
        return out

    def value(self, f: Field, value: Any, where: str) -> Any:
        if f.type == "list":
            if not isinstance(value, list):
                self.bad(where, msg("expected a list"),
                         msg("write {name}: [{value}]", name=f.name, value=value) if isinstance(value, str)
                         else msg("write a YAML list"))
                return None
            assert f.item is not None
            items = [self.value(f.item, v, f"{where}[{i}]") for i, v in enumerate(value) if v is not None]
            return [v for v in items if v is not None]
        if f.type == "objects":
            if not isinstance(value, list):
                self.bad(where, msg("expected a list of entries"), msg("write each entry as '- key: value' on its own lines"))
                return None
            result = []
            for i, entry in enumerate(value):
                if not isinstance(entry, dict):
                    self.bad(f"{where}[{i}]", msg("expected an entry with fields"), msg("write '- key: value'"))
                    continue
                result.append(self.fields(f.sub, entry, f"{where}[{i}].", label(f.en.lower(), f.zh)))
            return result
        if not isinstance(value, str):
            self.bad(where, msg("expected a single value, found a {found}",
                                found=msg("list") if isinstance(value, list) else msg("set of fields")),
                     msg("write the value on the same line as the field name"))
            return None
        try:
            choices = self.config.choices(f.choices_from) if f.choices_from else ()
            return coerce_scalar(f, value, choices)
        except CoercionError as exc:
            self.bad(where, exc.message, exc.hint, exc.code)
            return None


def build_record(kind: Kind, path: str, parsed: Parsed, config: Config, digest: str = "",
                 memo: Coercions | None = None) -> tuple[Record, list[Problem]]:
    """Type `parsed` as a record of `kind`; the record is returned even when fields are bad
    (`memo`: the values a load of many files has typed already)."""
    typer = _Typer(path, parsed.lines, config, parsed.fm_end if parsed.ok else None, memo)
    data = typer.fields(kind.by_name, parsed.data, "", kind.named) if parsed.ok else {}
    record_id = str(data.get("id") or PurePosixPath(path).stem)
    if parsed.body and parsed.body_start:
        parsed.lines[BODY] = parsed.body_start
    record = Record(kind.name, record_id, path, data, parsed.body, parsed.lines, digest)
    return record, parsed.problems + typer.problems


def content_digest(raw: bytes) -> str:
    """A short content hash used to detect edits made since a record was read."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


_KINDS_OF_FILE = ((stat.S_ISFIFO, msg("a named pipe (FIFO)")), (stat.S_ISCHR, msg("a character device")),
                  (stat.S_ISBLK, msg("a block device")), (stat.S_ISSOCK, msg("a socket")))


def _not_regular(mode: int) -> str:
    for test, name in _KINDS_OF_FILE:
        if test(mode):
            return name
    return msg("not a regular file")


def _link_problem(root: str, rel: str, path: str) -> Problem | None:
    """Why the symbolic link at `path` cannot be a record, or None when it names a regular file
    inside the repository (then it is read like one)."""
    try:
        shown = os.readlink(path)
    except OSError:
        shown = "?"
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Problem("E012", msg("symbolic link loop ({rel} -> {shown})", rel=rel, shown=shown), rel,
                           hint=msg("replace the link with the record file itself"))
        return Problem("E011", msg("broken symbolic link: {shown} does not exist", shown=shown), rel,
                       hint=msg("remove the link, or replace it with the record file itself"))
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, target]) != real_root:
        return Problem("E010", msg("symbolic link to {shown}, outside the repository: not read", shown=shown), rel,
                       hint=msg("records live inside the repository: copy the file in, or remove the link"))
    mode = os.stat(target).st_mode
    if stat.S_ISDIR(mode):
        return Problem("E013", msg("a link to the folder {shown}, not a record file: its contents are not read",
                                   shown=shown), rel,
                       hint=msg("records are read only from real folders under records/; move the files in, or "
                                "remove the link"))
    if not stat.S_ISREG(mode):
        return Problem("E014", msg("a link to {mode}, not a record file", mode=_not_regular(mode)), rel,
                       hint=msg("remove it; records are regular Markdown files"))
    return None


def read_bytes(root: str, rel: str) -> tuple[bytes | None, Problem | None]:
    """The bytes of the record file `rel`, or the located problem why it is not read.

    Only regular files inside the repository are records: a symbolic link pointing outside (E010),
    a broken one (E011), a link loop (E012), a folder named like a record (E013) and a FIFO, device
    or socket (E014) are reported, never followed, and never block (a FIFO is not opened).
    """
    path = f"{root}/{rel}"
    try:
        mode = os.lstat(path).st_mode
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
        if stat.S_ISLNK(mode):
            refused = _link_problem(root, rel, path)
            if refused is not None:
                return None, refused
        elif stat.S_ISDIR(mode):
            return None, Problem("E013", msg("a folder named like a record file: its contents are not read"), rel,
                                 hint=msg("rename the folder (records are files named ID.md), or move its files up"))
        elif not stat.S_ISREG(mode):
            return None, Problem("E014", msg("{mode}, not a record file: not read", mode=_not_regular(mode)), rel,
                                 hint=msg("remove it; records are regular Markdown files"))
        else:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped in since the lstat
                return None, Problem("E014", msg("not a regular file: not read"), rel, hint=msg("remove it"))
            chunks = []
            while chunk := os.read(fd, 65536):  # without io's buffered file objects: half the cost
                chunks.append(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        return None, Problem("E001", msg("cannot read file: {error}", error=exc.strerror or str(exc)), rel)
    return b"".join(chunks), None


def read_file(root: str, rel: str, config: Config, memo: Coercions | None = None) -> tuple[Record | None, list[Problem]]:
    """Read and type one record file: repository.read_record on string paths (the bulk loader's hot path)."""
    parts = rel.split("/")
    kind = FOLDER_KIND.get(parts[1]) if len(parts) >= 3 and parts[0] == "records" else None  # kind_for_path
    if kind is None:
        from svcnotes.store.repository import read_record

        return read_record(Path(root), rel, config)
    raw, refused = read_bytes(root, rel)
    if raw is None:
        assert refused is not None
        return None, [refused]
    text, problem = decode(raw, rel)
    if text is None:
        assert problem is not None
        return None, [problem]
    return build_record(kind, rel, parse(text, rel), config, content_digest(raw), memo)

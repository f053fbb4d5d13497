"""Typed versions of record files for the history, parsed field by field and shared between versions.

Consecutive versions of a record differ in a few fields, and many fields (`channel: phone`,
`status: investigating`) are written identically in thousands of records. `VersionReader` splits a
version's front matter into its top-level entries (the `key:` line and its indented lines), types
only the entries it has not seen before (one YAML parse of those lines, then the schema's typing)
and reuses the typed value of every entry it has seen. Two versions' entries with the same text
have the same typed value (the same object), so a diff only looks at the entries whose text changed.

The split is only trusted when the front matter is plain: every entry starts at column 0 with a
plain key, no tabs, anchors or aliases, and the parse of the new entries yields exactly those keys
with no problem. Anything else is read whole by the store's parser (`parse_blob`), so the result is
always what `svcnotes validate` reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from itertools import compress, repeat
from operator import is_, ne
from pathlib import PurePosixPath
from typing import Any, NamedTuple

from svcnotes.history.diff import Change, diff_body, diff_records, diff_values
from svcnotes.model.config import Config
from svcnotes.model.schema import Kind
from svcnotes.store.frontmatter import decode, parse, split_lf
from svcnotes.store.loader import Coercions, build_record
from svcnotes.store.repository import kind_for_path

# one field: its `key:` line at column 0, then the lines that belong to it (indented, list items at
# column 0, comments, blank lines); the front matter must be a run of these and nothing else (the
# lines an entry may go on with never start the next, so there is one way to cut it into entries)
_ENTRY_TEXT = r"([A-Za-z_][A-Za-z0-9_-]*):(?:[ \r][^\n]*)?\n(?:[ #\r-][^\n]*\n|\n)*+"  # possessive: never backtracks
_ENTRY = re.compile(f"({_ENTRY_TEXT})")  # findall: (entry text, key)
_LEADING = re.compile(r"(?:[ ]*(?:#[^\n]*)?\n)*")  # blank and comment lines before the first field
# tabs, anchors/aliases (an entry's value would depend on another entry), and line breaks other than
# \n (YAML and str.splitlines disagree on some; split_lf declines CR): such front matter is read whole
_UNSAFE = re.compile("[\t&*\x0b\x0c\x1c-\x1e\x85\u2028\u2029\ufeff]")
_MISS = object()
_ABSENT = object()  # an entry whose value types to nothing (null, or a value the schema rejects)
_MAX_YAML = 64 * 1024  # larger front matter is read whole (the store's node budget applies to it)


class Version(NamedTuple):
    """One stored version of a record file: id, typed fields (as Record.data), raw entries, body."""

    id: str
    data: Mapping[str, Any]
    entries: dict[str, str] | None  # key -> the entry's text; None when read whole
    body: str


class _Generations:
    """A bounded memo: two generations of entries; the older one is dropped when the newer fills up."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.new: dict[Any, Any] = {}
        self.old: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        value = self.new.get(key, _ABSENT)
        if value is _ABSENT:
            value = self.old.get(key, _ABSENT)
            if value is not _ABSENT:
                self.put(key, value)
        return value

    def put(self, key: Any, value: Any) -> None:
        if len(self.new) >= self.size:
            self.old, self.new = self.new, {}
        self.new[key] = value


class VersionReader:
    """Types stored versions of record files for one configuration, remembering entries and versions."""

    def __init__(self, config: Config, entries: int = 200_000, versions: int = 20_000) -> None:
        self.config = config
        self._entries = _Generations(entries)  # (kind, entry text) -> typed value or _ABSENT
        self.versions = _Generations(versions)  # (blob, path) -> Version | None
        self._kinds: dict[str, Kind] = {}
        self.whole = 0  # versions read whole by the store's parser (for tests and profiling)
        self.coercions = Coercions()  # scalar texts typed so far by this reader

    def cached(self, blob: str, path: str) -> Version | None | object:
        """The version of `blob` at `path` when already read, else the marker `MISSING`."""
        found = self.versions.get((blob, path))
        return MISSING if found is _ABSENT else found

    def read(self, raw: bytes, blob: str, path: str, base: Version | None = None) -> Version | None:
        """Type one stored version (None when it is not a record file or cannot be read at all).

        `base` is an earlier version of a record of the same kind (the version a commit changed):
        its entries with the same text give their typed values without a look-up."""
        return self.read_against(raw, blob, path, base)[0]

    def read_against(self, raw: bytes, blob: str, path: str,
                     base: Version | None) -> tuple[Version | None, list[str] | None]:
        """`read`, and the keys whose entry text differs from `base` (None when not typed against it)."""
        version, changed = self._read(raw, path, base)
        self.versions.put((blob, path), version)
        return version, changed

    def _read(self, raw: bytes, path: str, base: Version | None = None) -> tuple[Version | None, list[str] | None]:
        kind = kind_for_path(path)
        if kind is None or not path.endswith(".md"):
            return None, None
        text, _ = decode(raw, path)
        if text is None:
            return None, None
        fast = self._split(text, kind.name, path, base)
        return fast if fast is not None else (self._whole(text, path), None)

    def _whole(self, text: str, path: str) -> Version | None:
        self.whole += 1
        kind = kind_for_path(path)
        assert kind is not None
        parsed = parse(text, path)
        if not parsed.ok:
            return None
        record, _ = build_record(kind, path, parsed, self.config, memo=self.coercions)
        return Version(record.id, record.data, None, record.body)

    def _split(self, text: str, kind: str, path: str,
               base: Version | None = None) -> tuple[Version, list[str] | None] | None:
        """The version by entries (and the keys changed since `base`), or None when the front matter is not
        plain enough to split safely."""
        cut = split_lf(text)  # the store's own cut: anything else (CRLF ...) is read whole
        if cut is None:
            return None
        start, end, rest, body_start, _simple = cut
        start = _LEADING.match(text, start).end()  # type: ignore[union-attr]
        if end - start > _MAX_YAML or _UNSAFE.search(text, 0, rest):
            return None
        pairs = _ENTRY.findall(text, start, end)
        if not pairs:
            return None  # no field at all
        texts, keys = zip(*pairs, strict=True)
        if sum(map(len, texts)) != end - start:
            return None  # not a run of entries and nothing else (the matches, in order, leave a gap)
        entries = dict(zip(keys, texts, strict=True))
        if len(entries) != len(pairs):
            return None  # a duplicate key (the store's parser reports it)
        typed: tuple[dict[str, Any] | None, list[str] | None]
        if base is not None and base.entries is not None:
            typed = self._type_against(kind, path, entries, base)
        else:
            typed = self._type(kind, path, entries), None
        data, changed = typed
        if data is None:
            return None
        body = text[body_start:]
        record_id = str(data.get("id") or PurePosixPath(path).stem)
        return Version(record_id, data, entries, body), changed

    def _optional(self, path: str) -> Kind:
        """The path's kind with no field required: typing some fields of a record is not an error."""
        kind = kind_for_path(path)
        assert kind is not None
        if kind.name not in self._kinds:
            self._kinds[kind.name] = replace(kind, by_name={}, fields=tuple(
                replace(f, required=False, sub={}) for f in kind.fields))
        return self._kinds[kind.name]

    def _type(self, kind: str, path: str, entries: dict[str, str]) -> dict[str, Any] | None:
        """Typed fields of the entries: remembered ones reused, the others parsed together in one go."""
        typed: dict[str, Any] = {}
        unknown = self._recall(kind, entries, entries, typed)
        if unknown and not self._parse(kind, path, entries, unknown, typed):
            return None
        if unknown or any(v is _ABSENT for v in typed.values()):
            return {k: v for k, v in typed.items() if v is not _ABSENT}
        return typed

    def _recall(self, kind: str, entries: dict[str, str], keys: Iterable[str], typed: dict[str, Any]) -> list[str]:
        """typed[key] for each key whose entry text was typed before (or `_ABSENT` where it typed to
        nothing or is unknown); returns the unknown keys, in order."""
        memo = self._entries
        if len(memo.new) >= memo.size:
            memo.old, memo.new = memo.new, {}
        new, old = memo.new, memo.old
        unknown: list[str] = []
        for key in keys:
            entry = entries[key]
            found = new.get((kind, entry), _MISS)
            if found is _MISS:
                found = old.get((kind, entry), _MISS)
                if found is _MISS:
                    unknown.append(key)
                    typed[key] = _ABSENT
                    continue
                new[(kind, entry)] = found
            typed[key] = found
        return unknown

    def _type_against(self, kind: str, path: str, entries: dict[str, str],
                      base: Version) -> tuple[dict[str, Any] | None, list[str]]:
        """Typed fields of the entries, those written as in `base` taking its values (the same text types the
        same), the others as `_type` does; and the keys whose text differs from `base`."""
        same, known = base.entries, base.data
        assert same is not None
        keys = list(entries)
        changed = list(compress(keys, map(ne, map(same.get, keys), entries.values())))
        typed = dict(zip(keys, map(known.get, keys, repeat(_ABSENT)), strict=True))  # in the entries' order
        if changed:
            unknown = self._recall(kind, entries, changed, typed)
            if unknown and not self._parse(kind, path, entries, unknown, typed):
                return None, changed
        if any(map(is_, typed.values(), repeat(_ABSENT))):
            typed = {k: v for k, v in typed.items() if v is not _ABSENT}
        return typed, changed

    def _parse(self, kind: str, path: str, entries: dict[str, str], unknown: list[str], typed: dict[str, Any]) -> bool:
        """Type the `unknown` entries in one parse into `typed` and the memo; False when they do not read alone."""
        parsed = parse("---\n" + "".join(entries[k] for k in unknown) + "---\n", path)
        if not parsed.ok or parsed.problems or list(parsed.data) != unknown:
            return False
        record, _ = build_record(self._optional(path), path, parsed, self.config, memo=self.coercions)
        new = self._entries.new
        for key in unknown:
            value = record.data.get(key, _ABSENT)
            new[(kind, entries[key])] = value
            typed[key] = value
        return True


def diff_versions(old: Version | None, new: Version | None, same_kind: bool = True,
                  changed: list[str] | None = None) -> list[Change]:
    """`diff_records(old, new)`, comparing only the fields whose entry text changed when both versions were
    read by entries as one kind (the same text types to the same value). `changed`: the keys whose text
    differs in `new` from `old`, when known (from `VersionReader.read_against`)."""
    if old is None or new is None or old.entries is None or new.entries is None or not same_kind \
            or not old.data or not new.data:
        return diff_records(old, new)
    before_entries, after_entries = old.entries, new.entries
    if changed is None:
        keys = list(after_entries)
        changed = list(compress(keys, map(ne, map(before_entries.get, keys), after_entries.values())))
    out: list[Change] = []
    gone = before_entries.keys() - after_entries.keys()
    if changed or gone:
        wanted = gone.union(changed)
        before_data, after_data = old.data, new.data
        for key in [*filter(wanted.__contains__, before_data),
                    *(k for k in filter(wanted.__contains__, after_data) if k not in before_data)]:
            before, after = before_data.get(key), after_data.get(key)
            if before != after:
                diff_values(before, after, key, out)
    body = diff_body(old.body, new.body)
    if body is not None:
        out.append(body)
    return out


MISSING = object()

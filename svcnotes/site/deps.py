"""Page keys: what each page's bytes depend on, hashed, so an unchanged page is neither built nor written.

A key is computed from cheap inputs — record content digests, never rendered output — so a build
after editing one record decides in milliseconds which pages to rebuild:

- every page: the build salt (build version, templates, locale, today, svcnotes.toml, redaction);
- a record page: the record, the records its reference fields point at, the records listed on it
  (a complaint's callbacks, notes and reopen chain; a customer's complaints, callbacks and notes)
  and what those point at, its reading problems, and the version of its git history;
- a register page: the front matter of the records it lists (`front_matter_token`: a row shows
  no body) and the customer names it shows;
- a report page: the computed report itself; the report is recomputed only when a read it made
  (svcnotes.reports.index tracing) returns records whose front matter changed (`reads_unchanged`);
- a search shard: the records in it and the customer names.

Between builds (site.build._Changes): while the salt and history are the same and no record was
added, removed or re-linked (`links_digest`), a record page whose note (the files its key read)
names no changed file keeps its key without computing it, and the dashboard and reports keep
theirs while no record's front matter changed (`front_matter_digest`).

tests/site/test_incremental.py checks the contract: after any edit, an incremental build writes
exactly the bytes a clean build writes.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable
from typing import Any

from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS

REF_FIELDS = {kind: tuple(f.name for f in k.fields if f.type == "ref" and f.ref not in ("", "staff"))
              for kind, k in KINDS.items()}


def digest(*parts: Any) -> str:
    """A short stable hash of text parts."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def token(record: Record) -> str:
    """What identifies a record's content: id, path and the digest of its file."""
    content = record.digest or hashlib.blake2b(pickle.dumps((record.data, record.body)), digest_size=16).hexdigest()
    return f"{record.id}\x1e{record.path}\x1e{content}"


def tokens(records: Iterable[Record]) -> str:
    """The tokens of many records, in order."""
    return "\x1d".join(map(token, records))


def referenced(site: Any, record: Record) -> list[Record]:
    """The records a record's reference fields point at (customer, complaint, reopens...)."""
    out = []
    data, by_id = record.data, site.by_id
    for name in REF_FIELDS.get(record.kind, ()):
        value = data.get(name)
        if value.__class__ is str and value in by_id:
            out.append(by_id[value])
    return out


def shown_on_record_page(site: Any, record: Record) -> list[Record]:
    """Every record whose content can change the record's page (itself first)."""
    related: list[Record] = []
    if record.kind == "complaint":
        related = [*site.related("callback.complaint", record.id), *site.related("note.complaint", record.id),
                   *site.related("complaint.reopens", record.id)]
    elif record.kind == "customer":
        related = [*site.related("complaint.customer", record.id), *site.related("callback.customer", record.id),
                   *site.related("note.customer", record.id)]
    seen: dict[str, Record] = {}
    for r in [record, *referenced(site, record), *related]:
        seen.setdefault(r.id, r)
        for target in referenced(site, r):
            seen.setdefault(target.id, target)
    return list(seen.values())


LINK_FIELDS = ("customer", "complaint", "reopens", "aliases")  # besides REF_FIELDS: what Site.related and Snapshot.aliases read


def content_key(record: Record) -> str:
    """What identifies a record file's content between builds: its digest (that of its front matter
    and body when it was not read from a file), with a separator."""
    return f"{record.digest or token(record).rsplit(chr(0x1e), 1)[1]}:"


def _short(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def record_state(record: Record) -> str:
    """What the site keeps of a record between builds, one string: `content_key`, then a digest of
    its links (kind, id, reference fields: while no record's links change, every page lists and
    points at the same records as before) and of its front matter (what the dashboard and reports
    read; never the body)."""
    data = record.data
    links = "\x1f".join([record.kind, record.id, *(f"{name}={data.get(name)!r}"
                                                  for name in (*REF_FIELDS.get(record.kind, ()), *LINK_FIELDS))])
    try:
        front = _short(pickle.dumps(data, pickle.HIGHEST_PROTOCOL))
    except Exception:  # unpicklable front matter: never the same as before
        front = "?"
    return f"{content_key(record)}{_short(links.encode('utf-8', 'surrogatepass'))}:{front}"


def front_matter_token(record: Record, state: str | None = None) -> str:
    """A record's id, path and front matter digest (from its `record_state` when given): the key
    part of a page that shows the record's front matter only (a register row)."""
    front = (state or record_state(record)).rsplit(":", 1)[1]
    return f"{record.id}\x1e{record.path}\x1e{front if front != '?' else token(record)}"


def same_links(old: str, new: str) -> bool:
    """Whether two `record_state`s have the same links."""
    return old.split(":")[1] == new.split(":")[1]


def same_front_matter(old: str, new: str) -> bool:
    """Whether two `record_state`s have the same front matter."""
    a, b = old.split(":")[2], new.split(":")[2]
    return a == b and a != "?"


def names_key(site: Any) -> str:
    """The customer display names every register, report and search entry may show."""
    return digest(*sorted(site.names.items()))


def report_key(report: Any) -> str:
    """A computed report's own fingerprint (its rows, figures, series and notes)."""
    try:
        data = pickle.dumps(report, pickle.HIGHEST_PROTOCOL)
    except Exception:  # a report that cannot be pickled is always rebuilt
        return digest(id(report))
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def data_token(record: Record, known: dict[Any, str] | None = None) -> str:
    """A record's id, path and front matter (not its body: reports never read bodies); remembered in
    `known` (one snapshot's: see _read_digest) by id and path."""
    key = (record.id, record.path)
    if known is not None:
        hit = known.get(key)
        if hit is not None:
            return hit
    try:
        content = hashlib.blake2b(pickle.dumps(record.data, pickle.HIGHEST_PROTOCOL), digest_size=16).hexdigest()
    except Exception:  # unpicklable front matter: fall back to the whole file's token
        content = token(record)
    text = f"{record.id}\x1e{record.path}\x1e{content}"
    if known is not None:
        known[key] = text
    return text


def _read_digest(index: Any, read: Iterable[Any], level: str) -> str | None:
    """What one traced read returns now, hashed by file (`token`) or by front matter (`data_token`)."""
    entry = tuple(str(x) for x in read)
    known = index.cache(f"site.read.{level}")
    hit = known.get(entry)
    if hit is None:
        try:
            found = index.read(entry)
        except ValueError:
            return None
        if level == "file":
            text = tokens(found)
        else:
            same = index.cache("site.data_token")  # the snapshot's records: the index dies with it
            text = "\x1d".join(data_token(r, same) for r in found)
        hit = known[entry] = digest(*entry, text)
    return hit  # type: ignore[no-any-return]


def reads_note(index: Any, reads: list[Any], head: str) -> list[Any]:
    """What the site keeps of a traced report: `head` (salt, url, names), its reads, and what each
    read returned, hashed by file and by front matter."""
    return [head, reads, [_read_digest(index, r, "file") for r in reads], [_read_digest(index, r, "data") for r in reads]]


def reads_unchanged(index: Any, note: Any, head: str) -> list[Any] | None:
    """The note brought up to date if every read still returns the same front matter, else None.

    A read whose files are byte-identical is not hashed again; one whose files changed (a body
    edit, say) is compared by front matter, which is all a report reads."""
    try:
        old_head, reads, files, data = note
        if old_head != head or len(reads) != len(files) or len(reads) != len(data):
            return None
        files = list(files)
        for i, read in enumerate(reads):
            now = _read_digest(index, read, "file")
            if now is None:
                return None
            if now != files[i]:
                if _read_digest(index, read, "data") != data[i]:
                    return None
                files[i] = now
    except (TypeError, ValueError):  # a manifest from another version or damaged: recompute
        return None
    return [head, reads, files, data]

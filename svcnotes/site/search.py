"""The search index the search page reads: entries in small parts, and a gram index that tells the
page which parts can hold a query's matches, so the first result needs a few small downloads.

Files under search/ (each a script, so the site works from file://):

- entry parts `search/<group>.js`, `search/<group>-2.js`, ...: a group is a kind and month
  (`complaint-2026-11`; customers are one group), its entries newest first, cut into parts of at
  most PART_SIZE entries counted from the oldest (a new record changes only its group's newest part);
- gram shards `search/g<n>.js`: for every gram of the entries' lowercased text, in which entries of
  each group it occurs. A gram is a pair of characters of which one is not ASCII (Chinese is
  found by character bigrams) or three ASCII characters (ids, English words), never spanning a
  separator. Gram `g` lives in shard `fnv1a(g) % shards`; a query needs the shards of its terms'
  grams only. A term whose grams are all in an entry is a candidate; the page then loads the
  candidates' parts and checks each entry as before (substring match), so it finds exactly what a
  scan of every entry finds. A term too short to have a gram (one character; two ASCII characters)
  constrains nothing: the page then reads every part, newest first.

Posting lists are delta-coded in base 32 (a run of consecutive entries as 0 and its length), one
string per gram and group, positions counted within the group. Each group's share of the shards
is cached under .svcnotes-cache/search/ by the group's key, so a one-record edit computes one
group; the shards' bytes are joined from the per-group fragments.

May import: svcnotes.model, svcnotes.site (not build), svcnotes.store (cachefile, bulk.write_pickle).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS
from svcnotes.site import deps
from svcnotes.site.context import search_entry, search_index_js
from svcnotes.site.i18n import enum_label
from svcnotes.site.pages import Planned, Site
from svcnotes.store import cachefile
from svcnotes.store.bulk import write_pickle

SEARCH_TEXT_LIMIT = 2000  # characters of a body that go into the search index
SEARCH_DATES = {"complaint": "received_at", "callback": "due", "note": "at", "customer": "since"}
SEARCH_KINDS = ("complaint", "callback", "note", "customer")
SEARCH_PEOPLE = {"complaint": ("owner", "first_responder"), "callback": ("assigned_to", "conducted_by"),
                 "note": ("author",), "customer": ("account_owner",)}
PART_SIZE = 128  # entries per part: about 90 KB of script
FORMAT = "2"  # bump when the files' layout changes (it is in every key)
# Characters no query term holds (the page splits a query at whitespace); no gram spans them.
SEPARATORS = frozenset(" \t\n\r\v\f\x01\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff"
                       + "".join(chr(c) for c in range(0x2000, 0x200B)))
_TERMINAL = "0123456789abcdefghijklmnopqrstuv"  # a base-32 digit that ends a number
_MORE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&("  # a base-32 digit that another follows
_MARKS = re.compile(r"^[ \t]*(?:#{1,6}|[-*+>]|\d+\.)[ \t]+|[*_`]{1,3}", re.M)


_RUNS = re.compile("[^" + re.escape("".join(sorted(SEPARATORS))) + "]+")  # what lies between separators
_ASCII_RUNS = re.compile("[\x00-\x7f]{3,}")


def grams(text: str) -> set[str]:
    """The grams of a (lowercased) text: every character pair holding a non-ASCII character, every
    all-ASCII triple; none spans a separator. A text containing a term contains all the term's grams."""
    out: set[str] = set()
    for run in _RUNS.findall(text):
        if run.isascii():
            out.update([run[i:i + 3] for i in range(len(run) - 2)])
            continue
        out.update([pair for pair in [run[i:i + 2] for i in range(len(run) - 1)] if not pair.isascii()])
        for part in _ASCII_RUNS.findall(run):
            out.update([part[i:i + 3] for i in range(len(part) - 2)])
    return out


def shard_of(gram: str, shards: int) -> int:
    """The gram shard a gram lives in: 32-bit FNV-1a over its code points (site.js computes the same)."""
    h = 2166136261
    for ch in gram:
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h % shards


FINE = 4096  # gram fragments are kept per fine shard; a file shard b of m (a power of two) joins every fine b' = b mod m
SHARD_BYTES = 16_000  # about what one gram shard weighs


def shard_count(index_bytes: int) -> int:
    """How many gram shards: the smallest power of two (1 to FINE) keeping each near SHARD_BYTES."""
    m = 1
    while m * SHARD_BYTES < index_bytes and m < FINE:
        m *= 2
    return m


def _number(value: int) -> str:
    digits = [_TERMINAL[value & 31]]
    value >>= 5
    while value:
        digits.append(_MORE[value & 31])
        value >>= 5
    return "".join(reversed(digits))


_SMALL = [_number(v) for v in range(1024)]
_ONES = re.compile(r"(?<![A-Z!#$%&(])1{2,}")  # gaps of 1 in a row (a "1" after such a digit ends a longer number)


def encode(positions: Sequence[int]) -> str:
    """Increasing positions as gaps in base 32 (gap = position - previous, starting at -1, so >= 1);
    a run of k >= 2 gaps of 1 is written 0 then k."""
    if not positions:
        return ""
    gaps = [positions[0] + 1] + [b - a for a, b in pairwise(positions)]
    text = "".join([_SMALL[g] if g < 1024 else _number(g) for g in gaps])
    return _ONES.sub(lambda m: "0" + _number(len(m.group())), text)


def decode(text: str) -> list[int]:
    """The positions `encode` wrote."""
    out: list[int] = []
    prev, value, run = -1, 0, False
    for ch in text:
        k = _MORE.find(ch)
        if k != -1:
            value = value * 32 + k
            continue
        value = value * 32 + _TERMINAL.index(ch)
        if run:
            out.extend(range(prev + 1, prev + 1 + value))
            prev += value
            run = False
        elif value == 0:
            run = True
        else:
            prev += value
            out.append(prev)
        value = 0
    return out


def parts_of(n: int, size: int = PART_SIZE) -> list[tuple[int, int]]:
    """The parts of a group of n entries (newest first) as (start, end) positions, part 0 holding the
    oldest `size` entries; listed from part 0 up."""
    out: list[tuple[int, int]] = []
    end = n
    while end > 0 or not out:
        out.append((max(0, end - size), end))
        end -= size
    return out


def part_url(group: str, part: int) -> str:
    """The file of a group's part (part 0, the oldest entries, has the group's own name)."""
    return f"search/{group}.js" if part == 0 else f"search/{group}-{part + 1}.js"


def part_js(url: str, entries: list[dict[str, str]]) -> str:
    """One part: registers its entries under its url in window.SVCNOTES_PARTS."""
    data = search_index_js(entries)[len("window.SVCNOTES_INDEX = "):-2]
    return f"(window.SVCNOTES_PARTS = window.SVCNOTES_PARTS || {{}})[{json.dumps(url)}] = {data};\n"


def fragments(entries: Sequence[dict[str, str]], shards: int = FINE) -> dict[int, str]:
    """A group's posting lists by shard, each as JSON object members `"gram":"postings",...` (sorted)."""
    postings: defaultdict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(entries):
        for g in grams(e.get("x", "")):
            postings[g].append(i)
    by_shard: dict[int, dict[str, str]] = {}
    for g, positions in postings.items():
        by_shard.setdefault(shard_of(g, shards), {})[g] = encode(positions)
    return {b: _js(dict(sorted(m.items())))[1:-1] for b, m in by_shard.items()}


def gram_shard_js(shard: int, groups: Iterable[tuple[str, list[str]]]) -> str:
    """One gram shard from each group's fragments in it: window.SVCNOTES_GRAMS[n] = {group: {gram: postings}};
    each group given by its name as a JavaScript string (`_js(name)`)."""
    body = ",".join(f"{name}:{{{','.join(members)}}}" for name, members in groups if members)
    return f"(window.SVCNOTES_GRAMS = window.SVCNOTES_GRAMS || {{}})[{shard}] = {{{body}}};\n"


def _js(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def search_shard_of(kind: str, r: Record) -> str:
    """The group a record's entry lives in: its kind and month (customers: one group)."""
    if kind == "customer":
        return "customers"
    value = r.get(SEARCH_DATES[kind])
    year, month = getattr(value, "year", None), getattr(value, "month", None)
    return f"{kind}-{year:04d}-{month:02d}" if year and month else f"{kind}-undated"


# a group's name starts with its kind (customers have one group, "customers"), in SEARCH_KINDS' order
_GROUP_RANK = {("customers" if kind == "customer" else kind): i for i, kind in enumerate(SEARCH_KINDS)}


def group_order(name: str) -> tuple[int, bool, str, str]:
    """Groups in the order the page lists results: complaints, callbacks, notes, customers; newest month first."""
    kind, _, month = name.partition("-")
    rank = _GROUP_RANK.get(kind, len(_GROUP_RANK))
    inverted = "".join(chr(0x10FFFF - ord(ch)) for ch in month)  # newest month first
    return rank, month == "undated", inverted, name


def search_entries(site: Site, records: Iterable[tuple[str, Record]] | None = None) -> list[dict[str, str]]:
    """Search entries, newest first within each kind: what the result shows (title, kind, status,
    customer, date, person) and the searchable text, lowercased: every text field, the body's start,
    the customer's short and full names and id, and the names and ids of the people on the record."""
    out = []
    if records is None:
        records = [(kind, r) for kind in SEARCH_KINDS for r in site.records[kind]]
    grouped: dict[str, list[Record]] = {}
    for kind, r in records:
        grouped.setdefault(kind, []).append(r)
    for kind in SEARCH_KINDS:
        key = SEARCH_DATES[kind]
        for r in sorted(grouped.get(kind, []), key=lambda r: (str(r.get(key) or ""), r.id), reverse=True):
            customer_id = r.id if kind == "customer" else str(r.get("customer") or "")
            customer = site.by_id.get(customer_id)
            short = site.names.get(customer_id, "")
            full = str(customer.get("name") or "") if customer is not None else ""
            if kind == "callback":
                title = " · ".join(x for x in (short, enum_label(site.locale, "callback_kind", str(r.get("kind") or ""))) if x) or r.id
            else:
                title = str(r.get("title") or r.get("name") or r.get("summary") or r.id)
            keys = [r.id, short, full, customer_id]
            people = [str(r.get(f) or "") for f in SEARCH_PEOPLE[kind]]
            for person in people:
                if person:
                    keys += [person, site.fmt.staff(person)]
            texts = []
            fields = KINDS[kind].by_name
            for name, value in r.data.items():
                f = fields.get(name)
                if f is None or f.type in ("enum", "ref") or name in ("id", "title", "status"):
                    continue  # codes are found through the result's labels and the keys above
                if isinstance(value, str):
                    texts.append(value)
                elif isinstance(value, list):
                    texts.extend(str(v) for v in value if isinstance(v, str))
            texts.append(_MARKS.sub("", r.body[:SEARCH_TEXT_LIMIT]))  # the words, not the Markdown marks
            enum = {"complaint": "complaint_status", "callback": "callback_status"}.get(kind, "")
            status = enum_label(site.locale, enum, r.status) if enum and r.status else ""
            when = r.get(key)
            day = when.date().isoformat() if hasattr(when, "date") and callable(when.date) else \
                when.isoformat() if hasattr(when, "isoformat") else ""
            owner = next((site.fmt.staff(p) for p in people if p), "")
            out.append(search_entry(url=site.urls[r.id], title=f"{r.id} {title}" if kind != "customer" else title,
                                    kind=kind, kind_label=enum_label(site.locale, "kind", kind), status=status,
                                    text=texts, customer=short if kind != "customer" else "", date=day, owner=owner,
                                    status_code=r.status if enum else "", keys=keys))
    return out


PART_TEXT_BUDGET = 16 << 20  # characters of part text a build keeps from its grams pass for its workers (10k: all)


class SearchIndex:
    """The search files of one build: groups of records with their keys, each group's gram
    fragments (read from the cache, checked, or made before the render workers fork) and its parts."""

    def __init__(self, site: Site, salt: str, cache: Path | None) -> None:
        """`salt`: what made the records' search data (code, config, language, options; not the theme)."""
        self.site, self.cache = site, cache
        members: dict[str, list[tuple[str, Record]]] = {}
        for kind in SEARCH_KINDS:
            for r in site.records[kind]:
                members.setdefault(search_shard_of(kind, r), []).append((kind, r))
        self.groups = sorted(members, key=group_order)
        self.members = members
        self.shards = 1  # set by prepare(), from the index's size
        # an entry shows its customer's short and full names: both are in every group's key
        names = deps.digest(deps.names_key(site), *sorted((c.id, str(c.get("name") or "")) for c in site.records["customer"]))
        self.keys = {g: deps.digest(salt, FORMAT, g, FINE, PART_SIZE, names, deps.tokens(r for _, r in members[g]))
                     for g in self.groups}
        self._fragments: dict[str, dict[int, str]] = {}
        self._parts: dict[str, list[str]] = {}  # part texts made by prepare(), kept for the workers
        self._sizes: dict[str, int] = {}  # characters of each group's fragments

    def _path(self, group: str) -> Path | None:
        return self.cache / f"{group}.{self.keys[group]}.pickle" if self.cache is not None else None

    def _read(self, group: str) -> dict[int, str] | None:
        """A group's cached fragments; None when missing, and noted when unusable."""
        path = self._path(group)
        if path is None:
            return None
        try:
            data = pickle.loads(path.read_bytes())
            if isinstance(data, dict) and data.get("format") == FORMAT and data.get("key") == self.keys[group] \
                    and isinstance(data.get("fragments"), dict) and isinstance(data.get("size"), int):
                self._sizes[group] = data["size"]
                return data["fragments"]  # type: ignore[no-any-return]
        except FileNotFoundError:
            return None
        except Exception:  # truncated or foreign: any unpickling error
            pass
        cachefile.ignored(path)
        return None

    def _texts(self, group: str) -> tuple[list[str], list[dict[str, str]]]:
        entries = search_entries(self.site, self.members[group])
        return [part_js(part_url(group, p), entries[start:end]) for p, (start, end) in enumerate(parts_of(len(entries)))], entries

    def _write(self, group: str, frags: dict[int, str]) -> None:
        path = self._path(group)
        if path is None:
            return
        try:
            # The group's other versions: the newest stays, so two sites built in turn from one
            # repository (another language, --no-history, --redact) do not make each other's again.
            others = sorted((p for p in path.parent.glob(f"{group}.*.pickle") if p != path),
                            key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in others[1:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass
        write_pickle(path, {"format": FORMAT, "key": self.keys[group], "fragments": frags, "size": self._sizes[group]})

    def prepare(self) -> None:
        """Every group's fragments, before the render workers fork (made once, not once per worker):
        cached ones read and checked, the others made (with their part texts, kept within a budget)."""
        budget = PART_TEXT_BUDGET
        for group in self.groups:
            frags = self._read(group)
            if frags is None:
                parts, entries = self._texts(group)
                frags = fragments(entries)
                self._sizes[group] = sum(len(t) for t in frags.values())
                self._write(group, frags)
                size = sum(len(t) for t in parts)
                if size <= budget:
                    self._parts[group], budget = parts, budget - size
            self._fragments[group] = frags
        self.shards = shard_count(sum(self._sizes.values()))

    def part(self, group: str, p: int) -> bytes:
        """The bytes of one entry part."""
        parts = self._parts.get(group) or self._texts(group)[0]
        return parts[p].encode("utf-8")

    def shards_bytes(self) -> list[bytes]:
        """The bytes of every gram shard b: each group's fragments of the fine shards b, b + m, b + 2m ...
        (m shards). The per-shard lists are made for this call only (at 100k, 800,000 entries)."""
        if len(self._fragments) < len(self.groups):
            self.prepare()
        return [gram_shard_js(b, members).encode("utf-8") for b, members in enumerate(self._fragments_by_shard())]

    def _fragments_by_shard(self) -> list[list[tuple[str, list[str]]]]:
        """Per gram shard, (group name as JavaScript, its fragments there) in group order, each group's in
        fine order: one pass over the fragments instead of a look-up of every fine shard of every group
        in every shard (an edit's rebuild keys all 1,024 shards of a 100k site by their bytes)."""
        out: list[list[tuple[str, list[str]]]] = [[] for _ in range(self.shards)]
        for group in self.groups:
            frags = self._fragments[group]
            mine: dict[int, list[str]] = {}
            for k in sorted(frags):
                if frags[k]:
                    mine.setdefault(k % self.shards, []).append(frags[k])
            name = _js(group)
            for b, members in mine.items():
                out[b].append((name, members))
        return out

    def manifest(self) -> dict[str, Any]:
        """What the search page needs to find the files: gram shards, part size, groups [name, kind, n]."""
        return {"v": FORMAT, "m": self.shards, "p": PART_SIZE,
                "g": [[g, g.split("-", 1)[0].rstrip("s"), len(self.members[g])] for g in self.groups]}


def _made(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def search_plans(site: Site, salt: str, page: Callable[[str, dict[str, Any]], Planned],
                 data_salt: str | None = None) -> list[Planned]:
    """Every search file of a build and the search page (made by `page(title, context)`); the cached
    per-group work is keyed by `data_salt` (default `salt`), which a build gives without the theme."""
    index = SearchIndex(site, data_salt or salt, getattr(site, "search_cache", None))
    index.prepare()
    planned: list[Planned] = []

    def part(group: str, p: int) -> Callable[[], bytes]:
        return lambda: index.part(group, p)

    for group in index.groups:
        for p, _ in enumerate(parts_of(len(index.members[group]))):
            planned.append(Planned(part_url(group, p), deps.digest(index.keys[group], p), part(group, p)))
    for b, data in enumerate(index.shards_bytes()):
        # keyed by its bytes, joined here from the groups' fragments (all shards: about 35 ms at 10k,
        # less than keying each by its fragments): an edit re-makes only the few shards it changes
        key = deps.digest(salt, FORMAT, b, hashlib.blake2b(data, digest_size=16).hexdigest())
        planned.append(Planned(f"search/g{b}.js", key, _made(data)))
    filters = {"kinds": [(k, enum_label(site.locale, "kind", k)) for k in SEARCH_KINDS],
               "statuses": [(v, enum_label(site.locale, e, v)) for e, kind in (("complaint_status", "complaint"),
                                                                             ("callback_status", "callback"))
                            for v in site.order(kind, "status")]}
    manifest = index.manifest()
    planned.append(page(site.t("page.search"), {"index": manifest, "index_json": _js(manifest), **filters}))
    return planned

"""Conduct rules on text meant for the customer (服务禁用语): which texts, and how phrases are found.

Customer-facing text is every field the schema marks `customer_facing` (the reply, the resolution
letter, the result told to the customer) and, for outgoing service notes (calls out, e-mails), the
summary and the body. Phrases are matched after normalising both sides: full-width forms to
half-width (NFKC), and spaces, punctuation and line breaks removed, so '不 清楚' and '不，清楚'
are found. A phrase that lies inside an allowed safe context (conduct.allowed_contexts, e.g.
'请勿随便') is not reported: a safety instruction is not a brush-off.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS, OUTGOING_NOTE_KINDS

BODY = "(body)"  # store.loader.BODY: the line of the body's first character in Record.lines
_CUSTOMER_FACING = {name: tuple(f for f in kind.fields if f.customer_facing) for name, kind in KINDS.items()}


@dataclass(frozen=True)
class Hit:
    """One forbidden phrase found: the phrase as configured and its index in the original text."""

    phrase: str
    start: int


def _dropped(char: str) -> bool:
    """Spaces, punctuation and control characters: not part of what a phrase says."""
    return unicodedata.category(char)[0] in "PZC"


@lru_cache(maxsize=4096)
def normalise(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` with full-width forms folded and spaces and punctuation removed, and for each
    character of the result its index in `text`."""
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char):
            if not _dropped(folded):
                out.append(folded.lower())
                where.append(i)
    return "".join(out), tuple(where)


def _spans(text: str, needle: str) -> Iterator[int]:
    start = text.find(needle) if needle else -1
    while start >= 0:
        yield start
        start = text.find(needle, start + 1)


@lru_cache(maxsize=64)
def _needles(phrases: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """The characters each normalised phrase needs (a text lacking one cannot contain it)."""
    return tuple(frozenset(normalise(p)[0]) for p in phrases)


_STABLE: set[str] = set()  # characters seen that fold to themselves
_FOLD: dict[str, str] = {}  # the others, folded


def _folded_chars(text: str) -> set[str]:
    """Every character the normalised text can hold: its own and those its characters fold to."""
    chars = set(text)
    for c in chars - _STABLE:
        folded = _FOLD.get(c)
        if folded is None:
            folded = unicodedata.normalize("NFKC", c).lower()
            if folded == c and len(_STABLE) < 200_000:
                _STABLE.add(c)
                continue
            _FOLD[c] = folded
        chars = chars | set(folded)
    return chars


def find_phrases(text: str, phrases: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[Hit]:
    """Every forbidden phrase in `text` (normalised), outside the allowed safe contexts, in order."""
    chars = _folded_chars(text)
    if not any(needs <= chars for needs in _needles(phrases)):
        return []  # the usual case, decided without walking the text character by character
    norm, where = normalise(text)
    safe: list[tuple[int, int]] = []
    for context in allowed:
        needle = normalise(context)[0]
        safe += [(s, s + len(needle)) for s in _spans(norm, needle)]
    hits = []
    for phrase in phrases:
        needle = normalise(phrase)[0]
        for s in _spans(norm, needle):
            if not any(a <= s and s + len(needle) <= b for a, b in safe):
                hits.append(Hit(phrase, where[s]))
    return sorted(hits, key=lambda h: (h.start, h.phrase))


def customer_texts(record: Record) -> Iterator[tuple[str, str, Callable[[int], int | None]]]:
    """(field, text, line of a character index) of every customer-facing text of the record."""
    for f in _CUSTOMER_FACING[record.kind]:
        value = record.data.get(f.name)
        if isinstance(value, str):
            yield f.name, value, _liner(record, f.name, value)
    if record.kind == "note" and record.data.get("kind") in OUTGOING_NOTE_KINDS:
        summary = record.data.get("summary")
        if isinstance(summary, str):
            yield "summary", summary, _liner(record, "summary", summary)
        if record.body:
            yield BODY, record.body, _liner(record, BODY, record.body)


def _liner(record: Record, name: str, value: str) -> Callable[[int], int | None]:
    """The file line of character `index` of a text field (exact inside a literal block scalar)."""
    key_line = record.lines.get(name)
    if key_line is None:
        return lambda index: None
    if name == BODY:
        return lambda index: key_line + value[:index].count("\n")
    if "\n" not in value:
        return lambda index: key_line
    return lambda index: key_line + 1 + value[:index].count("\n")


def label(record: Record, name: str) -> str:
    """How a text is named in a message: the field's Chinese label, or 'body'."""
    f = KINDS[record.kind].by_name.get(name)
    return f.zh if f is not None else ("正文" if name == BODY else name)

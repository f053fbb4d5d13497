"""What the search page must find: a plain scan of every search entry, in the order the page lists
them (the search page's semantics before the gram index, kept as the reference the index is
tested against): every term a substring of the entry's text, qualifiers substrings of their
fields; a record whose title starts with the query first, then customer files it names, then the
rest in index order (complaints, callbacks, notes, customers, each newest first)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

QUALIFIERS = {"customer": ("c",), "status": ("s", "sv"), "kind": ("k", "kl"), "owner": ("o",),
              "客户": ("c",), "状态": ("s", "sv"), "类型": ("k", "kl"), "负责人": ("o",)}
_QUALIFIER = re.compile(r"^(customer|status|kind|owner|客户|状态|类型|负责人)[:：](.+)$")


def parse(text: str) -> tuple[list[str], list[tuple[tuple[str, ...], str]]]:
    """(terms, [(fields, value)]) of a query, lowercased."""
    terms: list[str] = []
    fields: list[tuple[tuple[str, ...], str]] = []
    for word in text.strip().lower().split():
        m = _QUALIFIER.match(word)
        if m:
            fields.append((QUALIFIERS[m.group(1)], m.group(2)))
        else:
            terms.append(word)
    return terms, fields


def results(entries: Sequence[Mapping[str, str]], text: str, kind: str = "", status: str = "") -> list[str]:
    """The urls the search page lists for a query, in its order."""
    terms, fields = parse(text)
    if not terms and not fields:
        return []
    hits = [e for e in entries
            if (not kind or e["k"] == kind) and (not status or e.get("s") == status)
            and all(t in e.get("x", "") for t in terms)
            and all(any(v in str(e.get(f) or "").lower() for f in keys) for keys, v in fields)]
    exact = " ".join(terms)

    def rank(e: Mapping[str, str]) -> int:
        if exact and e.get("t", "").lower().startswith(exact):
            return 0
        if not exact or e["k"] != "customer":
            return 2
        x = e.get("x", "")
        first = x.find("\x01")
        end = x.find("\x01", first + 1) if first != -1 else -1
        return 1 if exact in (x if end == -1 else x[:end]) else 2

    return [e["u"] for _, e in sorted(enumerate(hits), key=lambda ie: (rank(ie[1]), ie[0]))]

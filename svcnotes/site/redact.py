"""`--redact`: a redacted edition of the site, with every declared personal name and contact masked.

Used when the site circulates beyond the department (客户资料属公司绝密). A `Redactor` is made
from the records themselves: every value of a field the schema marks personal (contact names,
phones and e-mails, addresses, the complaint's reporter, production operators) is *declared*.
Then, wherever text appears — any field of any record (titles, results, comments, open issues),
Markdown bodies, the history timeline (changed values and commit messages), validation messages
and so the search index and the reports built from them — each declared value is masked, and so
is anything that looks like a phone number or an e-mail address. Personal fields themselves are
replaced whole. Names are also masked part by part ("刘建国（质量经理）" declares 刘建国), phones
whatever their separators ("138 1234 5678" masks 13812345678 too).

Every page of a redacted build carries a banner saying it is a redacted edition (base.html).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from svcnotes.model.fields import Field
from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS

MASK = "•••"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Mainland mobiles (1xx xxxx xxxx), landlines with area codes (0xx-xxxxxxxx), +86 forms, and any
# run of 7+ digits with separators that looks like a phone number.
PHONE = re.compile(r"(?<![\w-])(?:\+?\d{1,3}[ -]?)?(?:\(?0\d{2,3}\)?[ -]?)?\d{3,4}[ -]?\d{4}(?:[ -]?\d{1,4})?(?![\w-])")
_SPLIT = re.compile(r"[\s,，、;；/|()（）\[\]【】<>《》:：]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
NAME_FIELDS = frozenset({"name", "reporter", "operator"})  # personal fields that hold a person's name


def mask_text(text: str) -> str:
    """Mask e-mail addresses and phone numbers inside free text."""
    return PHONE.sub(MASK, EMAIL.sub(MASK, text))


def declared_values(records: Iterable[Record]) -> set[str]:
    """Every value of a personal field (and sub-field) the records declare, as text."""
    out: set[str] = set()
    for record in records:
        kind = KINDS.get(record.kind)
        if kind is None:
            continue
        for name, value in record.data.items():
            f = kind.by_name.get(name)
            if f is None or value in (None, ""):
                continue
            if f.type == "objects" and isinstance(value, list):
                subs = {sub.name: sub for sub in f.fields}
                for item in value:
                    if isinstance(item, dict):
                        out.update(f"{sub}\x00{v}" for sub, v in item.items()
                                   if sub in subs and subs[sub].personal and v not in (None, ""))
            elif f.personal:
                items = value if isinstance(value, list) else [value]
                out.update(f"{name}\x00{v}" for v in items if v not in (None, ""))
    return out


def _patterns(declared: Iterable[str]) -> list[str]:
    """Regex alternatives for declared `field\\0value` strings: whole values, name parts, phones by digits."""
    words: set[str] = set()
    phones: set[str] = set()
    for entry in declared:
        field, _, value = entry.partition("\x00")
        value = str(value).strip()
        if not value:
            continue
        if len(value) >= 2:
            words.add(value)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 7 and len(digits) >= len(re.sub(r"[\s()+-]", "", value)) - 1:
            phones.add(digits)
        if field in NAME_FIELDS:
            for part in _SPLIT.split(value):
                if len(_CJK.findall(part)) >= 2 or (len(part) >= 3 and part.isalpha()):
                    words.add(part)
                elif sum(ch.isdigit() for ch in part) >= 7:
                    phones.add(re.sub(r"\D", "", part))
    out = [re.escape(w) if _CJK.search(w) else rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(words, key=lambda w: (-len(w), w))]
    out += [r"(?<!\d)" + r"[\s().-]{0,2}".join(phone) + r"(?!\d)" for phone in sorted(phones, key=lambda p: (-len(p), p))]
    return out


class Redactor:
    """Masks the declared personal values (and any phone or e-mail) wherever text appears."""

    def __init__(self, declared: Iterable[str] = ()) -> None:
        values = sorted(set(declared))
        self.digest = hashlib.blake2b("\x1f".join(values).encode("utf-8"), digest_size=12).hexdigest()
        patterns = _patterns(values)
        self._declared = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None

    @classmethod
    def of(cls, records: Iterable[Record]) -> Redactor:
        """The redactor for what these records declare."""
        return cls(declared_values(records))

    def text(self, text: str) -> str:
        """`text` with every declared value, phone number and e-mail address masked."""
        if self._declared is not None:
            text = self._declared.sub(MASK, text)
        return mask_text(text)

    def value(self, value: Any) -> Any:
        """Any field value with its text masked (lists and tables walked)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def _field(self, f: Field, value: Any) -> Any:
        if value is None or value == "":
            return value
        if f.type == "objects" and isinstance(value, list):
            if any(sub.personal for sub in f.fields):
                subs = {sub.name: sub for sub in f.fields}
                return [{k: (self._field(subs[k], v) if k in subs else self.value(v)) for k, v in item.items()}
                        if isinstance(item, dict) else MASK for item in value]
            return MASK if f.personal else self.value(value)
        if f.personal:
            return MASK
        return self.value(value)

    def record(self, record: Record) -> Record:
        """A copy of the record with personal fields replaced and every text masked, body included."""
        kind = KINDS.get(record.kind)
        fields = kind.by_name if kind else {}
        data = {}
        for name, value in record.data.items():
            f = fields.get(name)
            data[name] = self._field(f, value) if f is not None else self.value(value)
        return replace(record, data=data, body=self.text(record.body))


def redact_record(record: Record, redactor: Redactor | None = None) -> Record:
    """A copy of the record with personal fields masked and declared names, phones and e-mails hidden
    in all text (with no redactor: only what the record itself declares)."""
    return (redactor or Redactor.of([record])).record(record)


def masker(redactor: Redactor | None) -> Callable[[str], str]:
    """The text mask a redacted build applies to history (phones and e-mails only without a redactor)."""
    return redactor.text if redactor is not None else mask_text

"""`--redact`: mask personal data (schema fields marked personal, phones and e-mails in text).

Used when the site circulates beyond the department (客户资料属公司绝密). Fields declared with
`personal=True` in the schema (contact names, phones, e-mails, addresses, the reporter, the
operator) are replaced by a mask; phone numbers and e-mail addresses found in any other text,
including Markdown bodies, are masked too.
"""

from __future__ import annotations

import re
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


def mask_text(text: str) -> str:
    """Mask e-mail addresses and phone numbers inside free text."""
    return PHONE.sub(MASK, EMAIL.sub(MASK, text))


def _value(f: Field, value: Any) -> Any:
    if value is None or value == "":
        return value
    if f.type == "objects" and isinstance(value, list):
        if any(sub.personal for sub in f.fields):
            subs = {sub.name: sub for sub in f.fields}
            return [{k: (_value(subs[k], v) if k in subs else v) for k, v in item.items()}
                    if isinstance(item, dict) else MASK for item in value]
        return MASK if f.personal else [_plain(v) for v in value]
    if f.personal:
        return MASK
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def redact_record(record: Record) -> Record:
    """A copy of the record with personal fields masked and phones/e-mails hidden in all text."""
    kind = KINDS.get(record.kind)
    fields = kind.by_name if kind else {}
    data = {}
    for name, value in record.data.items():
        f = fields.get(name)
        data[name] = _value(f, value) if f is not None else _plain(value)
    return replace(record, data=data, body=mask_text(record.body))

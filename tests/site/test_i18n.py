"""UI strings: both locales complete, every schema enum value labelled, no mixed languages."""

from __future__ import annotations

import re

import pytest

from svcnotes.model import schema
from svcnotes.site.i18n import FIELD_ENUMS, LOCALES, STRINGS, enum_label, enum_labels, normalise_locale, translator

CJK = re.compile(r"[\u4e00-\u9fff]")

SCHEMA_ENUMS = {
    "complaint_status": schema.COMPLAINT_STATUSES,
    "callback_status": schema.CALLBACK_STATUSES,
    "severity": schema.SEVERITIES,
    "channel": schema.CHANNELS,
    "request": schema.REQUESTS,
    "resolution": schema.RESOLUTIONS,
    "cause_class": schema.CAUSE_CLASSES,
    "tier": schema.TIERS,
    "confidentiality": schema.CONFIDENTIALITY,
    "callback_kind": schema.CALLBACK_KINDS,
    "attempt_result": schema.ATTEMPT_RESULTS,
    "note_kind": schema.NOTE_KINDS,
    "capa_status": schema.CAPA_STATUSES,
    "kind": tuple(schema.KINDS),
}


def test_every_key_is_present_in_both_locales():
    zh, en = (set(STRINGS[loc]) for loc in LOCALES)
    assert zh == en


def test_no_string_is_empty():
    for loc in LOCALES:
        assert [k for k, v in STRINGS[loc].items() if not v.strip()] == []


def test_english_strings_contain_no_chinese():
    assert [k for k, v in STRINGS["en"].items() if CJK.search(v)] == []


def test_chinese_strings_are_chinese_where_they_are_words():
    allowed_latin = {"VIP", "CSV", "JavaScript"}
    for key, value in STRINGS["zh-CN"].items():
        latin = set(re.findall(r"[A-Za-z]{2,}", re.sub(r"\{\w+\}", "", value)))
        assert latin <= allowed_latin, (key, value)


@pytest.mark.parametrize("enum,values", sorted(SCHEMA_ENUMS.items()))
def test_every_schema_enum_value_has_a_label_in_both_locales(enum, values):
    for loc in LOCALES:
        labels = enum_labels(loc, enum)
        assert set(values) <= set(labels), (loc, enum)


def test_field_enum_map_names_known_enums():
    for enum in FIELD_ENUMS.values():
        assert enum_labels("en", enum)


def test_placeholders_match_between_locales():
    for key, zh in STRINGS["zh-CN"].items():
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", STRINGS["en"][key])), key


def test_translator_formats_placeholders_and_falls_back_to_the_key():
    t = translator("en")
    assert t("table.count", shown=3, total=9) == "Showing 3 of 9"
    assert t("no.such.key") == "no.such.key"
    assert translator("zh-CN")("nav.complaints") == "客诉登记追踪"


def test_locale_is_normalised():
    assert normalise_locale("en-GB") == "en"
    assert normalise_locale("zh_CN") == "zh-CN"
    assert normalise_locale(None) == "zh-CN"


def test_unknown_enum_value_shows_raw_value():
    assert enum_label("zh-CN", "complaint_status", "closd") == "closd"
    assert enum_label("zh-CN", "complaint_status", "closed") == "已结案"

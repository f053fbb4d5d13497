"""What the one declared schema produces: JSON Schema, docs/records.md, kinds and ids."""

from __future__ import annotations

from svcnotes.model.config import Config, parse_config
from svcnotes.model.docs import records_reference
from svcnotes.model.jsonschema import json_schema
from svcnotes.model.schema import KINDS, kind_of_id
from tests.conftest import CONFIG


def test_json_schema_is_draft_2020_12_with_required_fields_and_enums() -> None:
    doc = json_schema("complaint")
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["required"] == [f.name for f in KINDS["complaint"].fields if f.required]
    assert doc["properties"]["status"]["enum"] == list(KINDS["complaint"].statuses)
    assert doc["properties"]["category"]["enum"] == list(Config().categories)
    assert doc["properties"]["approvals"]["items"]["required"] == ["by", "role", "at", "resolution", "amount"]


def test_json_schema_lists_the_staff_of_the_config() -> None:
    config, _ = parse_config(CONFIG)
    assert json_schema("complaint", config)["properties"]["owner"]["enum"] == sorted(config.staff)


def test_records_reference_documents_every_field_of_every_kind() -> None:
    text = records_reference()
    for kind in KINDS.values():
        assert f"## {kind.en} ({kind.zh})" in text
        for f in kind.fields:
            assert f"| `{f.name}` | {f.zh} | {f.en} |" in text


def test_kind_of_id_uses_the_configured_prefixes() -> None:
    prefixes = Config().prefixes
    assert [kind_of_id(x, prefixes) for x in ("C-2611-007", "CB-2611-001", "N-2611-004", "hengda-auto", "X-1")] == \
           ["complaint", "callback", "note", "customer", None]

"""The registry of rules: every check a value with its scope, codes and (across records) the fields it
reads; a code belongs to one rule; a cross-record rule reading a field it did not declare fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from svcnotes.model.record import Record
from svcnotes.store.bulk import load_all
from svcnotes.store.repository import Repository, Snapshot
from svcnotes.workflow.validation import registry


class Undeclared(AssertionError):
    """A cross-record rule read a field it does not declare."""


class Strict(dict):  # type: ignore[type-arg]
    """Record data that refuses reads of fields the rule did not declare (instead of a silent None)."""

    def __init__(self, data: dict[str, Any], allowed: frozenset[str], parts: dict[str, frozenset[str]], rule: str) -> None:
        super().__init__({k: ([Strict(e, parts[k], {}, rule) if isinstance(e, dict) else e for e in v]
                               if k in parts and isinstance(v, list) else v) for k, v in data.items()})
        self.allowed, self.rule = allowed | frozenset(parts), rule

    def _check(self, key: str) -> None:
        if key not in self.allowed:
            raise Undeclared(f"{self.rule} reads '{key}', which it does not declare")

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._check(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self._check(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._check(str(key))
        return super().__contains__(key)


def strict_snapshot(snap: Snapshot, reads: frozenset[str], rule: str) -> Snapshot:
    whole = frozenset(f for f in reads if "[]." not in f) | {"aliases"}  # validate always keeps aliases
    parts: dict[str, set[str]] = {}
    for f in reads:
        if "[]." in f:
            name, sub = f.split("[].", 1)
            parts.setdefault(name, set()).add(sub)
    frozen = {k: frozenset(v) for k, v in parts.items()}
    out = Snapshot()
    out.add_all(Record(r.kind, r.id, r.path, Strict({k: v for k, v in r.data.items() if k in whole or k in frozen},
                                                    whole, frozen, rule), r.body, r.lines) for r in snap.all())
    return out


def test_every_rule_is_a_check_value_with_scope_and_codes_and_each_code_has_one_rule() -> None:
    owners: dict[str, str] = {}
    for check in registry():
        assert check.scope in ("record", "repository") and check.codes, check.name
        assert check.doc, f"{check.name} has no docstring stating its invariant"
        for code in check.codes:
            assert owners.setdefault(code, check.name) == check.name, f"{code}: {owners[code]} and {check.name}"


def test_cross_record_rules_read_only_the_fields_they_declare(varied: Path) -> None:
    repo = Repository(varied)
    snap = load_all(repo, use_cache=False, workers=1)
    for check in registry():
        if check.scope == "repository":
            assert check.reads is not None, f"{check.name} declares no fields"
            check(strict_snapshot(snap, check.reads, check.name), repo.config)  # raises Undeclared on a stray read


def test_a_rule_reading_an_undeclared_field_is_caught(varied: Path) -> None:
    snap = load_all(Repository(varied), use_cache=False, workers=1)
    strict = strict_snapshot(snap, frozenset({"status"}), "probe")
    try:
        [r.get("severity") for r in strict.records["complaint"]]
    except Undeclared as exc:
        assert "probe reads 'severity'" in str(exc)
    else:
        raise AssertionError("an undeclared read went unnoticed")


def test_every_code_a_rule_reports_is_one_it_declares(varied: Path) -> None:
    repo = Repository(varied)
    snap = load_all(repo, use_cache=False, workers=1)
    for check in registry():
        stray = {p.code for p in check(snap, repo.config)} - set(check.codes)
        assert not stray, f"{check.name} reports undeclared codes {stray}"

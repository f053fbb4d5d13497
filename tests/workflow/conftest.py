"""Fixtures of the validation-path tests: a varied repository and the files the loader reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from svcnotes.store import bulk
from tests.workflow.varied import build


def age(root: Path, seconds: int = 3600) -> None:
    """Move every record file's mtime back, out of the caches' racy window."""
    for path in (root / "records").rglob("*.md"):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


@pytest.fixture
def varied(tmp_path: Path) -> Path:
    root = build(tmp_path / "varied", copies=3)
    age(root)
    return root


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the loader reads from disk from now on."""
    seen: list[str] = []
    real = bulk.read_file

    def counting(root: str, rel: str, config: object, memo: object = None) -> object:
        seen.append(rel)
        return real(root, rel, config, memo)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk, "read_file", counting)
    return seen



"""Loading the whole repository: the hot path of validate and build."""

from __future__ import annotations

from typing import TYPE_CHECKING

from svcnotes.store.frontmatter import decode, parse
from svcnotes.store.loader import build_record, content_digest

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository, Snapshot


def load_all(repo: Repository) -> Snapshot:
    """Read every record file once into a Snapshot (problems collected, nothing raised)."""
    from svcnotes.store.repository import Snapshot, kind_for_path, read_record

    snap = Snapshot()
    snap.problems.extend(repo.config_problems)
    for rel in repo.record_files():
        record, problems = read_record(repo.root, rel, repo.config, kind_for_path(rel))
        snap.problems.extend(problems)
        if record is not None:
            snap.add(record)
    return snap


__all__ = ["load_all", "decode", "parse", "build_record", "content_digest"]

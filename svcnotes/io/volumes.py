"""`svcnotes volumes import FILE`: merge a spreadsheet of monthly volumes into records/volumes.csv.

The spreadsheet (.xlsx, or .csv in any encoding the tabular reader knows) has a month column and
any of shipments, deliveries and service_jobs (English or Chinese headers, see
svcnotes.store.volumes). Months already in the table are updated cell by cell (a blank cell keeps
the old value); new months are added. Any error in the file refuses the import, writing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from svcnotes.io.tabular import read_table
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity
from svcnotes.store.repository import Repository
from svcnotes.store.volumes import VOLUMES_FILE, column_name, load_volumes, merge, parse_rows, render_volumes
from svcnotes.store.writer import atomic_write
from svcnotes.workflow.commits import CommitOptions, commit_change, ensure_clean


class VolumeImportRefused(Exception):
    """The spreadsheet or the current table has errors; carries them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.format() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class VolumeImport:
    """What an import did: the months it brought in, warnings, and the commit (None: not committed)."""

    months: tuple[str, ...]
    warnings: tuple[Problem, ...]
    commit: str | None


def import_volumes(repo: Repository, path: Path, options: CommitOptions, sheet: str | None = None) -> VolumeImport:
    """Merge the months of `path` into records/volumes.csv and commit the table."""
    table = read_table(path, sheet=sheet)
    source = path.name
    problems = [Problem("E703", msg("row cannot be read: {reason}", reason=bad.reason), source, bad.number) for bad in table.bad_rows]
    months, found = parse_rows(((row.number, row.values) for row in table.rows), source, table.header_row)
    problems += found
    if not table.headers or "month" not in {column_name(h) for h in table.headers}:
        problems.append(Problem("E703", msg("no 'month' column"), source, table.header_row,
                                hint=msg("name the columns month, shipments, deliveries, service_jobs (or 月份, 出货批次, ...)")))
    current = load_volumes(repo.root)
    problems += [p for p in current.problems if p.severity is Severity.ERROR]
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise VolumeImportRefused(errors)
    ensure_clean(repo, [VOLUMES_FILE], options)
    atomic_write(repo.root / VOLUMES_FILE, render_volumes(merge(current.months, months)))
    repo.invalidate()
    span = f"{min(months)}..{max(months)}" if len(months) > 1 else next(iter(months), "")
    commit = commit_change(repo, [VOLUMES_FILE], f"volumes: {span} from {source}",
                           {"Svc-Action": "volumes-import", "Svc-Source": source}, options)
    return VolumeImport(tuple(sorted(months)), tuple(p for p in problems if p.severity is Severity.WARNING), commit)


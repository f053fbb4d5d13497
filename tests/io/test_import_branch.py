"""`svcnotes import --branch NAME`: the import commits on a new branch for review; the user's branch,
index and work tree stay exactly as they were; a taken or invalid name changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from tests.conftest import git, write
from tests.io.test_import_cli import CSV, MAPPING


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, Path]:
    csv_path = tmp_path / "登记表.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + CSV.encode("utf-8"))
    return csv_path, write(tmp_path, "map.toml", MAPPING)


def state(root: Path) -> tuple[str, str, str, str, str]:
    """Branch, HEAD, the index (its staged tree and entries), and the status of the work tree."""
    return (git(root, "symbolic-ref", "HEAD"), git(root, "rev-parse", "HEAD"), git(root, "ls-files", "-s"),
            git(root, "diff", "--cached", "--name-status"), git(root, "status", "--porcelain", "--untracked-files=all"))


def test_import_on_a_new_branch_leaves_the_current_branch_as_it_was(repo: Path, source: tuple[Path, Path]) -> None:
    csv_path, mapping = source
    write(repo, "notes-draft.md", "untracked\n")            # an untracked file
    (repo / "svcnotes.toml").write_text((repo / "svcnotes.toml").read_text() + "\n", encoding="utf-8")  # a local edit
    write(repo, "staged.txt", "staged\n")
    git(repo, "add", "staged.txt")                           # a staged change
    before = state(repo)
    start = git(repo, "rev-parse", "HEAD").strip()

    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--branch", "import-2025-03")

    assert result.exit_code == 0, result.stdout + result.stderr
    assert "登记表.csv: 5 rows: 2 imported, 1 duplicate, 2 rejected" in result.stdout
    tip = git(repo, "rev-parse", "refs/heads/import-2025-03").strip()
    assert (f"imported 2 records on branch import-2025-03 (commit {tip[:7]}); push it and open a pull request: "
            "git push -u origin import-2025-03") in result.stdout.splitlines()
    assert state(repo) == before                             # branch, HEAD, index, work tree untouched
    assert git(repo, "rev-parse", f"{tip}^").strip() == start  # one commit on top of where the user was
    changed = git(repo, "diff", "--name-status", start, tip).split("\n")
    added = sorted(line.split("\t")[1] for line in changed if line)
    assert all(line.startswith("A\t") for line in changed if line)
    assert len([p for p in added if "C-2503-00" in p]) == 2 and len(added) == 3, added  # 2 complaints + 1 new customer
    assert not any((repo / p).exists() for p in added)      # the records appear only on the branch
    assert "staged.txt" not in git(repo, "ls-tree", "-r", "--name-only", tip)  # the user's staged work stays theirs


@pytest.mark.parametrize("name, message", [
    ("existing", "error: <repository>: G010 branch 'existing' already exists; nothing was changed "
                 "(pick a new name, or delete the old branch first: git branch -D existing)"),
    ("bad..name", "error: <repository>: G010 'bad..name' is not a valid branch name "
                  "(pick a name git accepts (no spaces, no '..', no ~^:?*[), e.g. import-2026-10)"),
])
def test_a_taken_or_invalid_branch_name_is_refused_with_nothing_changed(
        repo: Path, source: tuple[Path, Path], name: str, message: str) -> None:
    csv_path, mapping = source
    git(repo, "branch", "existing")
    before = state(repo), git(repo, "for-each-ref")
    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--branch", name)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message]
    assert (state(repo), git(repo, "for-each-ref")) == before
    dry = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--branch", name, "--dry-run")
    assert (dry.exit_code, dry.stderr.splitlines()) == (1, [message])  # a dry run checks the name the same way


def test_a_dry_run_prints_the_same_totals_and_rejects_and_writes_nothing(
        repo: Path, source: tuple[Path, Path], tmp_path: Path) -> None:
    csv_path, mapping = source
    args = ["import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--branch", "review"]
    before = state(repo), git(repo, "for-each-ref")
    dry = run(repo, *args, "--dry-run", "--report", str(tmp_path / "dry.csv"))
    assert dry.exit_code == 0, dry.stdout + dry.stderr
    assert (state(repo), git(repo, "for-each-ref")) == before
    real = run(repo, *args, "--report", str(tmp_path / "real.csv"))
    assert real.exit_code == 0, real.stdout + real.stderr

    def totals(text: str) -> str:
        return re.sub(r"would import|imported", "IMPORTED", text.splitlines()[0])

    assert totals(dry.stdout) == totals(real.stdout) == "登记表.csv: 5 rows: 2 IMPORTED, 1 duplicate, 2 rejected"
    assert dry.stderr == real.stderr  # the same rejected rows, with their reasons
    assert (tmp_path / "dry.csv").read_bytes() == (tmp_path / "real.csv").read_bytes()


def test_a_failed_import_on_a_branch_leaves_no_branch(repo: Path, source: tuple[Path, Path]) -> None:
    csv_path, mapping = source
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by hook' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = state(repo), git(repo, "for-each-ref")
    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--branch", "review")
    assert result.exit_code == 1
    assert "refused by hook" in result.stderr
    assert (state(repo), git(repo, "for-each-ref")) == before


def test_a_data_export_taken_back_on_a_branch_updates_the_record_there_only(repo: Path, tmp_path: Path) -> None:
    from tests.io.test_io_roundtrip import COMPLAINT, edit, export

    out = export(repo, tmp_path)
    edit(out, "complaints", 2, "severity", "major")
    before = state(repo), (repo / COMPLAINT).read_bytes()
    result = run(repo, "import", str(out), "--branch", "edits")
    assert result.exit_code == 0, result.stdout + result.stderr
    tip = git(repo, "rev-parse", "refs/heads/edits").strip()
    assert result.stdout.splitlines() == [
        "data.xlsx: 2 rows: 0 created, 1 updated, 1 unchanged, 0 conflicts, 0 rejected",
        f"committed {tip[:10]}",
        f"imported 1 record on branch edits (commit {tip[:7]}); push it and open a pull request: git push -u origin edits"]
    assert (state(repo), (repo / COMPLAINT).read_bytes()) == before
    assert git(repo, "diff", "--name-only", "HEAD", tip).split() == [COMPLAINT]
    assert "severity: major\n" in git(repo, "show", f"{tip}:{COMPLAINT}")

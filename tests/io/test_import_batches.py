"""`svcnotes import` in batches: a row whose record breaks a rule is rejected alone, a dry run runs the
same rules, batch size changes nothing, and a kill between batches leaves before or after."""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.store.repository import Repository
from tests.conftest import git, identity_env, write

MAPPING = """\
kind = "complaint"
source = "legacy"
key = ["编号"]

[columns]
"编号" = "order_no"
"客户" = "customer"
"日期" = "received_at"
"主题" = "title"
"数量" = "quantity"
"不良" = "defective_qty"
"原投诉" = "reopens"

[defaults]
status = "registered"
channel = "phone"
category = "product_quality"
severity = "normal"
"""

HEADER = "编号,客户,日期,主题,数量,不良,原投诉"
ROWS = [
    "A1,恒达汽车零部件有限公司,2025/3/4,支架尺寸超差,100,5,",
    "A2,新客户有限公司,2025-03-20,包装破损,10,12,",  # E302: more defective than delivered
    "A3,新客户有限公司,2025-03-21,交期延误,10,1,C-2611-001",  # reopens one not closed: a warning for an imported record
    "A4,新客户有限公司,2025-03-22,异响,,,C-9999-999",  # E204: reopens nothing
    "A4,新客户有限公司,2025-03-22,异响,,,",  # same key as row 5
    "A5,另一客户,2025-02-01,漏油,3,3,",
]


def run(root: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def source(tmp_path: Path, rows: list[str] = ROWS) -> tuple[Path, Path]:
    path = tmp_path / "登记表.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8"))
    return path, write(tmp_path, "map.toml", MAPPING)


def state(root: Path) -> tuple[str, str, str]:
    return (git(root, "rev-parse", "HEAD").strip(), git(root, "status", "--porcelain", "--untracked-files=all"),
            git(root, "ls-files", "-s"))


REJECTED = [
    "  row 3: rejected: E302 defective_qty: defective quantity 12 is larger than the quantity 10 (check both numbers)",
    "  row 5: rejected: E204 reopens: no complaint 'C-9999-999' (allowed: C-2611-001)",
]


def test_a_row_that_breaks_a_rule_is_rejected_alone_with_its_line_and_reason(repo: Path, tmp_path: Path) -> None:
    path, mapping = source(tmp_path)
    report = tmp_path / "rejected.csv"
    result = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "登记表.csv: 6 rows: 3 imported, 1 duplicate, 2 rejected"
    assert [line for line in result.stderr.splitlines() if line.startswith("  row ")] == REJECTED
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["row", "outcome", "reason", *HEADER.split(",")]
    assert [r[:3] for r in rows[1:]] == [[line.split()[1].rstrip(":"), "rejected", line.split("rejected: ", 1)[1]]
                                         for line in REJECTED]
    assert [r[3:] for r in rows[1:]] == [ROWS[1].split(","), ROWS[3].split(",")]
    snap = Repository(repo).snapshot()
    imported = sorted((r.id, r.data["order_no"]) for r in snap.records["complaint"] if r.get("imported"))
    assert imported == [("C-2502-001", "A5"), ("C-2503-001", "A1"), ("C-2503-002", "A3")]  # no number skipped
    assert git(repo, "status", "--porcelain") == ""
    assert run(repo, "validate").exit_code == 0


def test_a_dry_run_reports_the_same_totals_and_rejects_as_the_real_run(repo: Path, tmp_path: Path) -> None:
    path, mapping = source(tmp_path)
    dry_report, real_report = tmp_path / "dry.csv", tmp_path / "real.csv"
    before = state(repo)
    dry = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping), "--dry-run",
              "--report", str(dry_report))
    assert state(repo) == before
    real = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping), "--report", str(real_report))
    assert dry.stdout.splitlines()[0] == real.stdout.splitlines()[0].replace(" imported,", " would import,")
    assert dry.stdout.splitlines()[1] == "would create 2 customer(s)"
    assert real.stdout.splitlines()[1] == "created 2 customer(s)"
    assert dry.stderr == real.stderr
    assert dry_report.read_bytes() == real_report.read_bytes()


def test_a_dry_run_that_rejects_every_row_exits_1(repo: Path, tmp_path: Path) -> None:
    path, mapping = source(tmp_path, [ROWS[1], ROWS[3]])
    result = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping), "--dry-run")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "登记表.csv: 2 rows: 0 would import, 0 duplicate, 2 rejected"


def _many(n: int) -> list[str]:
    rows = []
    for i in range(n):
        bad = i % 7 == 3  # every seventh row breaks E302
        rows.append(f"B{i},客户{i % 5},2025/{i % 12 + 1}/{i % 27 + 1},问题 {i},10,{12 if bad else 1},")
    return rows


def test_the_batch_size_changes_nothing(repo: Path, tmp_path: Path) -> None:
    path, mapping = source(tmp_path, _many(60))
    results = {}
    pristine = tmp_path / "pristine"
    shutil.copytree(repo, pristine)
    for size in ("1", "7", "2000"):
        shutil.rmtree(repo)
        shutil.copytree(pristine, repo)
        report = tmp_path / f"rejects-{size}.csv"
        out = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping), "--report", str(report),
                  env={"SVCNOTES_IMPORT_BATCH": size})
        files = sorted((p.relative_to(repo).as_posix(), p.read_bytes()) for p in (repo / "records").rglob("*.md"))
        summary = [line for line in out.stdout.splitlines() if not line.startswith(("committed ", "rejected rows written"))]
        results[size] = (summary, out.stderr, report.read_bytes(), files)
    assert results["1"] == results["7"] == results["2000"]
    assert results["1"][0][:2] == ["登记表.csv: 60 rows: 51 imported, 0 duplicate, 9 rejected",
                                               "created 5 customer(s)"]


def test_a_later_batch_refers_to_a_customer_and_a_complaint_written_by_an_earlier_one(repo: Path, tmp_path: Path) -> None:
    rows = ["D1,华南新客户,2025/1/5,首次投诉,5,1,",
            "D2,华南新客户,2025/1/6,第二次,5,1,"]
    path, mapping = source(tmp_path, rows)
    first = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping),
                env={"SVCNOTES_IMPORT_BATCH": "1"})
    assert first.stdout.splitlines()[:3] == ["登记表.csv: 2 rows: 2 imported, 0 duplicate, 0 rejected",
                                             "created 1 customer(s)", "records C-2501-001 .. C-2501-002"]
    # ids given: a reopening row's original is an earlier row of the same file, in an earlier batch
    mapping.write_text(MAPPING.replace('"编号" = "order_no"', '"编号" = "id"'), encoding="utf-8")
    path.write_bytes(("\r\n".join([HEADER, "C-2502-005,华南新客户,2025/2/1,原投诉,5,9,",
                                   "C-2502-006,华南新客户,2025/2/2,再投诉,5,1,C-2502-005",
                                   "C-2502-007,华南新客户,2025/2/3,原投诉,5,1,",
                                   "C-2502-008,华南新客户,2025/2/9,再投诉,5,1,C-2502-007"]) + "\r\n").encode("utf-8"))
    again = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping),
                env={"SVCNOTES_IMPORT_BATCH": "1"})
    assert again.stdout.splitlines()[0] == "登记表.csv: 4 rows: 2 imported, 0 duplicate, 2 rejected"
    assert [line for line in again.stderr.splitlines() if line.startswith("  row ")] == [
        "  row 2: rejected: E302 defective_qty: defective quantity 9 is larger than the quantity 5 (check both numbers)",
        "  row 3: rejected: E204 reopens: no complaint 'C-2502-005' (did you mean 'C-2501-002'?)"]
    assert Repository(repo).snapshot().by_id["C-2502-008"].data["reopens"] == "C-2502-007"


def test_git_gets_the_paths_on_stdin_never_one_argument_each(repo: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """ARG_MAX cannot be made small here, so a `git` in front of the real one logs how many arguments
    each call gets: listing the state of 3,000 paths and committing a 1,200-row import never grows them."""
    from svcnotes.store import gitops

    log = tmp_path / "argc.log"
    shim = tmp_path / "bin"
    shim.mkdir()
    real = shutil.which("git")
    (shim / "git").write_text(f'#!/bin/sh\necho "$#" >> {log}\nexec {real} "$@"\n', encoding="utf-8")
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    paths = [f"records/notes/x{i:04d}.md" for i in range(3000)]
    for rel in paths[:2]:
        write(repo, rel, "committed\n")
    git(repo, "add", "records/notes")
    git(repo, "commit", "-q", "-m", "two")
    for rel in paths[2:]:
        write(repo, rel, "new\n")  # untracked
    write(repo, paths[0], "edited\n")
    write(repo, "records/complaints/2026/C-2611-001.md", (repo / "records/complaints/2026/C-2611-001.md").read_text() + "\n")
    git(repo, "add", "records/complaints/2026/C-2611-001.md")  # staged only
    log.write_text("")
    dirty = gitops.dirty_paths(repo, ["records/complaints/2026/C-2611-001.md", "records/customers/hengda-auto.md", *paths])
    assert dirty == ["records/complaints/2026/C-2611-001.md", paths[0], *paths[2:]]
    assert gitops.tracked_dirty_paths(repo, [paths[0], paths[1], paths[2]]) == [paths[0]]
    assert max(int(n) for n in log.read_text().split()) <= 4  # rev-parse -q --verify HEAD^{commit}
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-qfd")
    path, mapping = source(tmp_path, _many(1200))
    log.write_text("")
    result = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping))
    assert result.stdout.splitlines()[0] == "登记表.csv: 1200 rows: 1029 imported, 0 duplicate, 171 rejected"
    assert max(int(n) for n in log.read_text().split()) <= 8


@pytest.mark.slow
def test_kill_9_between_batches_leaves_before_or_a_journal_that_is_rolled_back_or_completed(
        repo: Path, tmp_path: Path) -> None:
    path, mapping = source(tmp_path, _many(1500))
    pristine = tmp_path / "pristine"
    shutil.copytree(repo, pristine)
    rng = random.Random("svcnotes-import-batches")
    journal = repo / ".git" / "svcnotes-txn" / "journal"
    env = {**os.environ, **identity_env(), "SVCNOTES_IMPORT_BATCH": "100"}
    seen = {"rolled back": 0, "completed by a re-run": 0, "finished": 0}
    for trial in range(8):
        shutil.rmtree(repo)
        shutil.copytree(pristine, repo)
        before = state(repo)
        batches = rng.randint(1, 13)  # kill once this many batches are written
        proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "-C", str(repo), "import", str(path), "--kind",
                                 "complaint", "--map", str(mapping)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                written = journal.read_text(encoding="utf-8").count('["new", "records/complaints/')
            except OSError:
                written = 0
            if written >= batches * 90:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.returncode == 0:
            seen["finished"] += 1
            continue
        if trial % 2 == 0:
            settled = subprocess.run([sys.executable, "-m", "svcnotes", "-C", str(repo), "doctor", "--fix", "--no-site"],
                                     env=env, capture_output=True, text=True)
            assert "Traceback" not in settled.stderr, settled.stderr
            assert state(repo) == before, f"trial {trial}: not exactly as before"
            seen["rolled back"] += 1
        else:
            again = subprocess.run([sys.executable, "-m", "svcnotes", "-C", str(repo), "import", str(path), "--kind",
                                    "complaint", "--map", str(mapping), "--resume"], env=env, capture_output=True, text=True)
            assert "svcnotes: rolled back the interrupted" in again.stderr
            assert again.stdout.splitlines()[0] == "登记表.csv: 1500 rows: 1286 imported, 0 duplicate, 214 rejected"
            assert git(repo, "rev-parse", "HEAD~1").strip() == before[0]
            assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
            seen["completed by a re-run"] += 1
        assert not journal.parent.exists()
    assert seen["rolled back"] and seen["completed by a re-run"], seen

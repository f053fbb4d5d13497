"""`svcnotes init`: a new record repository with config, folders and .gitignore."""

from __future__ import annotations

from pathlib import Path

from svcnotes.model.config import CONFIG_FILE
from svcnotes.model.message import msg
from svcnotes.store import gitops

FOLDERS = ("customers", "complaints", "callbacks", "notes")

CONFIG_TEMPLATE = '''# svcnotes configuration: see docs/config.md for every option.
[organisation]
name = "{name}"
locale = "{locale}"            # zh-CN or en

[ids]
complaint_prefix = "C"         # C-YYMM-NNN
callback_prefix = "CB"
note_prefix = "N"

[complaints]
currency = "CNY"

# Approval authority (核决权限), lowest first; the last level has no limit.
[[approval.levels]]
role = "sales_manager"
max_amount = 5000
[[approval.levels]]
role = "deputy_gm"
max_amount = 50000
[[approval.levels]]
role = "gm"

[approval]
critical_role = "gm"
admin_roles = ["admin"]        # who may change these rules, CODEOWNERS and the CI files

[deadlines]
target_days = 15
limit_days = 20
working_days = false

[calendar]
holidays = []
extra_working_days = []        # weekend days that are working days (调休)

# The staff directory: git e-mails map commits to people.
[[staff]]
id = "{staff_id}"
name = "{staff_name}"
department = "service"
roles = ["rep", "sales_manager", "admin"]  # admin: owns svcnotes.toml and the CI files (CODEOWNERS)
emails = ["{email}"]
'''

GITIGNORE = "/site/\n.svcnotes-cache/\n"


class AlreadyInitialised(Exception):
    """The folder already has svcnotes.toml."""


def init_repository(path: Path, name: str = "客户服务部", locale: str = "zh-CN", branch: str = "main") -> list[str]:
    """Create the repository layout in `path` (git init on `branch` when needed); return what was created."""
    path.mkdir(parents=True, exist_ok=True)
    if (path / CONFIG_FILE).exists():
        raise AlreadyInitialised(msg("{path} already exists", path=str(path / CONFIG_FILE)))
    created = []
    if not gitops.is_repo(path):
        # git init --initial-branch: never the machine's init.defaultBranch (CI and `register --as-of` read `branch`)
        gitops.git(path, "init", "--quiet", f"--initial-branch={branch}")
        created.append(".git/")
    person, email = gitops.identity(path)
    staff_id = (email.split("@")[0] if email else "me").lower().replace("_", ".") or "me"
    (path / CONFIG_FILE).write_text(CONFIG_TEMPLATE.format(
        name=name, locale=locale, staff_id=staff_id, staff_name=person or staff_id, email=email or "me@example.com"),
        encoding="utf-8")
    created.append(CONFIG_FILE)
    for folder in FOLDERS:
        (path / "records" / folder).mkdir(parents=True, exist_ok=True)
        (path / "records" / folder / ".gitkeep").touch()
        created.append(f"records/{folder}/")
    ignore = path / ".gitignore"
    existing = ignore.read_text(encoding="utf-8") if ignore.exists() else ""
    missing = [line for line in GITIGNORE.splitlines() if line not in existing.splitlines()]
    if missing:
        ignore.write_text(existing + ("" if not existing or existing.endswith("\n") else "\n") + "\n".join(missing) + "\n",
                          encoding="utf-8")
        created.append(".gitignore")
    return created

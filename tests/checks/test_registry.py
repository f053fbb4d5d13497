"""The registry holds every store-level check however its modules were first imported."""

from __future__ import annotations

import subprocess
import sys


def test_importing_one_check_module_first_still_registers_them_all() -> None:
    code = ("import svcnotes.checks.references\n"
            "from svcnotes.checks import all_checks\n"
            "print(' '.join(sorted(c.name for c in all_checks())))")
    names = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert {"check_references_resolve", "check_ids_unique", "check_id_matches_path", "check_date_order",
            "check_quantities", "check_state_requirements"} <= set(names)

"""Screenshots of every page type for docs/screenshots/ (`make screenshots`).

Builds the bundled demo records (today = 2026-11-23) and photographs each page type in headless
Chromium at 1400×1000, the dashboard and the register also at 390×844, and the first page of the
printed complaint form (needs pdftoppm). Offline: the site makes no request outside itself.

    python -m tests.site.screenshots docs/screenshots
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
PAGES = [  # (file name, page, fragment, viewport)
    ("dashboard.png", "index.html", "", (1400, 1000)),
    ("complaints.png", "complaints/index.html", "", (1400, 1000)),
    ("complaint.png", "complaints/2026/C-2611-012.html", "", (1400, 1000)),
    ("customer.png", "customers/hengda-auto.html", "", (1400, 1000)),
    ("callbacks.png", "callbacks/index.html", "", (1400, 1000)),
    ("reports.png", "reports/index.html", "", (1400, 1000)),
    ("report.png", "reports/monthly-2026-10.html", "", (1400, 1000)),
    ("search.png", "search.html", "#q=恒达 状态:调查中", (1400, 1000)),
    ("phone-dashboard.png", "index.html", "", (390, 844)),
    ("phone-complaints.png", "complaints/index.html", "", (390, 844)),
]


def main(out: Path) -> None:
    """Build the demo site in a temporary folder and write every screenshot into `out`."""
    from click.testing import CliRunner
    from playwright.sync_api import sync_playwright

    from svcnotes.cli import cli

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        result = CliRunner().invoke(cli, ["-C", str(ROOT), "build", "--out", str(site), "--today", "2026-11-23"])
        if result.exit_code != 0:
            sys.exit(result.output)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
            for name, page_url, fragment, (width, height) in PAGES:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto((site / page_url).as_uri() + fragment)
                page.wait_for_timeout(600)
                page.screenshot(path=str(out / name))
                page.close()
                print(out / name)
            browser.close()
        if shutil.which("pdftoppm"):
            pdf = Path(tmp) / "form.pdf"
            subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            "--virtual-time-budget=5000", f"--print-to-pdf={pdf}",
                            (site / "complaints/2026/C-2603-005.html").as_uri()], check=True, capture_output=True)
            subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(out / "print-complaint")], check=True)
            print(out / "print-complaint.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs/screenshots")

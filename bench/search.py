"""The search page in headless Chromium: bytes the page fetched before the first result shows, and the
time from typing to the first result, for a few queries typed into a fresh browser (empty cache).

    python -m bench.search SITE_DIR [QUERY ...]

The site is served over HTTP from localhost (as a department's web server would); bytes are the
sizes of the files the page requested, its own HTML, CSS and scripts included. The time is taken
from the query's input event to the first result in the list (or to the page saying there is none),
the page's 60 ms typing pause included; both are noted inside the page."""

from __future__ import annotations

import functools
import http.server
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class Measured:
    """One query typed into a fresh page."""

    query: str
    first_bytes: int  # bytes of every file requested before the first result showed
    first_ms: float  # typing -> first result
    first_requests: int
    all_bytes: int  # once the count is final (every part the query needs read)
    count: str


def unavailable() -> str:
    """Why the browser cannot be measured here ('' when it can)."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return ""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def measure(site: Path, queries: list[str], runs: int = 3) -> list[Measured]:
    """Each query `runs` times, each in a fresh browser context; the run with the median time kept."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    out = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            for query in queries:
                runs_of = [_one(browser, site, base, query) for _ in range(runs)]
                out.append(sorted(runs_of, key=lambda m: m.first_ms)[len(runs_of) // 2])
            browser.close()
    finally:
        server.shutdown()
    return out


_PROBE = """
window.__search = { typed: null, first: null, files: null };
document.addEventListener("input", function () { if (window.__search.typed === null) window.__search.typed = performance.now(); }, true);
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-search]");
  if (!box) return;
  var list = box.querySelector("[data-search-results]"), count = box.querySelector("[data-search-count]");
  new MutationObserver(function () {
    var s = window.__search;
    /* the first result, or the page's answer that there is none */
    if (s.typed !== null && s.first === null && (list.querySelector("li") || count.textContent === box.getAttribute("data-none"))) {
      s.first = performance.now();
      s.files = performance.getEntriesByType("resource").map(function (e) { return e.name; });
    }
  }).observe(box, { childList: true, subtree: true, characterData: true });
});
"""


def _size(site: Path, base: str, url: str) -> int:
    path = site / url[len(base):].split("#", 1)[0].split("?", 1)[0]
    return path.stat().st_size if path.is_file() else 0


def _one(browser, site: Path, base: str, query: str) -> Measured:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(_PROBE)  # times and files noted inside the page, when the first result is added
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base + "search.html")
    page.wait_for_load_state("load")
    page.locator("#search-q:not([disabled])").wait_for()
    page.wait_for_timeout(300)  # whatever the page fetches on its own before typing is counted too
    page.fill("#search-q", query)
    deadline = time.monotonic() + 120
    text = page.inner_text("[data-search-count]")
    while (not re.search(r"找到|没有|results|No results", text) or re.search(r"正在搜索|Searching", text)) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        text = page.inner_text("[data-search-count]")
    probe = page.evaluate("window.__search")
    done = list(requests)
    context.close()
    files = [base + "search.html"] + list(probe["files"] or [])
    ms = probe["first"] - probe["typed"] if probe["first"] is not None else float("nan")
    return Measured(query, sum(_size(site, base, u) for u in files) if probe["files"] is not None else 0, ms, len(files),
                    sum(_size(site, base, u) for u in done), text)


def summary(rows: list[Measured]) -> tuple[int, float]:
    """(largest bytes before a first result, median time to it in ms) over the queries."""
    return max(r.first_bytes for r in rows), statistics.median(r.first_ms for r in rows)


DEFAULT_QUERIES = ["尺寸偏移", "C-2401-005", "misaligned", "客户175", "Customer 24 有限公司", "发票金额 cny", "cust-00017"]


def main() -> None:
    """Print one line per query."""
    site = Path(sys.argv[1])
    why = unavailable()
    if why:
        print(f"not measured: {why}")
        return
    for r in measure(site, sys.argv[2:] or DEFAULT_QUERIES):
        print(f"{r.query!r}: first result {r.first_ms:.0f} ms after {r.first_bytes / 1024:.0f} KB in {r.first_requests} files; "
              f"complete {r.all_bytes / 1024:.0f} KB; {r.count}")


if __name__ == "__main__":
    main()

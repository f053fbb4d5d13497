"""Hugo beside svcnotes: a minimal Hugo site over the same record files, built in the same run.

The Hugo site's `contentDir` points at the record repository's own `records/` folder (nothing is
copied): Hugo reads the very files svcnotes reads, from the same disk and page cache, and the
measured time holds no copy. The layout is the minimal one the issue asks for: a single page with
the title and the rendered body, a list page with links to its pages; taxonomies, RSS, sitemap and
robots.txt are off. Hugo needs no adapter installed: the bench skips its rows when `hugo` is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CONFIG = """\
baseURL = "http://localhost/"
title = "svcnotes bench"
contentDir = "{content}"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""

SINGLE = """\
<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>
"""

LIST = """\
<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>
"""


def available() -> bool:
    """Whether the `hugo` command is installed."""
    return shutil.which("hugo") is not None


def write_site(folder: Path, records: Path) -> Path:
    """A minimal Hugo site in `folder` whose content is `records` (read in place); the site folder."""
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(CONFIG.format(content=records.resolve().as_posix()), encoding="utf-8")
    (layouts / "single.html").write_text(SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(LIST, encoding="utf-8")
    return folder


def command(site: Path, out: Path) -> list[str]:
    """The Hugo build of `site` into the (empty) folder `out`."""
    return ["hugo", "--quiet", "--source", str(site), "--destination", str(out), "--cacheDir", str(site / ".hugo-cache")]

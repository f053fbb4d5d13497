"""The site build: a linear pipeline collect -> compute -> render -> write.

    result = build_site(repo, BuildOptions(out=Path("site"), today=date(2026, 11, 23)))
    print(result.summary())   # Built 1,204 pages from 1,180 records in 3.1 s

A page that fails to build names its source file and the build continues (`--strict` aborts).
Incremental: every page's context is hashed; a page whose context and templates did not change
is neither rendered nor written, and a rendered page whose bytes did not change is not written.
The manifest of hashes lives under .svcnotes-cache/ (deleting it only makes the next build slower).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

import svcnotes
from svcnotes.model.record import Record
from svcnotes.site.context import base_context, search_entry, search_index_js
from svcnotes.site.i18n import enum_label, normalise_locale
from svcnotes.site.markup import MarkdownRenderer, scrub
from svcnotes.site.pages import Page, Site
from svcnotes.site.fragments import sections_html, timeline_html
from svcnotes.site.tables import tbody_html

CACHE_DIR = ".svcnotes-cache"
BUILD_VERSION = "3"  # bump when page output changes for the same context: invalidates the manifest
SEARCH_TEXT_LIMIT = 2000  # characters of a body that go into the search index


class BuildAborted(Exception):
    """--strict: a page failed, so the build stopped."""


@dataclass
class BuildOptions:
    """How to build: output folder, locale (None = config), redaction, today, strictness."""

    out: Path
    today: date
    locale: str | None = None
    redact: bool = False
    strict: bool = False
    history: bool = True
    live_reload: bool = False
    progress: Callable[[int, int], None] | None = None


@dataclass
class Failure:
    """One page that could not be built: its source file, url and the error."""

    source: str
    url: str
    error: str

    def format(self) -> str:
        """`records/complaints/2026/C-2611-001.md: complaints/2026/C-2611-001.html: <error>`."""
        return f"{self.source or '<site>'}: {self.url}: {self.error}"


@dataclass
class BuildResult:
    """What a build did."""

    pages: int = 0
    records: int = 0
    written: int = 0
    rendered: int = 0
    removed: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    written_urls: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The one-line summary printed at the end of a build."""
        return f"Built {self.pages:,} pages from {self.records:,} records in {self.seconds:.1f} s"


def default_templates() -> Path:
    """The default theme: top-level templates/ of a source checkout, else the installed svcnotes.theme."""
    checkout = Path(svcnotes.__file__).resolve().parent.parent / "templates"
    if (checkout / "base.html").is_file():
        return checkout
    return Path(svcnotes.__file__).resolve().parent / "theme"


def template_dirs(repo_root: Path) -> list[Path]:
    """Template folders in lookup order: the record repository's own templates/ first."""
    own = repo_root / "templates"
    dirs = [own] if own.is_dir() and own.resolve() != default_templates().resolve() else []
    return dirs + [default_templates()]


def make_env(dirs: Iterable[Path]) -> Environment:
    """The Jinja environment: autoescaped HTML, ChoiceLoader over the template folders."""
    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
                      autoescape=select_autoescape(["html", "xml"], default_for_string=True),
                      trim_blocks=False, lstrip_blocks=False, auto_reload=False)
    env.globals.update(tbody=tbody_html, sections_html=sections_html, timeline_html=timeline_html)
    return env


def _fingerprint(dirs: Iterable[Path]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for d in dirs:
        for p in sorted(d.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(d)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds exactly these bytes; True when written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def _problems_by_path(problems: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for p in problems:
        if p.path:
            out.setdefault(p.path, []).append({"code": p.code, "field": p.field, "message": p.message, "line": p.line})
    return out


def _author_namer(config: Any) -> Callable[[str, str], str]:
    by_email = {e.lower(): s.name for s in config.staff.values() for e in s.emails}
    by_id = {s.id: s.name for s in config.staff.values()}
    return lambda name, email: by_email.get(email.lower()) or by_id.get(name) or name


def collect(repo: Any, options: BuildOptions) -> tuple[Site, int]:
    """Step 1: read every record once (redacted when asked), with problems and history."""
    from svcnotes.site.redact import redact_record

    snapshot = repo.snapshot()
    config = repo.config
    locale = normalise_locale(options.locale or config.locale)
    records: dict[str, list[Record]] = {k: list(v) for k, v in snapshot.records.items()}
    if options.redact:
        records = {k: [redact_record(r) for r in v] for k, v in records.items()}
    history: dict[str, list[dict[str, Any]]] = {}
    if options.history:
        from svcnotes.site.timeline import timelines

        history = timelines(Path(repo.root), config, locale, [r for rs in snapshot.records.values() for r in rs],
                            author_name=_author_namer(config), redact=options.redact)
        if options.redact:
            from svcnotes.site.redact import mask_text

            for entries in history.values():
                for e in entries:
                    e["message"] = mask_text(e["message"])
                    e["changes"] = [{**c, "old": mask_text(str(c["old"])), "new": mask_text(str(c["new"]))} for c in e["changes"]]
    site = Site(records, config, locale, options.today, problems=_problems_by_path(snapshot.problems), history=history,
                snapshot=None if options.redact else snapshot)
    return site, sum(len(v) for v in records.values())


def plan_pages(site: Site, failures: list[Failure], strict: bool) -> list[Page]:
    """Step 2: every page's context (reports, registers, record pages, dashboard)."""
    from svcnotes.site.charts import line_chart
    from svcnotes.site.dashboard import dashboard_page
    from svcnotes.site.pages import complaint_page, customer_page, register_pages, simple_page
    from svcnotes.site.reportpages import report_pages

    pages: list[Page] = []

    def attempt(source: str, url: str, make: Callable[[], Any]) -> None:
        try:
            made = make()
        except Exception as exc:  # a bad record must not stop the build; the failure names it
            failures.append(Failure(source, url, f"{type(exc).__name__}: {exc}"))
            if strict:
                raise BuildAborted(failures[-1].format()) from exc
            return
        pages.extend(made if isinstance(made, list) else [made])

    attempt("", "index.html", lambda: dashboard_page(site))
    attempt("", "*/index.html", lambda: register_pages(site))
    builders = {"complaint": complaint_page, "customer": lambda s, r: customer_page(s, r, line_chart),
                "callback": simple_page, "note": simple_page}
    for kind, make in builders.items():
        for r in site.records[kind]:
            attempt(r.path, site.urls[r.id], lambda r=r, make=make: make(site, r))  # type: ignore[misc]
    attempt("", "reports/", lambda: report_pages(site))
    title = site.t("page.search")
    pages.append(Page("search.html", "search.html", title, "search", {}, breadcrumbs=((title, ""),)))
    return pages


def search_entries(site: Site) -> list[dict[str, str]]:
    """The search index: every record, newest first, with its searchable text lowercased."""
    out = []
    for kind, key in (("complaint", "received_at"), ("callback", "due"), ("note", "at"), ("customer", "since")):
        for r in sorted(site.records[kind], key=lambda r: (str(r.get(key) or ""), r.id), reverse=True):
            title = str(r.get("title") or r.get("name") or r.get("summary") or r.id)
            texts = [r.id, site.names.get(str(r.get("customer") or ""), "")]
            for name, value in r.data.items():
                if isinstance(value, str) and name not in ("id", "title", "status"):
                    texts.append(value)
                elif isinstance(value, list):
                    texts.extend(str(v) for v in value if isinstance(v, str))
            texts.append(r.body[:SEARCH_TEXT_LIMIT])
            status = enum_label(site.locale, {"complaint": "complaint_status", "callback": "callback_status"}.get(kind, ""), r.status)
            out.append(search_entry(url=site.urls[r.id], title=f"{r.id} {title}" if kind != "customer" else title,
                                    kind=kind, kind_label=enum_label(site.locale, "kind", kind), status=status, text=texts))
    return out


class _Manifest:
    """url -> (context hash, output hash), stored under .svcnotes-cache/, never required."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.pages: dict[str, list[str]] = {k: v for k, v in data.get("pages", {}).items() if isinstance(v, list)}
        except (OSError, ValueError, AttributeError):
            self.pages = {}
        self.new: dict[str, list[str]] = {}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pages": self.new}), encoding="utf-8")
        os.replace(tmp, self.path)


def build_site(repo: Any, options: BuildOptions) -> BuildResult:
    """Build the whole site into options.out; see the module docstring."""
    started = time.perf_counter()
    result = BuildResult()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(repo.root) / CACHE_DIR
    key = _hash(str(out.resolve()).encode())[:12]
    renderer = MarkdownRenderer(cache / "markdown.json")
    site, result.records = collect(repo, options)
    site.body_html = lambda r: renderer.render(r.body)
    pages = plan_pages(site, result.failures, options.strict)
    dirs = template_dirs(Path(repo.root))
    env = make_env(dirs)
    salt = "|".join([BUILD_VERSION, _fingerprint(dirs), site.locale, str(options.redact), str(options.live_reload), options.today.isoformat()])
    manifest = _Manifest(cache / f"site-{key}.json")
    org = repo.config.organisation
    total = len(pages)
    for i, page in enumerate(pages, 1):
        try:
            _render(env, page, site, org, options, out, manifest, salt, result)
        except Exception as exc:
            failure = Failure(page.sources[0] if page.sources and len(page.sources) == 1 else "", page.url,
                              f"{type(exc).__name__}: {exc}")
            result.failures.append(failure)
            if options.strict:
                raise BuildAborted(failure.format()) from exc
        if options.progress:
            options.progress(i, total)
    data = search_index_js(search_entries(site)).encode("utf-8")
    _write(out, "search-index.js", data, manifest, _hash(data), result)
    _copy_static(dirs, out, manifest, result)
    for url in set(manifest.pages) - set(manifest.new):
        try:
            (out / url).unlink()
            result.removed += 1
        except OSError:
            pass
    manifest.save()
    renderer.save()
    result.pages = sum(1 for u in manifest.new if u.endswith(".html"))
    result.seconds = time.perf_counter() - started
    return result


def _render(env: Environment, page: Page, site: Site, org: str, options: BuildOptions, out: Path,
            manifest: _Manifest, salt: str, result: BuildResult) -> None:
    ctx_hash = _hash((salt + "|" + page.template + "|" + page.title + json.dumps(
        [page.context, page.breadcrumbs], default=str, sort_keys=True, ensure_ascii=False)).encode("utf-8", "surrogatepass"))
    old = manifest.pages.get(page.url)
    if old and old[0] == ctx_hash and (out / page.url).is_file():
        manifest.new[page.url] = old
        return
    ctx = base_context(locale=site.locale, url=page.url, title=page.title, section=page.section, site_title=org,
                       generated=options.today.isoformat(), breadcrumbs=page.breadcrumbs, live_reload=options.live_reload,
                       **page.context)
    data = scrub(env.get_template(page.template).render(ctx)).encode("utf-8")
    result.rendered += 1
    _write(out, page.url, data, manifest, ctx_hash, result)


def _write(out: Path, url: str, data: bytes, manifest: _Manifest, ctx_hash: str, result: BuildResult) -> None:
    digest = _hash(data)
    old = manifest.pages.get(url)
    if not (old and old[1] == digest and (out / url).is_file()):
        if write_if_changed(out / url, data):
            result.written += 1
            result.written_urls.append(url)
    manifest.new[url] = [ctx_hash, digest]


def _copy_static(dirs: list[Path], out: Path, manifest: _Manifest, result: BuildResult) -> None:
    """static/ files, a repository's own overriding the theme's file by file."""
    seen: set[str] = set()
    for d in dirs:
        static = d / "static"
        if not static.is_dir():
            continue
        for p in sorted(static.rglob("*")):
            rel = "static/" + p.relative_to(static).as_posix()
            if p.is_file() and rel not in seen:
                seen.add(rel)
                data = p.read_bytes()
                _write(out, rel, data, manifest, _hash(data), result)


def clean_output(out: Path) -> None:
    """Remove a previous build (used by tests and `make clean`)."""
    shutil.rmtree(out, ignore_errors=True)

"""The site build: a linear pipeline collect -> compute -> render -> write.

    result = build_site(repo, BuildOptions(out=Path("site"), today=date(2026, 11, 23)))
    print(result.summary())   # Built 1,204 pages from 1,180 records in 3.1 s

A page that fails to build names its source file and the build continues (`--strict` aborts).
Incremental: every page's context is hashed; a page whose context and templates did not change
is neither rendered nor written, and a rendered page whose bytes did not change is not written.
The manifest of hashes lives under .svcnotes-cache/ (deleting it only makes the next build slower).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import svcnotes
from svcnotes.model.record import Record
from svcnotes.site.output import release_spares, remove_leftovers, write_if_changed
from svcnotes.store import bulk, cachefile
from svcnotes.store.bulk import paused_gc
from svcnotes.store.lock import RepoLock

if TYPE_CHECKING:  # imported where used: a build of an unchanged repository never loads jinja2 or the page modules
    from jinja2 import Environment
    from jinja2.bccache import Bucket

    from svcnotes.site.pages import Planned, Site

CACHE_DIR = ".svcnotes-cache"
BUILD_VERSION = "3"  # bump when page output changes for the same context: invalidates the manifest


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
    notify: Callable[[str], None] | None = None  # told when this build waits for another one
    workers: int | None = None  # render processes (None: SVCNOTES_WORKERS, else one per core)
    register_split: int | None = None  # registers longer than this get one page per month (None: pages.REGISTER_SPLIT)


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
    warnings: list[str] = field(default_factory=list)  # e.g. a corrupt cache file that was ignored

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


def make_env(dirs: Iterable[Path], cache: Path | None = None, locale: str | None = None) -> Environment:
    """The Jinja environment: autoescaped HTML, ChoiceLoader over the template folders.

    With `locale`, fixed labels (`t("key")`) are translated when a template is compiled
    (site/jinja_i18n.py). With `cache`, compiled templates are kept there, in a folder per language
    and translation table (Jinja checks each template's source checksum, so an edited template is
    compiled again; a lost cache only costs the compile)."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

    from svcnotes.site.fragments import sections_html, timeline_html
    from svcnotes.site.jinja_i18n import TranslatedLabels, compiled_cache
    from svcnotes.site.tables import cell_markup, tbody_html, tfoot_html

    bytecode = None
    if cache is not None and locale:
        cache = compiled_cache(cache, locale)
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            bytecode = _bytecode_cache()(str(cache))
        except OSError:
            bytecode = None
    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
                      autoescape=select_autoescape(["html", "xml"], default_for_string=True),
                      trim_blocks=False, lstrip_blocks=False, auto_reload=False, bytecode_cache=bytecode,
                      extensions=[TranslatedLabels])
    env.label_locale = locale  # type: ignore[attr-defined]  # read by TranslatedLabels while compiling
    env.globals.update(tbody=tbody_html, tfoot=tfoot_html, cell_html=cell_markup, sections_html=sections_html,
                       timeline_html=timeline_html)  # the one HTML of tables, form sections and history
    return env


@functools.cache
def _bytecode_cache() -> type:
    """Jinja's compiled-template cache; a cache file it cannot read is noted and compiled again."""
    from jinja2 import FileSystemBytecodeCache
    from jinja2.bccache import bc_magic

    class _Bytecode(FileSystemBytecodeCache):
        def load_bytecode(self, bucket: Bucket) -> None:
            filename = self._get_cache_filename(bucket)
            try:
                with open(filename, "rb") as handle:
                    if handle.read(len(bc_magic)) != bc_magic:  # not Jinja's, or from another Python
                        cachefile.ignored(filename)
                        return
                    if pickle.load(handle) != bucket.checksum:  # the template changed since: compiled again
                        return
                    bucket.code = marshal.load(handle)
            except (FileNotFoundError, IsADirectoryError, PermissionError):
                return
            except Exception:  # noqa: BLE001 - truncated or corrupt after the header: compiled again
                bucket.reset()
                cachefile.ignored(filename)

    return _Bytecode


def _fingerprint(dirs: Iterable[Path]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for d in dirs:
        for p in sorted(d.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(d)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


_CODE: list[str] = []


def code_fingerprint(package: Path | None = None) -> str:
    """A hash of svcnotes' own Python source (or of `package`): a page made by other code is made
    again, since every key covers the code that made it, not only the templates and config.
    svcnotes' own is computed once per process (about 100 files, a few milliseconds)."""
    if package is None and _CODE:
        return _CODE[0]
    folder = package or Path(svcnotes.__file__).resolve().parent
    h = hashlib.blake2b(digest_size=16)
    for p in sorted(folder.rglob("*.py")):
        h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    if package is None:
        _CODE.append(h.hexdigest())
    return h.hexdigest()


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _problems_by_path(problems: Iterable[Any], locale: str) -> dict[str, list[dict[str, Any]]]:
    """Each record's problems as its page shows them: the field by its label and the message, in the
    site's language."""
    from svcnotes.model.message import render
    from svcnotes.site.timeline import field_label
    from svcnotes.store.repository import kind_for_path

    out: dict[str, list[dict[str, Any]]] = {}
    for p in problems:
        if p.path:
            kind = kind_for_path(p.path)
            field = field_label(kind.name, p.field, locale) if kind is not None and p.field else p.field
            out.setdefault(p.path, []).append({"code": p.code, "field": field, "message": render(p.message, locale),
                                               "line": p.line})
    return out


def _author_namer(config: Any) -> Callable[[str, str], str]:
    by_email = {e.lower(): s.name for s in config.staff.values() for e in s.emails}
    by_id = {s.id: s.name for s in config.staff.values()}
    return lambda name, email: by_email.get(email.lower()) or by_id.get(name) or name


def collect(repo: Any, options: BuildOptions, scan: Any = None) -> tuple[Site, int]:
    """Step 1: read every record once (redacted when asked), with problems; timelines are read lazily.

    Redacted: one Redactor made from every record's declared personal values masks the records,
    the problems shown on pages and the history, so nothing built from them can leak those values."""
    from svcnotes.site.i18n import normalise_locale
    from svcnotes.site.pages import Site
    from svcnotes.site.redact import Redactor
    from svcnotes.site.timeline import Timelines

    snapshot = repo.snapshot(scan=scan)  # scan: the stat pass the build-level key was made from
    config = repo.config
    locale = normalise_locale(options.locale or config.locale)
    records: dict[str, list[Record]] = {k: list(v) for k, v in snapshot.records.items()}
    problems = list(snapshot.problems)
    redactor = None
    if options.redact:
        redactor = Redactor.of(snapshot.all())
        records = {k: [redactor.record(r) for r in v] for k, v in records.items()}
        from svcnotes.model.message import render

        problems = [replace(p, message=redactor.text(render(p.message, locale)), hint=redactor.text(render(p.hint, locale)))
                    for p in problems]
    site = Site(records, config, locale, options.today, problems=_problems_by_path(problems, locale),
                snapshot=None if options.redact else snapshot, redactor=redactor)
    if options.redact:
        site.snapshot.volumes = snapshot.volumes  # the KPIs' denominators hold no personal data
    if options.history:
        site.timeline = Timelines(Path(repo.root), config, locale, _author_namer(config), options.redact,
                                  redactor.text if redactor is not None else None)
        site.timeline.names = site.names
    return site, sum(len(v) for v in records.values())


def plan_pages(site: Site, salt: str, failures: list[Failure], strict: bool, history_version: Callable[[str], str],
               split: int | None = None, states: dict[str, str] | None = None, search_salt: str | None = None,
               registers: dict[str, str] | None = None) -> list[Planned]:
    """Step 2: every output file with its key; contexts are made later, only for what changed.
    `states`: each record file's deps.record_state, where the build has them (made here otherwise);
    `search_salt`: what the search index's cached work is keyed by (the salt without the theme);
    `registers`: the last build's register pages (url -> key) when nothing they read changed (their
    keys are then those; at 100k that saves 0.9 s of sorting and hashing in a one-edit rebuild)."""
    from svcnotes.site import deps
    from svcnotes.site.charts import line_chart
    from svcnotes.site.dashboard import dashboard_page
    from svcnotes.site.pages import (
        REGISTER,
        REGISTER_SPLIT,
        Page,
        Planned,
        RegisterPart,
        complaint_page,
        customer_page,
        keyed_only,
        register_page,
        register_parts,
        simple_page,
    )
    from svcnotes.site.reportpages import report_plans

    split = split or REGISTER_SPLIT
    planned: list[Planned] = []

    def attempt(source: str, url: str, make: Callable[[], Any]) -> None:
        try:
            made = make()
        except Exception as exc:  # a bad record must not stop the build; the failure names it
            failures.append(Failure(source, url, f"{type(exc).__name__}: {exc}"))
            if strict:
                raise BuildAborted(failures[-1].format()) from exc
            return
        planned.extend(made if isinstance(made, list) else [made])

    def page_plan(page: Page) -> Planned:
        key = deps.digest(salt, page.url, page.template, page.title, json.dumps(
            [page.context, page.breadcrumbs], default=str, sort_keys=True, ensure_ascii=False))
        return Planned(page.url, key, lambda: page)

    def dashboard(_note: Any) -> tuple[str, Callable[[], Page], None]:
        page = dashboard_page(site)  # reads every open complaint: made in a render worker, beside the others
        return page_plan(page).key, lambda: page, None

    planned.append(Planned("index.html", "", keyed_only, keyed=dashboard, front_matter_only=True))
    if registers is not None:
        parts = functools.cache(lambda: {part.url: part for part in register_parts(site, split)})
        for url, key in registers.items():
            def kept(url: str = url) -> Page:  # made only when its file went missing
                return register_page(site, parts()[url])
            planned.append(Planned(url, key, kept, note=REGISTER))
    else:
        # registers show front matter only: keyed by it (a body edit re-makes no register)
        front = {r.path: deps.front_matter_token(r, (states or {}).get(r.path)) for rs in site.records.values() for r in rs}
        customer_tokens = "\x1d".join(front[r.path] for r in site.records["complaint"])
        names = deps.names_key(site)
        for part in register_parts(site, split):
            key = deps.digest(salt, part.url, part.title, part.summary, json.dumps(part.nav), names,
                              "\x1d".join(front[r.path] for r in part.records), customer_tokens if part.kind == "customer" else "")
            def register(part: RegisterPart = part) -> Page:
                return register_page(site, part)
            planned.append(Planned(part.url, key, register, note=REGISTER))
    builders = {"complaint": complaint_page, "customer": lambda s, r: customer_page(s, r, line_chart),
                "callback": simple_page, "note": simple_page}
    for kind, make in builders.items():
        for r in site.records[kind]:
            def keyed(_note: Any, r: Record = r, make: Callable[..., Page] = make) -> tuple[str, Callable[[], Page], list[str]]:
                problems = site.problems.get(r.path)
                shown = deps.shown_on_record_page(site, r)
                key = deps.digest(salt, site.urls[r.id], deps.tokens(shown),
                                  json.dumps(problems, ensure_ascii=False) if problems else "[]", history_version(r.path))
                # the note: the record files the key read (the next build recomputes it only when one changed)
                return key, lambda: make(site, r), [x.path for x in shown]
            # keyed in the render workers: 17,000 keys cost about half a second, now spread over the cores
            planned.append(Planned(site.urls[r.id], "", keyed_only, r.path, record_page=True, keyed=keyed))
    attempt("", "reports/", lambda: report_plans(site, salt))
    from svcnotes.site.search import search_plans

    planned.extend(search_plans(site, salt, lambda title, context: page_plan(
        Page("search.html", "search.html", title, "search", context, breadcrumbs=((title, ""),))), search_salt))
    return planned


MANIFEST_FORMAT = "svcnotes-site-manifest-1"


class _Manifest:
    """url -> [key, output hash, note], the git commit the history came from, the salt, and per record
    file its state (deps.record_state) and history version; under .svcnotes-cache/, never required.

    Kept with marshal (a tagged tuple): at 100k it is 44 MB, which json wrote in 0.56 s and marshal
    writes in 0.08 s, on every build that changed anything."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.head = ""
        self.salt = ""
        self.history: dict[str, str] = {}
        self.pages: dict[str, list[str]] = {}
        self.records: dict[str, str] = {}  # record path -> deps.record_state (content, links, front matter)
        try:
            tag, data = marshal.loads(path.read_bytes())  # (marshal.load from a file reads it piece by piece)
            if tag != MANIFEST_FORMAT or not isinstance(data.get("pages"), dict):
                raise ValueError("no pages")
            pages = {k: v for k, v in data.get("pages", {}).items()
                     if isinstance(v, list) and len(v) >= 2 and all(isinstance(x, str) for x in v[:2])}
            self.head = str(data.get("head", ""))
            records = data.get("records", {})
            self.records = {k: v for k, v in records.items() if isinstance(v, str)} if isinstance(records, dict) else {}
            history = data.get("history", {})  # the commits seen, and each record's (by position in records)
            commits, of = history.get("commits", []), history.get("of", [])
            if len(of) == len(self.records):
                self.history = {path: str(commits[i]) for path, i in zip(self.records, of, strict=True) if i >= 0}
            self.salt = str(data.get("salt", ""))
            self.pages = pages
        except FileNotFoundError:
            pass
        except (OSError, ValueError, EOFError, AttributeError, TypeError, IndexError):
            self.head, self.history, self.records, self.salt = "", {}, {}, ""
            cachefile.ignored(path)
        self.new: dict[str, list[str]] = {}
        self.new_history: dict[str, str] = {}
        self.new_head = ""
        self.new_records: dict[str, str] = {}
        self.new_salt = ""

    def distrust_changed(self, out: Path) -> None:
        """After an interrupted build: files it wrote no longer match this manifest. Every entry whose
        file's bytes differ from the recorded hash is made to match nothing (so it is built again),
        and what the interrupted writes left (temporary files, spares) is removed."""
        for url, entry in self.pages.items():
            try:
                with open(out / url, "rb") as handle:
                    same = _hash(handle.read()) == entry[1]
            except OSError:
                same = False
            if not same:
                self.pages[url] = ["", "", *entry[2:]]
        remove_leftovers(out)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        commits: dict[str, int] = {}
        of = [commits.setdefault(self.new_history[path], len(commits)) if path in self.new_history else -1
              for path in self.new_records]
        history = {"commits": list(commits), "of": of} if self.new_history else {}
        tmp.write_bytes(marshal.dumps((MANIFEST_FORMAT, {"pages": self.new, "head": self.new_head, "history": history,
                                                          "salt": self.new_salt, "records": self.new_records})))
        os.replace(tmp, self.path)


def _history_versions(repo: Any, site: Site, manifest: _Manifest, head: str | None) -> Callable[[str], str]:
    """Per record file, a version of its git history: it changes exactly when the file's history does.

    The version is the commit at which a build last saw the file's history change; files that
    changed between the previous build's commit and HEAD (`head`; None: no history shown) get
    HEAD. No history is read here."""
    if head is None:
        return lambda path: ""
    from svcnotes.site.timeline import paths_changed_since

    changed = paths_changed_since(Path(repo.root), manifest.head, head)
    manifest.new_head = head
    for rs in site.records.values():
        for r in rs:
            old = manifest.history.get(r.path)
            manifest.new_history[r.path] = head if changed is None or r.path in changed or old is None else old
    return lambda path: manifest.new_history.get(path, head)


def build_site(repo: Any, options: BuildOptions) -> BuildResult:
    """Build the whole site into options.out; see the module docstring.

    One build at a time per record repository: a second one waits (told through options.notify)
    for the build lock under .svcnotes-cache/, so two builds never write into one output folder
    at once nor interleave their caches. Each output file is replaced atomically and the manifest
    is written last; a build killed at any moment leaves every file whole (the previous version or
    the new one), and the next build finds the marker the killed one left, re-checks the output
    files against the manifest and rebuilds whatever differs."""
    lock = RepoLock(Path(repo.root) / CACHE_DIR / "build.lock", build=True)
    try:
        lock.acquire(options.notify)
    except OSError:  # a read-only checkout: no cache folder, so nothing shared to protect
        pass
    try:
        result = _build_site(repo, options)
    finally:
        bulk.thaw()  # what the build kept out of the collector (paused_gc(keep=True)) is collected again
        lock.release()
    result.warnings = cachefile.take_warnings(repo.root)
    return result


def _libraries() -> str:
    """What identifies the installed libraries that render pages (jinja2, markdown, nh3): each one's
    location, size and mtime, told without importing it (an upgrade replaces the files)."""
    from importlib.util import find_spec

    out = []
    for name in ("jinja2", "markdown", "markupsafe", "nh3"):
        try:
            spec = find_spec(name)
            origin = spec.origin if spec is not None else None
            st = os.stat(origin) if origin else None
        except (ImportError, ValueError, OSError):
            st, origin = None, None
        out.append(f"{name}:{origin}:{st.st_size if st else ''}:{st.st_mtime_ns if st else ''}")
    return "|".join(out)


def _build_site(repo: Any, options: BuildOptions) -> BuildResult:
    from svcnotes.site import stamp

    started = time.perf_counter()
    result = BuildResult()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(repo.root) / CACHE_DIR
    key = _hash(str(out.resolve()).encode())[:12]
    dirs = template_dirs(Path(repo.root))
    config_bytes = (Path(repo.root) / "svcnotes.toml").read_bytes() if (Path(repo.root) / "svcnotes.toml").is_file() else b""
    head = _head(repo) if options.history else None
    code = [BUILD_VERSION, svcnotes.__version__, code_fingerprint(), _libraries()]  # what made the output, but the theme
    made_by = [*code, _fingerprint(dirs)]
    # One key over everything the build reads (site/stamp.py): when it is the last build's, and the
    # output folder still holds what that build wrote, nothing else is loaded.
    build_key, scan = stamp.build_key(repo, [*made_by, _hash(config_bytes), options.locale or "", str(options.redact),
                                       str(options.live_reload), options.today.isoformat(), str(head), str(options.register_split),
                                       str(out.resolve())])
    stamp_path = cache / f"site-{key}.stamp"
    manifest_path = cache / f"site-{key}.manifest"
    marker = cache / f"site-{key}.building"  # present while a build writes into out
    last = stamp.load(stamp_path)
    building = marker.exists()
    intact = not building and stamp.output_intact(last, out, manifest_path)
    if intact and build_key and last is not None and last.get("key") == build_key:
        result.pages, result.records = int(last.get("pages", 0)), int(last.get("records", 0))
        result.seconds = time.perf_counter() - started
        return result
    from svcnotes.site.markup import MarkdownRenderer
    from svcnotes.site.pages import REGISTER_SPLIT
    from svcnotes.site.timeline import Timelines

    split = options.register_split or REGISTER_SPLIT
    if options.history:
        _bring_history_store(repo)
    renderer = MarkdownRenderer(cache / "markdown.json", _hash("|".join(code).encode()))
    with paused_gc(keep=True):  # reading and planning make very many objects and almost no cycles; they live to the end
        site, result.records = collect(repo, options, scan)
        site.body_html = lambda r: renderer.render(r.body)
        site._markdown = renderer  # type: ignore[attr-defined]  # workers report what they rendered
        site.search_cache = cache / "search"  # type: ignore[attr-defined]  # svcnotes.site.search's per-group work
        env = make_env(dirs, cache / "templates", site.locale)
        inputs = [_hash(config_bytes), site.locale, site.redactor.digest if site.redactor is not None else "",
                  str(options.live_reload), options.today.isoformat(), str(options.history), _volumes_key(repo), str(split)]
        salt = "|".join([*made_by, *inputs])
        # the search index is made by code from records, never from a template: a theme change keeps its cache
        search_salt = "|".join([*code, *inputs])
        manifest = _Manifest(manifest_path)
        (cache / f"site-{key}.json").unlink(missing_ok=True)  # the manifest's earlier (json) form
        if building:
            manifest.distrust_changed(out)
        try:
            marker.touch()
        except OSError:
            pass
        stamp.remove(stamp_path)  # this build's own is written when it is done
        versions = _history_versions(repo, site, manifest, head)
        changes = _Changes.of(site, manifest, salt, building)
        planned = plan_pages(site, salt, result.failures, options.strict, versions, split, manifest.new_records,
                             search_salt, changes.registers(manifest))
    todo = []
    for plan in planned:
        old = manifest.pages.get(plan.url)
        if not old:
            todo.append(plan)
        elif plan.keyed is None and old[0] == plan.key and (intact or (out / plan.url).is_file()):
            manifest.new[plan.url] = old
        elif plan.keyed is not None and changes.unchanged(plan, old) and (intact or (out / plan.url).is_file()):
            manifest.new[plan.url] = old  # nothing its key reads changed: its key is the one it had
        else:
            todo.append(plan)
    if isinstance(site.timeline, Timelines):
        site.timeline.prepare(sum(1 for p in todo if p.record_page))
    job = _Job(env, site, repo.config.organisation, options, out, manifest.pages)
    record_pages = set(site.urls.values())
    for outcome in render_all(job, todo, options.workers, options.progress, len(planned) - len(todo), len(planned)):
        cachefile.note_all(outcome.cache_ignored)
        if outcome.failure is not None:
            result.failures.append(outcome.failure)
            if options.strict:
                raise BuildAborted(outcome.failure.format())
            continue
        note = changes.note(outcome.url, outcome.note, record_pages)
        manifest.new[outcome.url] = [outcome.key, outcome.digest] + ([note] if note is not None else [])
        result.rendered += outcome.rendered
        if outcome.written:
            result.written += 1
            result.written_urls.append(outcome.url)
        renderer.add(outcome.markdown)
    if isinstance(site.timeline, Timelines):
        site.timeline.close()  # what was made in this process (workers write theirs as they end)
    _copy_static(dirs, out, manifest, result)
    for url in set(manifest.pages) - set(manifest.new):
        try:
            (out / url).unlink()
            result.removed += 1
        except OSError:
            pass
    manifest.new_salt = salt
    result.pages = sum(1 for u in manifest.new if u.endswith(".html"))
    with paused_gc():  # writing the caches makes no cycles; a collection now would walk the whole site
        manifest.save()
        marker.unlink(missing_ok=True)
        renderer.save()
        if not result.failures:  # a build with failures is made again next time, to report them
            stamp.save(stamp_path, build_key, out, manifest.new, manifest_path, pages=result.pages, records=result.records)
    result.seconds = time.perf_counter() - started
    return result


def _bring_history_store(repo: Any) -> None:
    """Bring the history store to HEAD before the site is read (Timelines.prepare then only opens
    it): the store's build and the read site are never in memory together, which keeps a first build
    at 100k under 1.5 GiB, and its workers fork from a small process."""
    from svcnotes.history.store import open_store

    store = open_store(Path(repo.root), repo.config)  # a store already at HEAD is only looked at
    if store is not None:
        store.close()


def _head(repo: Any) -> str:
    """The commit the history shown comes from (timeline.history_head, without loading the page modules)."""
    from svcnotes.history.gitread import head_sha

    return head_sha(Path(repo.root)) or ""


def _volumes_key(repo: Any) -> str:
    """records/volumes.csv (the KPIs' denominators, read by the dashboard and the reports)."""
    try:
        return _hash((Path(repo.root) / "records" / "volumes.csv").read_bytes())
    except OSError:
        return ""


@dataclass
class _Changes:
    """What changed in the records since the last build, told from each record's content digest.

    When the salt (code, theme, config, today, options) is the same and no record was added,
    removed, renumbered or re-linked (its id and reference fields are as they were), the pages
    link the same records as last build. A record page is then unchanged when none of the records
    its key read (its note: deps.shown_on_record_page) changed, in content or in history (a commit
    since), and the dashboard and reports, which read front matter only (never history), are
    unchanged when no record's front matter changed. Otherwise every key is computed."""

    changed: set[int]  # positions of the changed records in manifest.new_records
    order: dict[str, int]  # record path -> its position in manifest.new_records (how notes name records)
    linked_same: bool = False
    front_matter_same: bool = False

    @classmethod
    def of(cls, site: Site, manifest: _Manifest, salt: str, interrupted: bool) -> _Changes:
        from svcnotes.site import deps

        old = manifest.records
        new = manifest.new_records
        changed: list[str] = []
        for rs in site.records.values():
            for r in rs:
                before = old.get(r.path)
                if before is not None and before.startswith(deps.content_key(r)):
                    new[r.path] = before
                else:
                    new[r.path] = deps.record_state(r)
                    changed.append(r.path)
        order = {path: i for i, path in enumerate(new)}
        same = (not interrupted and manifest.salt == salt and list(old) == list(new)
                and all(deps.same_links(old[p], new[p]) for p in changed))
        front_matter_same = same and all(deps.same_front_matter(old[p], new[p]) for p in changed)
        # after a commit, the records whose history changed: their timelines are on their pages
        history = manifest.history
        changed += [p for p, version in manifest.new_history.items() if history.get(p) != version]
        return cls({order[p] for p in changed if p in order}, order, same, front_matter_same)

    def unchanged(self, plan: Planned, old: list[Any]) -> bool:
        """Whether a keyed plan's previous file (manifest entry `old`) is still right."""
        if not self.linked_same or not old[0]:
            return False
        if plan.record_page:
            return len(old) > 2 and isinstance(old[2], list) and self.changed.isdisjoint(old[2])
        return plan.front_matter_only and self.front_matter_same

    def registers(self, manifest: _Manifest) -> dict[str, str] | None:
        """The last build's register pages (url -> key) when they are still right: same salt (split
        included), no record added, removed or re-linked, no front matter changed (registers show
        nothing else); None otherwise (they are planned again)."""
        from svcnotes.site.pages import REGISTER

        if not (self.linked_same and self.front_matter_same):
            return None
        kept = {url: entry[0] for url, entry in manifest.pages.items() if len(entry) > 2 and entry[2] == REGISTER}
        return kept if kept and all(kept.values()) else None

    def note(self, url: str, note: Any, record_pages: set[str]) -> Any:
        """A record page's note (the paths its key read) kept as positions in manifest.new_records."""
        if url in record_pages and isinstance(note, list):
            return [self.order.get(p, -1) if isinstance(p, str) else p for p in note]
        return note


@dataclass
class _Job:
    """What every render worker needs (inherited through fork, never pickled)."""

    env: Environment
    site: Site
    org: str
    options: BuildOptions
    out: Path
    old: dict[str, list[str]]  # the previous build's url -> [key, output hash]


@dataclass
class Outcome:
    """What building one planned file did."""

    url: str
    key: str = ""
    digest: str = ""
    written: bool = False
    rendered: int = 0
    failure: Failure | None = None
    markdown: dict[str, str] = field(default_factory=dict)
    note: Any = None  # what a keyed plan wants back next build (kept in the manifest)
    cache_ignored: dict[str, str] = field(default_factory=dict)  # cache files a worker could not use


def build_one(job: _Job, plan: Planned) -> Outcome:
    """Make, render and write one planned file; a failure is returned, never raised."""
    from svcnotes.site.context import base_context
    from svcnotes.site.markup import scrub
    from svcnotes.site.pages import Page

    key, make, note = plan.key, plan.make, plan.note
    try:
        if plan.keyed is not None:
            previous = job.old.get(plan.url, [])
            exists = bool(previous) and os.path.isfile(os.path.join(job.out, plan.url))
            key, fresh, note = plan.keyed(previous[2] if exists and len(previous) > 2 else None)
            if fresh is None or (exists and previous[0] == key):
                return Outcome(plan.url, previous[0] if fresh is None else key, previous[1], note=note)
            make = fresh
        made = make()
        if isinstance(made, Page):
            ctx = base_context(locale=job.site.locale, url=made.url, title=made.title, section=made.section,
                               site_title=job.org, generated=job.options.today.isoformat(), breadcrumbs=made.breadcrumbs,
                               live_reload=job.options.live_reload, redacted=job.options.redact, **made.context)
            data = scrub(job.env.get_template(made.template).render(ctx)).encode("utf-8")
            rendered = 1
        else:
            data, rendered = made, 0
    except Exception as exc:
        return Outcome(plan.url, failure=Failure(plan.source, plan.url, f"{type(exc).__name__}: {exc}"))
    digest = _hash(data)
    written = False
    old = job.old.get(plan.url)
    if not old or old[1] != digest or not (job.out / plan.url).is_file():
        written = write_if_changed(job.out / plan.url, data)
    return Outcome(plan.url, key, digest, written, rendered, note=note)


_JOB: tuple[_Job, list[Planned]] | None = None


def _build_chunk(indices: list[int]) -> list[Outcome]:
    """Worker side: build the planned files at these positions (the job came through fork)."""
    assert _JOB is not None
    job, plans = _JOB
    renderer = getattr(job.site, "_markdown", None)
    if renderer is not None:
        renderer.take_fresh()  # what was rendered before this task (before the fork, too) was sent already
    outcomes = [build_one(job, plans[i]) for i in indices]
    release_spares()
    if renderer is not None and outcomes:
        outcomes[-1].markdown = renderer.take_fresh()
    if outcomes:
        outcomes[-1].cache_ignored = cachefile.take()
    return outcomes


def folder_spread(plans: list[Planned], indices: list[int], size: int, workers: int) -> list[list[int]]:
    """The pages at `indices` in chunks of at most `size` pages of one output folder each, ordered so
    that the chunks the workers hold at one time write different folders wherever the folders' sizes
    allow. The kernel creates one file at a time per folder: two workers writing one folder take
    turns, spinning while they wait (a third of a full build's CPU at 10k before this order)."""
    folders: dict[str, list[int]] = {}
    for i in indices:
        folders.setdefault(os.path.dirname(plans[i].url), []).append(i)
    left = {f: [ix[j:j + size] for j in range(0, len(ix), size)] for f, ix in folders.items()}
    order: list[list[int]] = []
    recent: list[str] = []  # the folders of the last chunks handed out, newest last
    while left:
        fullest = sorted(left, key=lambda f: (-len(left[f]), f))
        pick = next((f for f in fullest if f not in recent[-workers:]), None) or next(
            (f for f in fullest if f not in recent[-1:]), fullest[0])
        order.append(left[pick].pop(0))
        if not left[pick]:
            del left[pick]
        recent.append(pick)
    return order


PARALLEL_MIN = 64  # fewer files than this are built in-process (forking would cost more than it saves)


def render_all(job: _Job, plans: list[Planned], workers: int | None, progress: Callable[[int, int], None] | None,
               done: int, total: int) -> Iterable[Outcome]:
    """Build every planned file, on all cores when there are many (fork: the site is shared, not copied)."""
    global _JOB
    count = bulk.worker_count(workers)
    if count == 1 or len(plans) < PARALLEL_MIN or not bulk.may_fork(threads_ok=True):  # serve's HTTP thread is idle
        # A few files (a small rebuild): no cyclic collection meanwhile, which would walk every
        # object of the site each time it ran; many (one core): collected as usual.
        with paused_gc() if len(plans) < PARALLEL_MIN else contextlib.nullcontext():
            try:
                for plan in plans:
                    yield build_one(job, plan)
                    done += 1
                    if progress:
                        progress(done, total)
            finally:
                release_spares()
        return
    for name in ("base.html", "_macros.html", "_record.html", "complaint.html", "customer.html", "callback.html",
                 "note.html", "report.html", "complaints.html", "customers.html", "callbacks.html", "notes.html",
                 "reports.html", "index.html", "search.html"):
        try:
            job.env.get_template(name)  # compiled once here, before the fork
        except Exception:
            pass
    # Pages that are not record pages (dashboard, registers, reports, search shards) cost the most
    # each: they go first, in a few tasks per worker, so no worker is left with a long tail of them.
    heavy = [i for i, plan in enumerate(plans) if not plan.record_page]
    light = [i for i, plan in enumerate(plans) if plan.record_page]
    size = max(8, min(256, len(light) // (count * 8) or 1))
    step = max(1, -(-len(heavy) // (count * 2)))
    chunks = [heavy[i:i + step] for i in range(0, len(heavy), step)] + folder_spread(plans, light, size, count)
    if job.site.snapshot is not None and any(plan.keyed is not None and not plan.record_page for plan in plans):
        from svcnotes.reports.index import ReportIndex

        index = ReportIndex.of(job.site.snapshot)  # built once here, shared by every worker through fork
        for part in ("registered", "ended", "callbacks_due", "callbacks_done", "notes", "open_at"):
            getattr(index, part)
    _JOB = (job, plans)
    try:
        with bulk.shared_with_workers(), bulk.process_pool(count) as pool:  # forked: workers inherit the site
            for outcomes in pool.map(_build_chunk, chunks):
                for outcome in outcomes:
                    yield outcome
                    done += 1
                    if progress:
                        progress(done, total)
    finally:
        _JOB = None


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
    release_spares()


def clean_output(out: Path) -> None:
    """Remove a previous build (used by tests and `make clean`)."""
    shutil.rmtree(out, ignore_errors=True)

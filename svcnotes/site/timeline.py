"""History timelines for record pages, from the history store (svcnotes.history: one `git log`
pass, cached and extended incrementally, records followed across renumbering).

Entries are plain dicts for the templates, newest first; `Timelines` reads them per record page
being built, and `paths_changed_since` tells the build whose history changed since its last run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.fields import Field
from svcnotes.model.schema import KINDS
from svcnotes.site.forms import Formatter
from svcnotes.site.i18n import translator

Entry = dict[str, Any]


_SEGMENT = re.compile(r"\[(\d+)\]|\.?([A-Za-z_][\w-]*)")


def _path(kind: str, dotted: str) -> tuple[list[tuple[str, Field | None]], Field | None]:
    """A changed field's path (`capa[0].status`) as (segments, the field its value belongs to)."""
    spec = KINDS.get(kind)
    here: Field | None = None
    parts: list[tuple[str, Field | None]] = []
    for index, name in _SEGMENT.findall(dotted):
        if index:
            parts.append(("#" + str(int(index) + 1), here))
            here = (here.item or here) if here is not None and here.type == "list" else here
        elif here is None and not parts:
            here = spec.by_name.get(name) if spec else None
            parts.append((name, here))
        else:
            sub = here.sub.get(name) if here is not None else None
            parts.append((name, sub))
            here = sub
    return parts, here


@lru_cache(maxsize=65536)
def field_label(kind: str, dotted: str, locale: str) -> str:
    """A field's label in words, for a change or a problem: `纠正和预防措施 第 1 项 · 状态` for capa[0].status
    (a name the schema does not know is shown as it is)."""
    en = locale.startswith("en")
    if dotted == "body":
        return "Body" if en else "正文"
    out = []
    for name, f in _path(kind, dotted)[0]:
        if name.startswith("#"):
            out.append(translator(locale)("history.item", n=name[1:]))
        else:
            out.append(("· " if out else "") + (f.label(locale) if f is not None else name))
    return " ".join(out)


def _is_personal(kind: str, dotted: str) -> bool:
    """A change to a personal field (or a personal sub-field of a table) — masked by --redact."""
    k = KINDS.get(kind)
    head = dotted.split("[", 1)[0].split(".", 1)[0]
    f = k.by_name.get(head) if k else None
    if f is None:
        return False
    sub = dotted.rsplit(".", 1)[-1] if "." in dotted else ""
    if f.type == "objects" and sub:
        inner = {x.name: x for x in f.fields}.get(sub)
        return bool(inner and inner.personal)
    return f.personal


_ITEM = re.compile(r"\[\d+\]$")


def _noun(label: str, locale: str) -> str:
    """A field label inside an English sentence: `Status` -> `status` (acronyms such as CAPA stay)."""
    if locale.startswith("en") and len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _sentence(t: Callable[..., str], who: str, kind: str, dotted: str, label: str, old: str, new: str,
              locale: str) -> str:
    """One change as a sentence with display names and labels: `刘洋 将状态从 已核决 改为 已结案`,
    `周强 添加了核决：…` for items added to a table or list (removed likewise)."""
    item = _ITEM.search(dotted)
    f = _path(kind, dotted)[1]
    if (item or (f is not None and f.type in ("objects", "list"))) and (not old or not new):
        table = _noun(field_label(kind, _ITEM.sub("", dotted) if item else dotted, locale), locale)
        return t("history.added_item", who=who, field=table, new=new) if new else \
            t("history.removed_item", who=who, field=table, old=old)
    field = _noun(label, locale)
    if not old:
        return t("history.set", who=who, field=field, new=new)
    if not new:
        return t("history.cleared", who=who, field=field, old=old)
    return t("history.changed", who=who, field=field, old=old, new=new)


def approval_proofs(root: Path, config: Config, events: Iterable[Any]) -> dict[str, tuple[str, str]]:
    """commit -> (signer's staff id or '', how git judged the signature) for the commits that add approvals:
    verified offline in signed mode (one git process for the record), ('', '') in unsigned mode."""
    from svcnotes.history.signatures import NoVerifier, verify

    shas = [ev.sha for ev in events if getattr(ev, "approvals_added", None)]
    if not shas:
        return {}
    if not config.signed_approvals:
        return dict.fromkeys(shas, ("", ""))
    try:
        found = verify(root, shas, [config])
    except NoVerifier as exc:
        return dict.fromkeys(shas, ("", f"{exc} missing: not checked"))
    out = {}
    for sha in shas:
        sig = found.get(sha)
        who = sig.signer(config) if sig is not None else None
        out[sha] = (who.id if who is not None else "", sig.describe(config) if sig is not None else "not checked")
    return out


def proof_text(by: str, proof: tuple[str, str], locale: str, name: Callable[[str], str] = str) -> str:
    """Whether an approval by `by` is proven: signed by them, signed by someone else, unsigned, unsigned mode
    (`name` turns a staff id into the name shown)."""
    signer, said = proof
    en = locale.startswith("en")
    if not said:
        return ("unsigned mode: only a git author e-mail, which proves nothing" if en
                else "未签名模式：只有 git 作者邮箱，不能证明是谁审批的")
    key = said.split("(", 1)[-1].rstrip(")") if "(" in said else ""
    if signer == by:
        return f"signed by {name(signer)} ({key})" if en else f"已签名：{name(signer)}（{key}）"
    if signer:
        said = f"signed by {name(signer)} ({key})"
    return f"NOT PROVEN: {said}" if en else f"未证实：{said}"


def event_entries(kind: str, events: Iterable[Any], locale: str, author_name: Callable[[str, str], str] | None = None,
                  redact: bool = False, mask: Callable[[str], str] | None = None,
                  fmt: Formatter | None = None, proofs: dict[str, tuple[str, str]] | None = None) -> list[Entry]:
    """History events (oldest first) as timeline entries for the page, newest first, changed values
    written with labels and names (`fmt`), never as codes, field paths or data dumps; with `proofs`
    (approval_proofs), each approval added says whether it was signed and by whom.

    With `redact`, personal fields' values are masked, and `mask` (the build's Redactor.text: every
    declared name and contact, phones and e-mails; by default phones and e-mails only) is applied to
    every changed value and commit message, like the rest of a redacted site."""
    from svcnotes.site.redact import mask_text

    conceal = mask or mask_text
    fmt = fmt or Formatter(locale)

    def show(dotted: str, value: Any) -> str:
        parts, f = _path(kind, dotted)
        named = [name for name, _ in parts if not name.startswith("#")]
        # an enum's labels are keyed by the field that holds it: (kind, field) or (table, column)
        owner = named[-2] if len(named) > 1 else kind
        return fmt.text(owner, f, value)

    t = translator(locale)
    entries = []
    for ev in events:
        who = author_name(ev.author, ev.email) if author_name else ev.author
        changes: list[dict[str, Any]] = []
        # A record's first commit lists every field as a change from nothing; the form above shows
        # those values, so (as in `svcnotes history`) the created entry carries no changes.
        for ch in ev.changes if getattr(ev, "action", "") != "created" else ():
            if ch.field == "body":
                old, new = str(len(ch.old)), str(len(ch.new))
                changes.append({"label": field_label(kind, "body", locale), "old": f"−{old}", "new": f"+{new}",
                                "text": t("history.body", who=who, field=_noun(field_label(kind, "body", locale), locale),
                                          old=old, new=new)})
                continue
            hide = redact and _is_personal(kind, ch.field)
            old = "•••" if hide and ch.old is not None else "" if ch.old is None else show(ch.field, ch.old)
            new = "•••" if hide and ch.new is not None else "" if ch.new is None else show(ch.field, ch.new)
            if redact:
                old, new = conceal(str(old)), conceal(str(new))
            label = field_label(kind, ch.field, locale)
            changes.append({"label": label, "old": old, "new": new,
                            "text": _sentence(t, who, kind, ch.field, label, old, new, locale)})
        if proofs is not None:
            for approval in getattr(ev, "approvals_added", None) or ():
                by = str(approval.get("by") or "")
                label = ("Approval by " if locale.startswith("en") else "审批人 ") + fmt.staff(by)
                text = proof_text(by, proofs.get(ev.sha, ("", "")), locale, fmt.staff)
                text = conceal(text) if redact else text
                changes.append({"label": label, "old": "", "new": text, "proof": True,
                                "text": t("history.proof", who=fmt.staff(by), proof=text)})
        entries.append({"at": ev.date.isoformat(" ")[:16], "author": who,
                        "message": conceal(ev.subject) if redact else ev.subject,
                        "commit": ev.sha, "changes": changes, "pr": ev.pr})
    entries.reverse()
    return entries


def index_timelines(root: Path, config: Config, locale: str, records: Iterable[Any],
                    author_name: Callable[[str, str], str] | None = None, redact: bool = False,
                    mask: Callable[[str], str] | None = None) -> dict[str, list[Entry]]:
    """Timelines from the history package's index (cached under .svcnotes-cache/history, refreshed incrementally)."""
    from svcnotes.history.log import load_index

    index = load_index(root, config)
    out: dict[str, list[Entry]] = {}
    for r in records:
        lineage = index.lineage_for(root, r.id, r.path)
        if lineage is not None:
            events = index.timeline(lineage)
            out[r.path] = event_entries(r.kind, events, locale, author_name, redact, mask, Formatter(locale, config),
                                        approval_proofs(root, config, events))
    return out


class Timelines:
    """The timelines a build needs, read only for the record pages being built.

    `prepare` brings the history's per-record shard to HEAD once (incrementally), before the render
    workers fork; each page then reads its own record's events (one indexed lookup), so a full
    build never holds the whole history in memory and a build after one edit reads one timeline.
    Without a usable shard each record is read through `record_history`.
    """

    def __init__(self, root: Path, config: Config, locale: str, author_name: Callable[[str, str], str] | None = None,
                 redact: bool = False, mask: Callable[[str], str] | None = None) -> None:
        self.root, self.config, self.locale, self.author_name, self.redact = Path(root), config, locale, author_name, redact
        self.mask = mask
        self.names: dict[str, str] = {}  # record id -> display name (customers), set by the build
        self._reader: Any = None
        self._prepared = False
        self._cache: Any = None
        self._blobs: dict[str, str] = {}

    def prepare(self, pages: int) -> None:
        """Get ready to read `pages` record pages' timelines (before the render workers fork)."""
        if pages and not self._prepared:
            from svcnotes.history.log import ShardReader

            self._reader = ShardReader.open(self.root, self.config)
            self._prepared = True
            self._cache = self._open_cache()
            self._blobs = worktree_blobs(self.root) if self._reader is not None else {}

    def _open_cache(self) -> Any:
        """The made timelines beside the history store (timeline_cache.py), or None: without a store
        file, and in a redacted build (its masking is not part of the cache's salt)."""
        from svcnotes.site.timeline_cache import TimelineCache

        store_file = getattr(getattr(self._reader, "store", None), "file", None)
        if store_file is None or self.redact:
            return None
        try:
            config = (self.root / "svcnotes.toml").read_bytes()
            store_id = os.stat(store_file).st_ino
        except OSError:
            return None
        from svcnotes.site.build import code_fingerprint

        salt = hashlib.blake2b(b"\0".join([
            code_fingerprint().encode(), self.locale.encode(), config, str(store_id).encode(),
            json.dumps(sorted(self.names.items()), ensure_ascii=False).encode()]), digest_size=16).hexdigest()
        cache = TimelineCache(Path(store_file).parent, salt)
        return cache if cache.open() else None

    def close(self) -> None:
        """Write the timelines made in this process to the cache (the build calls this at its end)."""
        if self._cache is not None:
            self._cache.close()

    def __call__(self, record: Any) -> list[Entry]:
        """The record's timeline entries, newest first ([] when it has none)."""
        if self._reader is not None:
            store = self._reader.store
            lineage = store.lineage_for(record.id, record.path, self._blobs.get(record.path))
            if lineage is None:
                return []
            version = store.version_of(lineage) if self._cache is not None else -1
            if self._cache is not None:
                made = self._cache.get(lineage, version)
                if made is not None:
                    return made
            events = list(store.iter_events(lineage))
        else:
            from posixpath import dirname, join

            from svcnotes.history.log import record_history

            paths = [join(dirname(record.path), f"{alias}.md") for alias in record.data.get("aliases") or ()]
            events = record_history(self.root, self.config, record.id, record.path, paths).events
        proofs = approval_proofs(self.root, self.config, events)
        entries = event_entries(record.kind, events, self.locale, self.author_name, self.redact, self.mask,
                                Formatter(self.locale, self.config, names=self.names), proofs)
        # a verdict made without a signature tool is not kept: installed later, it has to be asked again
        if self._reader is not None and self._cache is not None and not any("not checked" in p[1] for p in proofs.values()):
            self._cache.put(lineage, version, entries)
        return entries


def worktree_blobs(root: Path) -> dict[str, str]:
    """Record file -> git blob id of its content, for the files git knows to be unchanged since the
    index (two git processes instead of reading and hashing every file); the others are not listed."""
    def run(*args: str) -> bytes:
        proc = subprocess.run(["git", *args, "-z", "--", "records"], cwd=root, capture_output=True)
        return proc.stdout if proc.returncode == 0 else b""

    staged = run("ls-files", "--stage")
    changed = set(run("diff-files", "--name-only").decode("utf-8", "surrogateescape").split("\0"))
    out = {}
    for entry in staged.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if path and len(fields) == 3 and fields[2] == "0" and path not in changed:
            out[path] = fields[1]
    return out


def history_head(root: Path) -> str:
    """The commit the history shown on the site comes from ('' without commits)."""
    from svcnotes.history.gitread import head_sha

    return head_sha(Path(root)) or ""


def paths_changed_since(root: Path, old: str, new: str) -> set[str] | None:
    """Record files whose history changed between two commits; None when that cannot be told
    (no previous commit, or history was rewritten), meaning every record's history may have changed."""
    if old == new:
        return set()
    if not old or not new:
        return None
    from svcnotes.history.gitread import is_ancestor

    if not is_ancestor(Path(root), old, new):
        return None
    out = subprocess.run(["git", "diff", "--name-only", "--no-renames", "-z", old, new, "--", "records"],
                         cwd=root, capture_output=True)
    if out.returncode != 0:
        return None
    return {p for p in out.stdout.decode("utf-8", "surrogateescape").split("\0") if p}


def timelines(root: Path, config: Config, locale: str, records: Iterable[Any],
              author_name: Callable[[str, str], str] | None = None, redact: bool = False,
              mask: Callable[[str], str] | None = None) -> dict[str, list[Entry]]:
    """Per-record timelines (record path -> entries, newest first) from the history store."""
    return index_timelines(root, config, locale, list(records), author_name, redact, mask)

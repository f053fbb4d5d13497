"""Ids: each matches its file name and folder, and is unique across the repository."""

from __future__ import annotations

from typing import TYPE_CHECKING

from svcnotes.checks import register, register_record
from svcnotes.model.config import Config
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem
from svcnotes.model.schema import KINDS

if TYPE_CHECKING:
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Snapshot


@register_record(codes=("E201", "E105", "E202"))
def check_id_matches_path(record: Record, config: Config) -> list[Problem]:
    """A record's id is its file name, has its kind's prefix and shape, and sits in its year folder."""
    kind = KINDS[record.kind]
    rid = str(record.data.get("id") or "")
    if not rid:
        return []
    stem = record.path.rsplit("/", 1)[-1].removesuffix(".md")
    line = record.line("id")
    if rid != stem:
        return [Problem("E201", msg("id '{rid}' does not match the file name '{stem}.md'", rid=rid, stem=stem), record.path, line, "id",
                        msg("rename the file to {rid}.md or set id: {stem}", rid=rid, stem=stem))]
    if kind.prefix_key:
        prefix = config.prefixes[kind.prefix_key]
        if not (rid.startswith(prefix + "-") and kind.id_regex.match(rid)):
            return [Problem("E105", msg("'{rid}' is not a {kind} number", rid=rid, kind=kind.named),
                            record.path, line, "id",
                            msg("numbers look like {prefix}-YYMM-NNN", prefix=prefix))]
        year = "20" + rid.split("-")[1][:2]
        folder = record.path.split("/")[-2]
        if folder != year:
            return [Problem("E202", msg("{rid} is filed under '{folder}/' but belongs in '{year}/'",
                                        rid=rid, folder=folder, year=year), record.path, line, "id",
                            msg("move it to records/{folder}/{year}/", folder=kind.folder, year=year))]
    elif not kind.id_regex.match(rid):
        return [Problem("E105", msg("'{rid}' is not a valid {kind} id", rid=rid, kind=kind.named),
                        record.path, line, "id",
                        msg("use lower-case letters, digits and '-', e.g. hengda-auto"))]
    return []


@register(fields=("id", "aliases"), codes=("E203",))
def check_ids_unique(snap: Snapshot, config: Config) -> list[Problem]:
    """No two records share an id; no record lists its own id as a former number; a former number
    that is nobody's id belongs to one record only (so a reference by it finds one record).

    A former number MAY be another record's id: `renumber` leaves it exactly when another branch
    took the number, and references by that number mean the record that holds it now."""
    seen: dict[str, str] = {}
    out = []
    claimed: dict[str, str] = {}
    for record in snap.all():
        if record.id in seen:
            out.append(Problem("E203", msg("id '{record}' is also used by {other}", record=record.id, other=seen[record.id]), record.path,
                               record.line("id"), "id", msg("give one of them a new number (svcnotes renumber)")))
        else:
            seen[record.id] = record.path
    for record in snap.all():
        for alias in record.data.get("aliases") or ():
            if alias == record.id:
                out.append(Problem("E203", msg("former number '{alias}' is the record's own id", alias=alias), record.path,
                                   record.line("aliases"), "aliases", msg("remove it from aliases")))
            elif alias not in seen and claimed.setdefault(alias, record.path) != record.path:
                out.append(Problem("E203", msg("former number '{alias}' is also a former number of {claimed}",
                                               alias=alias, claimed=claimed[alias]),
                                   record.path, record.line("aliases"), "aliases",
                                   msg("a former number belongs to one record; keep it on the record it was taken from")))
    return out

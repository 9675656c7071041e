"""Data-subject requests (GDPR art. 15 and 17, DPA §11): one caller, found through the tenant's
keyed hash of their number, or one agent, by id; everything about them, to export or erase.

"Everything": their calls' rows in every table, the recordings, playback copies and
``.partial`` leftovers, their quarantined rows and bytes (``bronze.quarantine.manifest_row``
holds the caller's pseudonym, a review row the reviewer), rows set aside by a contract rule,
review rows an agent wrote on other calls, and rows still waiting in landing (manifests and
review CSVs are rewritten without them). The published warehouse is rebuilt by the erasure.
The number or agent id lives in memory only; the ledger names the subject by a keyed hash.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from transforms.compliance import needles as needle_lib
from transforms.compliance import objects
from transforms.compliance.actions import CALL_TABLES, Action, call_files, name_of
from transforms.compliance.erasure import Request
from transforms.compliance.export import (
    check_destination,
    mart_origin,
    marts,
    object_files,
    register_export,
    write_export,
)
from transforms.compliance.ledger import subject_hash
from transforms.core import storage
from transforms.core.keys import KeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS, HUMAN_REVIEWS, QUARANTINE, REJECTED_ROWS, TRANSCRIPTS
from transforms.ingest.landing import MANIFEST_NAMES
from transforms.privacy.pseudonymise import lookup_keys, normalise_phone, tenant_phone_region

KINDS = ("caller", "agent")


@dataclass(frozen=True)
class Subject:
    tenant_id: str
    kind: str  # caller | agent
    value: str  # the phone number as given, or the agent id: in memory only
    #: The tenant's phone_region: a number without a country code is read in it (E.164).
    region: str | None = None

    def normalised(self) -> str:
        return normalise_phone(self.value, self.region) if self.kind == "caller" else self.value

    def keyed_hash(self, keys: KeyStore) -> str:
        return subject_hash(keys, self.tenant_id, self.kind, self.normalised())


@dataclass
class Found:
    """Everything about one subject, as rows and files that exist now."""

    calls: pl.DataFrame
    reviews: pl.DataFrame
    quarantine: pl.DataFrame
    rejected: pl.DataFrame
    files: dict[str, str]
    landing: dict[str, bytes | None] = field(default_factory=dict)
    caller_key: str | None = None
    #: every key the caller's rows may carry: E.164's, then those of the rule before it
    caller_keys: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        parts = (self.calls, self.reviews, self.quarantine, self.rejected)
        return all(p.is_empty() for p in parts) and not self.files and not self.landing


def find(lh: Lakehouse, settings: Settings, keys: KeyStore, subject: Subject) -> Found:
    """The subject's rows and files in the tenant's data."""
    subject = in_region(subject, settings)
    tenant = subject.tenant_id
    calls = lh.read(CALLS, tenant)
    found_keys = (
        lookup_keys(keys, tenant, subject.value, subject.region) if subject.kind == "caller" else ()
    )
    key = found_keys[0] if found_keys else None
    column, wanted = (
        ("caller_key", found_keys) if subject.kind == "caller" else ("agent_id", (subject.value,))
    )
    calls = calls.filter(pl.col(column).is_in(list(wanted)))
    uids, ids = set(calls["call_uid"].to_list()), set(calls["call_id"].to_list())
    reviews = lh.read(HUMAN_REVIEWS, tenant, decrypt=True).filter(
        pl.col("call_uid").is_in(list(uids)) | (pl.col("reviewer_id") == subject.value)
    )
    marks = set(found_keys) if subject.kind == "caller" else {subject.value}
    quarantine = lh.read(QUARANTINE, tenant)
    quarantine = quarantine.filter(
        pl.col("call_id").is_in(list(ids)).fill_null(False)
        | pl.col("manifest_row")
        .map_elements(lambda r: _mentions(r, marks, ids), return_dtype=pl.Boolean)
        .fill_null(False)
    )
    rejected = lh.read(REJECTED_ROWS, tenant, decrypt=True).filter(
        pl.col("row_json").map_elements(
            lambda r: _mentions(r, marks | uids, ids), return_dtype=pl.Boolean
        )
    )
    transcripts = (
        lh.read(TRANSCRIPTS, tenant, where={"call_uid": sorted(uids)}, decrypt=True)
        if uids
        # none of theirs (read every tenant's transcripts for the columns cost ~0.5 s of the
        # check after a one-caller erasure)
        else pl.DataFrame(pl.from_arrow(TRANSCRIPTS.schema.empty_table()))
    )
    files = object_files(lh, calls, transcripts, quarantine)
    landing = _landing_rewrites(settings, subject, ids)
    return Found(calls, reviews, quarantine, rejected, files, landing, key, found_keys)


def in_region(subject: Subject, settings: Settings) -> Subject:
    """The subject with its tenant's phone_region (the registry's), so that a number given in
    national form is the same person as the number ingested in international form."""
    if subject.kind != "caller" or subject.region is not None:
        return subject
    return replace(subject, region=tenant_phone_region(settings.tenants_file, subject.tenant_id))


def _mentions(text: str | None, marks: set[str], call_ids: set[str]) -> bool:
    """A quarantined or rejected row (JSON) about the subject: their pseudonym, agent id or
    call_uid in a field, or one of their call ids."""
    if not text:
        return False
    row = json.loads(text)
    values = {str(v) for v in row.values() if v is not None}
    return bool(values & marks) or str(row.get("call_id")) in call_ids


def _landing_rewrites(
    settings: Settings, subject: Subject, call_ids: set[str]
) -> dict[str, bytes | None]:
    """Manifests and review CSVs waiting in the tenant's landing, without the subject's rows
    (a file left with no row goes; so does an audio file only a removed row named)."""
    out: dict[str, bytes | None] = {}
    folders = [
        f"{settings.landing}/{subject.tenant_id}",
        f"{settings.reviews_landing}/{subject.tenant_id}",
    ]
    for uri in [u for f in folders for u in storage.list_files(f)]:
        name = uri.rsplit("/", 1)[-1]
        if name in MANIFEST_NAMES or ("/_reviews/" in uri and name.endswith(".csv")):
            kept, removed = _without_subject(name, storage.read_bytes(uri), subject, call_ids)
            if removed:
                out[uri] = kept
                folder = uri.rsplit("/", 1)[0]
                out |= {f"{folder}/{r['file_name']}": None for r in removed if r.get("file_name")}
    return out


def _without_subject(
    name: str, data: bytes, subject: Subject, call_ids: set[str]
) -> tuple[bytes | None, list[dict]]:
    """The file's bytes without the subject's rows (None: no row left), and the rows removed.
    A file that cannot be parsed is left as it is (the residual scan would report it)."""
    try:
        text = data.decode("utf-8-sig")
        parsed = json.loads(text) if name.endswith(".json") else None
        rows = parsed.get("calls", []) if isinstance(parsed, dict) else parsed
        if rows is None:
            rows = list(csv.DictReader(io.StringIO(text)))
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error):
        return data, []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return data, []
    removed = [r for r in rows if _about_row(r, subject, call_ids)]
    kept = [r for r in rows if not _about_row(r, subject, call_ids)]
    if not removed or not kept:
        return (data if not removed else None), removed
    if parsed is not None:
        return json.dumps({"calls": kept} if isinstance(parsed, dict) else kept).encode(), removed
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(kept)
    return buffer.getvalue().encode(), removed


def _about_row(row: dict, subject: Subject, call_ids: set[str]) -> bool:
    """A manifest or review row about the subject: their number, their agent id, their calls."""
    if row.get("call_id") in call_ids:
        return True
    if subject.kind == "caller":
        phone = str(row.get("caller_phone") or "")
        return bool(phone) and normalise_phone(phone, subject.region) == subject.normalised()
    return subject.value in (row.get("agent_id"), row.get("reviewer_id"))


class NotFound(LookupError):
    """The request matches nothing of the tenant: nothing to export or erase (and no
    certificate saying it was verified)."""


def export(lh: Lakehouse, settings: Settings, keys: KeyStore, subject: Subject, out: Path) -> dict:
    """Everything about the subject, as files (an access request); the manifest, whose
    ``sources`` name every table and stored file it was drawn from. ``NotFound`` when the
    request matches nothing (no folder is written)."""
    check_destination(out, settings)
    found = find(lh, settings, keys, subject)
    if found.empty:
        raise NotFound(f"no data about this {subject.kind} in tenant {subject.tenant_id}")
    uids = found.calls["call_uid"].to_list()
    tables = {
        name_of(s): lh.read(s, subject.tenant_id, decrypt=True).filter(
            pl.col("call_uid").is_in(uids)
        )
        for s in CALL_TABLES
    }
    tables[name_of(HUMAN_REVIEWS)] = found.reviews
    tables[name_of(QUARANTINE)] = found.quarantine
    tables[name_of(REJECTED_ROWS)] = found.rejected
    origins = {name: f"lakehouse table {name}" for name in tables}
    drawn = marts(settings, lambda frame: _about(frame, subject, uids), subject.tenant_id)
    tables |= drawn
    origins |= {name: mart_origin(settings, subject.tenant_id, name) for name in drawn}
    scope = f"data about one {subject.kind} of tenant {subject.tenant_id}"
    manifest = write_export(
        out, tables, found.files, scope, origins, lh.root, lambda d: lh.unseal(subject.tenant_id, d)
    )
    register_export(settings, out, subject.kind, subject.tenant_id, manifest)
    return manifest


def _about(frame: pl.DataFrame, subject: Subject, uids: list[str]) -> pl.DataFrame | None:
    """A mart's rows about the subject: their calls; for an agent, also the rows keyed by them
    (daily KPIs, QA KPIs by agent). None for a mart with no column that could name the subject
    (a calendar, a scorecard catalogue): it is not drawn from."""
    columns = set(frame.columns)
    mine = pl.col("call_uid").is_in(uids) if "call_uid" in columns else None
    if subject.kind == "agent":
        for test in (
            pl.col("agent_id") == subject.value if "agent_id" in columns else None,
            (pl.col("dimension") == "agent") & (pl.col("dimension_value") == subject.value)
            if {"dimension", "dimension_value"} <= columns
            else None,
        ):
            if test is not None:
                mine = test if mine is None else mine | test
    if mine is None:
        return None
    if "tenant_id" in columns:
        mine = mine & (pl.col("tenant_id") == subject.tenant_id)
    return frame.filter(mine)


def erasure(lh: Lakehouse, settings: Settings, keys: KeyStore, subject: Subject) -> Request:
    """What erasing the subject deletes, and what the proof looks for (read before deleting).
    ``NotFound`` when nothing of the tenant is about the subject: there is nothing to erase,
    and nothing to certify."""
    subject = in_region(subject, settings)
    found = find(lh, settings, keys, subject)
    if found.empty:
        raise NotFound(f"no data about this {subject.kind} in tenant {subject.tenant_id}")
    tenant = subject.tenant_id
    uids = frozenset(found.calls["call_uid"].to_list())
    why = f"erasure requested for one {subject.kind} (GDPR art. 17)"
    rule = f"{subject.kind}_erasure"
    actions = [
        Action(
            tenant,
            name_of(s),
            rule,
            "delete_rows",
            why,
            key_column="call_uid",
            keys=uids,
            calls=uids,
        )
        for s in CALL_TABLES
    ]
    for spec, frame, key in (
        (HUMAN_REVIEWS, found.reviews, "review_id"),
        (QUARANTINE, found.quarantine, "quarantine_id"),
        (REJECTED_ROWS, found.rejected, "rejection_id"),
    ):
        if frame.height:
            keys_ = frozenset(frame[key].to_list())
            actions.append(
                Action(tenant, name_of(spec), rule, "delete_rows", why, key_column=key, keys=keys_)
            )
    transcripts = lh.read(
        TRANSCRIPTS, tenant, columns=["call_uid", "playback_uri"], where={"call_uid": sorted(uids)}
    )
    files = sorted(set(call_files(lh, found.calls, transcripts)) | set(found.files.values()))
    if files:
        actions.append(
            Action(tenant, "files:audio", rule, "delete_files", why, files=tuple(files), calls=uids)
        )
    return Request(
        kind=subject.kind,
        tenants=(tenant,),
        actions=tuple(actions),
        needles=subject_needles(lh, tenant, subject, found),
        subject={"kind": subject.kind, "keyed_hash": subject.keyed_hash(keys)},
        rewrites=found.landing,
        objects=objects.build(
            lh,
            [*files, *(u for u, data in found.landing.items() if data is None)],
            set(uids),
            set(uids),
            set(found.quarantine["quarantine_id"].to_list()),
        ),
    )


def subject_needles(
    lh: Lakehouse, tenant: str, subject: Subject, found: Found
) -> needle_lib.Needles:
    """The subject's calls' ids, pseudonym, number or agent id, and phrases of their calls
    (``tenant``'s: the kept text other tenants encrypted is not read for them)."""
    uids = set(found.calls["call_uid"].to_list())
    kept = needle_lib.kept_after(lh, uids, uids, found.quarantine, [tenant])
    needles = needle_lib.Needles()
    needle_lib.identifier_needles(needles, found.calls, kept)
    if subject.kind == "caller":
        needles.add("caller_key", found.caller_keys)
        needles.add("phone", needle_lib.phone_forms(subject.value, subject.region))
    else:
        held = set(kept.calls["agent_id"].to_list()) | kept.reviewers
        needles.add("agent_id", [subject.value], held)
    needle_lib.phrase_needles(needles, lh, uids, kept)
    return needles

"""Landing → bronze: check each dropped file against its manifest row; store it or quarantine it.

A call centre drops ``<landing>/<tenant>/<batch>/`` with audio files and a ``manifest.csv`` (or
``manifest.json``). The manifest is written last and marks the batch complete. Every file and every
manifest row ends in exactly one place: ``bronze.calls`` (audio copied to the audio store under the
tenant's prefix, keyed by sha256) or ``bronze.quarantine`` (bytes kept, reason given). Landing files
are deleted only after both tables have committed (see ``clear_landing``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.fs as pafs

from transforms import lakehouse
from transforms.audio import SUPPORTED_EXTENSIONS, AudioRejected, probe
from transforms.tables import CALLS, QUARANTINE
from transforms.tenants import Tenant

MANIFEST_NAMES = ("manifest.csv", "manifest.json")
REQUIRED_COLUMNS = ("call_id", "file_name", "agent_id", "started_at")
#: The documented column order of ``manifest.csv`` (samples/README.md).
MANIFEST_COLUMNS = (
    "call_id",
    "file_name",
    "tenant_id",
    "agent_id",
    "team",
    "campaign",
    "caller_phone",
    "started_at",
    "language",
    "channel_layout",
)
CHANNEL_LAYOUTS = ("agent-left", "agent-right", "mono")
PARTITION_SEPARATOR = "__"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_PHONE_RE = re.compile(r"^\+?\d{6,15}$")


def call_uid(tenant_id: str, call_id: str) -> str:
    """Surrogate key: erasure deletes by it, never by a value that could be personal data."""
    return hashlib.sha256(f"{tenant_id}/{call_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LandingBatch:
    tenant_id: str
    batch_id: str
    uri: str
    files: tuple[str, ...]
    fingerprint: str

    @property
    def partition_key(self) -> str:
        return f"{self.tenant_id}{PARTITION_SEPARATOR}{self.batch_id}"


def split_partition_key(key: str) -> tuple[str, str]:
    tenant_id, sep, batch_id = key.partition(PARTITION_SEPARATOR)
    if not sep or not tenant_id or not batch_id:
        raise ValueError(f"partition key {key!r} is not '<tenant>{PARTITION_SEPARATOR}<batch>'")
    return tenant_id, batch_id


def discover_batches(landing_uri: str) -> list[LandingBatch]:
    """Complete batches (those holding a manifest) under ``<landing>/<tenant>/<batch>/``."""
    fs, root = lakehouse.filesystem(landing_uri)
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        return []
    batches = []
    for tenant_dir in sorted(fs.get_file_info(pafs.FileSelector(root)), key=lambda i: i.path):
        # "_reviews" and other "_*" folders are not tenants (human reviews land there).
        if tenant_dir.type != pafs.FileType.Directory or tenant_dir.base_name[:1] in "._":
            continue
        for batch_dir in sorted(
            fs.get_file_info(pafs.FileSelector(tenant_dir.path)), key=lambda i: i.path
        ):
            if batch_dir.type != pafs.FileType.Directory or batch_dir.base_name.startswith("."):
                continue
            infos = [
                i
                for i in fs.get_file_info(pafs.FileSelector(batch_dir.path))
                if i.type == pafs.FileType.File and not i.base_name.endswith(".partial")
            ]
            names = sorted(i.base_name for i in infos)
            if not any(n in MANIFEST_NAMES for n in names):
                continue  # still uploading: the manifest comes last
            digest = hashlib.sha256()
            for i in sorted(infos, key=lambda i: i.base_name):
                digest.update(f"{i.base_name}:{i.size}:{i.mtime_ns}\n".encode())
            batches.append(
                LandingBatch(
                    tenant_id=tenant_dir.base_name,
                    batch_id=batch_dir.base_name,
                    uri=_join(landing_uri, tenant_dir.base_name, batch_dir.base_name),
                    files=tuple(names),
                    fingerprint=digest.hexdigest()[:16],
                )
            )
    return batches


def batch_from_key(landing_uri: str, key: str) -> LandingBatch | None:
    tenant_id, batch_id = split_partition_key(key)
    for batch in discover_batches(landing_uri):
        if batch.tenant_id == tenant_id and batch.batch_id == batch_id:
            return batch
    return None


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


@dataclass
class IngestOutcome:
    calls: pa.Table
    quarantine: pa.Table
    #: landing files handled (stored, quarantined or already ingested): safe to delete after commit
    consumed: list[str] = field(default_factory=list)
    already_ingested: int = 0

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for code in self.quarantine.column("reason_code").to_pylist():
            counts[code] = counts.get(code, 0) + 1
        return counts


class _RowError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_manifest(name: str, data: bytes) -> list[dict[str, str]]:
    """Manifest rows as dicts of stripped strings; raises ``_RowError`` for an unusable manifest."""
    try:
        text = data.decode("utf-8-sig")
        if name.endswith(".json"):
            parsed = json.loads(text)
            rows = parsed.get("calls") if isinstance(parsed, dict) else parsed
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise _RowError("manifest_unreadable", "manifest.json must be a list of objects")
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise _RowError("manifest_unreadable", f"manifest cannot be parsed ({exc})") from exc
    columns = set().union(*(r.keys() for r in rows)) if rows else set()
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise _RowError("manifest_missing_column", f"manifest lacks column(s) {missing}")
    return [{k: ("" if v is None else str(v)).strip() for k, v in r.items() if k} for r in rows]


def _validate_row(row: dict[str, str], tenant: Tenant) -> dict[str, Any]:
    """Typed manifest fields; errors name the field, never echo its (possibly personal) value."""
    for col in REQUIRED_COLUMNS:
        if not row.get(col):
            raise _RowError("invalid_manifest_row", f"{col} is empty")
    if not _ID_RE.match(row["call_id"]) or not _ID_RE.match(row["agent_id"]):
        raise _RowError("invalid_manifest_row", "call_id/agent_id must be [A-Za-z0-9._-]")
    if row.get("tenant_id") and row["tenant_id"] != tenant.tenant_id:
        raise _RowError("tenant_mismatch", "tenant_id differs from the landing folder's tenant")
    try:
        started = datetime.fromisoformat(row["started_at"].replace("Z", "+00:00"))
    except ValueError as exc:
        raise _RowError("invalid_manifest_row", "started_at is not ISO 8601") from exc
    if started.tzinfo is None:
        raise _RowError("invalid_manifest_row", "started_at needs a UTC offset (e.g. +01:00)")
    language = row.get("language") or None
    if language and language not in tenant.languages:
        raise _RowError(
            "invalid_manifest_row", f"language must be one of the tenant's {list(tenant.languages)}"
        )
    layout = row.get("channel_layout") or None
    if layout and layout not in CHANNEL_LAYOUTS:
        raise _RowError("invalid_manifest_row", f"channel_layout must be one of {CHANNEL_LAYOUTS}")
    phone = row.get("caller_phone") or None
    if phone and not _PHONE_RE.match(re.sub(r"[\s.()-]", "", phone)):
        raise _RowError("invalid_manifest_row", "caller_phone is not a phone number")
    return {
        "call_id": row["call_id"],
        "agent_id": row["agent_id"],
        "team": row.get("team") or None,
        "campaign": row.get("campaign") or None,
        "caller_phone": phone,
        "started_at": started.astimezone(UTC),
        "language": language,
        "channel_layout": layout,
    }


def ingest_batch(
    batch: LandingBatch,
    *,
    tenants: dict[str, Tenant],
    existing_calls: pl.DataFrame,
    audio_store: str,
    quarantine_store: str,
    pseudonymise_phone: Callable[[str, str | None], str | None],
    now: datetime | None = None,
) -> IngestOutcome:
    """Validate and store one batch. Writes audio/quarantine bytes; the caller commits the rows.

    ``existing_calls`` holds the tenant's ``call_id`` and ``audio_sha256`` already in bronze, so a
    re-landed file is recognised (skipped) and a different file reusing a call id is quarantined.
    """
    now = now or datetime.now(UTC)
    calls: list[dict[str, Any]] = []
    quarantined: list[dict[str, Any]] = []
    consumed: list[str] = []
    already = 0
    tenant = tenants.get(batch.tenant_id)
    manifest_name = next(n for n in batch.files if n in MANIFEST_NAMES)
    audio_names = [n for n in batch.files if n not in MANIFEST_NAMES]

    def outcome() -> IngestOutcome:
        return IngestOutcome(
            lakehouse.conform(CALLS, calls),
            lakehouse.conform(QUARANTINE, quarantined),
            consumed,
            already,
        )

    def file_uri(name: str) -> str:
        return _join(batch.uri, name)

    def quarantine(
        name: str,
        code: str,
        reason: str,
        data: bytes | None,
        call_id: str | None = None,
        row: dict[str, str] | None = None,
    ) -> None:
        sha = hashlib.sha256(data).hexdigest() if data is not None else None
        q_uri = None
        if data is not None:
            q_uri = _join(quarantine_store, batch.tenant_id, batch.batch_id, f"{sha[:12]}-{name}")
            lakehouse.write_bytes(q_uri, data)
        key = f"{batch.tenant_id}/{batch.batch_id}/{name}/{sha}/{call_id}/{code}"
        safe_row = None
        if row is not None:
            safe_row = dict(row)
            if safe_row.get("caller_phone"):
                safe_row["caller_phone"] = None
                safe_row["caller_key"] = pseudonymise_phone(batch.tenant_id, row["caller_phone"])
        quarantined.append(
            {
                "quarantine_id": hashlib.sha256(key.encode()).hexdigest()[:32],
                "tenant_id": batch.tenant_id,
                "batch_id": batch.batch_id,
                "file_name": name,
                "call_id": call_id,
                "file_sha256": sha,
                "file_size_bytes": None if data is None else len(data),
                "quarantine_uri": q_uri,
                "reason_code": code,
                "reason": reason,
                "manifest_row": None if safe_row is None else json.dumps(safe_row, sort_keys=True),
                "quarantined_at": now,
            }
        )

    manifest_bytes = lakehouse.read_bytes(file_uri(manifest_name))
    if tenant is None:
        for name in batch.files:
            quarantine(
                name,
                "unknown_tenant",
                "the landing folder's tenant is not in the tenant registry",
                lakehouse.read_bytes(file_uri(name)),
            )
        consumed.extend(file_uri(n) for n in batch.files)
        return outcome()

    try:
        rows = parse_manifest(manifest_name, manifest_bytes)
    except _RowError as err:
        # Without a usable manifest no file can be attributed: keep every byte, manifest included.
        for name in batch.files:
            quarantine(name, err.code, str(err), lakehouse.read_bytes(file_uri(name)))
        consumed.extend(file_uri(n) for n in batch.files)
        return outcome()

    known_ids = dict(
        zip(
            existing_calls.get_column("call_id").to_list(),
            existing_calls.get_column("audio_sha256").to_list(),
            strict=True,
        )
    )
    known_hashes = {sha: cid for cid, sha in known_ids.items()}
    rows_by_file: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        rows_by_file.setdefault(row.get("file_name", ""), []).append(row)

    for row in rows:
        name = row.get("file_name", "")
        if not name or name not in audio_names:
            quarantine(
                name or "<none>",
                "audio_missing",
                "the manifest row names no file present in the batch",
                None,
                row.get("call_id") or None,
                row,
            )
    seen_ids: set[str] = set()
    # Manifest order decides which of two rows claiming one call id wins: the first one.
    order = {row.get("file_name", ""): i for i, row in reversed(list(enumerate(rows)))}
    for name in sorted(audio_names, key=lambda n: (order.get(n, len(rows)), n)):
        data = lakehouse.read_bytes(file_uri(name))
        consumed.append(file_uri(name))
        file_rows = rows_by_file.get(name, [])
        if not file_rows:
            quarantine(name, "no_manifest_row", "no manifest row names this file", data)
            continue
        row = file_rows[0]
        for extra in file_rows[1:]:
            quarantine(
                name,
                "duplicate_file_reference",
                "several manifest rows name this file",
                None,
                extra.get("call_id") or None,
                extra,
            )
        ext = PurePosixPath(name).suffix.lower()
        try:
            fields = _validate_row(row, tenant)
            if ext not in SUPPORTED_EXTENSIONS:
                raise _RowError(
                    "unsupported_format",
                    f"{ext or 'no extension'} is not one of {sorted(SUPPORTED_EXTENSIONS)}",
                )
            sha = hashlib.sha256(data).hexdigest()
            call_id = fields["call_id"]
            if call_id in seen_ids:
                raise _RowError("duplicate_call_id", "call_id appears twice in this batch")
            if call_id in known_ids:
                if known_ids[call_id] == sha:
                    already += 1  # the same file landed again: already safely stored
                    seen_ids.add(call_id)
                    continue
                raise _RowError("duplicate_call_id", "call_id already ingested with other audio")
            if sha in known_hashes:
                raise _RowError(
                    "duplicate_audio", "this audio was already ingested under another call_id"
                )
            info = probe(data)
            # Undeclared stereo is "auto": transcription tells real from fake stereo and finds
            # the agent's side. Declared "mono" on a stereo file is a downmix, not an error.
            layout = fields["channel_layout"] or ("auto" if info.channels == 2 else "mono")
            if info.channels == 1 and layout != "mono":
                raise _RowError(
                    "layout_mismatch",
                    f"channel_layout {layout} but the audio has {info.channels} channel(s)",
                )
        except (_RowError, AudioRejected) as err:
            quarantine(name, err.code, str(err), data, row.get("call_id") or None, row)
            continue
        audio_uri = _join(audio_store, tenant.tenant_id, sha[:2], f"{sha}{ext}")
        lakehouse.write_bytes(audio_uri, data)
        seen_ids.add(call_id)
        known_hashes[sha] = call_id
        calls.append(
            {
                "call_uid": call_uid(tenant.tenant_id, call_id),
                "tenant_id": tenant.tenant_id,
                "call_id": call_id,
                "batch_id": batch.batch_id,
                "agent_id": fields["agent_id"],
                "team": fields["team"],
                "campaign": fields["campaign"],
                "caller_key": pseudonymise_phone(tenant.tenant_id, fields["caller_phone"]),
                "started_at": fields["started_at"],
                "language": fields["language"],
                "channel_layout": layout,
                "audio_uri": audio_uri,
                "audio_sha256": sha,
                "audio_format": info.codec,
                "duration_s": round(info.duration_s, 3),
                "channels": info.channels,
                "sample_rate": info.sample_rate,
                "file_size_bytes": len(data),
                "ingested_at": now,
            }
        )
    consumed.append(file_uri(manifest_name))
    return outcome()


def clear_landing(batch: LandingBatch, consumed: list[str]) -> int:
    """Delete handled landing files (call only after the bronze commits), then the empty folder."""
    for uri in consumed:
        lakehouse.delete_file(uri)
    fs, path = lakehouse.filesystem(batch.uri)
    if not fs.get_file_info(pafs.FileSelector(path, allow_not_found=True)):
        fs.delete_dir(path)
    return len(consumed)

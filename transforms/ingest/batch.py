"""Landing → bronze: check each dropped file against its manifest row; store it or quarantine it.

Every file and every manifest row of a batch ends in exactly one place: ``bronze.calls`` (audio
copied to the audio store under the tenant's prefix, keyed by sha256) or ``bronze.quarantine``
(bytes kept, reason given). ``ingest_batch`` writes the bytes and returns the rows; the caller
commits them, and only then clears landing (``transforms.ingest.landing.clear_landing``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

import polars as pl
import pyarrow as pa

from transforms.core import lakehouse, storage
from transforms.core.quarantine import quarantine_row
from transforms.core.tables import CALLS, QUARANTINE
from transforms.core.tenants import Tenant
from transforms.ingest.audio import SUPPORTED_EXTENSIONS, AudioInfo, AudioRejected, probe
from transforms.ingest.landing import MANIFEST_NAMES, LandingBatch, join
from transforms.ingest.manifest import RowError, parse_manifest, validate_row

#: ``pseudonymise_phone(tenant_id, phone)``: the caller's keyed pseudonym (None without a number).
Pseudonymiser = Callable[[str, str | None], str | None]


def call_uid(tenant_id: str, call_id: str) -> str:
    """Surrogate key: erasure deletes by it, never by a value that could be personal data."""
    return hashlib.sha256(f"{tenant_id}/{call_id}".encode()).hexdigest()[:32]


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


@dataclass
class _Known:
    """The tenant's calls already in bronze, and the call ids this batch has claimed so far."""

    audio_of: dict[str, str]  # call_id -> audio sha256
    call_of: dict[str, str]  # audio sha256 -> call_id
    claimed: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, existing_calls: pl.DataFrame) -> _Known:
        ids = existing_calls.get_column("call_id").to_list()
        shas = existing_calls.get_column("audio_sha256").to_list()
        audio_of = dict(zip(ids, shas, strict=True))
        return cls(audio_of, {sha: cid for cid, sha in audio_of.items()})


@dataclass
class _Batch:
    """What one batch run has decided so far: rows to commit, landing files handled."""

    batch: LandingBatch
    quarantine_store: str
    pseudonymise_phone: Pseudonymiser
    now: datetime
    calls: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)
    already: int = 0

    def uri(self, name: str) -> str:
        return join(self.batch.uri, name)

    def read(self, name: str) -> bytes:
        return storage.read_bytes(self.uri(name))

    def quarantine(
        self,
        name: str,
        code: str,
        reason: str,
        data: bytes | None,
        call_id: str | None = None,
        row: dict[str, str] | None = None,
    ) -> None:
        """Keep the bytes (if any) under the quarantine store and record why."""
        b = self.batch
        sha = hashlib.sha256(data).hexdigest() if data is not None else None
        q_uri = None
        if data is not None:
            q_uri = join(self.quarantine_store, b.tenant_id, b.batch_id, f"{sha[:12]}-{name}")
            storage.write_bytes(q_uri, data)
        self.quarantined.append(
            quarantine_row(
                key=f"{b.tenant_id}/{b.batch_id}/{name}/{sha}/{call_id}/{code}",
                tenant_id=b.tenant_id,
                batch_id=b.batch_id,
                file_name=name,
                call_id=call_id,
                file_sha256=sha,
                file_size_bytes=None if data is None else len(data),
                quarantine_uri=q_uri,
                reason_code=code,
                reason=reason,
                manifest_row=None if row is None else self._safe_row(row),
                quarantined_at=self.now,
            )
        )

    def _safe_row(self, row: dict[str, str]) -> dict[str, Any]:
        """The manifest row as kept in quarantine: the caller's number only as its pseudonym."""
        safe: dict[str, Any] = dict(row)
        if safe.get("caller_phone"):
            safe["caller_phone"] = None
            safe["caller_key"] = self.pseudonymise_phone(self.batch.tenant_id, row["caller_phone"])
        return safe

    def outcome(self) -> IngestOutcome:
        return IngestOutcome(
            lakehouse.conform(CALLS, self.calls),
            lakehouse.conform(QUARANTINE, self.quarantined),
            self.consumed,
            self.already,
        )


def ingest_batch(
    batch: LandingBatch,
    *,
    tenants: dict[str, Tenant],
    existing_calls: pl.DataFrame,
    audio_store: str,
    quarantine_store: str,
    pseudonymise_phone: Pseudonymiser,
    now: datetime | None = None,
) -> IngestOutcome:
    """Validate and store one batch. Writes audio/quarantine bytes; the caller commits the rows.

    ``existing_calls`` holds the tenant's ``call_id`` and ``audio_sha256`` already in bronze, so a
    re-landed file is recognised (skipped) and a different file reusing a call id is quarantined.
    """
    work = _Batch(batch, quarantine_store, pseudonymise_phone, now or datetime.now(UTC))
    tenant = tenants.get(batch.tenant_id)
    manifest_name = next(n for n in batch.files if n in MANIFEST_NAMES)
    manifest_bytes = work.read(manifest_name)
    if tenant is None:
        reason = "the landing folder's tenant is not in the tenant registry"
        return _set_aside_whole_batch(work, "unknown_tenant", reason)
    if tenant.contract_ended(work.now.date()):
        return _set_aside_whole_batch(work, "contract_ended", "the tenant's contract has ended")
    try:
        rows = parse_manifest(manifest_name, manifest_bytes)
    except RowError as err:
        # Without a usable manifest no file can be attributed: keep every byte, manifest included.
        return _set_aside_whole_batch(work, err.code, str(err))

    audio_names = [n for n in batch.files if n not in MANIFEST_NAMES]
    _set_aside_rows_without_audio(work, rows, audio_names)
    rows_by_file: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        rows_by_file.setdefault(row.get("file_name", ""), []).append(row)
    known = _Known.of(existing_calls)
    for name in _in_manifest_order(audio_names, rows):
        _land_file(work, name, rows_by_file.get(name, []), tenant, known, audio_store)
    work.consumed.append(work.uri(manifest_name))
    return work.outcome()


def _set_aside_whole_batch(work: _Batch, code: str, reason: str) -> IngestOutcome:
    """Every file of the batch, manifest included, to quarantine with one reason."""
    for name in work.batch.files:
        work.quarantine(name, code, reason, work.read(name))
    work.consumed.extend(work.uri(n) for n in work.batch.files)
    return work.outcome()


def _set_aside_rows_without_audio(
    work: _Batch, rows: list[dict[str, str]], audio_names: list[str]
) -> None:
    """Manifest rows that name no file of the batch: recorded, nothing to keep."""
    for row in rows:
        name = row.get("file_name", "")
        if not name or name not in audio_names:
            reason = "the manifest row names no file present in the batch"
            work.quarantine(
                name or "<none>", "audio_missing", reason, None, row.get("call_id") or None, row
            )


def _in_manifest_order(audio_names: list[str], rows: list[dict[str, str]]) -> list[str]:
    """Files in the order of their first manifest row (which decides who wins a call id)."""
    order = {row.get("file_name", ""): i for i, row in reversed(list(enumerate(rows)))}
    return sorted(audio_names, key=lambda n: (order.get(n, len(rows)), n))


def _land_file(
    work: _Batch,
    name: str,
    file_rows: list[dict[str, str]],
    tenant: Tenant,
    known: _Known,
    audio_store: str,
) -> None:
    """One audio file: stored with its first manifest row, skipped, or set aside."""
    data = work.read(name)
    work.consumed.append(work.uri(name))
    if not file_rows:
        work.quarantine(name, "no_manifest_row", "no manifest row names this file", data)
        return
    row = file_rows[0]
    for extra in file_rows[1:]:
        reason = "several manifest rows name this file"
        work.quarantine(
            name, "duplicate_file_reference", reason, None, extra.get("call_id") or None, extra
        )
    try:
        checked = _check_file(name, data, row, tenant, known)
    except (RowError, AudioRejected) as err:
        work.quarantine(name, err.code, str(err), data, row.get("call_id") or None, row)
        return
    if checked is None:  # the same file landed again: already safely stored
        work.already += 1
        return
    fields, info, layout, sha = checked
    ext = PurePosixPath(name).suffix.lower()
    audio_uri = join(audio_store, tenant.tenant_id, sha[:2], f"{sha}{ext}")
    storage.write_bytes(audio_uri, data)
    known.claimed.add(fields["call_id"])
    known.call_of[sha] = fields["call_id"]
    work.calls.append(_call_row(work, tenant, fields, info, layout, audio_uri, sha, len(data)))


def _check_file(
    name: str, data: bytes, row: dict[str, str], tenant: Tenant, known: _Known
) -> tuple[dict[str, Any], AudioInfo, str, str] | None:
    """(typed fields, audio info, channel layout, sha256), or None for a re-landed stored file.

    Raises ``RowError`` / ``AudioRejected`` with the quarantine reason.
    """
    fields = validate_row(row, tenant)
    ext = PurePosixPath(name).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise RowError(
            "unsupported_format",
            f"{ext or 'no extension'} is not one of {sorted(SUPPORTED_EXTENSIONS)}",
        )
    sha = hashlib.sha256(data).hexdigest()
    call_id = fields["call_id"]
    if call_id in known.claimed:
        raise RowError("duplicate_call_id", "call_id appears twice in this batch")
    if call_id in known.audio_of:
        if known.audio_of[call_id] == sha:
            known.claimed.add(call_id)
            return None
        raise RowError("duplicate_call_id", "call_id already ingested with other audio")
    if sha in known.call_of:
        raise RowError("duplicate_audio", "this audio was already ingested under another call_id")
    info = probe(data)
    # Undeclared stereo is "auto": transcription tells real from fake stereo and finds the
    # agent's side. Declared "mono" on a stereo file is a downmix, not an error.
    layout = fields["channel_layout"] or ("auto" if info.channels == 2 else "mono")
    if info.channels == 1 and layout != "mono":
        raise RowError(
            "layout_mismatch",
            f"channel_layout {layout} but the audio has {info.channels} channel(s)",
        )
    return fields, info, layout, sha


def _call_row(
    work: _Batch,
    tenant: Tenant,
    fields: dict[str, Any],
    info: AudioInfo,
    layout: str,
    audio_uri: str,
    sha: str,
    size: int,
) -> dict[str, Any]:
    """The bronze.calls row of a stored file."""
    return {
        "call_uid": call_uid(tenant.tenant_id, fields["call_id"]),
        "tenant_id": tenant.tenant_id,
        "call_id": fields["call_id"],
        "batch_id": work.batch.batch_id,
        "agent_id": fields["agent_id"],
        "team": fields["team"],
        "campaign": fields["campaign"],
        "caller_key": work.pseudonymise_phone(tenant.tenant_id, fields["caller_phone"]),
        "started_at": fields["started_at"],
        "language": fields["language"],
        "channel_layout": layout,
        "audio_uri": audio_uri,
        "audio_sha256": sha,
        "audio_format": info.codec,
        "duration_s": round(info.duration_s, 3),
        "channels": info.channels,
        "sample_rate": info.sample_rate,
        "file_size_bytes": size,
        "ingested_at": work.now,
    }

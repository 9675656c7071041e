"""Landing → bronze: check each dropped file against its manifest row; store it or quarantine it.

Every file and every manifest row of a batch ends in exactly one place: ``bronze.calls`` (audio
copied to the audio store under the tenant's prefix, keyed by sha256) or ``bronze.quarantine``
(bytes kept, reason given), or it is left in landing for a later run (a file still changing, or
one that cannot be read). One bad file never fails the batch: whatever goes wrong with a file
or a row, including an exception nobody foresaw (``internal_error``, with its class only), ends
as a quarantine row. Only the storage itself failing (disk full) fails the run.

Nothing is built from a manifest value: files are the entries landing lists, matched to rows by
name in NFC form. Links, folders, FIFOs, names that are not text, over-long names and
over-large files are set aside before a byte is read, and a link's target is never read.

``ingest_batch`` writes the bytes and returns the rows; ``commit_batch`` commits them, calls
first, then quarantine, and only then clears landing; the ingest step (``step.py``) finds the
partition's folder, checks the tenant's key and commits. Each step is
safe to crash after: a rerun rewrites the same objects, recognises stored calls (also when
their landing files are already gone) and inserts no row twice.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import Any, NamedTuple

import polars as pl
import pyarrow as pa

from transforms.core import lakehouse, storage
from transforms.core.audio import SUPPORTED_EXTENSIONS, AudioInfo, AudioRejected, probe
from transforms.core.quarantine import quarantine_row
from transforms.core.storage import Entry, FileTooLarge, NotARegularFile, join
from transforms.core.tables import CALLS, QUARANTINE
from transforms.core.tenants import Tenant
from transforms.ingest import names
from transforms.ingest.landing import MANIFEST_NAMES, LandingBatch, clear_landing, upload_targets
from transforms.ingest.manifest import (
    MANIFEST_COLUMNS,
    MAX_MANIFEST_BYTES,
    WITHHELD,
    RowError,
    kept_fields,
    kept_value,
    parse_manifest,
    quarantine_rows,
    validate_row,
)

#: ``pseudonymise_phone(tenant_id, phone)``: the caller's keyed pseudonym (None without a number).
Pseudonymiser = Callable[[str, str | None], str | None]

#: Why a whole batch is set aside when its folder is the problem (``LandingBatch.problem``).
FOLDER_PROBLEMS = {
    "bad_tenant_folder": "the tenant folder's name is not a tenant id (lower-case letters, "
    "digits, '-' or '_'); its batches are kept under _unattributed",
    "bad_batch_folder": "the batch folder's name is not text (not UTF-8, or control characters)",
    "symlink": "a link stands where a tenant or batch folder should be; it is not followed",
}
DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024


class Reason(NamedTuple):
    """Why something is set aside: a quarantine reason code and its text."""

    code: str
    text: str


LINK = Reason("symlink", "a symbolic link; it is not followed")


@dataclass(frozen=True)
class Limits:
    """What is checked before a landing file is read."""

    #: Larger files are quarantined as ``file_too_large``, their bytes streamed, never loaded.
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    #: A file changed less than this long ago is still being written: left for a later run.
    quiet_s: float = 0.0


def call_uid(tenant_id: str, call_id: str) -> str:
    """Surrogate key: erasure deletes by it, never by a value that could be personal data."""
    return hashlib.sha256(f"{tenant_id}/{call_id}".encode()).hexdigest()[:32]


@dataclass
class IngestOutcome:
    calls: pa.Table
    quarantine: pa.Table
    #: landing entries handled (stored, quarantined or already ingested): safe to delete after
    #: commit, the manifest last
    consumed: list[str] = field(default_factory=list)
    already_ingested: int = 0
    #: landing entries left for a later run (still changing, or unreadable), as displayed
    left: list[str] = field(default_factory=list)
    #: set by ``commit_batch``
    calls_inserted: int = 0
    quarantine_inserted: int = 0
    cleared: int = 0

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for code in self.quarantine.column("reason_code").to_pylist():
            counts[code] = counts.get(code, 0) + 1
        return counts


@dataclass
class _Known:
    """The tenant's calls already in bronze, the call ids this batch has claimed so far, and
    the call ids an earlier run of this batch quarantined."""

    audio_of: dict[str, str]  # call_id -> audio sha256
    call_of: dict[str, str]  # audio sha256 -> call_id
    quarantined: set[str] = field(default_factory=set)
    claimed: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, existing_calls: pl.DataFrame, quarantined: set[str]) -> _Known:
        ids = existing_calls.get_column("call_id").to_list()
        shas = existing_calls.get_column("audio_sha256").to_list()
        audio_of = dict(zip(ids, shas, strict=True))
        return cls(audio_of, {sha: cid for cid, sha in audio_of.items()}, quarantined)


@dataclass
class _Batch:
    """What one batch run has decided so far: rows to commit, landing entries handled or left."""

    batch: LandingBatch
    quarantine_store: str
    pseudonymise_phone: Pseudonymiser
    now: datetime
    limits: Limits
    #: The tenant's encryption of stored bytes (``Lakehouse.seal``/``sealing``); none: clear.
    seal: Callable[[bytes], bytes] = lambda data: data
    sealing: Callable[[Iterable[bytes]], Iterable[bytes]] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    already: int = 0

    def settled(self, entry: Entry) -> bool:
        """Unchanged for the quiet period (else still being written: left for a later run)."""
        quiet_ns = int(self.limits.quiet_s * 1e9)
        if quiet_ns and entry.changed_ns > self.now.timestamp() * 1e9 - quiet_ns:
            self.left.append(names.display(entry.name))
            return False
        return True

    def keep(
        self,
        entry: Entry,
        code: str,
        reason: str,
        row: dict[str, str] | None = None,
        data: bytes | None = None,
    ) -> None:
        """Set ``entry`` aside: its bytes (if it is a regular file) kept, the row recorded, the
        entry consumed. A link, folder or device keeps no bytes; its target is never read."""
        b = self.batch
        sha = size = q_uri = None
        if entry.kind == "file":
            try:
                if data is None and entry.size <= self.limits.max_file_bytes:
                    data = storage.read_bytes(entry.uri, self.limits.max_file_bytes)
            except FileTooLarge:  # grew since it was listed: streamed below
                data = None
            except NotARegularFile:  # swapped for a link since it was listed: nothing read
                entry = replace(entry, kind="other")
            except OSError as exc:  # a read error; a write error below fails the run
                self.unreadable(entry, exc, row)
                return
        if entry.kind == "file":
            folder = join(self.quarantine_store, b.tenant_id, b.batch_id)
            if names.nfc(entry.name) in MANIFEST_NAMES:
                original = data
                data, reason = self._sanitised_manifest(entry, data, reason)
                if data is None:  # no bytes kept: only what identifies the file
                    size = entry.size if original is None else len(original)
                    sha = None if original is None else hashlib.sha256(original).hexdigest()
            if data is not None:
                sha, size = hashlib.sha256(data).hexdigest(), len(data)
                q_uri = join(folder, names.object_name(entry.name, sha))
                storage.write_bytes(q_uri, self.seal(data))
            elif names.nfc(entry.name) not in MANIFEST_NAMES:
                try:
                    sha, size = storage.copy_hashed(
                        entry.uri,
                        folder,
                        lambda s: names.object_name(entry.name, s),
                        self.sealing,
                    )
                except NotARegularFile:
                    sha = None  # swapped for a link since it was listed: nothing read
                q_uri = None if sha is None else join(folder, names.object_name(entry.name, sha))
        call_id = None if row is None else row.get("call_id") or None
        self.record(entry.name, code, reason, call_id, row, sha, size, q_uri)
        if entry.kind != "dir":  # a folder inside a batch is reported and left as it is
            self.consumed.append(entry.uri)

    def _sanitised_manifest(
        self, entry: Entry, data: bytes | None, reason: str
    ) -> tuple[bytes | None, str]:
        """What of a manifest set aside may be kept: its rows as quarantine keeps a manifest row
        (``_safe_row``: documented columns only, values breaking their rule withheld, names
        masked, the number as its pseudonym), in its own format. A manifest that cannot be read
        cannot be cleared of personal data: none of its bytes are kept."""
        rows = None if data is None else quarantine_rows(entry.name, data)
        if rows is None:
            return None, (
                f"{reason} (its bytes are not kept: a manifest that cannot be read cannot be "
                "cleared of personal data; ask its sender for it)"
            )
        safe = [self._safe_row(r) for r in rows]
        if entry.name.endswith(".json"):
            text = json.dumps(safe, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
            return text.encode(), reason
        columns = [c for c in (*MANIFEST_COLUMNS, "caller_key") if any(c in r for r in safe)]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(safe)
        return buffer.getvalue().encode(), reason

    def unreadable(self, entry: Entry, exc: OSError, row: dict[str, str] | None) -> None:
        """A file that cannot be read (permissions, vanished): recorded, left in landing."""
        reason = f"the file cannot be read ({type(exc).__name__}); it stays in landing"
        call_id = None if row is None else row.get("call_id") or None
        self.record(entry.name, "internal_error", reason, call_id, row)
        self.left.append(names.display(entry.name))

    def record(
        self,
        name: str,
        code: str,
        reason: str,
        call_id: str | None = None,
        row: dict[str, str] | None = None,
        sha: str | None = None,
        size: int | None = None,
        q_uri: str | None = None,
    ) -> None:
        """One quarantine row; names are kept only as displayed (phone numbers and names
        masked), the call id only when it passes its rule (numbers in it masked)."""
        b, shown = self.batch, names.display(name)
        call_id = kept_value("call_id", call_id) or None
        call_id = None if call_id == WITHHELD else call_id
        self.quarantined.append(
            quarantine_row(
                key=f"{b.tenant_id}/{b.batch_id}/{shown}/{sha}/{call_id}/{code}",
                tenant_id=b.tenant_id,
                batch_id=b.batch_id,
                file_name=shown,
                call_id=call_id,
                file_sha256=sha,
                file_size_bytes=size,
                quarantine_uri=q_uri,
                reason_code=code,
                reason=reason,
                manifest_row=None if row is None else self._safe_row(row),
                quarantined_at=self.now,
            )
        )

    def _safe_row(self, row: dict[str, str]) -> dict[str, Any]:
        """The manifest row as kept in quarantine: documented columns only, each value that
        breaks its column's rule withheld (free text, a value shifted in from another column),
        the file name as displayed (numbers and names masked), the caller's number only as its
        pseudonym (dropped when it cannot be made: no key, or a number that does not parse)."""
        safe: dict[str, Any] = kept_fields(row)
        if safe.get("file_name"):
            safe["file_name"] = names.display(safe["file_name"])
        phone = safe.pop("caller_phone", None)
        if phone:
            # No usable key (an unknown tenant): the number is dropped.
            with contextlib.suppress(Exception):
                safe["caller_key"] = self.pseudonymise_phone(self.batch.tenant_id, phone)
        return safe

    def outcome(self) -> IngestOutcome:
        return IngestOutcome(
            lakehouse.conform(CALLS, self.calls),
            lakehouse.conform(QUARANTINE, self.quarantined),
            self.consumed,
            self.already,
            self.left,
        )


def ingest_batch(
    batch: LandingBatch,
    *,
    tenants: dict[str, Tenant],
    existing_calls: pl.DataFrame,
    audio_store: str,
    quarantine_store: str,
    pseudonymise_phone: Pseudonymiser,
    today: date,
    now: datetime | None = None,
    quarantined_call_ids: set[str] | None = None,
    limits: Limits | None = None,
    seal: Callable[[bytes], bytes] | None = None,
    sealing: Callable[[Iterable[bytes]], Iterable[bytes]] | None = None,
) -> IngestOutcome:
    """Validate and store one batch. Writes audio/quarantine bytes; the caller commits the rows.

    ``existing_calls`` holds the tenant's ``call_id`` and ``audio_sha256`` already in bronze, so a
    re-landed file is recognised (skipped) and a different file reusing a call id is quarantined;
    ``quarantined_call_ids`` the call ids an earlier run of this batch set aside, so a manifest
    row whose file a crashed clean-up already removed is not reported again. ``today`` decides
    whether the tenant's contract has ended (the step's ``ctx.today()``); ``now`` stamps the rows
    (default: the real instant).
    """
    now = now or datetime.now(UTC)
    work = _Batch(batch, quarantine_store, pseudonymise_phone, now, limits or Limits())
    if seal is not None:
        work.seal, work.sealing = seal, sealing
    if batch.problem is not None:
        return _set_aside_whole_batch(work, batch.problem, FOLDER_PROBLEMS[batch.problem])
    tenant = tenants.get(batch.tenant_id)
    if tenant is None:
        reason = "the landing folder's tenant is not in the tenant registry"
        return _set_aside_whole_batch(work, "unknown_tenant", reason)
    if batch.manifest is None:
        return _set_aside_late_files(work)
    manifest = next(e for e in batch.entries if e.name == batch.manifest)
    if not work.settled(manifest):
        return work.outcome()  # the manifest is being rewritten: the whole batch waits
    if tenant.contract_ended(today):
        return _set_aside_whole_batch(work, "contract_ended", "the tenant's contract has ended")
    try:
        rows = _read_manifest(manifest)
    except RowError as err:
        # Without a usable manifest no file can be attributed: keep every byte, manifest included.
        return _set_aside_whole_batch(work, err.code, str(err))

    known = _Known.of(existing_calls, quarantined_call_ids or set())
    files = [e for e in batch.entries if e is not manifest]
    present = {names.nfc(e.name) for e in files}
    files = [e for e in files if work.settled(e)]
    _set_aside_rows_without_audio(work, rows, present, known)
    rows_by_file: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        rows_by_file.setdefault(names.nfc(row.get("file_name", "")), []).append(row)
    by_name: dict[str, list[Entry]] = {}
    for e in files:
        by_name.setdefault(names.nfc(e.name), []).append(e)
    for key in _in_manifest_order(list(by_name), rows):
        file_rows = rows_by_file.get(key, [])
        if len(by_name[key]) > 1:
            reason = "another file of the batch has this name in another Unicode form (NFC/NFD)"
            for e in by_name[key]:
                work.keep(e, "ambiguous_file_name", reason, file_rows[0] if file_rows else None)
            continue
        _land_file(work, by_name[key][0], file_rows, tenant, known, audio_store)
    if not work.left:  # while a file waits, the manifest stays: the batch is still complete
        work.consumed.append(manifest.uri)
    return work.outcome()


def _read_manifest(manifest: Entry) -> list[dict[str, str]]:
    """The manifest's rows; ``RowError`` when it cannot be used (so the batch is set aside)."""
    if manifest.kind != "file":
        raise RowError("manifest_unreadable", "the manifest is not a regular file")
    try:
        data = storage.read_bytes(manifest.uri, MAX_MANIFEST_BYTES)
    except FileTooLarge:
        raise RowError(
            "manifest_unreadable", f"the manifest is larger than {MAX_MANIFEST_BYTES} bytes"
        ) from None
    except NotARegularFile:
        raise RowError("manifest_unreadable", "the manifest is not a regular file") from None
    return parse_manifest(manifest.name, data)


def _entry_problem(entry: Entry, limits: Limits) -> Reason | None:
    """What is wrong with an entry before a byte of it is read."""
    if entry.kind == "symlink":
        return LINK
    if entry.kind == "dir":
        return Reason(
            "nested_folder", "a folder inside a batch is not read; land its files as a batch"
        )
    if entry.kind != "file":
        return Reason("not_a_regular_file", "not a regular file (a FIFO, socket or device)")
    if not names.is_text(entry.name):
        return Reason(
            "bad_file_name", "the file name is not text (not UTF-8, or control characters)"
        )
    if len(entry.name) > names.MAX_NAME_CHARS:
        return Reason(
            "name_too_long", f"the file name is longer than {names.MAX_NAME_CHARS} characters"
        )
    if entry.size > limits.max_file_bytes:
        return Reason("file_too_large", f"the file is larger than {limits.max_file_bytes} bytes")
    return None


def _set_aside_whole_batch(work: _Batch, code: str, reason: str) -> IngestOutcome:
    """Every entry of the batch, manifest included, to quarantine with one reason (or its own,
    for a link, folder or device)."""
    for entry in work.batch.entries:
        if work.settled(entry):
            problem = _entry_problem(entry, work.limits)
            own = problem if problem and problem.code != "file_too_large" else None
            work.keep(entry, *(own or Reason(code, reason)))
    return work.outcome()


def _set_aside_late_files(work: _Batch) -> IngestOutcome:
    """Files in the folder of a batch that has already run, with no manifest of their own."""
    reason = "arrived after its batch was ingested; land it again with a manifest naming it"
    for entry in work.batch.entries:
        if work.settled(entry):
            work.keep(entry, *(_entry_problem(entry, work.limits) or Reason("late_file", reason)))
    return work.outcome()


def _set_aside_rows_without_audio(
    work: _Batch, rows: list[dict[str, str]], present: set[str], known: _Known
) -> None:
    """Manifest rows that name no file of the batch: recorded, nothing to keep. A row whose call
    is already stored, or was quarantined by an earlier run of this batch, is not missing: a
    clean-up cut short by a crash removed its file before the manifest. A row whose file is
    still being uploaded (``a.wav.partial`` in the folder) waits: the manifest stays, and the
    run after the upload ends stores the file."""
    arriving = {names.nfc(t) for u in work.batch.uploading for t in upload_targets(u)}
    for row in rows:
        name, call_id = row.get("file_name", ""), row.get("call_id") or None
        if name and names.nfc(name) in present:
            continue
        if name and names.nfc(name) in arriving and call_id not in known.audio_of:
            work.left.append(names.display(name))
            continue
        if call_id in known.audio_of:
            known.claimed.add(call_id)
            work.already += 1
            continue
        if call_id in known.quarantined:
            continue
        reason = "the manifest row names no file present in the batch"
        work.record(name or "<none>", "audio_missing", reason, call_id, row)


def _in_manifest_order(keys: list[str], rows: list[dict[str, str]]) -> list[str]:
    """Files in the order of their first manifest row (which decides who wins a call id)."""
    order = {names.nfc(row.get("file_name", "")): i for i, row in reversed(list(enumerate(rows)))}
    return sorted(keys, key=lambda n: (order.get(n, len(rows)), n))


def _land_file(
    work: _Batch,
    entry: Entry,
    file_rows: list[dict[str, str]],
    tenant: Tenant,
    known: _Known,
    audio_store: str,
) -> None:
    """One landing entry: stored with its first manifest row, skipped, or set aside."""
    row = file_rows[0] if file_rows else None
    for extra in file_rows[1:]:
        reason = "several manifest rows name this file"
        call_id = extra.get("call_id") or None
        work.record(entry.name, "duplicate_file_reference", reason, call_id, extra)
    problem = _entry_problem(entry, work.limits)
    if problem is not None:
        work.keep(entry, *problem, row)
        return
    try:
        data = storage.read_bytes(entry.uri, work.limits.max_file_bytes)
    except NotARegularFile:  # swapped for a link since it was listed
        work.keep(replace(entry, kind="symlink"), *LINK, row)
        return
    except FileTooLarge:
        work.keep(entry, "file_too_large", "the file grew past the size limit", row)
        return
    except OSError as exc:
        work.unreadable(entry, exc, row)
        return
    if row is None:
        work.keep(entry, "no_manifest_row", "no manifest row names this file", None, data)
        return
    try:
        checked = _check_file(entry, data, row, tenant, known)
    except (RowError, AudioRejected) as err:
        work.keep(entry, err.code, str(err), row, data)
        return
    except Exception as exc:  # a case nobody foresaw: this file only, never the batch
        reason = f"unexpected {type(exc).__name__} while checking the file"
        work.keep(entry, "internal_error", reason, row, data)
        return
    work.consumed.append(entry.uri)
    if checked is None:  # the same file landed again: already safely stored
        work.already += 1
        return
    fields, info, layout, sha = checked
    audio_uri = join(audio_store, tenant.tenant_id, sha[:2], f"{sha}{info.extension}")
    storage.write_bytes(audio_uri, work.seal(data))
    known.claimed.add(fields["call_id"])
    known.call_of[sha] = fields["call_id"]
    work.calls.append(_call_row(work, tenant, fields, info, layout, audio_uri, sha, len(data)))


def _check_file(
    entry: Entry, data: bytes, row: dict[str, str], tenant: Tenant, known: _Known
) -> tuple[dict[str, Any], AudioInfo, str, str] | None:
    """(typed fields, audio info, channel layout, sha256), or None for a re-landed stored file.

    Raises ``RowError`` / ``AudioRejected`` with the quarantine reason.
    """
    fields = validate_row(row, tenant)
    ext = PurePosixPath(entry.name).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise RowError(
            "unsupported_format",
            f"{ext or 'no extension'} is not one of {sorted(SUPPORTED_EXTENSIONS)}",
        )
    if fields["size"] is not None and fields["size"] != len(data):
        raise RowError("size_mismatch", "the file's size differs from the manifest's size")
    sha = hashlib.sha256(data).hexdigest()
    if fields["sha256"] is not None and fields["sha256"] != sha:
        raise RowError("sha256_mismatch", "the file's sha256 differs from the manifest's sha256")
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


def commit_batch(
    lh: lakehouse.Lakehouse,
    batch: LandingBatch,
    *,
    tenants: dict[str, Tenant],
    audio_store: str,
    quarantine_store: str,
    pseudonymise_phone: Pseudonymiser,
    today: date,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> IngestOutcome:
    """Ingest one batch and commit it: bronze.calls, then bronze.quarantine, then landing is
    cleared (the manifest last). What the ingest step runs."""
    existing = lh.read(CALLS, batch.tenant_id, columns=["call_id", "audio_sha256"])
    in_batch = {"batch_id": batch.batch_id}
    earlier = lh.read(QUARANTINE, batch.tenant_id, columns=["call_id"], where=in_batch)
    # A registry tenant under contract has its stored bytes sealed with its data key (a missing
    # key stops the batch: nothing is stored in clear). A batch of an unknown tenant, or of one
    # whose contract ended (its keys destroyed), is set aside as it came: it has no key.
    tenant = tenants.get(batch.tenant_id)
    active = tenant is not None and not tenant.contract_ended(today) and lh.cipher is not None
    outcome = ingest_batch(
        batch,
        tenants=tenants,
        existing_calls=existing,
        audio_store=audio_store,
        quarantine_store=quarantine_store,
        pseudonymise_phone=pseudonymise_phone,
        now=now or datetime.fromtimestamp(time.time(), UTC),
        quarantined_call_ids=set(earlier["call_id"].drop_nulls().to_list()),
        limits=limits,
        today=today,
        seal=(lambda data: lh.seal(batch.tenant_id, data)) if active else None,
        sealing=lh.sealing(batch.tenant_id) if active else None,
    )
    outcome.calls_inserted = lh.merge(CALLS, outcome.calls)["num_target_rows_inserted"]
    merged = lh.merge(QUARANTINE, outcome.quarantine)
    outcome.quarantine_inserted = merged["num_target_rows_inserted"]
    # Only now, with both commits done, may the landing copies go.
    outcome.cleared = clear_landing(batch, outcome.consumed)
    return outcome

"""Backups that forget on time: consistent snapshots of a home, checksummed and MAC'd, pruned
after ``CCR_BACKUP_RETENTION_DAYS``, and restores that carry out again every erasure made since
the snapshot before the restored data is used (docs/backups.md).

A backup ``<CCR_BACKUPS>/<id>/`` (a folder or an ``s3://`` prefix) holds:

- ``lakehouse/<layer>/<table>/``: each Delta table at one version, taken under the lakehouse's
  writer lock (no commit lands during the copy, so every table is at the version it had at the
  same instant): its ``_delta_log`` and the data files that version uses, nothing older;
- ``lakehouse/audio/``, ``lakehouse/quarantine_files/``: the stored objects (sealed with the
  tenants' data keys, ``transforms.core.crypto``: a backup holds no recording or free text in
  clear, and a purged tenant's part of it is noise once its key is destroyed);
- ``compliance/``: the erasure ledger, certificates, replay records, record of processing;
- ``manifest.json``: the id, the time, each table's version, the ledger's length and last entry
  hash at the snapshot, and the SHA-256 and size of every file; with a MAC (HMAC-SHA256 under a
  key derived from the erasure-ledger key, which stays in the key store).

Keys are never in a backup: the key store is backed up on its own (docs/encryption.md#key-backup).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from transforms.compliance import replay
from transforms.compliance.ledger import LEDGER_NAME, Ledger
from transforms.core import storage
from transforms.core.keys import KeyStore, write_atomically
from transforms.core.lakehouse import RESTORE_MARKER, Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import ALL_TABLES, COMPLIANCE_TABLES, TableSpec

MANIFEST = "manifest.json"
TABLES: tuple[TableSpec, ...] = (*ALL_TABLES, *COMPLIANCE_TABLES)
#: Present in a home while a restore is under way: nothing may use the data until it is gone.
RESTORING = RESTORE_MARKER  # refused by Lakehouse.from_settings while it is present


class BackupError(RuntimeError):
    """A backup that cannot be made, trusted or restored; the message says what to do."""


def _root(settings: Settings) -> str:
    if not settings.backups:
        raise BackupError(
            "CCR_BACKUPS is not set: point it at a folder on another disk or an s3:// prefix "
            "(docs/backups.md)"
        )
    root = settings.backups.rstrip("/")
    if "://" not in root and Path(root).resolve().is_relative_to(Path(settings.home).resolve()):
        raise BackupError(
            f"CCR_BACKUPS ({root}) is under CCR_HOME: a backup on the same disk is no backup, "
            "and the erasure's residual scan would read it as live data; choose another place"
        )
    return root


def forget_by(settings: Settings) -> str | None:
    """The day by which ``ccr backup prune`` deletes the newest backup there is now, so the
    last copy of data erased now (None: no backups), for the certificate. A restore before then
    carries the erasure out again."""
    if not settings.backups:
        return None
    try:
        ids = backups(settings)
    except (BackupError, OSError):
        return None
    if not ids:
        return None
    newest = max(created_on(i, None) for i in ids)
    return str(newest + timedelta(days=settings.backup_retention_days + 1))


def _mac_key(keys: KeyStore) -> bytes:
    return hmac.new(keys.ledger_secret(), b"ccr-backup-manifest-1", hashlib.sha256).digest()


def _sign(keys: KeyStore, manifest: dict[str, Any]) -> str:
    body = json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True)
    return hmac.new(_mac_key(keys), body.encode(), hashlib.sha256).hexdigest()


def _ledger_position(settings: Settings) -> dict[str, Any]:
    path = Path(settings.compliance_dir) / LEDGER_NAME
    entries = Ledger(path).entries() if path.is_file() else []
    return {
        "entries": len(entries),
        "last_hash": entries[-1]["entry_hash"] if entries else None,
    }


def _relative(uri: str, base: str) -> str:
    base = base.rstrip("/") + "/"
    if not uri.startswith(base):
        raise BackupError(f"a file of the snapshot lies outside {base}")
    return uri[len(base) :]


@dataclass
class Made:
    backup_id: str
    uri: str
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    versions: dict[str, int] = field(default_factory=dict)


def create(settings: Settings, lh: Lakehouse, keys: KeyStore, now: datetime) -> Made:
    """Snapshot the home into ``CCR_BACKUPS/<id>``; what was written."""
    import time

    started = time.perf_counter()
    _mac_key(keys)  # no ledger key: refused before anything is copied
    backup_id = f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    target = f"{_root(settings)}/{backup_id}"
    made = Made(backup_id, target)
    files: dict[str, dict[str, Any]] = {}

    def copy(src: str, relative: str) -> None:
        sha, size = storage.copy_file(src, f"{target}/{relative}")
        files[relative] = {"sha256": sha, "size": size}
        made.files += 1
        made.bytes += size

    # the ledger first: an erasure recorded after this point is replayed by a restore, even if
    # its deletions made it into the snapshot (replaying is idempotent)
    position = _ledger_position(settings)
    compliance = Path(settings.compliance_dir)
    with lh.writing():
        for spec in TABLES:
            table = lh._open(spec)
            if table is None:
                continue
            made.versions[f"{spec.layer}.{spec.name}"] = table.version()
            base = lh.uri(spec)
            for uri in storage.list_files(f"{base}/_delta_log"):
                copy(uri, f"lakehouse/{spec.path}/{_relative(uri, base)}")
            for uri in table.file_uris():
                uri = uri.removeprefix("file://")
                copy(uri, f"lakehouse/{spec.path}/{_relative(uri, base)}")
        for folder in replay.OBJECT_FOLDERS:
            base = f"{lh.root.rstrip('/')}/{folder}"
            for uri in storage.list_files(base):
                if not uri.endswith(".partial"):
                    copy(uri, f"lakehouse/{folder}/{_relative(uri, base)}")
        if compliance.is_dir():
            for path in sorted(p for p in compliance.rglob("*") if p.is_file()):
                if not path.name.startswith("."):  # lock files
                    copy(str(path), f"compliance/{path.relative_to(compliance)}")
    manifest = {
        "backup_id": backup_id,
        "created_at": now.isoformat(timespec="seconds"),
        "tables": made.versions,
        "ledger": position,
        "files": files,
    }
    manifest["mac"] = _sign(keys, manifest)
    storage.write_bytes(f"{target}/{MANIFEST}", json.dumps(manifest, indent=1).encode())
    made.seconds = time.perf_counter() - started
    return made


def backups(settings: Settings) -> list[str]:
    """The backup ids under ``CCR_BACKUPS``, oldest first."""
    root = _root(settings)
    found = {
        _relative(u, root).split("/", 1)[0]
        for u in storage.list_files(root)
        if u.endswith(f"/{MANIFEST}")
    }
    return sorted(found)


def manifest(settings: Settings, backup_id: str) -> dict[str, Any]:
    uri = f"{_root(settings)}/{backup_id}/{MANIFEST}"
    try:
        return json.loads(storage.read_bytes(uri))
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"backup {backup_id}: no readable manifest ({type(exc).__name__})"
        ) from None


def verify(settings: Settings, keys: KeyStore, backup_id: str) -> list[str]:
    """What is wrong with a backup (empty: it is whole and as made): the manifest's MAC, each
    file's size and SHA-256, files missing, files added."""
    found = manifest(settings, backup_id)
    problems = []
    if not hmac.compare_digest(str(found.get("mac", "")), _sign(keys, found)):
        problems.append(
            "the manifest's MAC does not match (edited, or made with another ledger key)"
        )
    base = f"{_root(settings)}/{backup_id}"
    present = {_relative(u, base) for u in storage.list_files(base)} - {MANIFEST}
    listed = found.get("files", {})
    for relative in sorted(set(listed) - present):
        problems.append(f"{relative}: missing")
    for relative in sorted(present - set(listed)):
        problems.append(f"{relative}: not in the manifest (added)")
    for relative in sorted(set(listed) & present):
        uri = f"{base}/{relative}"
        digest = storage.file_sha256(uri) if "://" not in uri else _sha256(uri)
        if digest != listed[relative]["sha256"]:
            problems.append(f"{relative}: content differs from the manifest (edited)")
    return problems


def _sha256(uri: str) -> str:
    return hashlib.sha256(storage.read_bytes(uri)).hexdigest()


def created_on(backup_id: str, found: dict[str, Any] | None) -> date:
    """The day a backup was made: the earlier of its id's and its manifest's (neither can make
    a backup look younger than it is to escape pruning)."""
    days = [datetime.strptime(backup_id[:8], "%Y%m%d").date()]
    if found and found.get("created_at"):
        days.append(datetime.fromisoformat(found["created_at"]).date())
    return min(days)


def prune(settings: Settings, today: date) -> list[str]:
    """Delete every backup older than ``CCR_BACKUP_RETENTION_DAYS``; the ids deleted."""
    cutoff = today - timedelta(days=settings.backup_retention_days)
    gone = []
    root = _root(settings)
    for backup_id in backups(settings):
        try:
            found = manifest(settings, backup_id)
        except BackupError:
            found = None
        if created_on(backup_id, found) < cutoff:
            storage.delete_tree(f"{root}/{backup_id}", storage.Roots.of(root))
            gone.append(backup_id)
    return gone


@dataclass
class Restored:
    backup_id: str
    files: int = 0
    replayed: list[str] = field(default_factory=list)
    work: replay.Replayed = field(default_factory=replay.Replayed)


def restore(
    settings: Settings, lh: Lakehouse, keys: KeyStore, backup_id: str, now: datetime
) -> Restored:
    """Replace the home's lakehouse with the backup's, then carry out again every erasure the
    ledger recorded after the snapshot, then record the restore in the ledger. The home's own
    compliance folder is kept when it holds the backup's ledger as its beginning (it knows the
    erasures since); a home without one gets the backup's. Refused, before anything changes, if
    the backup does not verify, or if the ledgers disagree."""
    problems = verify(settings, keys, backup_id)
    if problems:
        raise BackupError(
            f"backup {backup_id} does not verify ({problems[0]}; {len(problems)} problems): "
            "nothing was restored"
        )
    found = manifest(settings, backup_id)
    base = f"{_root(settings)}/{backup_id}"
    compliance = Path(settings.compliance_dir)
    ledger = Ledger(compliance / LEDGER_NAME, keys)
    entries = ledger.entries() if ledger.path.is_file() else []
    at = found["ledger"]["entries"]
    last = found["ledger"]["last_hash"]
    if entries and (len(entries) < at or (at and entries[at - 1]["entry_hash"] != last)):
        raise BackupError(
            f"the home's erasure ledger does not begin with the backup's ({at} entries): "
            "it is another home's, or older than the backup; nothing was restored"
        )
    out = Restored(backup_id)
    listed = found["files"]
    if not entries:  # a home without its compliance folder: the backup's
        for relative in sorted(r for r in listed if r.startswith("compliance/")):
            dst = str(compliance / relative.removeprefix("compliance/"))
            storage.copy_file(f"{base}/{relative}", dst)
            out.files += 1
        entries = ledger.entries() if ledger.path.is_file() else []
    # the ledger in use must verify against the key store's head: a backup's ledger older than
    # the head misses erasures made since, which could then not be replayed
    ledger.ready()
    # every erasure since the snapshot must be replayable before anything is replaced
    since = [e for e in entries[at:] if e.get("outcome") == "erased"]
    docs = [(e, replay.load(compliance, e)) for e in since]
    marker = compliance / RESTORING
    compliance.mkdir(parents=True, exist_ok=True)
    # on disk (file and folder fsynced) before anything is replaced: a power cut after the first
    # delete must still find it
    write_atomically(
        marker, json.dumps({"backup_id": backup_id, "started_at": now.isoformat()}).encode()
    )
    roots = storage.Roots.of(lh.root)
    with lh.writing():
        for spec in TABLES:
            storage.delete_tree(lh.uri(spec), roots)
        for folder in replay.OBJECT_FOLDERS:
            storage.delete_tree(f"{lh.root.rstrip('/')}/{folder}", roots)
        for relative in sorted(r for r in listed if r.startswith("lakehouse/")):
            dst = f"{lh.root.rstrip('/')}/{relative.removeprefix('lakehouse/')}"
            storage.copy_file(f"{base}/{relative}", dst)
            out.files += 1
        for entry, doc in docs:
            replay.apply(lh, keys, doc, out.work)
            out.replayed.append(entry["request_id"])
        for spec in TABLES:
            lh.forget_history(spec)
    ledger.append(
        {
            "request_id": f"restore-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}",
            "kind": "restore",
            "outcome": "restored",
            "tenants": sorted({t for e in entries[at:] for t in e.get("tenants", [])}),
            "performed_at": now.isoformat(timespec="seconds"),
            "backup_id": backup_id,
            "snapshot_entries": at,
            "replayed": out.replayed,
            "rows_deleted": out.work.rows_deleted,
            "rows_nulled": out.work.rows_nulled,
            "files_deleted": out.work.files_deleted,
            "verified": True,
        }
    )
    marker.unlink()
    return out

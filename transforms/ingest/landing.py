"""The landing area: ``<tenant>/<batch>/`` folders, their partition keys, their clean-up.

A call centre drops audio files and a manifest into ``<landing>/<tenant>/<batch>/``; the manifest
is written last and marks the batch complete. Each batch becomes one Dagster partition
``<tenant>__<batch>`` (ids from ``transforms.ingest.names``). Landing is listed without following
links; temporary upload names are not part of a batch (``is_temporary``) but their changes still
count towards ``changed_ns``, which the sensor compares with the quiet period. Landing files are
deleted only after bronze has committed them, the manifest last (``clear_landing``).

Besides complete batches a scan reports:

- folders whose tenant folder or batch folder name is not acceptable, and links standing where a
  tenant or batch folder should be: ``problem`` batches, set aside whole by ingest;
- folders without a manifest (``manifest is None``): still uploading, or files that arrived after
  their batch was ingested (the sensor tells them apart by whether the partition has run);
- anything else directly under landing or a tenant folder (``Landing.loose``), which is reported.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

import polars as pl

from transforms.core import storage
from transforms.core.lakehouse import Lakehouse
from transforms.core.storage import Entry
from transforms.core.tables import CALLS
from transforms.ingest import names

MANIFEST_NAMES = ("manifest.csv", "manifest.json")
PARTITION_SEPARATOR = "__"
#: Names upload tools give a file while it is written (SFTP/WinSCP ``.filepart``, browsers
#: ``.crdownload``/``.part``, rsync ``.name.XXXXXX``, editors ``~``/``.swp``) and hidden files.
TEMPORARY_SUFFIXES = (".partial", ".part", ".filepart", ".crdownload", ".tmp", ".temp", ".swp", "~")


def is_temporary(name: str) -> bool:
    """Hidden files and common temporary upload names: never part of a batch, left in place."""
    return name.startswith((".", "~$")) or name.lower().endswith(TEMPORARY_SUFFIXES)


#: rsync writes ``name`` as ``.name.XXXXXX`` until it renames it.
_RSYNC_TEMPORARY = re.compile(r"^\.(.+)\.[A-Za-z0-9]{6}$")


def upload_targets(name: str) -> set[str]:
    """The names a temporary upload will have once finished (``a.wav.partial`` → ``a.wav``;
    ``.a.wav.Xy12Ab`` → ``a.wav``); empty for a name that is not an upload in progress."""
    found = set()
    for suffix in TEMPORARY_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            found.add(name[: -len(suffix)])
    rsync = _RSYNC_TEMPORARY.match(name)
    if rsync:
        found.add(rsync.group(1))
    return found | {n[1:] for n in found if n.startswith(".") and len(n) > 1}


@dataclass(frozen=True)
class LandingBatch:
    tenant_id: str
    batch_id: str
    #: The batch folder (removed once empty after clean-up); None when the batch is a link
    #: standing where a folder should be.
    uri: str | None
    #: What the batch holds (temporary names excluded), links and sub-folders included.
    entries: tuple[Entry, ...]
    fingerprint: str
    #: The latest change in the folder, temporary files and the folder itself included.
    changed_ns: int
    #: Name of the manifest entry; None: no manifest (still uploading, or late files).
    manifest: str | None = None
    #: Why the batch is set aside whole before anything is read (a quarantine reason code).
    problem: str | None = None
    #: Temporary upload names in the folder (``a.wav.partial``): files still arriving. A
    #: manifest row naming what one will become waits for it.
    uploading: tuple[str, ...] = ()

    @property
    def partition_key(self) -> str:
        return f"{self.tenant_id}{PARTITION_SEPARATOR}{self.batch_id}"

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entries)


@dataclass
class Landing:
    """What a scan of landing found."""

    batches: list[LandingBatch] = field(default_factory=list)
    #: Entries directly under landing or a tenant folder that are neither (shown names).
    loose: list[str] = field(default_factory=list)

    @property
    def complete(self) -> list[LandingBatch]:
        return [b for b in self.batches if b.manifest is not None and b.problem is None]


def split_partition_key(key: str) -> tuple[str, str]:
    """(tenant, batch). The last ``__`` separates them: a batch id never holds ``__``."""
    tenant_id, sep, batch_id = key.rpartition(PARTITION_SEPARATOR)
    if not sep or not tenant_id or not batch_id:
        raise ValueError(f"partition key {key!r} is not '<tenant>{PARTITION_SEPARATOR}<batch>'")
    return tenant_id, batch_id


def batch_calls(lh: Lakehouse, partition_key: str) -> pl.DataFrame:
    """The bronze rows of one call batch, by call id (what each per-batch step starts from)."""
    tenant_id, batch_id = split_partition_key(partition_key)
    return lh.read(CALLS, tenant_id, where={"batch_id": batch_id}).sort("call_id")


def _fingerprint(entries: list[Entry]) -> str:
    digest = hashlib.sha256()
    for e in entries:
        digest.update(os.fsencode(e.name) + f":{e.kind}:{e.size}:{e.changed_ns}\n".encode())
    return digest.hexdigest()[:16]


def _batch(
    tenant_id: str, batch_id: str, folder: Entry, problem: str | None = None
) -> LandingBatch:
    """The batch in ``folder`` (or the link ``folder`` itself, for a link problem)."""
    if folder.kind != "dir":
        return LandingBatch(
            tenant_id, batch_id, None, (folder,), _fingerprint([folder]), folder.changed_ns,
            problem=problem or "symlink",
        )  # fmt: skip
    listed = storage.list_entries(folder.uri)
    entries = [e for e in listed if not is_temporary(e.name)]
    uploading = tuple(e.name for e in listed if e.kind == "file" and upload_targets(e.name))
    manifests = [e.name for e in entries if e.name in MANIFEST_NAMES]
    return LandingBatch(
        tenant_id=tenant_id,
        batch_id=batch_id,
        uri=folder.uri,
        entries=tuple(entries),
        fingerprint=_fingerprint(entries),
        changed_ns=max([folder.changed_ns, *(e.changed_ns for e in listed)]),
        manifest=manifests[0] if manifests else None,
        problem=problem,
        uploading=uploading,
    )


def _tenant_batches(tenant: Entry, landing: Landing, unattributed: dict[str, Entry]) -> None:
    """The batches of one tenant folder. A link, or a folder whose name is not a tenant id, is
    set aside under ``_unattributed`` (added to ``unattributed``: ids are given across all of
    them at once, so two such folders can never share a partition)."""
    if tenant.kind != "dir":
        unattributed[tenant.name] = tenant
        return
    good = names.is_tenant_folder(tenant.name)
    folders = [e for e in storage.list_entries(tenant.uri) if not is_temporary(e.name)]
    landing.loose += [
        f"{names.display(tenant.name)}/{names.display(e.name)}"
        for e in folders
        if e.kind not in ("dir", "symlink")
    ]
    folders = [e for e in folders if e.kind in ("dir", "symlink")]
    if not good:
        unattributed.update({f"{tenant.name}/{e.name}": e for e in folders})
        return
    ids = names.batch_ids([e.name for e in folders])
    for e in folders:
        text = names.is_text(e.name)
        landing.batches.append(
            _batch(tenant.name, ids[e.name], e, None if text else "bad_batch_folder")
        )


def scan_landing(landing_uri: str) -> Landing:
    """Every batch folder under ``<landing>/<tenant>/``, complete or not, good or not."""
    landing = Landing()
    unattributed: dict[str, Entry] = {}
    for tenant in storage.list_entries(landing_uri):
        # "_reviews" and other "_*" folders are not tenants (human reviews land there).
        if tenant.name[:1] in "._" or is_temporary(tenant.name):
            continue
        if tenant.kind in ("dir", "symlink"):
            _tenant_batches(tenant, landing, unattributed)
        else:
            landing.loose.append(names.display(tenant.name))
    ids = names.batch_ids(list(unattributed))
    for name, e in unattributed.items():  # a "<tenant>/<batch>" folder, or a tenant link
        folder = "/" in name
        batch = _batch(names.UNATTRIBUTED, ids[name], e, "bad_tenant_folder" if folder else None)
        landing.batches.append(batch)
    return landing


def discover_batches(landing_uri: str) -> list[LandingBatch]:
    """Complete batches: a good tenant folder, a good batch folder, a manifest."""
    return scan_landing(landing_uri).complete


def batch_from_key(landing_uri: str, key: str) -> LandingBatch | None:
    return next((b for b in scan_landing(landing_uri).batches if b.partition_key == key), None)


def clear_landing(batch: LandingBatch, consumed: list[str]) -> int:
    """Delete handled landing entries (call only after the bronze commits), in the order given
    (the manifest last: while any file of the batch is left, the batch stays complete), then
    the batch folder if it is empty."""
    for uri in consumed:
        storage.delete_file(uri)
    if batch.uri is not None:
        storage.remove_empty_folder(batch.uri)
    return len(consumed)

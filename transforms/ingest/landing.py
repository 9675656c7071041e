"""The landing area: complete ``<tenant>/<batch>/`` folders, their partition keys, their clean-up.

A call centre drops audio files and a manifest into ``<landing>/<tenant>/<batch>/``; the manifest
is written last and marks the batch complete. Each complete batch becomes one Dagster partition
(``<tenant>__<batch>``). Landing files are deleted only after bronze has committed them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyarrow.fs as pafs

from transforms.core import storage

MANIFEST_NAMES = ("manifest.csv", "manifest.json")
PARTITION_SEPARATOR = "__"


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
    fs, root = storage.filesystem(landing_uri)
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
                    uri=join(landing_uri, tenant_dir.base_name, batch_dir.base_name),
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


def join(base: str, *parts: str) -> str:
    """``base/part/…`` for a path or a URI."""
    return "/".join([base.rstrip("/"), *parts])


def clear_landing(batch: LandingBatch, consumed: list[str]) -> int:
    """Delete handled landing files (call only after the bronze commits), then the empty folder."""
    for uri in consumed:
        storage.delete_file(uri)
    fs, path = storage.filesystem(batch.uri)
    if not fs.get_file_info(pafs.FileSelector(path, allow_not_found=True)):
        fs.delete_dir(path)
    return len(consumed)

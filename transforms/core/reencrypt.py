"""Bring a tenant's data under its current data key: the migration of data stored in clear
(``ccr keys encrypt-existing``) and the second step of a data-key rotation (``ccr keys
rotate-data-key``).

Idempotent and crash-safe: each Delta row is rewritten by a MERGE commit (whole or not at all),
each stored object by a write beside and a move; a rerun finds what is left by looking (a value
in clear or under an older key version, a file without the seal or under an older version) and
does only that. Afterwards the tables' history is forgotten (the files that still held the clear
text or the old ciphertext go), and only then may a rotation drop the old key version: until it
is dropped everything stays readable, and after, nothing needs it.

Run it with the pipeline stopped: a step that loaded the tenant's keys before a rotation began
would write under the old version; ``TenantData.left`` is checked again before a version is
dropped, so such a write stops the drop instead of becoming unreadable.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import polars as pl

from transforms.core import storage
from transforms.core.crypto import ENCRYPTED_COLUMNS, SEAL_MAGIC, TenantCipher, is_sealed
from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import ALL_TABLES, TableSpec

_ENCRYPTED_TABLES: tuple[TableSpec, ...] = tuple(
    s for s in ALL_TABLES if s.path in ENCRYPTED_COLUMNS
)


@dataclass
class TenantData:
    """What was (or is still to be) brought under the current key: rows per table, files."""

    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    history_files_removed: int = 0

    @property
    def left(self) -> int:
        return sum(self.rows.values()) + self.files


def _stale_rows(lh: Lakehouse, spec: TableSpec, tenant_id: str, current: int) -> pl.DataFrame:
    frame = lh.read(spec, tenant_id, resolve=False)
    if frame.is_empty():
        return frame
    prefix = f"ccr1:{current}:"
    stale = pl.lit(False)
    for column in ENCRYPTED_COLUMNS[spec.path]:
        if frame.schema[column] == pl.String:
            stale = stale | (pl.col(column).is_not_null() & ~pl.col(column).str.starts_with(prefix))
        else:  # words: list of structs
            words = pl.col(column).list.eval(
                pl.element().struct.field("word").str.starts_with(prefix).not_()
            )
            stale = stale | words.list.any().fill_null(False)
    return frame.filter(stale)


def _object_files(lh: Lakehouse, tenant_id: str) -> list[str]:
    root = lh.root.rstrip("/")
    found: list[str] = []
    for store in ("audio", "quarantine_files"):
        found += storage.list_files(f"{root}/{store}/{tenant_id}")
    return [f for f in found if not f.endswith(".partial")]


def _stale_file(uri: str, current: int) -> bool:
    head = storage.read_head(uri, len(SEAL_MAGIC) + 4)
    if not is_sealed(head):
        return True
    return struct.unpack(">I", head[len(SEAL_MAGIC) :])[0] != current


def survey(lh: Lakehouse, tenant_id: str) -> TenantData:
    """What of the tenant is not yet under its current data key."""
    cipher = _cipher(lh)
    current = cipher.current_version(tenant_id)
    out = TenantData()
    for spec in _ENCRYPTED_TABLES:
        out.rows[spec.path] = _stale_rows(lh, spec, tenant_id, current).height
    out.files = sum(_stale_file(u, current) for u in _object_files(lh, tenant_id))
    return out


def bring_under_current_key(lh: Lakehouse, tenant_id: str) -> TenantData:
    """Re-encrypt (or encrypt) every value and stored object of the tenant not under its current
    data key, then forget the tables' history. What was done."""
    cipher = _cipher(lh)
    cipher.forget()  # the key store as it is now (a rotation just added a version)
    current = cipher.current_version(tenant_id)
    out = TenantData()
    for spec in _ENCRYPTED_TABLES:
        stale = _stale_rows(lh, spec, tenant_id, current)
        out.rows[spec.path] = stale.height
        if stale.height:
            clear = lh._decrypted(spec, stale.to_arrow())
            # a value still readable is re-encrypted for its place: stripped of its old
            # ciphertext so the MERGE seals it under the current version
            lh.merge(spec, clear, update=True)
    for uri in _object_files(lh, tenant_id):
        if not _stale_file(uri, current):
            continue
        data = lh.unseal(tenant_id, storage.read_bytes(uri, None))
        storage.write_bytes(uri, lh.seal(tenant_id, data))
        out.files += 1
    for spec in _ENCRYPTED_TABLES:
        out.history_files_removed += lh.forget_history(spec)
    return out


def _cipher(lh: Lakehouse) -> TenantCipher:
    if lh.cipher is None:
        raise ValueError("re-encryption needs a lakehouse with a key store (from_settings)")
    return lh.cipher

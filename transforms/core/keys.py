"""Per-tenant secrets for keyed pseudonyms, in a store that fails closed.

A key is provisioned once (``ccr keys create TENANT``): 32 random bytes, written atomically with
fsync, file 0600 in a 0700 folder. Using a tenant's key never creates one: a missing key would
make new pseudonyms that never join the old ones again. A key that is missing, shorter than
32 bytes or readable by others stops processing for that tenant with a ``KeyStoreError`` that
says what to do (never the key). ``destroy`` crypto-shreds the key at contract end and leaves
a tombstone, so the key is never re-created and the old pseudonyms stay unlinkable.

The same store keeps the erasure ledger's MAC key (``create_ledger_key``, ``ccr keys create
--ledger``; never minted by processing: an erasure without it stops before deleting anything)
and each ledger's head (its last sequence number and entry hash, MAC'd): kept here, beside the
keys, so that whoever can write the compliance folder but not the key store can neither forge
an entry nor drop the last ones unseen.

A deployment swaps in a KMS- or vault-backed store with the same methods (``KeyStore``), so
secrets never sit on the workers' disks.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from transforms.core.tenants import TENANT_ID_RE

#: HMAC-SHA256 keys: 256 bits. Anything shorter is refused (an empty key makes pseudonyms of
#: phone numbers reversible by enumerating numbers).
KEY_BYTES = 32
#: The erasure ledger's MAC key and its ledgers' heads: suffixes no tenant key has.
LEDGER_KEY = "erasure-ledger.mac-key"
_HEAD_SUFFIX = ".ledger-head"


class KeyStoreError(RuntimeError):
    """A tenant's key cannot be used; processing for that tenant stops until it is fixed."""


class KeyStore(Protocol):
    def secret(self, tenant_id: str) -> bytes: ...

    def create(self, tenant_id: str) -> None: ...

    def destroy(self, tenant_id: str) -> None: ...

    def status(self, tenant_id: str) -> str: ...

    def ledger_secret(self) -> bytes: ...

    def ledger_head(self, ledger_id: str) -> bytes | None: ...

    def ledger_heads(self) -> list[bytes]: ...

    def write_ledger_head(self, ledger_id: str, data: bytes) -> None: ...


class FileKeyStore:
    """One random 256-bit secret per tenant under ``root``, readable by the owner only."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, tenant_id: str, suffix: str = ".key") -> Path:
        if not TENANT_ID_RE.match(tenant_id):
            raise ValueError("tenant id must be lower-case letters, digits, '-' or '_'")
        return self.root / f"{tenant_id}{suffix}"

    def _tombstone(self, tenant_id: str) -> Path:
        return self._path(tenant_id, ".destroyed")

    def status(self, tenant_id: str) -> str:
        """``ok``, ``missing``, ``destroyed``, or ``unusable: <why>``."""
        if self._tombstone(tenant_id).exists():
            return "destroyed"
        if not self._path(tenant_id).exists():
            return "missing"
        try:
            self.secret(tenant_id)
        except KeyStoreError as exc:
            return f"unusable: {exc}"
        return "ok"

    def secret(self, tenant_id: str) -> bytes:
        """The tenant's key; ``KeyStoreError`` if it is destroyed, missing, short or exposed."""
        path = self._path(tenant_id)
        if self._tombstone(tenant_id).exists():
            raise KeyStoreError(
                f"the key of tenant {tenant_id} was destroyed (contract ended); "
                "its data can no longer be processed"
            )
        if not path.is_file():
            raise KeyStoreError(
                f"tenant {tenant_id} has no key in {self.root}: provision one with "
                f"`ccr keys create {tenant_id}` (a new key never joins old pseudonyms)"
            )
        for where, mode in ((self.root, "700"), (path, "600")):
            if stat.S_IMODE(where.stat().st_mode) & 0o077:
                raise KeyStoreError(
                    f"{where} is open to other users: `chmod {mode} {where}` (keys must be "
                    "private to the pipeline's user)"
                )
        key = path.read_bytes()
        if len(key) < KEY_BYTES:
            raise KeyStoreError(
                f"the key of tenant {tenant_id} is {len(key)} bytes, under {KEY_BYTES}: restore it "
                "from the key backup (a new key would not join the old pseudonyms)"
            )
        return key

    def create(self, tenant_id: str) -> None:
        """Provision a tenant's key; refuses to overwrite one or to revive a destroyed one."""
        path = self._path(tenant_id)
        if self._tombstone(tenant_id).exists():
            raise KeyStoreError(
                f"the key of tenant {tenant_id} was destroyed; it is never re-created"
            )
        if path.exists():
            raise KeyStoreError(f"tenant {tenant_id} already has a key; it is never replaced")
        self._private_folder()
        try:
            _write_atomically(path, secrets.token_bytes(KEY_BYTES), replace=False)
        except FileExistsError:  # another process provisioned it first: keep theirs
            raise KeyStoreError(
                f"tenant {tenant_id} already has a key; it is never replaced"
            ) from None

    def destroy(self, tenant_id: str) -> None:
        """Crypto-shredding: the tombstone first (no process re-creates the key), then the key."""
        self._private_folder()
        record = {"tenant_id": tenant_id, "destroyed_at": datetime.now(UTC).isoformat()}
        _write_atomically(self._tombstone(tenant_id), json.dumps(record).encode())
        path = self._path(tenant_id)
        if path.exists():
            # Overwrite before unlinking: on a plain file system the old blocks are not left
            # holding the key (copy-on-write or SSD remapping can still keep them: use a KMS).
            with path.open("r+b") as f:
                f.write(b"\0" * max(KEY_BYTES, path.stat().st_size))
                f.flush()
                os.fsync(f.fileno())
            path.unlink()
        _fsync_dir(self.root)

    # ------------------------------------------------------------------ the erasure ledger

    def ledger_status(self) -> str:
        """``ok``, ``missing`` or ``unusable: <why>`` for the ledger's MAC key."""
        if not (self.root / LEDGER_KEY).exists():
            return "missing"
        try:
            self.ledger_secret()
        except KeyStoreError as exc:
            return f"unusable: {exc}"
        return "ok"

    def ledger_secret(self) -> bytes:
        """The erasure ledger's MAC key; ``KeyStoreError`` if it is missing, short or exposed
        (never created here: a new key would not verify the entries MAC'd with the old one)."""
        path = self.root / LEDGER_KEY
        if not path.is_file():
            raise KeyStoreError(
                f"no erasure-ledger key in {self.root}: provision it once with `ccr keys create "
                "--ledger` (erasures are not carried out without it: they could not be recorded)"
            )
        self._check_private(path)
        key = path.read_bytes()
        if len(key) < KEY_BYTES:
            raise KeyStoreError(
                f"the erasure-ledger key is {len(key)} bytes, under {KEY_BYTES}: restore it from "
                "the key backup"
            )
        return key

    def create_ledger_key(self) -> None:
        """Provision the erasure ledger's MAC key; never replaces one."""
        path = self.root / LEDGER_KEY
        if path.exists():
            raise KeyStoreError("the erasure-ledger key already exists; it is never replaced")
        self._private_folder()
        try:
            _write_atomically(path, secrets.token_bytes(KEY_BYTES), replace=False)
        except FileExistsError:
            raise KeyStoreError(
                "the erasure-ledger key already exists; it is never replaced"
            ) from None

    def _head_path(self, ledger_id: str) -> Path:
        if not TENANT_ID_RE.match(ledger_id):
            raise ValueError("a ledger id is lower-case letters and digits")
        return self.root / f"{ledger_id}{_HEAD_SUFFIX}"

    def ledger_head(self, ledger_id: str) -> bytes | None:
        """The head recorded for a ledger (its bytes, MAC'd by the ledger), or None."""
        path = self._head_path(ledger_id)
        return path.read_bytes() if path.is_file() else None

    def ledger_heads(self) -> list[bytes]:
        """Every ledger head in the store (several homes may share one store)."""
        if not self.root.is_dir():
            return []
        return [p.read_bytes() for p in sorted(self.root.glob(f"*{_HEAD_SUFFIX}"))]

    def write_ledger_head(self, ledger_id: str, data: bytes) -> None:
        """Replace a ledger's head atomically (0600, fsynced)."""
        self._private_folder()
        _write_atomically(self._head_path(ledger_id), data)

    def _check_private(self, path: Path) -> None:
        for where, mode in ((self.root, "700"), (path, "600")):
            if stat.S_IMODE(where.stat().st_mode) & 0o077:
                raise KeyStoreError(
                    f"{where} is open to other users: `chmod {mode} {where}` (keys must be "
                    "private to the pipeline's user)"
                )

    def _private_folder(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)


def _write_atomically(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Write beside (0600 from creation), fsync, move in, fsync the folder: all or nothing.

    ``replace=False`` links instead of renaming, which fails if ``path`` exists: of two processes
    creating the same key, one wins and the other gets ``FileExistsError``.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

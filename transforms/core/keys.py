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

The store also holds the encryption keys (``transforms.core.crypto``, docs/encryption.md): the
key-encryption key (``create_kek``, ``ccr keys create --kek``; ``rotate_kek``) and each tenant's
data keys, wrapped by it in ``<tenant>.dek`` (made with the tenant's pseudonym key, or by
``create_data_key``; new versions by ``add_data_key_version``, old ones dropped by
``drop_data_key_versions`` once re-encryption is done). ``destroy`` shreds them with the
pseudonym key.

A deployment swaps in a KMS- or vault-backed store with the same methods (``KeyStore``), so
secrets never sit on the workers' disks.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from transforms.core.tenants import TENANT_ID_RE

#: HMAC-SHA256 keys: 256 bits. Anything shorter is refused (an empty key makes pseudonyms of
#: phone numbers reversible by enumerating numbers).
KEY_BYTES = 32
#: The erasure ledger's MAC key and its ledgers' heads: suffixes no tenant key has.
LEDGER_KEY = "erasure-ledger.mac-key"
_HEAD_SUFFIX = ".ledger-head"
#: The key-encryption key (wraps every tenant's data keys) and, during a rotation, its successor.
KEK = "data-keys.kek"
_KEK_NEXT = "data-keys.kek.next"
#: A tenant's wrapped data keys (``transforms.core.crypto``).
_DEK_SUFFIX = ".dek"


class KeyStoreError(RuntimeError):
    """A tenant's key cannot be used; processing for that tenant stops until it is fixed."""


class KeyStore(Protocol):
    def secret(self, tenant_id: str) -> bytes: ...

    def create(self, tenant_id: str) -> None: ...

    def destroy(self, tenant_id: str) -> None: ...

    def data_keys(self, tenant_id: str) -> tuple[int, dict[int, bytes]]: ...

    def data_key_destroyed(self, tenant_id: str) -> bool: ...

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
        """Provision a tenant's key (and its data key when the store has a KEK); refuses to
        overwrite one or to revive a destroyed one."""
        path = self._path(tenant_id)
        if self._tombstone(tenant_id).exists():
            raise KeyStoreError(
                f"the key of tenant {tenant_id} was destroyed; it is never re-created"
            )
        if path.exists():
            raise KeyStoreError(f"tenant {tenant_id} already has a key; it is never replaced")
        self._private_folder()
        try:
            write_atomically(path, secrets.token_bytes(KEY_BYTES), replace=False)
        except FileExistsError:  # another process provisioned it first: keep theirs
            raise KeyStoreError(
                f"tenant {tenant_id} already has a key; it is never replaced"
            ) from None
        if (self.root / KEK).exists() and not self._path(tenant_id, _DEK_SUFFIX).exists():
            self.create_data_key(tenant_id)

    def destroy(self, tenant_id: str) -> None:
        """Crypto-shredding: the tombstone first (no process re-creates the keys), then the
        pseudonym key and the wrapped data keys: every copy of the tenant's encrypted data,
        backups included, is noise from then on."""
        self._private_folder()
        record = {"tenant_id": tenant_id, "destroyed_at": datetime.now(UTC).isoformat()}
        write_atomically(self._tombstone(tenant_id), json.dumps(record).encode())
        for path in (self._path(tenant_id), self._path(tenant_id, _DEK_SUFFIX)):
            _shred(path)
        _fsync_dir(self.root)

    def data_key_destroyed(self, tenant_id: str) -> bool:
        """The tenant's data keys are gone for good (tombstone, no wrapped keys left)."""
        wrapped = self._path(tenant_id, _DEK_SUFFIX)
        return self._tombstone(tenant_id).exists() and not wrapped.exists()

    # ------------------------------------------------------------------ envelope encryption

    def kek_status(self) -> str:
        """``ok``, ``missing`` or ``unusable: <why>`` for the key-encryption key."""
        if not (self.root / KEK).exists():
            return "missing"
        try:
            self._kek(KEK)
        except KeyStoreError as exc:
            return f"unusable: {exc}"
        return "ok"

    def create_kek(self) -> None:
        """Provision the key-encryption key; never replaces one (``rotate_kek`` does)."""
        path = self.root / KEK
        if path.exists():
            raise KeyStoreError("the key-encryption key already exists; rotate it instead")
        self._private_folder()
        try:
            write_atomically(path, secrets.token_bytes(KEY_BYTES), replace=False)
        except FileExistsError:
            raise KeyStoreError("the key-encryption key already exists") from None

    def _kek(self, name: str) -> bytes:
        return self._provisioned(
            name,
            "key-encryption key",
            "--kek` (encrypted data cannot be written or read without it)",
        )

    def _provisioned(self, name: str, what: str, create: str) -> bytes:
        """A key provisioned once by ``ccr keys create <create>``: ``KeyStoreError`` if it is
        missing, exposed to others or short (never created here)."""
        path = self.root / name
        if not path.is_file():
            raise KeyStoreError(
                f"no {what} in {self.root}: provision it once with `ccr keys create {create}"
            )
        self._check_private(path)
        key = path.read_bytes()
        if len(key) < KEY_BYTES:
            raise KeyStoreError(
                f"the {what} is {len(key)} bytes, under {KEY_BYTES}: restore it from the key backup"
            )
        return key

    def _keks(self) -> dict[str, bytes]:
        """Fingerprint → KEK: the current one and, mid-rotation, its successor."""
        found = {}
        for name in (KEK, _KEK_NEXT):
            if (self.root / name).is_file():
                key = self._kek(name)
                found[_fingerprint(key)] = key
        if not found:
            self._kek(KEK)  # raises, saying how to provision it
        return found

    def data_key_status(self, tenant_id: str) -> str:
        """``ok``, ``missing``, ``destroyed`` or ``unusable: <why>`` for a tenant's data keys."""
        if self._tombstone(tenant_id).exists():
            return "destroyed"
        if not self._path(tenant_id, _DEK_SUFFIX).exists():
            return "missing"
        try:
            self.data_keys(tenant_id)
        except KeyStoreError as exc:
            return f"unusable: {exc}"
        return "ok"

    def create_data_key(self, tenant_id: str) -> None:
        """Provision a tenant's data key, wrapped by the KEK; never replaces one, never revives a
        destroyed one."""
        path = self._path(tenant_id, _DEK_SUFFIX)
        if self._tombstone(tenant_id).exists():
            raise KeyStoreError(f"the keys of tenant {tenant_id} were destroyed; never re-created")
        if path.exists():
            raise KeyStoreError(f"tenant {tenant_id} already has a data key; rotate it instead")
        kek = self._kek(KEK)
        record = _wrap_all(tenant_id, {1: secrets.token_bytes(KEY_BYTES)}, 1, kek)
        self._private_folder()
        try:
            write_atomically(path, record, replace=False)
        except FileExistsError:
            raise KeyStoreError(f"tenant {tenant_id} already has a data key") from None

    def data_keys(self, tenant_id: str) -> tuple[int, dict[int, bytes]]:
        """(current version, version → data key) of a tenant; ``KeyStoreError`` if destroyed,
        missing, exposed or not unwrapped by the KEK."""
        path = self._path(tenant_id, _DEK_SUFFIX)
        if self._tombstone(tenant_id).exists():
            raise KeyStoreError(
                f"the data key of tenant {tenant_id} was destroyed (contract ended): its "
                "encrypted data, every copy included, can no longer be read"
            )
        if not path.is_file():
            raise KeyStoreError(
                f"tenant {tenant_id} has no data key in {self.root}: provision it with "
                f"`ccr keys create {tenant_id}` (after `ccr keys create --kek`)"
            )
        self._check_private(path)
        return _unwrap_all(tenant_id, path.read_bytes(), self._keks())

    def add_data_key_version(self, tenant_id: str) -> int:
        """A new current data key for the tenant (rotation, step 1); older versions stay until
        ``drop_data_key_versions`` once nothing uses them. Returns the new version."""
        _, keys = self.data_keys(tenant_id)
        new = max(keys) + 1
        keys[new] = secrets.token_bytes(KEY_BYTES)
        self._write_dek(tenant_id, keys, new)
        return new

    def drop_data_key_versions(self, tenant_id: str, keep: int) -> list[int]:
        """Forget every data key version but ``keep`` (rotation, last step); those dropped."""
        _, keys = self.data_keys(tenant_id)
        dropped = [v for v in keys if v != keep]
        if dropped:
            self._write_dek(tenant_id, {keep: keys[keep]}, keep)
        return dropped

    def _write_dek(self, tenant_id: str, keys: dict[int, bytes], current: int) -> None:
        kek = self._kek(_KEK_NEXT) if (self.root / _KEK_NEXT).is_file() else self._kek(KEK)
        write_atomically(
            self._path(tenant_id, _DEK_SUFFIX), _wrap_all(tenant_id, keys, current, kek)
        )

    def rotate_kek(self) -> int:
        """Replace the KEK: the successor is written beside it, every tenant's data keys are
        re-wrapped under it (each file atomically), then it replaces the old one, which is
        overwritten. A crash at any point leaves every data key unwrappable (by the old or the
        new KEK) and a rerun finishes the rotation. Returns the number of tenants re-wrapped."""
        self._kek(KEK)
        nxt = self.root / _KEK_NEXT
        if not nxt.exists():
            write_atomically(nxt, secrets.token_bytes(KEY_BYTES), replace=False)
        new = self._kek(_KEK_NEXT)
        done = 0
        for path in sorted(self.root.glob(f"*{_DEK_SUFFIX}")):
            tenant_id = path.name[: -len(_DEK_SUFFIX)]
            current, keys = _unwrap_all(tenant_id, path.read_bytes(), self._keks())
            write_atomically(path, _wrap_all(tenant_id, keys, current, new))
            done += 1
        old = self.root / KEK
        with old.open("r+b") as f:  # the old KEK's bytes do not stay in the file's blocks
            f.write(b"\0" * max(KEY_BYTES, old.stat().st_size))
            f.flush()
            os.fsync(f.fileno())
        os.replace(nxt, old)
        _fsync_dir(self.root)
        return done

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
        return self._provisioned(
            LEDGER_KEY,
            "erasure-ledger key",
            "--ledger` (erasures are not carried out without it: they could not be recorded)",
        )

    def create_ledger_key(self) -> None:
        """Provision the erasure ledger's MAC key; never replaces one."""
        path = self.root / LEDGER_KEY
        if path.exists():
            raise KeyStoreError("the erasure-ledger key already exists; it is never replaced")
        self._private_folder()
        try:
            write_atomically(path, secrets.token_bytes(KEY_BYTES), replace=False)
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
        write_atomically(self._head_path(ledger_id), data)

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


def write_atomically(path: Path, data: bytes, *, replace: bool = True) -> None:
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


def _fingerprint(kek: bytes) -> str:
    return hashlib.sha256(b"ccr-kek-fingerprint\0" + kek).hexdigest()[:16]


def _wrap_all(tenant_id: str, keys: dict[int, bytes], current: int, kek: bytes) -> bytes:
    wrapped = {}
    for version, key in sorted(keys.items()):
        nonce = secrets.token_bytes(12)
        aad = f"ccr-dek-1\0{tenant_id}\0{version}".encode()
        wrapped[str(version)] = (nonce + AESGCM(kek).encrypt(nonce, key, aad)).hex()
    record = {"tenant_id": tenant_id, "kek": _fingerprint(kek), "current": current}
    return json.dumps(record | {"wrapped": wrapped}).encode()


def _unwrap_all(
    tenant_id: str, data: bytes, keks: dict[str, bytes]
) -> tuple[int, dict[int, bytes]]:
    try:
        record = json.loads(data)
        kek = keks.get(record["kek"])
        if kek is None or record["tenant_id"] != tenant_id:
            raise KeyStoreError(
                f"the data keys of tenant {tenant_id} are wrapped by a key-encryption key this "
                "store does not hold: restore the KEK from the key backup"
            )
        keys = {}
        for version, hexed in record["wrapped"].items():
            raw = bytes.fromhex(hexed)
            aad = f"ccr-dek-1\0{tenant_id}\0{version}".encode()
            keys[int(version)] = AESGCM(kek).decrypt(raw[:12], raw[12:], aad)
        return int(record["current"]), keys
    except (ValueError, KeyError, TypeError, InvalidTag):
        raise KeyStoreError(
            f"the data keys of tenant {tenant_id} do not unwrap (edited or damaged): restore "
            "them from the key backup"
        ) from None


def _shred(path: Path) -> None:
    """Overwrite, fsync, unlink: on a plain file system the old blocks are not left holding the
    key (copy-on-write or SSD remapping can still keep them: use a KMS)."""
    if not path.exists():
        return
    with path.open("r+b") as f:
        f.write(b"\0" * max(KEY_BYTES, path.stat().st_size))
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

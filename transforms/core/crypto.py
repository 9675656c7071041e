"""Envelope encryption per tenant: AES-256-GCM data keys wrapped by a key-encryption key.

Hierarchy (docs/encryption.md): one key-encryption key (KEK) per key store, 32 random bytes
provisioned once (``ccr keys create --kek``, never minted by processing); one data key per
tenant (and per version, after a rotation), 32 random bytes wrapped by the KEK with AES-256-GCM
in ``<tenant>.dek`` beside the tenant's pseudonym key. Both live in the key store
(``transforms.core.keys``), 0600 in a 0700 folder; neither is ever written to the lakehouse,
a log, an error or a backup.

What a data key encrypts, each with associated data that binds the ciphertext to where it
belongs, so a value or a file moved elsewhere fails to decrypt instead of being read as
another's:

- a free-text value of a Delta column (``ENCRYPTED_COLUMNS``): stored as the string
  ``ccr1:<version>:<base64url(nonce | ciphertext | tag)>``, associated data
  ``tenant | table | column | row key``;
- a stored object (an original recording, a playback copy, quarantined bytes): the file
  ``CCRSEAL1 | version | nonce prefix`` then 1 MiB chunks, each AES-GCM with the nonce
  ``prefix | chunk number | last?`` (a truncated or reordered file fails), associated data
  ``tenant | object kind | file name`` (the name is the content's digest).

Decrypting needs the tenant's data key: destroying it (a tenant purge) turns every copy, backups
included, into noise (crypto-shredding).
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Iterable, Sequence
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: The free-text columns, by table path: what a person said or wrote (the contracts' content
#: columns with piiClass special_category or direct_identifier). ``words`` is a list of structs:
#: each word's ``word`` is encrypted, its timings stay clear.
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "bronze/rejected_rows": ("row_json",),
    "silver/transcripts": ("text", "agent_text", "customer_text"),
    "silver/transcript_segments": ("text", "words", "unprimed_words"),
    "silver/criterion_results": ("evidence_quote", "unprimed_quote"),
    "silver/call_categories": ("evidence_quote",),
    "silver/human_reviews": ("comment",),
}
VALUE_PREFIX = "ccr1:"
SEAL_MAGIC = b"CCRSEAL1"
CHUNK = 1 << 20
_NONCE = 12
_TAG = 16


class DecryptionError(ValueError):
    """A ciphertext that does not open: another tenant's or row's, edited, or its key destroyed."""


class DataKeys(Protocol):
    def data_keys(self, tenant_id: str) -> tuple[int, dict[int, bytes]]: ...


def value_aad(tenant_id: str, table: str, column: str, row_key: Sequence[object]) -> bytes:
    key = "\x1f".join("" if v is None else str(v) for v in row_key)
    return "\x00".join(("ccr-value-1", tenant_id, table, column, key)).encode()


def object_aad(tenant_id: str, kind: str, name: str) -> bytes:
    return "\x00".join(("ccr-object-1", tenant_id, kind, name)).encode()


def is_ciphertext(value: object) -> bool:
    return isinstance(value, str) and value.startswith(VALUE_PREFIX)


def is_sealed(head: bytes) -> bool:
    return head.startswith(SEAL_MAGIC)


class TenantCipher:
    """Encrypts and decrypts with the tenants' data keys from a key store (cached per tenant for
    the life of the object: one step or one command)."""

    def __init__(self, keys: DataKeys) -> None:
        self.keys = keys
        self._cache: dict[str, tuple[int, dict[int, bytes]]] = {}

    def _keys(self, tenant_id: str) -> tuple[int, dict[int, bytes]]:
        if tenant_id not in self._cache:
            self._cache[tenant_id] = self.keys.data_keys(tenant_id)
        return self._cache[tenant_id]

    def forget(self) -> None:
        self._cache.clear()

    # ------------------------------------------------------------------ values in Delta

    def encrypt_value(self, tenant_id: str, aad: bytes, plain: str) -> str:
        version, keys = self._keys(tenant_id)
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(keys[version]).encrypt(nonce, plain.encode("utf-8"), aad)
        token = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{VALUE_PREFIX}{version}:{token}"

    def decrypt_value(self, tenant_id: str, aad: bytes, stored: str) -> str:
        try:
            version_s, token = stored[len(VALUE_PREFIX) :].split(":", 1)
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            key = self._keys(tenant_id)[1].get(int(version_s))
        except (ValueError, TypeError) as exc:
            raise DecryptionError("a stored value is not a ciphertext of this product") from exc
        if key is None:
            raise DecryptionError(
                f"a value of tenant {tenant_id} is encrypted with data key version {version_s}, "
                "which the key store no longer holds"
            )
        try:
            return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], aad).decode("utf-8")
        except InvalidTag:
            raise DecryptionError(
                f"a value of tenant {tenant_id} does not decrypt where it is stored (moved from "
                "another row, table or tenant, or edited)"
            ) from None

    def version_of(self, stored: str) -> int | None:
        if not is_ciphertext(stored):
            return None
        try:
            return int(stored[len(VALUE_PREFIX) :].split(":", 1)[0])
        except ValueError:
            return None

    def current_version(self, tenant_id: str) -> int:
        return self._keys(tenant_id)[0]

    # ------------------------------------------------------------------ stored objects

    def seal(self, tenant_id: str, aad: bytes, chunks: Iterable[bytes]) -> Iterable[bytes]:
        """The sealed file, piece by piece, from the clear file's ``chunks`` (any sizes)."""
        version, keys = self._keys(tenant_id)
        gcm, prefix = AESGCM(keys[version]), os.urandom(7)
        yield SEAL_MAGIC + struct.pack(">I", version) + prefix
        buffer, number = b"", 0
        for piece in chunks:
            buffer += piece
            while len(buffer) > CHUNK:
                block, buffer = buffer[:CHUNK], buffer[CHUNK:]
                yield gcm.encrypt(prefix + struct.pack(">IB", number, 0), block, aad)
                number += 1
        yield gcm.encrypt(prefix + struct.pack(">IB", number, 1), buffer, aad)

    def seal_bytes(self, tenant_id: str, aad: bytes, data: bytes) -> bytes:
        return b"".join(self.seal(tenant_id, aad, [data]))

    def open_bytes(self, tenant_id: str, aad: bytes, data: bytes) -> bytes:
        """The clear bytes of a sealed file; a file without the seal is returned as it is (one
        stored before encryption, until ``ccr keys encrypt-existing`` seals it)."""
        if not is_sealed(data):
            return data
        header = len(SEAL_MAGIC) + 4 + 7
        (version,) = struct.unpack(">I", data[len(SEAL_MAGIC) : len(SEAL_MAGIC) + 4])
        prefix = data[len(SEAL_MAGIC) + 4 : header]
        key = self._keys(tenant_id)[1].get(version)
        if key is None:
            raise DecryptionError(
                f"a file of tenant {tenant_id} is sealed with data key version {version}, which "
                "the key store no longer holds"
            )
        gcm, out, pos, number = AESGCM(key), [], header, 0
        body = CHUNK + _TAG
        while True:
            block = data[pos : pos + body]
            last = pos + body >= len(data)
            try:
                out.append(gcm.decrypt(prefix + struct.pack(">IB", number, int(last)), block, aad))
            except InvalidTag:
                raise DecryptionError(
                    f"a file of tenant {tenant_id} does not decrypt (moved from another name or "
                    "tenant, truncated or edited)"
                ) from None
            if last:
                return b"".join(out)
            pos, number = pos + body, number + 1

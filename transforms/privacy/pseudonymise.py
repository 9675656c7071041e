"""Keyed pseudonyms (HMAC-SHA256) with a per-tenant secret.

The same caller number always maps to the same key within a tenant, so repeat callers can be
counted, and never across tenants, so two clients' data cannot be joined. The local key store is a
folder of 0600 files; a deployment swaps in a KMS-backed store with the same two methods.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path
from typing import Protocol

_TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class KeyStore(Protocol):
    def secret(self, tenant_id: str) -> bytes: ...

    def destroy(self, tenant_id: str) -> None: ...


class FileKeyStore:
    """One random 256-bit secret per tenant, created on first use, readable by the owner only."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, tenant_id: str) -> Path:
        if not _TENANT_RE.match(tenant_id):
            raise ValueError("tenant id must be lower-case letters, digits, '-' or '_'")
        return self.root / f"{tenant_id}.key"

    def secret(self, tenant_id: str) -> bytes:
        path = self._path(tenant_id)
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            self.root.chmod(0o700)
            # O_EXCL: two processes creating the same tenant's key cannot both win.
            try:
                with path.open("xb") as out:
                    path.chmod(0o600)
                    out.write(secrets.token_bytes(32))
            except FileExistsError:
                pass
        return path.read_bytes()

    def destroy(self, tenant_id: str) -> None:
        """Crypto-shredding: without the secret the pseudonyms cannot be recomputed."""
        self._path(tenant_id).unlink(missing_ok=True)


def normalise_phone(raw: str) -> str:
    """E.164-like digits so '+33 6 39 98 01 23' and '+33639980123' give one key."""
    digits = re.sub(r"[^\d+]", "", raw.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits


def pseudonym(store: KeyStore, tenant_id: str, value: str) -> str:
    return hmac.new(store.secret(tenant_id), value.encode(), hashlib.sha256).hexdigest()


def caller_key(store: KeyStore, tenant_id: str, phone: str | None) -> str | None:
    if not phone or not phone.strip():
        return None
    return pseudonym(store, tenant_id, normalise_phone(phone))

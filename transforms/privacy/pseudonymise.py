"""Keyed pseudonyms (HMAC-SHA256) with a per-tenant secret.

The same caller number always maps to the same key within a tenant, so repeat callers can be
counted, and never across tenants, so two clients' data cannot be joined. The secrets come from a
``transforms.core.keys.KeyStore``, which fails closed.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from transforms.core.keys import KeyStore


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

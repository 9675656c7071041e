"""The manifest of a landing batch: parsed, and each row checked and typed.

``manifest.csv`` (or ``manifest.json``, a list of objects or ``{"calls": [...]}``) has one row per
call; its columns are documented in ``docs/landing.md``. Errors name the field, never its value
(which may be personal data).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from transforms.core.tenants import Tenant

REQUIRED_COLUMNS = ("call_id", "file_name", "agent_id", "started_at")
#: The documented column order of ``manifest.csv``.
MANIFEST_COLUMNS = (
    "call_id",
    "file_name",
    "tenant_id",
    "agent_id",
    "team",
    "campaign",
    "caller_phone",
    "started_at",
    "language",
    "channel_layout",
)
CHANNEL_LAYOUTS = ("agent-left", "agent-right", "mono")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_PHONE_RE = re.compile(r"^\+?\d{6,15}$")


class RowError(ValueError):
    """A manifest or manifest row that cannot be accepted; ``code`` is the quarantine reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_manifest(name: str, data: bytes) -> list[dict[str, str]]:
    """Manifest rows as dicts of stripped strings; raises ``RowError`` for an unusable manifest."""
    try:
        text = data.decode("utf-8-sig")
        if name.endswith(".json"):
            parsed = json.loads(text)
            rows = parsed.get("calls") if isinstance(parsed, dict) else parsed
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise RowError("manifest_unreadable", "manifest.json must be a list of objects")
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise RowError("manifest_unreadable", f"manifest cannot be parsed ({exc})") from exc
    columns = set().union(*(r.keys() for r in rows)) if rows else set()
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise RowError("manifest_missing_column", f"manifest lacks column(s) {missing}")
    return [{k: ("" if v is None else str(v)).strip() for k, v in r.items() if k} for r in rows]


def validate_row(row: dict[str, str], tenant: Tenant) -> dict[str, Any]:
    """Typed manifest fields; errors name the field, never echo its (possibly personal) value."""
    for col in REQUIRED_COLUMNS:
        if not row.get(col):
            raise RowError("invalid_manifest_row", f"{col} is empty")
    if not _ID_RE.match(row["call_id"]) or not _ID_RE.match(row["agent_id"]):
        raise RowError("invalid_manifest_row", "call_id/agent_id must be [A-Za-z0-9._-]")
    if row.get("tenant_id") and row["tenant_id"] != tenant.tenant_id:
        raise RowError("tenant_mismatch", "tenant_id differs from the landing folder's tenant")
    try:
        started = datetime.fromisoformat(row["started_at"].replace("Z", "+00:00"))
    except ValueError as exc:
        raise RowError("invalid_manifest_row", "started_at is not ISO 8601") from exc
    if started.tzinfo is None:
        raise RowError("invalid_manifest_row", "started_at needs a UTC offset (e.g. +01:00)")
    language = row.get("language") or None
    if language and language not in tenant.languages:
        raise RowError(
            "invalid_manifest_row", f"language must be one of the tenant's {list(tenant.languages)}"
        )
    layout = row.get("channel_layout") or None
    if layout and layout not in CHANNEL_LAYOUTS:
        raise RowError("invalid_manifest_row", f"channel_layout must be one of {CHANNEL_LAYOUTS}")
    phone = row.get("caller_phone") or None
    if phone and not _PHONE_RE.match(re.sub(r"[\s.()-]", "", phone)):
        raise RowError("invalid_manifest_row", "caller_phone is not a phone number")
    return {
        "call_id": row["call_id"],
        "agent_id": row["agent_id"],
        "team": row.get("team") or None,
        "campaign": row.get("campaign") or None,
        "caller_phone": phone,
        "started_at": started.astimezone(UTC),
        "language": language,
        "channel_layout": layout,
    }

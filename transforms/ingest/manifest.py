"""The manifest of a landing batch: parsed, and each row checked and typed.

``manifest.csv`` (or ``manifest.json``, a list of objects or ``{"calls": [...]}``) has one row per
call; its columns are documented in ``docs/landing.md``. Errors name the field, never its value
(which may be personal data), and never the text of an exception (which may quote one).

Values go on to KPI marts a client opens in a spreadsheet: ids, ``team`` and ``campaign`` follow
a pattern, and a value starting with ``=``, ``+``, ``-`` or ``@`` (a spreadsheet formula) is
refused as ``unsafe_value``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from transforms.core.tenants import TENANT_ID_RE, Tenant
from transforms.privacy.masking import mask_personal, mask_phone_numbers
from transforms.privacy.pseudonymise import PhoneNumberError, e164

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
    "size",
    "sha256",
)
CHANNEL_LAYOUTS = ("agent-left", "agent-right", "mono")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
#: ``team`` and ``campaign``: letters of any script, digits, space and ``. _ - ' & / ( )``,
#: starting with a letter or digit, at most 64 characters.
_LABEL_RE = re.compile(r"^[^\W_][\w .'&/()-]{0,63}$")
_PHONE_RE = re.compile(r"^\+?\d{6,15}$")
_SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
#: A spreadsheet reads a cell starting with one of these as a formula (``=HYPERLINK(…)``).
FORMULA_STARTS = ("=", "+", "-", "@")
#: Columns checked for formula starts: those that reach the KPI marts as text.
_SAFE_COLUMNS = ("call_id", "agent_id", "team", "campaign")
#: Calls from before this year or from this year on are a typo or a broken recorder clock
#: (year 1 would not even convert to UTC).
MIN_YEAR, MAX_YEAR = 2000, 2100
#: A manifest larger than this is not read (a real one is a few hundred bytes per call).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
#: A manifest value kept in quarantine is cut to this many characters.
KEPT_VALUE_CHARS = 256
#: What a quarantined manifest row holds instead of a value that breaks its column's rule (free
#: text, or a value an unquoted comma shifted in from another column: a phone number in
#: ``started_at``). The reason names the field.
WITHHELD = "<withheld>"
_LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")


class RowError(ValueError):
    """A manifest or manifest row that cannot be accepted; ``code`` is the quarantine reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NotAValue(str):
    """A JSON manifest value that is an object or a list: the row is refused, naming the field."""


def _value(v: Any) -> str:
    if isinstance(v, dict | list):
        return NotAValue("")
    return "" if v is None else str(v).strip()


def _rows(name: str, data: bytes) -> list[dict[Any, Any]]:
    text = data.decode("utf-8-sig")
    if name.endswith(".json"):
        parsed = json.loads(text)
        rows = parsed.get("calls") if isinstance(parsed, dict) else parsed
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise RowError("manifest_unreadable", "manifest.json must be a list of objects")
        return rows
    return list(csv.DictReader(io.StringIO(text)))


def parse_manifest(name: str, data: bytes) -> list[dict[str, str]]:
    """Manifest rows as dicts of stripped strings; raises ``RowError`` for an unusable manifest.

    Anything that goes wrong reading it (not UTF-8, bad JSON or CSV, nested past Python's
    recursion limit, a field past the CSV field limit) makes it unreadable, named by the
    exception's class only.
    """
    try:
        rows = _rows(name, data)
    except RowError:
        raise
    except Exception as exc:  # whatever the bytes are, the batch is set aside, never the run
        raise RowError(
            "manifest_unreadable", f"manifest cannot be parsed ({type(exc).__name__})"
        ) from None
    columns = set().union(*(r.keys() for r in rows)) if rows else set()
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise RowError("manifest_missing_column", f"manifest lacks column(s) {missing}")
    return [{k: _value(v) for k, v in r.items() if isinstance(k, str) and k} for r in rows]


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


#: The rule a value of each documented column must pass to be kept in quarantine (a value that
#: passes holds no free text); ``file_name`` is kept as displayed and ``caller_phone`` only as
#: its pseudonym, by the ingest step (``batch.py``).
_KEPT_IF: dict[str, Any] = {
    "call_id": lambda v: bool(_ID_RE.match(v)),
    "agent_id": lambda v: bool(_ID_RE.match(v)),
    "tenant_id": lambda v: bool(TENANT_ID_RE.match(v)),
    "team": lambda v: bool(_LABEL_RE.match(v)),
    "campaign": lambda v: bool(_LABEL_RE.match(v)),
    "started_at": _is_datetime,
    "language": lambda v: bool(_LANGUAGE_RE.match(v)),
    "channel_layout": lambda v: v in CHANNEL_LAYOUTS,
    "size": lambda v: v.isascii() and v.isdigit() and len(v) <= 15,
    "sha256": lambda v: bool(_SHA256_RE.match(v)),
}


#: Labels in words: a name may pass their rule ("Jane Auditname"), so capitalised names are
#: masked in them too (ids are pseudonymous by contract; their numbers are masked).
_WORDED = ("team", "campaign")


def kept_value(column: str, value: Any) -> str:
    """A manifest value as quarantine may keep it: empty, or passing its column's rule with any
    phone number in it masked (and names, in labels), else ``WITHHELD``."""
    text = "" if value is None or isinstance(value, NotAValue) else str(value)
    if not text:
        return ""
    rule = _KEPT_IF.get(column)
    if rule is None or not rule(text):
        return WITHHELD
    mask = mask_personal if column in _WORDED else mask_phone_numbers
    return mask(text)[:KEPT_VALUE_CHARS]


def kept_fields(row: dict[str, str]) -> dict[str, str]:
    """What of a manifest row may be kept (in quarantine): the documented columns only (an
    extra ``caller_name`` column is dropped), each value that breaks its column's rule withheld
    (``kept_value``); ``file_name`` and ``caller_phone`` as they are, for the ingest step to
    display and pseudonymise."""
    kept = {}
    for k in MANIFEST_COLUMNS:
        if k not in row:
            continue
        if k in ("file_name", "caller_phone"):
            value = row[k]
            kept[k] = "" if isinstance(value, NotAValue) else str(value)[:KEPT_VALUE_CHARS]
        else:
            kept[k] = kept_value(k, row[k])
    return kept


def quarantine_rows(name: str, data: bytes) -> list[dict[str, Any]] | None:
    """The rows of a manifest that is being set aside, read as far as they can be (a missing
    required column does not matter here); None when it cannot be parsed at all."""
    try:
        rows = _rows(name, data)
    except Exception:  # not UTF-8, broken CSV or JSON, too deep: nothing can be read from it
        return None
    return [{k: _value(v) for k, v in r.items() if isinstance(k, str) and k} for r in rows]


def _check_safe(row: dict[str, str]) -> None:
    for col in _SAFE_COLUMNS:
        if row.get(col, "").startswith(FORMULA_STARTS):
            raise RowError(
                "unsafe_value", f"{col} starts with {'/'.join(FORMULA_STARTS)} (a formula)"
            )
    if not _ID_RE.match(row["call_id"]) or not _ID_RE.match(row["agent_id"]):
        raise RowError("invalid_manifest_row", "call_id/agent_id must be [A-Za-z0-9._-]")
    for col in ("team", "campaign"):
        if row.get(col) and not _LABEL_RE.match(row[col]):
            raise RowError(
                "invalid_manifest_row",
                f"{col} must be 1-64 letters, digits, spaces or . _ - ' & / ( )",
            )


def _started_at(value: str) -> datetime:
    try:
        started = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RowError("invalid_manifest_row", "started_at is not ISO 8601") from exc
    if started.tzinfo is None:
        raise RowError("invalid_manifest_row", "started_at needs a UTC offset (e.g. +01:00)")
    try:
        started = started.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset falls before year 1 in UTC
        started = datetime.min.replace(tzinfo=UTC)
    if not MIN_YEAR <= started.year < MAX_YEAR:
        raise RowError(
            "invalid_manifest_row", f"started_at must be in the years {MIN_YEAR}-{MAX_YEAR - 1}"
        )
    return started


def _file_checks(row: dict[str, str]) -> tuple[int | None, str | None]:
    """The optional ``size`` (bytes) and ``sha256`` columns, checked for form."""
    size = row.get("size") or None
    if size is not None and not (size.isascii() and size.isdigit() and len(size) <= 15):
        raise RowError("invalid_manifest_row", "size must be a whole number of bytes")
    sha = row.get("sha256") or None
    if sha is not None and not _SHA256_RE.match(sha):
        raise RowError("invalid_manifest_row", "sha256 must be 64 hexadecimal digits")
    return (None if size is None else int(size)), (None if sha is None else sha.lower())


def validate_row(row: dict[str, str], tenant: Tenant) -> dict[str, Any]:
    """Typed manifest fields; errors name the field, never echo its (possibly personal) value."""
    nested = [k for k in MANIFEST_COLUMNS if isinstance(row.get(k), NotAValue)]
    if nested:
        raise RowError("invalid_manifest_row", f"{nested[0]} is not a single value")
    for col in REQUIRED_COLUMNS:
        if not row.get(col):
            raise RowError("invalid_manifest_row", f"{col} is empty")
    _check_safe(row)
    if row.get("tenant_id") and row["tenant_id"] != tenant.tenant_id:
        raise RowError("tenant_mismatch", "tenant_id differs from the landing folder's tenant")
    started = _started_at(row["started_at"])
    size, sha256 = _file_checks(row)
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
    if phone:
        try:
            phone = e164(phone, tenant.phone_region)
        except PhoneNumberError as err:
            raise RowError(
                "invalid_caller_phone",
                f"caller_phone: {err}; write it with its country code (+44 …) or set the "
                "tenant's phone_region",
            ) from None
    return {
        "call_id": row["call_id"],
        "agent_id": row["agent_id"],
        "team": row.get("team") or None,
        "campaign": row.get("campaign") or None,
        "caller_phone": phone,  # E.164
        "started_at": started,
        "language": language,
        "channel_layout": layout,
        "size": size,
        "sha256": sha256,
    }

"""A tenant's lifecycle as the operator records it in the tenant registry: grace period after the
contract, retention overrides, legal holds and restitution requests.

The retention job reads these to decide what goes and what is kept
(``transforms/compliance/retention.py``); the rules are in ``docs/retention.md``. Validation
errors name the file and the field path (``tenants.acme.legal_holds[0].until``), never a value:
a hold's reason or a call id is the client's business, not a log line's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from transforms.core.contracts import Period

#: DPA: a tenant's data is deleted at most 30 days after the contract ends.
MAX_GRACE_DAYS = 30
#: Categories a tenant may shorten (freely) or lengthen (with a written justification); the
#: processing log and the anonymised statistics are the processor's, not the tenant's.
OVERRIDABLE = ("content", "evaluation", "quarantine")
HOLD_SCOPES = ("tenant", "calls", "dates")
RESTITUTION_STATUSES = ("pending", "delivered", "withdrawn")


class LifecycleError(ValueError):
    """A lifecycle field the retention job cannot act on; the message names file and field."""


@dataclass(frozen=True)
class LegalHold:
    """Data kept whatever its retention says, while active: a whole tenant, some calls (by the
    tenant's call id) or the calls started in a date range."""

    scope: str
    reason: str
    until: date | None = None
    call_ids: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def active(self, on: date) -> bool:
        """A hold without ``until`` lasts until the operator removes it."""
        return self.until is None or on <= self.until

    def covers(self, call_id: str, started_on: date) -> bool:
        if self.scope == "tenant":
            return True
        if self.scope == "calls":
            return call_id in self.call_ids
        assert self.date_from is not None and self.date_to is not None
        return self.date_from <= started_on <= self.date_to


@dataclass(frozen=True)
class RestitutionRequest:
    """The client asked for its data back: no deletion at contract end while it is pending."""

    requested_at: date
    status: str

    def blocks_purge(self, on: date) -> bool:
        return self.status == "pending" and self.requested_at <= on


@dataclass(frozen=True)
class RetentionOverride:
    category: str
    period: Period
    justification: str = ""


@dataclass(frozen=True)
class Lifecycle:
    grace_days: int = MAX_GRACE_DAYS
    retention_overrides: Mapping[str, RetentionOverride] = field(default_factory=dict)
    legal_holds: tuple[LegalHold, ...] = ()
    restitution_requests: tuple[RestitutionRequest, ...] = ()

    def active_holds(self, on: date) -> tuple[LegalHold, ...]:
        return tuple(h for h in self.legal_holds if h.active(on))

    def pending_restitution(self, on: date) -> RestitutionRequest | None:
        return next((r for r in self.restitution_requests if r.blocks_purge(on)), None)


def parse_lifecycle(
    entry: Mapping[str, Any], where: str, defaults: Mapping[str, Period]
) -> Lifecycle:
    """The lifecycle fields of one registry entry; ``where`` is ``<file>: tenants.<id>`` and
    ``defaults`` the contracts' period per category (an override longer than it needs a
    justification)."""
    return Lifecycle(
        grace_days=_grace_days(entry.get("grace_days", MAX_GRACE_DAYS), f"{where}.grace_days"),
        retention_overrides=_overrides(entry.get("retention_overrides"), where, defaults),
        legal_holds=tuple(
            _hold(h, f"{where}.legal_holds[{i}]")
            for i, h in enumerate(_list(entry.get("legal_holds"), f"{where}.legal_holds"))
        ),
        restitution_requests=tuple(
            _restitution(r, f"{where}.restitution_requests[{i}]")
            for i, r in enumerate(
                _list(entry.get("restitution_requests"), f"{where}.restitution_requests")
            )
        ),
    )


def optional_date(value: Any, where: str) -> date | None:
    """A YAML date (``2026-01-31``) or null."""
    if value is None:
        return None
    if isinstance(value, date):
        return value
    raise LifecycleError(f"{where}: must be a date (YYYY-MM-DD) or null")


def _required_date(value: Any, where: str) -> date:
    found = optional_date(value, where)
    if found is None:
        raise LifecycleError(f"{where}: a date (YYYY-MM-DD) is required")
    return found


def _grace_days(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_GRACE_DAYS:
        raise LifecycleError(f"{where}: must be a whole number of days from 0 to {MAX_GRACE_DAYS}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LifecycleError(f"{where}: must be a list")
    return value


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LifecycleError(f"{where}.{key}: a non-empty text is required")
    return value.strip()


def _overrides(
    raw: Any, where: str, defaults: Mapping[str, Period]
) -> dict[str, RetentionOverride]:
    """Shorter periods freely; a longer one only with a written justification."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise LifecycleError(
            f"{where}.retention_overrides: must be a mapping of category to period"
        )
    out = {}
    for category, spec in raw.items():
        at = f"{where}.retention_overrides.{category}"
        if category not in OVERRIDABLE:
            raise LifecycleError(f"{at}: only {OVERRIDABLE} can be overridden")
        if not isinstance(spec, dict):
            raise LifecycleError(f"{at}: must be a mapping with period (and justification)")
        try:
            period = Period.parse(spec.get("period"))
        except ValueError as exc:
            raise LifecycleError(f"{at}.period: {exc}") from None
        justification = str(spec.get("justification") or "").strip()
        if period.approx_days > defaults[category].approx_days and not justification:
            raise LifecycleError(
                f"{at}.justification: a period longer than the default "
                f"{defaults[category]} needs a written justification"
            )
        out[category] = RetentionOverride(category, period, justification)
    return out


def _choice(raw: Any, key: str, allowed: tuple[str, ...], where: str, fields: str) -> str:
    """``raw[key]``, one of ``allowed``; ``raw`` must be a mapping (of ``fields``)."""
    if not isinstance(raw, dict):
        raise LifecycleError(f"{where}: must be a mapping with {fields}")
    value = raw.get(key)
    if value not in allowed:
        raise LifecycleError(f"{where}.{key}: must be one of {allowed}")
    return value


def _hold(raw: Any, where: str) -> LegalHold:
    scope = _choice(raw, "scope", HOLD_SCOPES, where, "scope, reason and until")
    if "until" not in raw:
        raise LifecycleError(f"{where}.until: required (a date, or null until lifted)")
    hold = LegalHold(
        scope=scope,
        reason=_text(raw, "reason", where),
        until=optional_date(raw["until"], f"{where}.until"),
    )
    if scope == "calls":
        ids = raw.get("calls")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
            raise LifecycleError(f"{where}.calls: a non-empty list of call ids is required")
        return LegalHold(scope, hold.reason, hold.until, call_ids=tuple(ids))
    if scope == "dates":
        start = _required_date(raw.get("from"), f"{where}.from")
        end = _required_date(raw.get("to"), f"{where}.to")
        if end < start:
            raise LifecycleError(f"{where}.to: must not be before from")
        return LegalHold(scope, hold.reason, hold.until, date_from=start, date_to=end)
    return hold


def _restitution(raw: Any, where: str) -> RestitutionRequest:
    status = _choice(raw, "status", RESTITUTION_STATUSES, where, "requested_at and status")
    return RestitutionRequest(
        _required_date(raw.get("requested_at"), f"{where}.requested_at"), status
    )

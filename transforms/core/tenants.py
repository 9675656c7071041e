"""The tenant registry: which client companies exist, their languages, contract and scorecard,
and the lifecycle the operator records (grace period, retention overrides, legal holds,
restitution requests: ``transforms/core/lifecycle.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import phonenumbers

from transforms.core.contracts import category_periods
from transforms.core.lifecycle import Lifecycle, optional_date, parse_lifecycle
from transforms.core.yaml_files import read_yaml

#: A tenant id: the registry key, the landing folder name, the key-store file name and the Delta
#: partition value. ASCII only, so a look-alike letter can never pass for another tenant.
TENANT_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    display_name: str
    languages: tuple[str, ...]
    scorecard: str
    contract_start: date | None = None
    contract_end: date | None = None
    #: Phrases only this tenant's agents open with; they tell the agent's voice in mono calls.
    greeting_phrases: tuple[str, ...] = ()
    #: Who is the agent when no voice greets with the company name: first_speaker | second_speaker.
    agent_rule: str = "first_speaker"
    #: Unix group of the tenant's BI account: its published KPI files are readable by that group
    #: (transforms/kpis/access.py); unset, only the publishing account reads them.
    bi_group: str | None = None
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    #: Regular expressions of the tenant's customer, account, contract or meter identifiers, on
    #: their compact form (letters and digits, no spaces), e.g. ``GX[0-9]{6}``: a value read out
    #: in that shape is redacted as ``<ID>`` wherever it is said (docs/privacy.md).
    pii_id_patterns: tuple[str, ...] = ()
    #: ISO 3166 region in which the tenant's callers' numbers are written when they have no
    #: country code (``GB``: "07700 900123" is +447700900123). Unset: only numbers with a
    #: country code are accepted (docs/configuration.md).
    phone_region: str | None = None

    def contract_ended(self, on: date) -> bool:
        """After ``contract_end`` no batch is processed (it is quarantined as contract_ended)."""
        return self.contract_end is not None and on > self.contract_end

    @property
    def purge_due_after(self) -> date | None:
        """The last day the tenant's data may be kept: contract end plus the grace period."""
        if self.contract_end is None:
            return None
        return self.contract_end + timedelta(days=self.lifecycle.grace_days)


def load_tenants(path: str | Path) -> dict[str, Tenant]:
    """Read the registry; a malformed entry is an error naming the file, the tenant and the field
    (``LifecycleError``, a ``ValueError``), never the value."""
    raw = read_yaml(path) or {}
    tenants: dict[str, Tenant] = {}
    periods = category_periods()
    for tenant_id, entry in (raw.get("tenants") or {}).items():
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: tenant {tenant_id!r} must be a mapping")
        for required in ("display_name", "languages", "scorecard"):
            if required not in entry:
                raise ValueError(f"{path}: tenant {tenant_id!r} lacks {required!r}")
        where = f"{path}: tenants.{tenant_id}"
        tenants[tenant_id] = Tenant(
            tenant_id=tenant_id,
            display_name=str(entry["display_name"]),
            languages=tuple(entry["languages"]),
            scorecard=str(entry["scorecard"]),
            contract_start=optional_date(entry.get("contract_start"), f"{where}.contract_start"),
            contract_end=optional_date(entry.get("contract_end"), f"{where}.contract_end"),
            greeting_phrases=tuple(entry.get("greeting_phrases") or ()),
            agent_rule=str(entry.get("agent_rule") or "first_speaker"),
            lifecycle=parse_lifecycle(entry, where, periods),
            bi_group=str(entry["bi_group"]) if entry.get("bi_group") else None,
            pii_id_patterns=_id_patterns(entry.get("pii_id_patterns"), f"{where}.pii_id_patterns"),
            phone_region=_phone_region(entry.get("phone_region"), f"{where}.phone_region"),
        )
        if tenants[tenant_id].agent_rule not in ("first_speaker", "second_speaker"):
            raise ValueError(
                f"{path}: tenant {tenant_id!r} agent_rule must be first_speaker or second_speaker"
            )
    return tenants


def _phone_region(raw: object, where: str) -> str | None:
    """A region phonenumbers knows (ISO 3166 alpha-2, upper case: ``GB``, ``FR``), or None."""
    if raw is None:
        return None
    if not isinstance(raw, str) or raw not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"{where} must be a two-letter region code in capitals that phonenumbers knows "
            "(e.g. GB, FR, US): the region whose national numbers the tenant's manifests hold"
        )
    return raw


#: Identifier patterns shorter than this (compact characters a match needs) would redact
#: ordinary numbers ("12"), so the registry refuses them.
MIN_ID_LENGTH = 5
#: Strings an identifier pattern must not match: words and amounts said in every call.
_ORDINARY = ("", "12", "2024", "1234", "bonjour", "hello", "euros", "99")


def _id_patterns(raw: object, where: str) -> tuple[str, ...]:
    """Validated ``pii_id_patterns``: a list of regular expressions on the compact identifier
    (letters and digits only) that match nothing shorter than ``MIN_ID_LENGTH``. Errors name the
    file, the tenant, the field and the item's position, never a value."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise ValueError(f"{where} must be a list of regular expressions (strings)")
    out = []
    for n, pattern in enumerate(raw):
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(
                f"{where}[{n}] is not a valid regular expression ({exc.msg}): fix the pattern"
            ) from None
        if (
            any(compiled.fullmatch(s) for s in _ORDINARY)
            or compiled.fullmatch("A" * 4)
            or (compiled.fullmatch("1" * (MIN_ID_LENGTH - 1)))
        ):
            raise ValueError(
                f"{where}[{n}] matches short or ordinary strings: an identifier pattern must "
                f"need at least {MIN_ID_LENGTH} letters or digits (e.g. GX[0-9]{{6}})"
            )
        out.append(pattern)
    return tuple(out)

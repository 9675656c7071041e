"""The tenant registry: which client companies exist, their languages, contract and scorecard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml


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


def load_tenants(path: str | Path) -> dict[str, Tenant]:
    """Read the registry; a malformed entry is an error naming the tenant and the field."""
    raw = yaml.safe_load(Path(path).read_text()) or {}
    tenants: dict[str, Tenant] = {}
    for tenant_id, entry in (raw.get("tenants") or {}).items():
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: tenant {tenant_id!r} must be a mapping")
        for required in ("display_name", "languages", "scorecard"):
            if required not in entry:
                raise ValueError(f"{path}: tenant {tenant_id!r} lacks {required!r}")
        tenants[tenant_id] = Tenant(
            tenant_id=tenant_id,
            display_name=str(entry["display_name"]),
            languages=tuple(entry["languages"]),
            scorecard=str(entry["scorecard"]),
            contract_start=entry.get("contract_start"),
            contract_end=entry.get("contract_end"),
            greeting_phrases=tuple(entry.get("greeting_phrases") or ()),
            agent_rule=str(entry.get("agent_rule") or "first_speaker"),
            bi_group=str(entry["bi_group"]) if entry.get("bi_group") else None,
        )
        if tenants[tenant_id].agent_rule not in ("first_speaker", "second_speaker"):
            raise ValueError(
                f"{path}: tenant {tenant_id!r} agent_rule must be first_speaker or second_speaker"
            )
    return tenants

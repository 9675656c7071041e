"""What an erasure acts on: the actions of a plan, and the tables and files that belong to a call.

Retention (``retention.py``) and data-subject requests (``subjects.py``) build ``Action``s; the
erasure (``erasure.py``), the residual scan's needles (``needles.py``) and restitution
(``export.py``) carry them out or read them. They all import this module; besides it, erasure
reads only export's register of export folders and the proof's modules (``needles``, ``scan``,
``objects``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import polars as pl

from transforms.core import storage
from transforms.core.contracts import Contract, Period, load_contracts
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import ALL_TABLES, TableSpec
from transforms.privacy.redaction import playback_uri

#: Tables whose rows belong to a call (deleted with it, by call_uid), bronze.calls first.
CALL_TABLES: tuple[TableSpec, ...] = tuple(s for s in ALL_TABLES if "call_uid" in s.schema.names)
#: The tenant column value of rules about the processor's own tables.
ALL_TENANTS = "*"


def name_of(spec: TableSpec) -> str:
    return f"{spec.layer}.{spec.name}"


def contract_of(spec: TableSpec) -> Contract:
    return load_contracts()[name_of(spec)]


def midnight(day: date) -> datetime:
    """The instant a plan is for: the start of its day, UTC."""
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Action:
    """One thing a plan does (or keeps) for one tenant and one table or file store.

    ``keys`` (surrogate keys of ``key_column``) and ``files`` are what apply deletes; they are
    never written to the plan table, only their count and digest.
    """

    tenant_id: str
    table: str
    rule: str
    action: str
    reason: str
    category: str | None = None
    period: Period | None = None
    cutoff: datetime | None = None
    columns: tuple[str, ...] = ()
    key_column: str | None = None
    keys: frozenset[str] = frozenset()
    files: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    calls: frozenset[str] = frozenset()
    rows: int = 0

    def selection_digest(self, secret: bytes | None) -> str | None:
        """What apply checks it is about to delete is what was planned. Keyed with the tenant's
        secret when there is one: a plain hash of one call's key would let whoever guesses the
        call confirm it was deleted; once the tenant's key is destroyed nobody can."""
        if self.action == "keep":
            return None
        digest = hmac.new(secret, digestmod="sha256") if secret else hashlib.sha256()
        for item in (*sorted(self.keys), *sorted(self.files), *sorted(self.folders)):
            digest.update(item.encode() + b"\n")
        return digest.hexdigest()

    @property
    def file_count(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class Plan:
    as_of: date
    actions: tuple[Action, ...]
    #: tenant -> its pseudonym secret, to key the selection digests (in memory only)
    secrets: Mapping[str, bytes] = field(default_factory=dict, repr=False)

    def work(self) -> tuple[Action, ...]:
        """The actions that delete something."""
        return tuple(a for a in self.actions if a.action != "keep")

    def purged_tenants(self) -> list[str]:
        return [a.tenant_id for a in self.actions if a.action == "purge_tenant"]

    def matches(self, stored: list[dict[str, Any]]) -> bool:
        """Whether ``stored`` plan rows select exactly what this plan selects (apply re-plans,
        since the keys are never stored, and checks it deletes what was planned)."""

        def selection(rows: list[dict[str, Any]]) -> set[tuple]:
            return {
                (r["tenant_id"], r["table_name"], r["rule"], r["action"], r["selection_digest"])
                for r in rows
                if r["action"] != "keep"
            }

        return selection(self.rows(None, midnight(self.as_of))) == selection(stored)

    def rows(self, run_id: str | None, planned_at: datetime) -> list[dict[str, Any]]:
        """The ``compliance/retention_plan`` rows: counts and digests, no key."""
        out = []
        for a in self.actions:
            plan_key = f"{self.as_of}|{a.tenant_id}|{a.table}|{a.rule}|{a.action}"
            out.append(
                {
                    "plan_id": hashlib.sha256(plan_key.encode()).hexdigest()[:32],
                    "as_of": midnight(self.as_of),
                    "tenant_id": a.tenant_id,
                    "table_name": a.table,
                    "rule": a.rule,
                    "action": a.action,
                    "category": a.category,
                    "period": str(a.period) if a.period else None,
                    "cutoff": a.cutoff,
                    "columns": ",".join(a.columns) or None,
                    "calls": len(a.calls),
                    "rows": a.rows,
                    "files": a.file_count,
                    "selection_digest": a.selection_digest(self.secrets.get(a.tenant_id)),
                    "reason": a.reason,
                    "run_id": run_id,
                    "planned_at": planned_at,
                }
            )
        return out


def content_columns(spec: TableSpec) -> list[str]:
    """Columns of ``spec`` whose retention is shorter than their row's (content in an
    evaluation row): nulled, or their object deleted, on the content period."""
    contract = contract_of(spec)
    return [
        c.name
        for c in contract.columns
        if c.retention_category and c.retention_category != contract.retention_category
    ]


def object_columns(spec: TableSpec) -> list[str]:
    return [c.name for c in contract_of(spec).columns if c.object_uri]


def call_files(lh: Lakehouse, calls: pl.DataFrame, playback: pl.DataFrame) -> list[str]:
    """Every file a call may have left: the recording, its playback copy, and the ``.partial``
    of either (an interrupted write), wherever they exist now. Stored locations are located
    under the lakehouse root first (``Lakehouse.locate_all``): one outside it stops the caller
    with ``OutsideRoots``, before anything is deleted."""
    uris: set[str] = set()
    for audio in lh.locate_all(calls["audio_uri"].to_list()):
        copy = playback_uri(audio)
        uris |= {audio, f"{audio}.partial", copy, f"{copy}.partial"}
    uris |= set(lh.locate_all(playback["playback_uri"].to_list()))
    return storage.existing(sorted(uris))


def quarantine_files(lh: Lakehouse, rows: pl.DataFrame, keep: pl.DataFrame) -> list[str]:
    """The quarantined bytes of ``rows`` that exist, except a recording a kept call still uses
    (a call whose transcription failed is quarantined with its bronze audio as the object)."""
    used = set(keep["audio_uri"].to_list())
    stored = rows["quarantine_uri"].drop_nulls().unique().to_list()
    uris = [u for u in lh.locate_all(stored) if u not in used]
    return storage.existing(sorted(uris))


def tenant_folders(settings: Settings, tenant_id: str) -> list[str]:
    """Every folder that holds only this tenant's files."""
    return [
        f"{settings.audio_store}/{tenant_id}",
        f"{settings.quarantine_store}/{tenant_id}",
        f"{settings.landing}/{tenant_id}",
        f"{settings.reviews_landing}/{tenant_id}",
    ]

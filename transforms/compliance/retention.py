"""Retention: what goes on a date, under which rule, and what a legal hold or a request keeps.

Every table's period comes from its data contract (``retentionCategory``, ``retentionPeriod``,
``retentionAnchor``; a column whose category differs from its row's is nulled, or its object
deleted, on its own category's period), a tenant's overrides from the tenant registry. The plan
is computed from what exists now, so planning twice gives the same plan and a plan that has been
applied plans nothing more. Its rows (``compliance/retention_plan``) hold counts and a digest of
the surrogate keys, never the keys: the plan outlives the data it deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

import polars as pl

from transforms.compliance.actions import (
    ALL_TENANTS,
    CALL_TABLES,
    Action,
    Plan,
    call_files,
    content_columns,
    contract_of,
    midnight,
    name_of,
    object_columns,
    quarantine_files,
    tenant_folders,
)
from transforms.compliance.retention_basis import format_retention_basis
from transforms.core import storage
from transforms.core.contracts import Period, category_periods
from transforms.core.keys import KeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import (
    ALL_TABLES,
    ANONYMISED_STATISTICS,
    CALLS,
    PROCESSING_LOG,
    QUARANTINE,
    REJECTED_ROWS,
    RETENTION_PLAN,
    SCORECARD_VERSIONS,
    TRANSCRIPTS,
    TableSpec,
)
from transforms.core.tenants import Tenant
from transforms.privacy.redaction import playback_uri


def periods_for(tenant: Tenant | None) -> dict[str, Period]:
    """The contracts' period per category, with the tenant's overrides."""
    periods = dict(category_periods())
    if tenant is not None:
        periods |= {c: o.period for c, o in tenant.lifecycle.retention_overrides.items()}
    return periods


# ---------------------------------------------------------------------------- what exists now


@dataclass
class Inventory:
    """What the plan needs to know about the lakehouse, read once (a few columns per table)."""

    lh: Lakehouse
    calls: pl.DataFrame
    call_rows: dict[str, pl.DataFrame] = field(default_factory=dict)
    quarantine: pl.DataFrame = field(default_factory=pl.DataFrame)
    rejected: pl.DataFrame = field(default_factory=pl.DataFrame)
    versions: pl.DataFrame = field(default_factory=pl.DataFrame)
    playback: pl.DataFrame = field(default_factory=pl.DataFrame)
    own: dict[str, pl.DataFrame] = field(default_factory=dict)
    #: Every file in the audio and quarantine stores (recordings, playback copies, set-aside
    #: bytes, ``.partial`` leftovers), listed once.
    objects: list[storage.Entry] = field(default_factory=list)

    @classmethod
    def read(cls, lh: Lakehouse, settings: Settings | None = None) -> Inventory:
        calls = lh.read(
            CALLS, columns=["call_uid", "tenant_id", "call_id", "started_at", "audio_uri"]
        )
        call_rows = {}
        for spec in CALL_TABLES:
            nullable = [c for c in content_columns(spec) if c not in object_columns(spec)]
            frame = lh.read(spec, columns=["call_uid", "tenant_id", *nullable])
            call_rows[name_of(spec)] = frame
        own = {}
        for spec in (PROCESSING_LOG, RETENTION_PLAN, ANONYMISED_STATISTICS):
            contract = contract_of(spec)
            own[name_of(spec)] = lh.read(spec, columns=[spec.key[0], contract.retention_anchor])
        stores = (settings.audio_store, settings.quarantine_store) if settings else ()
        return cls(
            lh=lh,
            calls=calls,
            call_rows=call_rows,
            quarantine=lh.read(
                QUARANTINE,
                columns=[
                    "quarantine_id",
                    "tenant_id",
                    "call_id",
                    "quarantined_at",
                    "quarantine_uri",
                ],
            ),
            rejected=lh.read(REJECTED_ROWS, columns=["rejection_id", "tenant_id", "rejected_at"]),
            versions=lh.read(
                SCORECARD_VERSIONS, columns=["tenant_id", "definition_sha256", "recorded_at"]
            ),
            playback=lh.read(TRANSCRIPTS, columns=["call_uid", "tenant_id", "playback_uri"]),
            own=own,
            objects=[e for store in stores for e in storage.walk(store)],
        )

    def tenants(self) -> set[str]:
        found = set(self.calls["tenant_id"].to_list())
        for frame in (self.quarantine, self.rejected, self.versions, *self.call_rows.values()):
            found |= set(frame["tenant_id"].to_list())
        return found | set(self.orphans)

    def referenced(self) -> set[str]:
        """Every stored object a row points to: recordings (and their playback copies, named
        after them), transcripts' playback copies, quarantined bytes."""
        lh = self.lh
        audio = lh.locate_all(self.calls["audio_uri"].to_list())
        found = set(audio) | {playback_uri(a) for a in audio}
        found |= set(lh.locate_all(self.playback["playback_uri"].to_list()))
        return found | set(lh.locate_all(self.quarantine["quarantine_uri"].to_list()))

    @cached_property
    def orphans(self) -> dict[str, list[storage.Entry]]:
        """Objects of the stores that no row references, by the tenant folder they are in
        (``<store>/<tenant>/…``): written before a crash and never committed, or a re-sent
        file's first copy."""
        if not self.objects:
            return {}
        used = self.referenced()
        out: dict[str, list[storage.Entry]] = {}
        for entry in self.objects:
            if entry.uri in used:
                continue
            tenant = _store_tenant(self.lh, entry.uri)
            if tenant is not None:
                out.setdefault(tenant, []).append(entry)
        return out


#: An object no row references is swept once it is this old (last modified): a batch run writes
#: its recordings before it commits their rows, and no batch run lasts a day; younger, it may be
#: in flight.
ORPHAN_MIN_AGE = timedelta(days=1)


def _store_tenant(lh: Lakehouse, uri: str) -> str | None:
    """The tenant folder of an object under ``<root>/<store>/<tenant>/``."""
    parts = uri.removeprefix(lh.root.rstrip("/") + "/").split("/")
    return parts[1] if len(parts) > 2 else None


# ---------------------------------------------------------------------------- the plan


def plan_retention(
    lh: Lakehouse,
    tenants: Mapping[str, Tenant],
    as_of: date,
    settings: Settings,
    keys: KeyStore | None = None,
) -> Plan:
    """What the retention job deletes and keeps on ``as_of``, tenant by tenant, then the rules
    on the processor's own tables. ``keys`` tells whether a purged tenant's key is destroyed,
    and keys the selection digests."""
    inv = Inventory.read(lh, settings)
    actions: list[Action] = []
    secrets: dict[str, bytes] = {}
    for tenant_id in sorted(set(tenants) | inv.tenants()):
        status = keys.status(tenant_id) if keys is not None else None
        if keys is not None and status == "ok":
            secrets[tenant_id] = keys.secret(tenant_id)
        tenant = tenants.get(tenant_id)
        destroyed = status == "destroyed"
        actions += _tenant_plan(inv, tenant_id, tenant, as_of, settings, lh, destroyed)
    actions += _own_tables(inv, as_of)
    return Plan(as_of, tuple(actions), secrets)


def _tenant_plan(
    inv: Inventory,
    tenant_id: str,
    tenant: Tenant | None,
    as_of: date,
    settings: Settings,
    lh: Lakehouse,
    key_destroyed: bool,
) -> list[Action]:
    """The tenant's status (running, grace, purge or why not), then its retention rules."""
    status, purge = _tenant_status(tenant_id, tenant, as_of)
    calls = inv.calls.filter(pl.col("tenant_id") == tenant_id)
    holds = tenant.lifecycle.active_holds(as_of) if tenant else ()
    held = _held_calls(calls, holds)
    if purge and not held.height and not any(h.scope == "tenant" for h in holds):
        return [*status, *_purge_tenant(inv, tenant_id, lh, settings, key_destroyed)]
    actions = list(status)
    tenant_hold = next((h for h in holds if h.scope == "tenant"), None)
    if tenant_hold is not None:  # keeps everything of the tenant
        if not purge:
            until = tenant_hold.until or "lifted"
            reason = f"retention suspended: legal hold on the whole tenant ({tenant_hold.reason})"
            reason += f" until {until}"
            actions.append(Action(tenant_id, ALL_TENANTS, "legal_hold", "keep", reason))
        return actions
    if purge:  # holds on some calls: everything else of the tenant goes now, the rest later
        actions += _partial_purge(inv, tenant_id, calls, held, as_of, settings)
        return actions + _hold_rows(tenant_id, held, holds)
    periods = periods_for(tenant)
    now = midnight(as_of)
    expired = {
        cat: calls.filter(pl.col("started_at") < periods[cat].before(now)).join(
            held.select("call_uid"), on="call_uid", how="anti"
        )
        for cat in ("content", "evaluation")
    }
    actions += _call_rules(inv, tenant_id, expired, periods, now)
    actions += _quarantine_rules(inv, tenant_id, calls, held, periods["quarantine"], now)
    actions += _version_rule(inv, tenant_id, periods["evaluation"], now)
    actions += _orphans(inv, tenant_id, calls)
    actions += _orphaned_objects(inv, tenant_id, as_of)
    would_expire = held.filter(pl.col("started_at") < periods["content"].before(now))
    return actions + _hold_rows(tenant_id, would_expire, holds)


def _tenant_status(tenant_id: str, tenant: Tenant | None, as_of: date) -> tuple[list[Action], bool]:
    """One keep row saying where the tenant's contract stands; True if its purge is due."""

    def keep(rule: str, reason: str) -> list[Action]:
        return [Action(tenant_id, ALL_TENANTS, rule, "keep", reason)]

    if tenant is None:
        return keep("not_in_registry", "not in the tenant registry: quarantined input only"), False
    due = tenant.purge_due_after
    if due is None:
        return keep("contract_running", "contract running (no contract_end)"), False
    grace = tenant.lifecycle.grace_days
    if as_of <= due:
        return keep(
            "grace_period",
            f"contract ended {tenant.contract_end}; data kept until {due} ({grace}-day grace)",
        ), False
    tenant_holds = [h for h in tenant.lifecycle.active_holds(as_of) if h.scope == "tenant"]
    if tenant_holds:
        h = tenant_holds[0]
        until = h.until or "lifted"
        return keep(
            "legal_hold",
            f"purge postponed: legal hold on the whole tenant ({h.reason}) until {until}",
        ), True
    request = tenant.lifecycle.pending_restitution(as_of)
    if request is not None:
        return keep(
            "restitution_pending",
            f"purge postponed: restitution requested on {request.requested_at} is pending",
        ), False
    return [], True


def _held_calls(calls: pl.DataFrame, holds: Iterable[Any]) -> pl.DataFrame:
    """The tenant's calls a hold of scope calls or dates covers."""
    scoped = [h for h in holds if h.scope != "tenant"]
    if not scoped or calls.is_empty():
        return calls.clear()
    covered = [
        any(h.covers(cid, started.date()) for h in scoped)
        for cid, started in zip(calls["call_id"], calls["started_at"], strict=True)
    ]
    return calls.filter(pl.Series(covered, dtype=pl.Boolean))


def _hold_rows(tenant_id: str, held: pl.DataFrame, holds: Iterable[Any]) -> list[Action]:
    if held.is_empty():
        return []
    reasons = "; ".join(
        f"{h.reason} (until {h.until or 'lifted'})" for h in holds if h.scope != "tenant"
    )
    return [
        Action(
            tenant_id,
            ALL_TENANTS,
            "legal_hold",
            "keep",
            f"kept by legal hold: {reasons}",
            calls=frozenset(held["call_uid"].to_list()),
        )
    ]


def _call_rules(
    inv: Inventory,
    tenant_id: str,
    expired: dict[str, pl.DataFrame],
    periods: Mapping[str, Period],
    now: datetime,
) -> list[Action]:
    """Rows, columns and files of calls whose content or evaluation period has passed."""
    actions = []
    gone_calls = set(expired["evaluation"]["call_uid"].to_list())
    for spec in CALL_TABLES:
        category = contract_of(spec).retention_category
        rows = inv.call_rows[name_of(spec)].filter(pl.col("tenant_id") == tenant_id)
        for rule_category in ("evaluation", "content"):
            if rule_category == "content" and category != "content":
                continue
            uids = set(expired[rule_category]["call_uid"].to_list())
            if rule_category == "content":
                uids -= gone_calls
            actions += _delete_calls(spec, tenant_id, rows, uids, rule_category, periods, now)
        actions += _null_content(
            spec, tenant_id, rows, expired["content"], gone_calls, periods, now
        )
    content_calls = pl.concat([expired["content"], expired["evaluation"]]).unique("call_uid")
    cut = periods["content"].before(now)
    files = call_files(
        inv.lh, content_calls, inv.playback.join(content_calls.select("call_uid"), on="call_uid")
    )
    if files:
        actions.append(
            Action(
                tenant_id,
                "files:audio",
                "content_expired",
                "delete_files",
                f"recordings and playback copies of calls started before {cut:%Y-%m-%d}",
                category="content",
                period=periods["content"],
                cutoff=periods["content"].before(now),
                files=tuple(files),
                calls=frozenset(content_calls["call_uid"].to_list()),
            )
        )
    return actions


def _delete_calls(
    spec: TableSpec,
    tenant_id: str,
    rows: pl.DataFrame,
    uids: set[str],
    category: str,
    periods: Mapping[str, Period],
    now: datetime,
) -> list[Action]:
    hit = rows.filter(pl.col("call_uid").is_in(list(uids)))
    return _call_action(spec, tenant_id, hit, category, "delete_rows", periods, now)


def _null_content(
    spec: TableSpec,
    tenant_id: str,
    rows: pl.DataFrame,
    expired_content: pl.DataFrame,
    gone_calls: set[str],
    periods: Mapping[str, Period],
    now: datetime,
) -> list[Action]:
    """Content columns of rows that otherwise live longer (the caller pseudonym, quotes,
    comments): nulled where still set."""
    columns = [c for c in content_columns(spec) if c not in object_columns(spec)]
    if not columns:
        return []
    uids = set(expired_content["call_uid"].to_list()) - gone_calls
    still_set = pl.any_horizontal(pl.col(c).is_not_null() for c in columns)
    hit = rows.filter(pl.col("call_uid").is_in(list(uids)) & still_set)
    return _call_action(spec, tenant_id, hit, "content", "null_columns", periods, now, columns)


def _call_action(
    spec: TableSpec,
    tenant_id: str,
    hit: pl.DataFrame,
    category: str,
    action: str,
    periods: Mapping[str, Period],
    now: datetime,
    columns: list[str] | None = None,
) -> list[Action]:
    """The rows ``hit`` of calls past their ``category`` period: one action, keyed by call."""
    if hit.is_empty():
        return []
    period = periods[category]
    uids = frozenset(hit["call_uid"].to_list())
    return [
        Action(
            tenant_id,
            name_of(spec),
            f"{category}_expired",
            action,
            f"{category} of calls started before {period.before(now):%Y-%m-%d} ({period})",
            category=category,
            period=period,
            cutoff=period.before(now),
            columns=tuple(columns or ()),
            key_column="call_uid",
            keys=uids,
            calls=uids,
            rows=hit.height,
        )
    ]


def _quarantine_rules(
    inv: Inventory,
    tenant_id: str,
    calls: pl.DataFrame,
    held: pl.DataFrame,
    period: Period,
    now: datetime,
) -> list[Action]:
    """Quarantined rows and bytes, and rejected rows, older than the quarantine period."""
    cutoff = period.before(now)
    held_ids = held["call_id"].to_list()
    q = inv.quarantine.filter(
        (pl.col("tenant_id") == tenant_id)
        & (pl.col("quarantined_at") < cutoff)
        & ~pl.col("call_id").is_in(held_ids).fill_null(False)
    )
    rejected = inv.rejected.filter(
        (pl.col("tenant_id") == tenant_id) & (pl.col("rejected_at") < cutoff)
    )
    reason = f"set aside before {cutoff:%Y-%m-%d} ({period})"

    def expired(table: str, action: str, **what: Any) -> Action:
        return Action(
            tenant_id, table, "quarantine_expired", action, reason,
            category="quarantine", period=period, cutoff=cutoff, **what,
        )  # fmt: skip

    actions = [
        expired(
            name_of(spec),
            "delete_rows",
            key_column=key,
            keys=frozenset(rows[key]),
            rows=rows.height,
        )
        for rows, spec, key in (
            (q, QUARANTINE, "quarantine_id"),
            (rejected, REJECTED_ROWS, "rejection_id"),
        )
        if rows.height
    ]
    files = quarantine_files(inv.lh, q, keep=calls)
    if files:
        actions.append(expired("files:quarantine", "delete_files", files=tuple(files)))
    return actions


def _version_rule(inv: Inventory, tenant_id: str, period: Period, now: datetime) -> list[Action]:
    """Scorecard versions no scoring run has re-recorded within the evaluation period: every
    score made with them is older, so gone."""
    cutoff = period.before(now)
    old = inv.versions.filter((pl.col("tenant_id") == tenant_id) & (pl.col("recorded_at") < cutoff))
    if old.is_empty():
        return []
    return [
        Action(
            tenant_id,
            name_of(SCORECARD_VERSIONS),
            "evaluation_expired",
            "delete_rows",
            f"not re-recorded by a scoring run since {cutoff:%Y-%m-%d} ({period})",
            category="evaluation",
            period=period,
            cutoff=cutoff,
            key_column="definition_sha256",
            keys=frozenset(old["definition_sha256"].to_list()),
            rows=old.height,
        )
    ]


def _orphans(inv: Inventory, tenant_id: str, calls: pl.DataFrame) -> list[Action]:
    """Rows of a call no longer in bronze.calls (an erasure interrupted after the call went)."""
    actions = []
    for spec in CALL_TABLES[1:]:
        rows = inv.call_rows[name_of(spec)].filter(pl.col("tenant_id") == tenant_id)
        orphans = rows.join(calls.select("call_uid"), on="call_uid", how="anti")
        if orphans.height:
            actions.append(
                Action(
                    tenant_id,
                    name_of(spec),
                    "orphaned",
                    "delete_rows",
                    "rows of a call no longer in bronze.calls",
                    key_column="call_uid",
                    keys=frozenset(orphans["call_uid"].to_list()),
                    calls=frozenset(orphans["call_uid"].to_list()),
                    rows=orphans.height,
                )
            )
    return actions


def _orphaned_objects(inv: Inventory, tenant_id: str, as_of: date) -> list[Action]:
    """Recordings, playback copies, quarantined bytes and ``.partial`` leftovers in the tenant's
    store folders that no row references and that are older than ``ORPHAN_MIN_AGE``."""
    cutoff = midnight(as_of) - ORPHAN_MIN_AGE
    stale = [
        e.uri for e in inv.orphans.get(tenant_id, []) if e.modified_ns < cutoff.timestamp() * 1e9
    ]
    if not stale:
        return []
    return [
        Action(
            tenant_id,
            "files:orphaned",
            "orphaned_object",
            "delete_files",
            "objects no row references (written before a crash and never committed), "
            f"unchanged since before {cutoff:%Y-%m-%d %H:%M}",
            category="content",
            cutoff=cutoff,
            files=tuple(sorted(stale)),
        )
    ]


def _purge_tenant(
    inv: Inventory,
    tenant_id: str,
    lh: Lakehouse,
    settings: Settings,
    key_destroyed: bool,
) -> list[Action]:
    """Everything of the tenant: every partition, every folder, its key, its Dagster partitions
    (or, once all that is gone, a keep row saying so: a purge applied plans nothing more)."""
    reason = "contract ended and the grace period has passed: all of the tenant's data goes"
    calls = frozenset(inv.calls.filter(pl.col("tenant_id") == tenant_id)["call_uid"].to_list())
    actions = []
    for spec in ALL_TABLES:
        rows = lh.read(spec, tenant_id, columns=[spec.key[0]]).height
        if rows:
            partition = frozenset({tenant_id})
            actions.append(
                _purge(
                    tenant_id,
                    name_of(spec),
                    reason,
                    key_column="tenant_id",
                    keys=partition,
                    rows=rows,
                )
            )
    for folder in tenant_folders(settings, tenant_id):
        files = storage.list_files(folder)
        if files:
            store = folder.rsplit("/", 2)[-2]  # audio, quarantine_files, landing, _reviews
            actions.append(
                _purge(tenant_id, f"files:{store}", reason, files=tuple(files), folders=(folder,))
            )
    if not actions and key_destroyed:
        return [
            Action(
                tenant_id,
                ALL_TENANTS,
                "tenant_purged",
                "keep",
                "purged: nothing of the tenant is left, its key is destroyed",
            )
        ]
    whole = Action(
        tenant_id,
        ALL_TENANTS,
        "tenant_purge",
        "purge_tenant",
        reason + "; its pseudonym key is destroyed",
        calls=calls,
    )
    return [whole, *actions]


def _purge(tenant_id: str, table: str, reason: str, **what: Any) -> Action:
    """One part of a tenant purge: rows (what has keys) or files (what has files)."""
    action = "delete_files" if "files" in what else "delete_rows"
    return Action(tenant_id, table, "tenant_purge", action, reason, **what)


def _partial_purge(
    inv: Inventory,
    tenant_id: str,
    calls: pl.DataFrame,
    held: pl.DataFrame,
    as_of: date,
    settings: Settings,
) -> list[Action]:
    """Contract over, some calls on hold: every other call goes now, with the quarantine; the
    key and the Dagster partitions stay until the holds end."""
    reason = "contract ended and the grace period has passed; calls under legal hold are kept"
    gone = calls.join(held.select("call_uid"), on="call_uid", how="anti")
    uids = set(gone["call_uid"].to_list())
    actions = []
    for spec in CALL_TABLES:
        rows = inv.call_rows[name_of(spec)].filter(
            (pl.col("tenant_id") == tenant_id) & pl.col("call_uid").is_in(list(uids))
        )
        if rows.height:
            uids_here = frozenset(rows["call_uid"].to_list())
            actions.append(
                _purge(
                    tenant_id,
                    name_of(spec),
                    reason,
                    key_column="call_uid",
                    keys=uids_here,
                    calls=uids_here,
                    rows=rows.height,
                )
            )
    files = call_files(inv.lh, gone, inv.playback.join(gone.select("call_uid"), on="call_uid"))
    if files:
        actions.append(
            Action(
                tenant_id,
                "files:audio",
                "tenant_purge",
                "delete_files",
                reason,
                files=tuple(files),
                calls=frozenset(uids),
            )
        )
    # Quarantine and rejected rows go whatever their age (those of held calls stay).
    quarantine = _quarantine_rules(inv, tenant_id, held, held, Period(days=0), midnight(as_of))
    return actions + [replace(a, rule="tenant_purge", reason=reason) for a in quarantine]


def _own_tables(inv: Inventory, as_of: date) -> list[Action]:
    """The processor's tables: processing log and plans (3 years), anonymised statistics."""
    now = midnight(as_of)
    actions = []
    for spec in (PROCESSING_LOG, RETENTION_PLAN, ANONYMISED_STATISTICS):
        contract = contract_of(spec)
        period = contract.retention_period
        cutoff = period.before(now)
        frame = inv.own[name_of(spec)]
        old = frame.filter(pl.col(contract.retention_anchor) < cutoff)
        if old.height:
            category = contract.retention_category
            actions.append(
                Action(
                    ALL_TENANTS,
                    name_of(spec),
                    f"{category}_expired",
                    "delete_rows",
                    f"older than {cutoff:%Y-%m-%d} ({period})",
                    category=category,
                    period=period,
                    cutoff=cutoff,
                    key_column=spec.key[0],
                    keys=frozenset(old[spec.key[0]].to_list()),
                    rows=old.height,
                )
            )
    return actions


def format_plan(plan: Plan) -> str:
    """The plan as a table a reviewer reads: what goes, why, under which rule, what is kept."""
    rows = [
        {
            "tenant": a.tenant_id,
            "table / store": a.table,
            "rule": a.rule,
            "action": a.action + (f" ({', '.join(a.columns)})" if a.columns else ""),
            "calls": len(a.calls),
            "rows": a.rows,
            "files": a.file_count,
            "why": a.reason,
        }
        for a in plan.actions
    ]
    with pl.Config(
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="MARKDOWN",
        tbl_rows=-1,
        tbl_width_chars=240,
        fmt_str_lengths=200,
    ):
        table = str(pl.DataFrame(rows))
    work = plan.work()
    summary = (
        f"Retention plan for {plan.as_of}: {len(work)} actions delete "
        f"{sum(a.rows for a in work)} rows and {sum(a.file_count for a in work)} files"
    )
    purged = plan.purged_tenants()
    if purged:
        summary += f"; tenants purged: {', '.join(purged)}"
    return f"{summary}\n{table}\n\n{format_retention_basis()}"

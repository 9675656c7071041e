"""Retention, erasure and anonymised statistics: the daily retention job's assets.

Order matters and the graph says it: the anonymised statistics are computed from the published
KPIs before anything is purged; the plan is written; then the erasure applies it, rebuilds the
warehouse, verifies and records. Each asset reads, calls one function of
``transforms/compliance/``, writes and reports counts (never an identifier).
"""

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_dbt import DbtCliResource

from orchestration.defs.kpis.build import rebuild_warehouse
from orchestration.lib.owners import OWNERS
from orchestration.lib.partitions import forget_tenant_partitions
from orchestration.lib.resources import LakehouseResource
from transforms.compliance import anonymised
from transforms.compliance.erasure import Hooks, carry_out, retention_request
from transforms.compliance.export import marts
from transforms.compliance.retention import plan_retention
from transforms.core.lakehouse import conform
from transforms.core.tables import (
    ALL_TABLES,
    ANONYMISED_STATISTICS,
    REJECTED_ROWS,
    RETENTION_PLAN,
)
from transforms.kpis import publish

_TAGS = {"layer": "compliance", "pii": "none"}


class RetentionConfig(dg.Config):
    """The date the retention rules are applied for (YYYY-MM-DD); empty: today (UTC)."""

    as_of: str = ""

    def day(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else datetime.now(UTC).date()


@dg.asset(
    key=["compliance", "anonymised_statistics"],
    deps=[["warehouse", "kpis"]],
    group_name="compliance",
    owners=OWNERS,
    kinds={"delta", "polars"},
    tags=_TAGS,
    description=ANONYMISED_STATISTICS.description,
)
def anonymised_statistics(
    config: RetentionConfig, lakehouse: LakehouseResource
) -> dg.MaterializeResult:
    """Months closed since the last run, from the published marts; suppressed below the
    thresholds; never recomputed (so no purge changes a published cell)."""
    settings, lh = lakehouse.settings(), lakehouse.lakehouse()
    found = marts(settings, lambda frame: frame, names=("fct_calls", "fct_criterion_verdicts"))
    done = set(lh.read(ANONYMISED_STATISTICS, columns=["month"])["month"].to_list())
    calls = found.get("marts.fct_calls", pl.DataFrame())
    months = anonymised.closed_months(calls, config.day(), done) if calls.height else []
    if not months:
        return dg.MaterializeResult(metadata={"months_added": 0, "cells_published": 0})
    types = {
        t: anonymised.load_campaign_types(settings.taxonomies_dir, t) for t in lakehouse.tenants()
    }
    cells, withheld = anonymised.statistics(
        calls,
        found["marts.fct_criterion_verdicts"],
        months,
        lambda tenant, campaign: anonymised.campaign_type(campaign, types.get(tenant, {})),
        anonymised.Thresholds(settings.anon_min_calls, settings.anon_min_agents),
        datetime.now(UTC),
    )
    lh.merge(ANONYMISED_STATISTICS, conform(ANONYMISED_STATISTICS, cells))
    return dg.MaterializeResult(
        metadata={
            "months_added": len(months),
            "cells_published": cells.height,
            "cells_withheld": withheld,
            "min_calls": settings.anon_min_calls,
            "min_agents": settings.anon_min_agents,
        }
    )


@dg.asset(
    key=["warehouse", "anonymised"],
    deps=[anonymised_statistics],
    group_name="compliance",
    owners=OWNERS,
    kinds={"duckdb"},
    tags={"layer": "gold", "pii": "none"},
    description="The anonymised statistics as a DuckDB file for the operator "
    "($CCR_HOME/operator/anonymised.duckdb), kept after the tenants' data is deleted.",
)
def anonymised_mart(lakehouse: LakehouseResource) -> dg.MaterializeResult:
    """The whole table into a new file, swapped in (the KPI file holds tenants' data; this one
    holds no tenant and outlives them)."""
    settings = lakehouse.settings()
    rows = lakehouse.lakehouse().read(ANONYMISED_STATISTICS)
    counts = publish.publish_tables(
        {anonymised.TABLE: rows.to_arrow()}, Path(settings.anonymised_database)
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(settings.anonymised_database),
            "rows": counts[anonymised.TABLE],
        }
    )


@dg.asset(
    key=["compliance", "retention_plan"],
    # what it reads: every tenant table that is an asset (rejected rows are written by MERGEs
    # of the others), and the statistics, computed before anything goes
    deps=[
        anonymised_statistics,
        *(dg.AssetKey(s.path.split("/")) for s in ALL_TABLES if s is not REJECTED_ROWS),
    ],
    group_name="compliance",
    owners=OWNERS,
    kinds={"delta"},
    tags=_TAGS,
    description=RETENTION_PLAN.description,
)
def retention_plan(
    context: dg.AssetExecutionContext, config: RetentionConfig, lakehouse: LakehouseResource
) -> dg.MaterializeResult:
    """What goes on the day, why, and what a hold or a request keeps (counts, no keys)."""
    settings, lh = lakehouse.settings(), lakehouse.lakehouse()
    plan = plan_retention(lh, lakehouse.tenants(), config.day(), settings, lakehouse.keystore())
    rows = plan.rows(context.run_id, datetime.now(UTC))
    lh.merge(RETENTION_PLAN, conform(RETENTION_PLAN, rows), update=True)
    work = plan.work()
    return dg.MaterializeResult(
        metadata={
            "as_of": str(plan.as_of),
            "actions": len(work),
            "rows_to_delete": sum(a.rows for a in work),
            "files_to_delete": sum(a.file_count for a in work),
            "tenants_to_purge": ", ".join(plan.purged_tenants()) or "none",
            "kept": sum(a.action == "keep" for a in plan.actions),
        }
    )


@dg.asset(
    key=["compliance", "erasure_ledger"],
    deps=[retention_plan],
    group_name="compliance",
    owners=OWNERS,
    kinds={"python"},
    tags=_TAGS,
    description="Applies the retention plan (rows, files, history, warehouse, key, Dagster "
    "partitions), verifies with a residual scan and records it in the hash-chained erasure "
    "ledger with a deletion certificate.",
)
def erasure_ledger(
    context: dg.AssetExecutionContext, lakehouse: LakehouseResource, dbt: DbtCliResource
) -> dg.MaterializeResult:
    """Re-plans at the planned date, checks it selects what was planned, then carries it out."""
    settings, lh, keys = lakehouse.settings(), lakehouse.lakehouse(), lakehouse.keystore()
    stored = _planned(lh, context.run_id)
    if not stored:
        raise dg.Failure("no retention plan to apply: materialize compliance/retention_plan first")
    as_of = stored[0]["as_of"].date()
    plan = plan_retention(lh, lakehouse.tenants(), as_of, settings, keys)
    if not plan.matches(stored):
        raise dg.Failure("the lakehouse changed since the plan was made: plan again, then apply")
    if not plan.work():
        return dg.MaterializeResult(
            metadata={
                "as_of": str(as_of),
                "erased": 0,
                "verified": "the plan has nothing left to do",
            }
        )
    hooks = Hooks(
        rebuild_warehouse=lambda tenants: rebuild_warehouse(dbt, settings, tenants),
        forget_partitions=lambda tenant: forget_tenant_partitions(context.instance, tenant),
        remaining=lambda: len(
            plan_retention(lh, lakehouse.tenants(), as_of, settings, keys).work()
        ),
    )
    certificate = carry_out(retention_request(lh, plan), lh, settings, keys, hooks)
    verification = certificate["verification"]
    metadata = {
        "as_of": str(as_of),
        "request_id": certificate["request_id"],
        "rows_deleted": sum(t["rows_deleted"] for t in certificate["tables"]),
        "rows_nulled": sum(t["rows_nulled"] for t in certificate["tables"]),
        "files_deleted": sum(certificate["files"].values()),
        "tenants_purged": len(plan.purged_tenants()),
        "verified": verification["passed"],
        "residual_hits": verification["hits"],
        "files_scanned": verification["files_scanned"],
        "certificate": dg.MetadataValue.path(
            f"{settings.compliance_dir}/certificates/{certificate['request_id']}.html"
        ),
    }
    if not verification["passed"]:
        raise dg.Failure(
            f"erasure {certificate['request_id']} is not verified: see its certificate",
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)


def _planned(lh, run_id: str) -> list[dict]:
    """This run's plan rows, else the latest plan's."""
    rows = lh.read(RETENTION_PLAN)
    mine = rows.filter(pl.col("run_id") == run_id)
    if mine.is_empty() and rows.height:
        mine = rows.filter(pl.col("planned_at") == rows["planned_at"].max())
    return mine.to_dicts()

"""Retention, erasure and anonymised statistics: the daily retention job's assets.

Order matters and the graph says it: the anonymised statistics are computed from the published
KPIs before anything is purged; the plan is written; then the erasure applies it, rebuilds the
warehouse, verifies and records. Each asset reads, calls one function of
``transforms/compliance/``, writes and reports counts (never an identifier); the steps are in
``transforms/compliance/step.py``, the erasure's outside wiring in ``orchestration/lib/erasure.py``
(shared with ``ccr subject erase``).
"""

import functools
from datetime import date

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.lib.erasure import erasure_hooks
from orchestration.lib.owners import OWNERS
from orchestration.lib.partitions import forget_tenant_partitions
from orchestration.lib.resources import SettingsResource
from transforms.compliance import step
from transforms.core.context import FutureDate, StepContext
from transforms.core.tables import (
    ALL_TABLES,
    ANONYMISED_STATISTICS,
    REJECTED_ROWS,
    RETENTION_PLAN,
)

_TAGS = {"layer": "compliance", "pii": "none"}


class RetentionConfig(dg.Config):
    """The date the retention rules are applied for (YYYY-MM-DD); empty: the run's date (the
    settings resource's ``as_of``, else the system's date, UTC). The daily schedule fills in
    its tick's date. A date after today is refused by the statistics and the erasure (they would
    publish an unclosed month, or delete what the rules still keep); the plan alone may look
    ahead."""

    as_of: str = ""

    def day(self) -> date | None:
        return date.fromisoformat(self.as_of) if self.as_of else None

    def context(self, settings: SettingsResource, log, *, look_ahead: bool = False) -> StepContext:
        """The step context for this date; ``dg.Failure`` for a date after today."""
        try:
            return settings.step_context(log).on(self.day(), look_ahead=look_ahead)
        except FutureDate as exc:
            raise dg.Failure(str(exc)) from None


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
    context: dg.AssetExecutionContext, config: RetentionConfig, settings: SettingsResource
) -> dg.MaterializeResult:
    """Months closed since the last run, from the published marts; suppressed below the
    thresholds; never recomputed (so no purge changes a published cell)."""
    ctx = config.context(settings, context.log)
    done = step.anonymised_statistics(ctx)
    return dg.MaterializeResult(
        metadata={
            "months_added": done.months_added,
            "cells_published": done.cells_published,
            "cells_withheld": done.cells_withheld,
            "min_calls": ctx.settings.anon_min_calls,
            "min_agents": ctx.settings.anon_min_agents,
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
def anonymised_mart(settings: SettingsResource) -> dg.MaterializeResult:
    """The whole table into a new file, swapped in (the KPI file holds tenants' data; this one
    holds no tenant and outlives them)."""
    ctx = settings.step_context()
    rows = step.publish_statistics(ctx)
    path = ctx.settings.anonymised_database
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(path), "rows": rows})


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
    context: dg.AssetExecutionContext, config: RetentionConfig, settings: SettingsResource
) -> dg.MaterializeResult:
    """What goes on the day, why, and what a hold or a request keeps (counts, no keys)."""
    ctx = config.context(settings, context.log, look_ahead=True)
    plan = step.write_plan(ctx, context.run_id)
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
    key=["compliance", "retention_erasure"],
    deps=[retention_plan],
    group_name="compliance",
    owners=OWNERS,
    kinds={"python"},
    tags=_TAGS,
    description="Carries out the retention plan (rows, files, history, warehouse, key, Dagster "
    "partitions), verifies it with a residual scan and records it in the erasure ledger with a "
    "deletion certificate.",
)
def retention_erasure(
    context: dg.AssetExecutionContext, settings: SettingsResource, dbt: DbtCliResource
) -> dg.MaterializeResult:
    """Re-plans at the planned date, checks it selects what was planned, then carries it out
    deciding for that date (the rebuilt warehouse publishes the tenants under contract then)."""
    ctx = settings.step_context(context.log)
    stored = step.planned_rows(ctx, context.run_id)
    if not stored:
        raise dg.Failure("no retention plan to apply: materialize compliance/retention_plan first")
    as_of = stored[0]["as_of"].date()
    ctx = ctx.on(as_of)
    forget = functools.partial(forget_tenant_partitions, context.instance)
    hooks = erasure_hooks(ctx, dbt, forget, step.remaining_after_retention(ctx, as_of))
    try:
        plan, certificate = step.apply_plan(ctx, stored, hooks)
    except (step.PlanChanged, FutureDate) as exc:
        raise dg.Failure(str(exc)) from exc
    if certificate is None:
        return dg.MaterializeResult(
            metadata={
                "as_of": str(as_of),
                "erased": 0,
                "verified": "the plan has nothing left to do",
            }
        )
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
            f"{ctx.settings.compliance_dir}/certificates/{certificate['request_id']}.html"
        ),
    }
    if not verification["passed"]:
        raise dg.Failure(
            f"erasure {certificate['request_id']} is not verified: see its certificate",
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)

"""The steps of the daily retention job, in their order: anonymised statistics of the months that
closed, the day's retention plan, and its application (erasure, verification, the ledger).

Each step reads, calls the domain's functions, writes and returns counts (never an identifier).
The Dagster assets of ``retention_job`` and ``ccr`` call them; what erasure needs from outside
the lakehouse (a dbt rebuild of the published files, the Dagster partitions of a purged tenant)
comes in as ``Hooks``, built once in ``orchestration/lib/erasure.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from transforms.compliance import anonymised
from transforms.compliance.actions import Plan
from transforms.compliance.erasure import Hooks, Request, carry_out, retention_request
from transforms.compliance.export import marts
from transforms.compliance.retention import plan_retention
from transforms.core.context import StepContext
from transforms.core.lakehouse import conform
from transforms.core.tables import ANONYMISED_STATISTICS, RETENTION_PLAN
from transforms.kpis import publish


@dataclass(frozen=True)
class Statistics:
    months_added: int = 0
    cells_published: int = 0
    cells_withheld: int = 0


def anonymised_statistics(ctx: StepContext) -> Statistics:
    """Months closed on ``ctx.today()`` and not yet published, from the published marts;
    suppressed below the thresholds; never recomputed (so no purge changes a published cell)."""
    settings, lh = ctx.settings, ctx.lakehouse
    found = marts(settings, lambda frame: frame, names=("fct_calls", "fct_criterion_verdicts"))
    done = set(lh.read(ANONYMISED_STATISTICS, columns=["month"])["month"].to_list())
    calls = found.get("marts.fct_calls", pl.DataFrame())
    months = anonymised.closed_months(calls, ctx.today(), done) if calls.height else []
    if not months:
        return Statistics()
    types = {t: anonymised.load_campaign_types(settings.taxonomies_dir, t) for t in ctx.tenants}
    cells, withheld = anonymised.statistics(
        calls,
        found["marts.fct_criterion_verdicts"],
        months,
        lambda tenant, campaign: anonymised.campaign_type(campaign, types.get(tenant, {})),
        anonymised.Thresholds(settings.anon_min_calls, settings.anon_min_agents),
        ctx.now(),
    )
    lh.merge(ANONYMISED_STATISTICS, conform(ANONYMISED_STATISTICS, cells))
    return Statistics(len(months), cells.height, withheld)


def publish_statistics(ctx: StepContext) -> int:
    """The whole statistics table into the operator's DuckDB file, swapped in; its rows."""
    rows = ctx.lakehouse.read(ANONYMISED_STATISTICS)
    counts = publish.publish_tables(
        {anonymised.TABLE: rows.to_arrow()}, Path(ctx.settings.anonymised_database)
    )
    return counts[anonymised.TABLE]


def plan(ctx: StepContext) -> Plan:
    """What retention deletes on ``ctx.today()``, why, and what a hold or a request keeps."""
    return plan_retention(ctx.lakehouse, ctx.tenants, ctx.today(), ctx.settings, ctx.keys)


def write_plan(ctx: StepContext, run_id: str) -> Plan:
    """The day's plan, written to ``compliance/retention_plan`` (counts and digests, no key)."""
    made = plan(ctx)
    rows = made.rows(run_id, ctx.now())
    ctx.lakehouse.merge(RETENTION_PLAN, conform(RETENTION_PLAN, rows), update=True)
    return made


class PlanChanged(RuntimeError):
    """The lakehouse changed between planning and applying: plan again, then apply."""


def planned_rows(ctx: StepContext, run_id: str) -> list[dict[str, Any]]:
    """This run's plan rows, else the latest plan's."""
    rows = ctx.lakehouse.read(RETENTION_PLAN)
    mine = rows.filter(pl.col("run_id") == run_id)
    if mine.is_empty() and rows.height:
        mine = rows.filter(pl.col("planned_at") == rows["planned_at"].max())
    return mine.to_dicts()


def apply_plan(
    ctx: StepContext, stored: list[dict[str, Any]], hooks: Hooks
) -> tuple[Plan, dict[str, Any] | None]:
    """Re-plan at the stored plan's date, check it selects what was planned, carry it out.

    The certificate, or None when the plan has nothing left to do. Raises ``PlanChanged`` when
    the selection differs (keys are never stored: re-planning is how apply knows what to
    delete), ``FutureDate`` (nothing done) when the plan is for a day after ``ctx.today()``.
    """
    as_of = stored[0]["as_of"].date()
    ctx.on(as_of)  # a plan that looked ahead is never applied early
    again = plan_retention(ctx.lakehouse, ctx.tenants, as_of, ctx.settings, ctx.keys)
    if not again.matches(stored):
        raise PlanChanged("the lakehouse changed since the plan was made: plan again, then apply")
    if not again.work():
        return again, None
    return again, erase(ctx, retention_request(ctx.lakehouse, again), hooks)


def remaining_after_retention(ctx: StepContext, as_of: Any) -> Callable[[], int]:
    """How much a re-plan at ``as_of`` would still delete (0 once the erasure is complete)."""
    return lambda: len(
        plan_retention(ctx.lakehouse, ctx.tenants, as_of, ctx.settings, ctx.keys).work()
    )


def erase(ctx: StepContext, request: Request, hooks: Hooks) -> dict[str, Any]:
    """Erase, rebuild, forget, verify, record: the certificate (its ``verification.passed``
    may be False)."""
    return carry_out(request, ctx.lakehouse, ctx.settings, ctx.keys, hooks, now=ctx.now())

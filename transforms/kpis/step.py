"""The publish step of a KPI build: the dbt build file → one read-only database and one report per
tenant (``publish.py``), swapped in atomically. The dbt build before it is Dagster's (dagster-dbt,
``orchestration/defs/kpis``); the ``warehouse/kpis`` asset and every erasure (through
``orchestration/lib/kpi_build.py``) publish through this one function.
"""

from __future__ import annotations

from collections.abc import Collection

from transforms.core.context import StepContext
from transforms.kpis.publish import Published, publish_kpis


def run(
    ctx: StepContext, *, rewrite: bool = False, only: Collection[str] | None = None
) -> Published:
    """Publish every tenant's files (``only`` those tenants, ``rewrite`` after an erasure: no
    file updated in place). A tenant is published while its contract runs on ``ctx.today()``."""
    return publish_kpis(ctx.settings, rewrite=rewrite, only=only, today=ctx.today())

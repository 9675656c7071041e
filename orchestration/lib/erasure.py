"""What an erasure needs from outside the lakehouse, wired once for every caller: the retention
job's erasure asset and ``ccr subject erase`` (``transforms.compliance.erasure.Hooks``).

The published files are rebuilt by a dbt run (incremental over the calls the erasure changed,
in this process, from dbt's kept parse: ``kpi_build.run_in_process``) into a new build file,
then published anew for the tenants the erasure touched (``kpi_build.rebuild_warehouse``); a
purged tenant's Dagster partitions are removed by the caller's ``forget_partitions``. ``dbt``
gives the project and profiles only: its subprocess is not started.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TextIO

from dagster_dbt import DbtCliResource

from orchestration.lib.kpi_build import rebuild_warehouse
from transforms.compliance.erasure import Hooks
from transforms.compliance.kpi_changes import KpiChanges
from transforms.core.context import StepContext


def erasure_hooks(
    ctx: StepContext,
    dbt: DbtCliResource,
    forget_partitions: Callable[[str], int],
    remaining: Callable[[], int],
    dbt_output: TextIO | None = None,
) -> Hooks:
    """Hooks for an erasure run with ``ctx``; dbt's progress lines go to ``dbt_output`` when
    given (``ccr``'s run log), else where the run logs. ``forget_partitions`` removes a purged
    tenant's Dagster partitions (``partitions.forget_tenant_partitions`` on an instance) and
    returns how many."""

    def rebuild(changes: KpiChanges) -> None:
        with contextlib.redirect_stdout(dbt_output) if dbt_output else contextlib.nullcontext():
            rebuild_warehouse(dbt, ctx, changes.tenants, changes.calls)

    return Hooks(
        rebuild_warehouse=rebuild,
        forget_partitions=forget_partitions,
        remaining=remaining,
    )

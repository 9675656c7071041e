"""dbt KPI models (built into the build file, incrementally) and their atomic publication for BI
tools: one database and one report per tenant."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.kpis.resources import kpi_dbt_project
from orchestration.lib.kpi_build import dbt_args, finish_build, prepare_build, target_folder
from orchestration.lib.owners import OWNERS
from orchestration.lib.resources import SettingsResource
from transforms.kpis import build_file, step


class KpiTranslator(DagsterDbtTranslator):
    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any):
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("source."):
            return spec  # sources keep the asset keys their meta gives (bronze/…, silver/…)
        # dbt folder (staging / intermediate / marts) as the layer tag, as for the Delta assets.
        fqn = manifest["nodes"][unique_id]["fqn"]
        layer = fqn[1] if len(fqn) > 2 else "models"
        return spec.replace_attributes(group_name="kpis", owners=OWNERS).merge_attributes(
            tags={"layer": layer}
        )


class KpiBuildConfig(dg.Config):
    #: Start from an empty build file: every call's rows rebuilt, not only the changed calls'.
    full_refresh: bool = False


@dbt_assets(manifest=kpi_dbt_project().manifest_path, dagster_dbt_translator=KpiTranslator())
def kpi_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings: SettingsResource,
    config: KpiBuildConfig,
):
    """``dbt build`` into the build file ($CCR_HOME/build), never into a published one.

    The build file stays between runs, so the incremental facts rebuild only the calls whose
    inputs changed; it starts afresh when the dbt code changed or ``full_refresh`` is set.
    """
    ctx = settings.step_context(context.log)
    if prepare_build(ctx.settings, ctx.lakehouse, full=config.full_refresh):
        context.log.info("dbt build from an empty build file: every call's rows are rebuilt")
    label = context.op_execution_context.op.name
    target = target_folder(ctx.settings, f"{label}-{context.run.run_id[:7]}")
    args = dbt_args(ctx.settings, *build_file.BUILD_ARGS)
    yield from dbt.cli(args, context=context, target_path=target).stream()
    finish_build(ctx.settings, label, target)


@dg.asset(
    key=["warehouse", "kpis"],
    deps=[kpi_models],
    group_name="kpis",
    owners=OWNERS,
    kinds={"duckdb"},
    tags={"layer": "gold"},
    description=(
        "The published KPI files BI reads: warehouse/tenants/<tenant>.duckdb (read-only, that "
        "tenant's rows only) and its HTML report; marts without a tenant go to the operator's file."
    ),
)
def kpi_warehouse(settings: SettingsResource) -> dg.MaterializeResult:
    """New files swapped in: a reader sees the old file or the new one, never half of one."""
    ctx = settings.step_context()
    published = step.run(ctx)
    return dg.MaterializeResult(
        metadata={
            "tenant_databases": dg.MetadataValue.path(f"{ctx.settings.warehouse}/tenants"),
            "tenants": len(published.tenants),
            "operator_database": dg.MetadataValue.path(str(published.operator)),
            **{f"rows_{t}": n for t, n in published.rows.items()},
            **{
                f"calls_{tenant}": files.rows.get("fct_calls", 0)
                for tenant, files in published.tenants.items()
            },
        }
    )

"""dbt KPI models (built into a fresh DuckDB file) and their atomic publication for BI tools."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.kpis.build import prepare_build, prune_targets, target_folder
from orchestration.defs.kpis.resources import kpi_dbt_project
from orchestration.lib.owners import OWNERS
from orchestration.lib.resources import LakehouseResource
from transforms.kpis import publish


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


@dbt_assets(manifest=kpi_dbt_project().manifest_path, dagster_dbt_translator=KpiTranslator())
def kpi_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, lakehouse: LakehouseResource
):
    """``dbt build`` (models and their tests) into the build file, never into the published one."""
    settings = lakehouse.settings()
    # A full build starts from an empty file; a partial one keeps the other models' tables.
    prepare_build(settings, lakehouse.lakehouse(), full=not context.is_subset)
    label = context.op_execution_context.op.name
    target = target_folder(settings, f"{label}-{context.run_id[:7]}")
    yield from dbt.cli(["build"], context=context, target_path=target).stream()
    prune_targets(settings, label)


@dg.asset(
    key=["warehouse", "kpis"],
    deps=[kpi_models],
    group_name="kpis",
    owners=OWNERS,
    kinds={"duckdb"},
    tags={"layer": "gold"},
    description="The published read-only KPI database (warehouse/kpis.duckdb) that BI tools open.",
)
def kpi_warehouse(lakehouse: LakehouseResource) -> dg.MaterializeResult:
    """Copy the marts into a new file and swap it in: a reader sees the old file or the new one."""
    target = lakehouse.settings().kpi_database
    counts = publish.publish_marts(publish.build_path(target), target)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(target),
            **{f"rows_{t}": n for t, n in counts.items()},
        }
    )

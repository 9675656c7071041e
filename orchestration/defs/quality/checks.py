"""Quality gates: great-expectations suites generated from the data contracts, as asset checks.

One blocking check per lakehouse table, run in the same job right after its asset, on the rows of
the run's call batch: a failing error-severity rule stops the downstream assets of that batch
(scores and KPIs would be wrong). Row-level rules have already quarantined bad rows at write time
(bronze.rejected_rows), so what fails here is batch-level (duplicate keys, a batch from the future)
or a writer that bypassed the contract. Freshness checks watch the landing-to-KPI path.
"""

import datetime
import warnings

import dagster as dg

from orchestration.lib.resources import SettingsResource
from transforms.core.contracts import load_contracts
from transforms.core.tables import ALL_TABLES, CALLS, QUARANTINE, TableSpec
from transforms.ingest import landing

#: Tables with an asset of their own (bronze.rejected_rows is written by the others' MERGEs).
CHECKED = [t for t in ALL_TABLES if t.name != "rejected_rows"]


def batch_rows(settings: SettingsResource, spec: TableSpec, partition_key: str | None):
    """The rows of ``spec`` that belong to one call batch (all rows outside a partitioned run)."""
    lh = settings.step_context().lakehouse
    if partition_key is None:
        return lh.read(spec)
    tenant_id, batch_id = landing.split_partition_key(partition_key)
    in_batch = {"batch_id": batch_id}
    if spec.path in (CALLS.path, QUARANTINE.path):
        return lh.read(spec, tenant_id, where=in_batch)
    if "call_uid" not in spec.schema.names:
        # Per-tenant rows rewritten by every batch's step (silver.scorecard_versions).
        return lh.read(spec, tenant_id)
    uids = lh.read(CALLS, tenant_id, columns=["call_uid"], where=in_batch)["call_uid"].to_list()
    return lh.read(spec, tenant_id, where={"call_uid": uids})


def contract_check(spec: TableSpec) -> dg.AssetChecksDefinition:
    contract = load_contracts()[f"{spec.layer}.{spec.name}"]

    @dg.asset_check(
        asset=dg.AssetKey([spec.layer, spec.name]),
        name="contract",
        blocking=True,
        description=f"great-expectations suite from data_contracts/{contract.path.name}: "
        f"{len(contract.rules)} rules on the call batch's rows.",
    )
    def _check(context: dg.AssetCheckExecutionContext, settings: SettingsResource):
        from transforms.quality.expectations import validate

        partition = context.run.tags.get("dagster/partition")
        rows = batch_rows(settings, spec, partition)
        result = validate(contract, rows, batch=partition or "all")
        failed = result.blocking_failures
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR if failed else dg.AssetCheckSeverity.WARN,
            description=(
                f"{len(failed)} error rules failed: {', '.join(r.rule for r in failed)}"
                if failed
                else None
            ),
            metadata={
                "rows_validated": result.rows,
                "rules_evaluated": len(result.results),
                "rules_failed": len(result.results) - sum(r.success for r in result.results),
                # counts per failed rule only: GX's unexpected *values* may be personal data
                "failed_rules": dg.MetadataValue.json(result.summary()),
                "contract": contract.path.name,
                "suite": f"{contract.name}:{partition or 'all'}",
            },
        )

    return _check


contract_checks = [contract_check(spec) for spec in CHECKED]

#: Landing → KPI path. A batch a day is the norm: no new calls for 36 h means landing stopped,
#: scoring stalled, or the KPI publish failed; BI would silently show stale numbers.
FRESHNESS_ASSETS = [
    dg.AssetKey(["bronze", "calls"]),
    dg.AssetKey(["silver", "call_scores"]),
    dg.AssetKey(["warehouse", "kpis"]),
]
FRESHNESS_WINDOW = datetime.timedelta(hours=36)
#: Dagster 1.13 freshness policies (attached in definitions.py): UI state, judged by the daemon.
FRESHNESS_POLICY = dg.FreshnessPolicy.time_window(
    fail_window=FRESHNESS_WINDOW, warn_window=datetime.timedelta(hours=26)
)
with warnings.catch_warnings():
    # Superseded by the policies above, but these checks also run in process (tests, a run
    # without the daemon) and record a pass/fail history; same window.
    warnings.simplefilter("ignore", dg.SupersessionWarning)
    freshness_checks = dg.build_last_update_freshness_checks(
        assets=FRESHNESS_ASSETS, lower_bound_delta=FRESHNESS_WINDOW
    )
    freshness_sensor = dg.build_sensor_for_freshness_checks(freshness_checks=freshness_checks)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        asset_checks=[*contract_checks, *freshness_checks], sensors=[freshness_sensor]
    )

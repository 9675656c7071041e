"""Landing → bronze.calls + bronze.quarantine, one call batch (dynamic partition) per run."""

import dagster as dg

from orchestration.lib.owners import OWNERS
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import LakehouseResource
from transforms.core.tables import CALLS, QUARANTINE
from transforms.ingest import landing
from transforms.ingest.batch import Limits, commit_batch
from transforms.privacy.keys import KeyStoreError
from transforms.privacy.pseudonymise import caller_key


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["bronze", "calls"],
            description=CALLS.description,
            owners=OWNERS,
            tags={"layer": "bronze", "pii": "indirect"},
            kinds={"delta", "polars"},
        ),
        dg.AssetSpec(
            ["bronze", "quarantine"],
            description=QUARANTINE.description,
            owners=OWNERS,
            tags={"layer": "bronze", "pii": "indirect"},
            kinds={"delta"},
        ),
    ],
    partitions_def=call_batches,
    group_name="ingest",
)
def landed_calls(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    """Validate a landing batch; good audio to the audio store, bad files to quarantine."""
    settings = lakehouse.settings()
    tenant_id, _ = landing.split_partition_key(context.partition_key)
    batch = landing.batch_from_key(settings.landing, context.partition_key)
    if batch is None:
        # Already ingested and cleared: re-running is a no-op, not an error.
        context.log.info("landing batch already cleared; nothing to ingest")
        for spec in (CALLS, QUARANTINE):
            yield dg.MaterializeResult(
                asset_key=["bronze", spec.name], metadata={"rows_inserted": 0, "landing": "empty"}
            )
        return
    keys = lakehouse.keystore()
    if tenant_id in lakehouse.tenants():
        try:  # fail closed, before anything is stored: the files stay in landing until fixed
            keys.secret(tenant_id)
        except KeyStoreError as exc:
            raise dg.Failure(f"batch {context.partition_key} not ingested: {exc}") from exc
    outcome = commit_batch(
        lakehouse.lakehouse(),
        batch,
        tenants=lakehouse.tenants(),
        audio_store=settings.audio_store,
        quarantine_store=settings.quarantine_store,
        pseudonymise_phone=lambda tenant, phone: caller_key(keys, tenant, phone),
        limits=Limits(max_file_bytes=settings.max_file_bytes, quiet_s=settings.landing_quiet_s),
    )
    context.log.info(
        f"batch {batch.partition_key}: {outcome.calls.num_rows} accepted, "
        f"{outcome.quarantine.num_rows} quarantined, {outcome.already_ingested} already ingested, "
        f"{len(outcome.left)} left in landing for a later run"
    )
    yield dg.MaterializeResult(
        asset_key=["bronze", "calls"],
        metadata={
            "rows_inserted": outcome.calls_inserted,
            "calls_accepted": outcome.calls.num_rows,
            "already_ingested": outcome.already_ingested,
            "audio_seconds": round(sum(outcome.calls.column("duration_s").to_pylist()), 1),
            "landing_files_cleared": outcome.cleared,
            "landing_files_left": len(outcome.left),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["bronze", "quarantine"],
        metadata={
            "rows_inserted": outcome.quarantine_inserted,
            "reasons": dg.MetadataValue.json(outcome.reasons()),
        },
    )

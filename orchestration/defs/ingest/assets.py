"""Landing → bronze.calls + bronze.quarantine, one call batch (dynamic partition) per run."""

from datetime import UTC, datetime

import dagster as dg

from orchestration.lib.owners import OWNERS
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import LakehouseResource
from transforms.core.tables import CALLS, QUARANTINE
from transforms.ingest import landing
from transforms.ingest.batch import ingest_batch
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
    lh = lakehouse.lakehouse()
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
    tenant = lakehouse.tenants().get(tenant_id)
    # A tenant whose contract has ended needs no key: its batches are set aside as they are.
    if tenant is not None and not tenant.contract_ended(datetime.now(UTC).date()):
        try:  # fail closed, before anything is stored: the files stay in landing until fixed
            keys.secret(tenant_id)
        except KeyStoreError as exc:
            raise dg.Failure(f"batch {context.partition_key} not ingested: {exc}") from exc
    outcome = ingest_batch(
        batch,
        tenants=lakehouse.tenants(),
        existing_calls=lh.read(CALLS, tenant_id, columns=["call_id", "audio_sha256"]),
        audio_store=settings.audio_store,
        quarantine_store=settings.quarantine_store,
        pseudonymise_phone=lambda tenant, phone: caller_key(keys, tenant, phone),
    )
    calls = lh.merge(CALLS, outcome.calls)
    quarantined = lh.merge(QUARANTINE, outcome.quarantine)
    # Only now, with both commits done, may the landing copies go.
    cleared = landing.clear_landing(batch, outcome.consumed)
    context.log.info(
        f"batch {batch.partition_key}: {outcome.calls.num_rows} accepted, "
        f"{outcome.quarantine.num_rows} quarantined, {outcome.already_ingested} already ingested"
    )
    yield dg.MaterializeResult(
        asset_key=["bronze", "calls"],
        metadata={
            "rows_inserted": calls["num_target_rows_inserted"],
            "calls_accepted": outcome.calls.num_rows,
            "already_ingested": outcome.already_ingested,
            "audio_seconds": round(sum(outcome.calls.column("duration_s").to_pylist()), 1),
            "landing_files_cleared": cleared,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["bronze", "quarantine"],
        metadata={
            "rows_inserted": quarantined["num_target_rows_inserted"],
            "reasons": dg.MetadataValue.json(outcome.reasons()),
        },
    )

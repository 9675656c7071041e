"""Landing → bronze.calls + bronze.quarantine, one call batch (dynamic partition) per run."""

import dagster as dg

from orchestration.lib.owners import OWNERS
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import SettingsResource
from transforms.core.keys import KeyStoreError
from transforms.core.tables import CALLS, QUARANTINE
from transforms.ingest import step


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
def landed_calls(context: dg.AssetExecutionContext, settings: SettingsResource):
    """Validate a landing batch; good audio to the audio store, bad files to quarantine."""
    try:
        outcome = step.run(settings.step_context(context.log), context.partition_key)
    except KeyStoreError as exc:  # fail closed: nothing stored, the files wait in landing
        raise dg.Failure(f"batch {context.partition_key} not ingested: {exc}") from exc
    if outcome is None:
        # Already ingested and cleared: re-running is a no-op, not an error.
        context.log.info("landing batch already cleared; nothing to ingest")
        for spec in (CALLS, QUARANTINE):
            yield dg.MaterializeResult(
                asset_key=["bronze", spec.name], metadata={"rows_inserted": 0, "landing": "empty"}
            )
        return
    context.log.info(
        f"batch {context.partition_key}: {outcome.calls.num_rows} accepted, "
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

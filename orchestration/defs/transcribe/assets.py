"""bronze.calls → silver.transcripts + silver.transcript_segments (faster-whisper)."""

import dagster as dg

from orchestration.lib.owners import OWNERS
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import SettingsResource, WhisperResource
from transforms.core.tables import SEGMENTS, TRANSCRIPTS
from transforms.transcribe import step


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["silver", "transcripts"],
            deps=[["bronze", "calls"]],
            description=TRANSCRIPTS.description,
            owners=OWNERS,
            tags={"layer": "silver", "pii": "conversation"},
            kinds={"delta", "python"},
        ),
        dg.AssetSpec(
            ["silver", "transcript_segments"],
            deps=[["bronze", "calls"]],
            description=SEGMENTS.description,
            owners=OWNERS,
            tags={"layer": "silver", "pii": "conversation"},
            kinds={"delta"},
        ),
    ],
    partitions_def=call_batches,
    group_name="transcribe",
)
def transcripts(
    context: dg.AssetExecutionContext, settings: SettingsResource, whisper: WhisperResource
):
    """Transcribe the batch's calls not yet transcribed by this model (key: sha256, model).

    Calls run in parallel worker processes (one model each); a call whose audio fails to
    decode goes to bronze.quarantine with its reason and the run carries on.
    """
    ctx = settings.step_context(context.log)
    ctx = ctx.with_settings(whisper.apply(ctx.settings))
    done = step.run(ctx, context.partition_key)
    out = done.out
    yield dg.MaterializeResult(
        asset_key=["silver", "transcripts"],
        metadata={
            "model_id": done.model_id,
            "calls_transcribed": done.calls,
            "calls_skipped": done.skipped,
            "calls_quarantined": len(out.quarantine),
            "rows_inserted": done.rows_inserted,
            "audio_seconds": round(out.audio_s, 1),
            "wall_seconds": round(out.wall_s, 1),
            "real_time_factor": out.real_time_factor,
            "workers": done.workers,
            "threads_per_worker": done.threads,
            "quality": dg.MetadataValue.json(dict(done.quality)),
            # Counts per entity type only: what was redacted never goes into metadata.
            "pii_redacted": dg.MetadataValue.json(dict(out.entities)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "transcript_segments"],
        metadata={
            "segments_written": len(out.segments),
            "segments_flagged": sum(1 for s in out.segments if s["flag"]),
        },
    )

"""bronze.calls → silver.transcripts + silver.transcript_segments (faster-whisper)."""

import time
from datetime import UTC, datetime

import dagster as dg
import polars as pl

from orchestration.defs.ingest.assets import OWNERS
from orchestration.partitions import call_batches
from orchestration.resources import LakehouseResource, WhisperResource
from transforms import ingest
from transforms import lakehouse as storage
from transforms.audio import decode_channels
from transforms.lakehouse import conform
from transforms.silver import transcript_rows
from transforms.tables import CALLS, SEGMENTS, TRANSCRIPTS
from transforms.transcription import model_id as model_id_of


def batch_calls(lakehouse: LakehouseResource, partition_key: str) -> pl.DataFrame:
    """The bronze rows of one call batch."""
    tenant_id, batch_id = ingest.split_partition_key(partition_key)
    calls = lakehouse.lakehouse().read(CALLS, tenant_id)
    return calls.filter(pl.col("batch_id") == batch_id).sort("call_id")


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
    context: dg.AssetExecutionContext, lakehouse: LakehouseResource, whisper: WhisperResource
):
    """Transcribe the batch's calls not yet transcribed by this model (key: sha256, model)."""
    lh = lakehouse.lakehouse()
    tenants = lakehouse.tenants()
    calls = batch_calls(lakehouse, context.partition_key)
    model_id = model_id_of(whisper.model_path())
    tenant_id, _ = ingest.split_partition_key(context.partition_key)
    done = lh.read(TRANSCRIPTS, tenant_id, columns=["audio_sha256", "model_id"]).filter(
        pl.col("model_id") == model_id
    )
    todo = calls.join(done.select("audio_sha256"), on="audio_sha256", how="anti")
    rows, segment_rows = [], []
    audio_s = wall_s = 0.0
    started = time.perf_counter()
    for i, call in enumerate(todo.iter_rows(named=True), start=1):
        tenant = tenants.get(call["tenant_id"])
        channels = decode_channels(storage.read_bytes(call["audio_uri"]), call["channels"])
        result = whisper.transcriber().transcribe(
            channels,
            language=call["language"],
            channel_layout=call["channel_layout"],
            allowed_languages=tenant.languages if tenant else (),
        )
        row, segs = transcript_rows(call, result, model_id, datetime.now(UTC))
        rows.append(row)
        segment_rows.extend(segs)
        audio_s += result.duration_s
        wall_s = time.perf_counter() - started
        context.log.info(
            f"transcribed {i}/{todo.height} calls; {audio_s / 3600:.3f} audio h; "
            f"real-time factor {audio_s / wall_s:.1f}x"
        )
    inserted = lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, rows))
    lh.merge(SEGMENTS, conform(SEGMENTS, segment_rows))
    rtf = round(audio_s / wall_s, 2) if wall_s else None
    yield dg.MaterializeResult(
        asset_key=["silver", "transcripts"],
        metadata={
            "model_id": model_id,
            "calls_transcribed": len(rows),
            "calls_skipped": calls.height - todo.height,
            "rows_inserted": inserted["num_target_rows_inserted"],
            "audio_seconds": round(audio_s, 1),
            "wall_seconds": round(wall_s, 1),
            "real_time_factor": rtf,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "transcript_segments"],
        metadata={"segments_written": len(segment_rows)},
    )

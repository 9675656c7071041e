"""bronze.calls → silver.transcripts + silver.transcript_segments (faster-whisper)."""

import os
from collections import Counter

import dagster as dg
import polars as pl

from orchestration.lib.owners import OWNERS
from orchestration.lib.partitions import batch_calls, call_batches
from orchestration.lib.resources import LakehouseResource, WhisperResource
from transforms.core import storage
from transforms.core.lakehouse import conform
from transforms.core.scorecards import CardChoice
from transforms.core.tables import QUARANTINE, SEGMENTS, TRANSCRIPTS
from transforms.ingest.landing import split_partition_key
from transforms.transcribe.batch import calls_to_transcribe, transcribe_batch


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
    """Transcribe the batch's calls not yet transcribed by this model (key: sha256, model).

    Calls run in parallel worker processes (one model each); a call whose audio fails to
    decode goes to bronze.quarantine with its reason and the run carries on.
    """
    lh = lakehouse.lakehouse()
    tenant_id, _ = split_partition_key(context.partition_key)
    calls = batch_calls(lh, context.partition_key)
    model_path = whisper.model_path()
    model_id = whisper.model_id()
    done = lh.read(TRANSCRIPTS, tenant_id, columns=["audio_sha256", "model_id"])
    todo = calls_to_transcribe(calls, done, model_id)
    # A recording deleted under retention (content, 6 months) is not transcribed again.
    todo = todo.filter(pl.col("audio_uri").is_in(storage.existing(todo["audio_uri"].to_list())))
    workers, threads = whisper.plan(todo.height)
    if todo.height:
        context.log.info(
            f"transcribing {todo.height} calls: {workers} process(es) x {threads} thread(s), "
            f"beam {whisper.beam()}"
        )
    tenants = lakehouse.tenants()
    cards = lakehouse.scorecards()
    # The card that will score the calls primes the decoder with its phrasings.
    choice = (
        CardChoice(tenant_id, cards, lakehouse.assignments(cards), tenants[tenant_id].scorecard)
        if tenant_id in tenants
        else None
    )
    transcriber = None
    if workers == 1 and todo.height:
        transcriber, loaded = whisper.transcriber(threads)
        # One line per step: the worker-process tests count model loads per process with it.
        context.log.info(
            f"Whisper model {'loaded' if loaded else 'reused'} in process {os.getpid()}"
        )
    device, compute_type = whisper.device()
    out = transcribe_batch(
        todo,
        tenants=tenants,
        model_dir=model_path,
        model_id=model_id,
        workers=workers,
        threads=threads,
        beam_size=whisper.beam(),
        transcriber=transcriber,
        card_for=choice.card_for if choice else None,
        log=context.log,
        device=device,
        compute_type=compute_type,
    )
    # The transcript row is what marks a call done (a rerun skips it): it is committed last, so
    # a step killed between two commits leaves calls that a retry transcribes again, never a
    # transcript without its segments.
    lh.merge(SEGMENTS, conform(SEGMENTS, out.segments))
    if out.quarantine:
        lh.merge(QUARANTINE, conform(QUARANTINE, out.quarantine))
    inserted = lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, out.transcripts))
    quality = Counter(row["quality"] for row in out.transcripts)
    yield dg.MaterializeResult(
        asset_key=["silver", "transcripts"],
        metadata={
            "model_id": model_id,
            "calls_transcribed": len(out.transcripts),
            "calls_skipped": calls.height - todo.height,
            "calls_quarantined": len(out.quarantine),
            "rows_inserted": inserted["num_target_rows_inserted"],
            "audio_seconds": round(out.audio_s, 1),
            "wall_seconds": round(out.wall_s, 1),
            "real_time_factor": out.real_time_factor,
            "workers": workers,
            "threads_per_worker": threads,
            "quality": dg.MetadataValue.json(dict(quality)),
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

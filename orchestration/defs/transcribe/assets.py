"""bronze.calls → silver.transcripts + silver.transcript_segments (faster-whisper)."""

import hashlib
import time
from collections import Counter
from datetime import UTC, datetime

import dagster as dg
import polars as pl

from orchestration.defs.ingest.assets import OWNERS
from orchestration.partitions import call_batches
from orchestration.resources import LakehouseResource, WhisperResource
from transforms import ingest
from transforms import lakehouse as storage
from transforms.audio_redaction import redact_audio
from transforms.lakehouse import conform
from transforms.redaction import RedactedCall, playback_uri, redact_transcript
from transforms.roles import RoleHints
from transforms.silver import transcript_rows
from transforms.tables import CALLS, QUARANTINE, SEGMENTS, TRANSCRIPTS
from transforms.transcribe_pool import CallJob, JobResult, transcribe_calls
from transforms.transcription import model_id as model_id_of


def batch_calls(lakehouse: LakehouseResource, partition_key: str) -> pl.DataFrame:
    """The bronze rows of one call batch."""
    tenant_id, batch_id = ingest.split_partition_key(partition_key)
    calls = lakehouse.lakehouse().read(CALLS, tenant_id, where={"batch_id": batch_id})
    return calls.sort("call_id")


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
    tenants = lakehouse.tenants()
    calls = batch_calls(lakehouse, context.partition_key)
    model_path = whisper.model_path()
    model_id = model_id_of(model_path)
    tenant_id, _ = ingest.split_partition_key(context.partition_key)
    done = lh.read(TRANSCRIPTS, tenant_id, columns=["audio_sha256", "model_id"]).filter(
        pl.col("model_id") == model_id
    )
    # Longest calls first: the last call to finish then is a short one, so no worker idles
    # long at the end of the batch while another finishes a long call.
    todo = calls.join(done.select("audio_sha256"), on="audio_sha256", how="anti").sort(
        "duration_s", descending=True
    )
    by_uid = {c["call_uid"]: c for c in todo.iter_rows(named=True)}
    workers, threads = whisper.plan(todo.height)
    if todo.height:
        context.log.info(
            f"transcribing {todo.height} calls: {workers} process(es) x {threads} thread(s), "
            f"beam {whisper.beam()}"
        )

    # Each call's bytes are read once and kept until its result is in (the pool pulls jobs
    # lazily, so only the calls in flight are held): the playback copy is made from them.
    audio_of: dict[str, bytes] = {}

    def jobs():
        for call in by_uid.values():
            tenant = tenants.get(call["tenant_id"])
            audio_of[call["call_uid"]] = storage.read_bytes(call["audio_uri"])
            yield CallJob(
                key=call["call_uid"],
                audio=audio_of[call["call_uid"]],
                channels=call["channels"],
                language=call["language"],
                channel_layout=call["channel_layout"],
                allowed_languages=tenant.languages if tenant else (),
                roles=RoleHints.for_tenant(tenant),
            )

    rows, segment_rows, failed = [], [], []
    entities: Counter[str] = Counter()
    audio_s = 0.0
    started = time.perf_counter()
    results = transcribe_calls(
        jobs(),
        model_dir=model_path,
        workers=workers,
        threads=threads,
        beam_size=whisper.beam(),
        transcriber=whisper.transcriber(threads) if workers == 1 and todo.height else None,
    )
    for i, result in enumerate(results, start=1):
        call = by_uid[result.key]
        audio = audio_of.pop(result.key)
        if result.transcript is None:
            failed.append(_quarantine_row(call, result))
            context.log.warning(f"call {i}/{todo.height} not transcribed: {result.error_code}")
            continue
        redacted = redact_transcript(result.transcript)
        playback = _write_playback_copy(call["audio_uri"], audio, redacted)
        entities.update(redacted.entities)
        row, segs = transcript_rows(call, redacted, model_id, datetime.now(UTC), playback)
        rows.append(row)
        segment_rows.extend(segs)
        audio_s += result.transcript.duration_s
        wall_s = time.perf_counter() - started
        context.log.info(
            f"transcribed {i}/{todo.height} calls; {audio_s / 3600:.3f} audio h; "
            f"real-time factor {audio_s / wall_s:.1f}x"
        )
    wall_s = time.perf_counter() - started
    inserted = lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, rows))
    lh.merge(SEGMENTS, conform(SEGMENTS, segment_rows))
    if failed:
        lh.merge(QUARANTINE, conform(QUARANTINE, failed))
    rtf = round(audio_s / wall_s, 2) if wall_s and audio_s else None
    quality = Counter(row["quality"] for row in rows)
    yield dg.MaterializeResult(
        asset_key=["silver", "transcripts"],
        metadata={
            "model_id": model_id,
            "calls_transcribed": len(rows),
            "calls_skipped": calls.height - todo.height,
            "calls_quarantined": len(failed),
            "rows_inserted": inserted["num_target_rows_inserted"],
            "audio_seconds": round(audio_s, 1),
            "wall_seconds": round(wall_s, 1),
            "real_time_factor": rtf,
            "workers": workers,
            "threads_per_worker": threads,
            "quality": dg.MetadataValue.json(dict(quality)),
            # Counts per entity type only: what was redacted never goes into metadata.
            "pii_redacted": dg.MetadataValue.json(dict(entities)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "transcript_segments"],
        metadata={
            "segments_written": len(segment_rows),
            "segments_flagged": sum(1 for s in segment_rows if s["flag"]),
        },
    )


def _write_playback_copy(audio_uri: str, audio: bytes, redacted: RedactedCall) -> str:
    """The playback/export copy of the call (FLAC), with every redacted span toned out."""
    flac, _ = redact_audio(audio, redacted.audio_spans)
    uri = playback_uri(audio_uri)
    storage.write_bytes(uri, flac)
    return uri


def _quarantine_row(call: dict, result: JobResult) -> dict:
    """A stored call whose audio the transcriber cannot read: kept in place, reason recorded."""
    key = f"transcribe/{call['call_uid']}/{call['audio_sha256']}/{result.error_code}"
    return {
        "quarantine_id": hashlib.sha256(key.encode()).hexdigest()[:32],
        "tenant_id": call["tenant_id"],
        "batch_id": call["batch_id"],
        "file_name": call["audio_uri"].rsplit("/", 1)[-1],
        "call_id": call["call_id"],
        "file_sha256": call["audio_sha256"],
        "file_size_bytes": call["file_size_bytes"],
        "quarantine_uri": call["audio_uri"],
        "reason_code": result.error_code or "transcription_failed",
        "reason": result.error or "transcription failed",
        "manifest_row": None,
        "quarantined_at": datetime.now(UTC),
    }

"""The transcribe step of one call batch: bronze.calls → silver.transcripts + transcript_segments.

``run(ctx, partition)`` owns the whole step, in its crash-safe order: read the batch's calls, skip
those already transcribed with this model (key: audio sha256, model id) and those whose recording
retention deleted, plan the worker processes, transcribe (primed with the card that will score
each call), then commit segments, quarantine rows and, last, the transcripts. The transcript row
marks a call done: a step killed between two commits leaves calls a retry transcribes again, never
a transcript without its segments. The Dagster asset, ``ccr``, the Celery workers (through the
asset) and the benchmarks all call it.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from transforms.core import storage
from transforms.core.context import StepContext
from transforms.core.lakehouse import conform
from transforms.core.settings import Settings
from transforms.core.tables import QUARANTINE, SEGMENTS, TRANSCRIPTS
from transforms.ingest.landing import batch_calls, split_partition_key
from transforms.transcribe.batch import BatchTranscripts, calls_to_transcribe, transcribe_batch
from transforms.transcribe.engine import Transcriber
from transforms.transcribe.model import model_id, resolve_model_dir
from transforms.transcribe.pool import cached_transcriber, plan_workers


@dataclass
class Transcribed:
    """What the step did: counts for the run's metadata (never a call's content)."""

    model_id: str
    calls: int = 0
    skipped: int = 0
    rows_inserted: int = 0
    workers: int = 0
    threads: int = 0
    out: BatchTranscripts = field(default_factory=BatchTranscripts)

    @property
    def quality(self) -> Counter[str]:
        return Counter(row["quality"] for row in self.out.transcripts)


def model_of(settings: Settings) -> tuple[Path, str]:
    """(model folder, model id) the settings transcribe with; the bundled model is assembled on
    first use."""
    folder = resolve_model_dir(settings)
    return folder, model_id(folder, settings.compute_type)


def plan(settings: Settings, calls: int) -> tuple[int, int]:
    """(worker processes, threads each) for ``calls`` calls on this machine."""
    workers, threads = plan_workers(
        workers=settings.whisper_workers, threads=settings.whisper_threads
    )
    workers = max(1, min(workers, calls))
    if not settings.whisper_threads:
        # Fewer calls than planned workers: give the idle cores to the ones that run.
        workers, threads = plan_workers(workers=workers)
    return workers, threads


def transcriber(settings: Settings, model_dir: Path, threads: int) -> tuple[Transcriber, bool]:
    """This process's model, and whether this call loaded it. Loaded on first use, so runs that
    skip every call never pay for it; kept for the process's life, so a long-lived worker (a
    Celery worker's pool process) loads it once, not once per batch step."""
    return cached_transcriber(
        model_dir,
        threads=threads,
        beam_size=settings.whisper_beam,
        device=settings.whisper_device,
        compute_type=settings.compute_type,
    )


def run(ctx: StepContext, partition: str) -> Transcribed:
    """Transcribe the batch's calls not yet transcribed by this model, and commit them."""
    settings, lh = ctx.settings, ctx.lakehouse
    tenant_id, _ = split_partition_key(partition)
    calls = batch_calls(lh, partition)
    model_dir, mid = model_of(settings)
    done = lh.read(TRANSCRIPTS, tenant_id, columns=["audio_sha256", "model_id"])
    todo = calls_to_transcribe(calls, done, mid)
    # A recording deleted under retention (content, 6 months) is not transcribed again; one
    # stored outside the lakehouse root (a copied or moved home) is refused, never read.
    located = lh.locate_all(todo["audio_uri"].to_list())
    todo = todo.filter(pl.col("audio_uri").is_in(storage.existing(located)))
    workers, threads = plan(settings, todo.height)
    result = Transcribed(mid, skipped=calls.height - todo.height, workers=workers, threads=threads)
    if todo.height:
        ctx.log.info(
            f"transcribing {todo.height} calls: {workers} process(es) x {threads} thread(s), "
            f"beam {settings.whisper_beam}"
        )
    # The card that will score the calls primes the decoder with its phrasings.
    choice = ctx.card_choice(tenant_id)
    model = None
    if workers == 1 and todo.height:
        model, loaded = transcriber(settings, model_dir, threads)
        # One line per step: the worker-process tests count model loads per process with it.
        ctx.log.info(f"Whisper model {'loaded' if loaded else 'reused'} in process {os.getpid()}")
    out = transcribe_batch(
        todo,
        tenants=ctx.tenants,
        model_dir=model_dir,
        model_id=mid,
        workers=workers,
        threads=threads,
        beam_size=settings.whisper_beam,
        transcriber=model,
        card_for=choice.card_for if choice else None,
        log=ctx.log,
        device=settings.whisper_device,
        compute_type=settings.compute_type,
        now=ctx.now,
        unseal=lh.unseal,
        seal=lh.seal,
    )
    # Commit order: segments, quarantine, then the transcripts that mark the calls done.
    lh.merge(SEGMENTS, conform(SEGMENTS, out.segments))
    if out.quarantine:
        lh.merge(QUARANTINE, conform(QUARANTINE, out.quarantine))
    inserted = lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, out.transcripts))
    result.calls = len(out.transcripts)
    result.rows_inserted = inserted["num_target_rows_inserted"]
    result.out = out
    return result

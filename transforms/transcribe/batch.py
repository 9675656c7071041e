"""One call batch through transcription: the calls still to do, the worker pool, redaction, and
the silver rows (and quarantine rows for audio the decoder cannot read).

The transcribe step (``step.py``) reads the batch's bronze rows, calls ``transcribe_batch`` and
commits what it returns; nothing here touches a Delta table.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from transforms.core import storage
from transforms.core.log import SILENT, Log
from transforms.core.quarantine import quarantine_row
from transforms.core.scorecards import Scorecard
from transforms.core.tenants import Tenant
from transforms.privacy.audio_redaction import redact_audio
from transforms.privacy.redaction import RedactedCall, playback_uri, redact_transcript
from transforms.transcribe.biasing import DecoderBias, company_name, decoder_bias
from transforms.transcribe.engine import Transcriber
from transforms.transcribe.model import COMPUTE_TYPE
from transforms.transcribe.pool import CallJob, JobResult, transcribe_calls
from transforms.transcribe.roles import RoleHints
from transforms.transcribe.rows import transcript_rows


@dataclass
class BatchTranscripts:
    transcripts: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)
    #: bronze.quarantine rows of stored calls whose audio could not be transcribed
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    audio_s: float = 0.0
    wall_s: float = 0.0
    #: Seconds spent opening recordings and sealing playback copies (the tenant's encryption).
    crypto_s: float = 0.0
    #: Entity type -> placeholders written. Counts only: safe for run metadata.
    entities: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        result: JobResult,
        call: dict[str, Any],
        audio: bytes,
        tenant: Tenant | None,
        model_id: str,
        now: datetime,
        seal: Callable[[str, bytes], bytes] | None = None,
    ) -> bool:
        """One call's result (``call``: its bronze.calls row, ``audio``: its recording's bytes):
        redacted, its playback copy written, its rows kept; a quarantine row when it could not be
        transcribed (then False)."""
        if result.transcript is None:
            self.quarantine.append(_quarantine_row(call, result, now))
            return False
        redacted = redact_transcript(result.transcript, tenant)
        playback = _write_playback_copy(call, audio, redacted, seal, self)
        self.entities.update(redacted.entities)
        row, segs = transcript_rows(call, redacted, model_id, now, playback)
        self.transcripts.append(row)
        self.segments.extend(segs)
        self.audio_s += result.transcript.duration_s
        return True

    @property
    def real_time_factor(self) -> float | None:
        return round(self.audio_s / self.wall_s, 2) if self.wall_s and self.audio_s else None


def calls_to_transcribe(calls: pl.DataFrame, done: pl.DataFrame, model_id: str) -> pl.DataFrame:
    """The batch's calls not yet transcribed by ``model_id`` (key: audio sha256, model), longest
    first: the last call to finish is then a short one, so no worker idles long at the end of the
    batch while another finishes a long call."""
    done = done.filter(pl.col("model_id") == model_id).select("audio_sha256")
    return calls.join(done, on="audio_sha256", how="anti").sort("duration_s", descending=True)


def transcribe_batch(
    todo: pl.DataFrame,
    *,
    tenants: dict[str, Tenant],
    model_dir: str | Path,
    model_id: str,
    workers: int,
    threads: int,
    beam_size: int,
    transcriber: Transcriber | None = None,
    card_for: Callable[[str | None], Scorecard] | None = None,
    log: Log = SILENT,
    device: str = "cpu",
    compute_type: str = COMPUTE_TYPE,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    unseal: Callable[[str, bytes], bytes] | None = None,
    seal: Callable[[str, bytes], bytes] | None = None,
) -> BatchTranscripts:
    """Transcribe ``todo`` (bronze.calls rows) in worker processes, redact, write playback copies.

    ``card_for(campaign)`` is the scorecard that will score a call of the batch's tenant: its
    phrasings and the tenant's name prime the decoder (``transforms.transcribe.biasing``).
    A call whose audio fails to decode becomes a quarantine row and the batch carries on.
    ``unseal``/``seal`` (tenant, bytes) open stored recordings and seal the playback copies
    (``Lakehouse.unseal``/``seal``); without them bytes are read and written as they are.
    """
    by_uid = {c["call_uid"]: c for c in todo.iter_rows(named=True)}
    # Each call's bytes are read once and kept until its result is in (the pool pulls jobs
    # lazily, so only the calls in flight are held): the playback copy is made from them.
    audio_of: dict[str, bytes] = {}
    out = BatchTranscripts()
    started = time.perf_counter()
    results = transcribe_calls(
        call_jobs(
            by_uid.values(),
            tenants,
            audio_of,
            (lambda _tenant, campaign: card_for(campaign)) if card_for is not None else None,
            unseal,
            out,
        ),
        model_dir=model_dir,
        workers=workers,
        threads=threads,
        beam_size=beam_size,
        transcriber=transcriber,
        device=device,
        compute_type=compute_type,
    )
    for i, result in enumerate(results, start=1):
        call = by_uid[result.key]
        audio = audio_of.pop(result.key)
        if not out.add(result, call, audio, tenants.get(call["tenant_id"]), model_id, now(), seal):
            log.warning(f"call {i}/{todo.height} not transcribed: {result.error_code}")
            continue
        wall_s = time.perf_counter() - started
        log.info(
            f"transcribed {i}/{todo.height} calls; {out.audio_s / 3600:.3f} audio h; "
            f"real-time factor {out.audio_s / wall_s:.1f}x"
        )
    out.wall_s = time.perf_counter() - started
    return out


def call_jobs(
    calls: Any,
    tenants: dict[str, Tenant],
    audio_of: dict[str, bytes],
    card_for: Callable[[str, str | None], Scorecard] | None = None,
    unseal: Callable[[str, bytes], bytes] | None = None,
    out: BatchTranscripts | None = None,
) -> Iterator[CallJob]:
    """One job per call (bronze.calls rows, in the order given), its audio read when the pool
    asks for it; the card that will score it (``card_for(tenant_id, campaign)``) primes the
    decoder and lists the agent's phrasings the roles are checked with."""
    biases: dict[tuple[str, str | None], DecoderBias] = {}
    hints: dict[tuple[str, str | None], RoleHints] = {}
    for call in calls:
        tenant = tenants.get(call["tenant_id"])
        where = (call["tenant_id"], call.get("campaign"))
        if where not in hints:
            card = card_for(*where) if card_for is not None else None
            hints[where] = RoleHints.for_tenant(tenant, card)
            if tenant is not None and card is not None:
                biases[where] = decoder_bias(
                    card, company_name(tenant.display_name), tenant.languages
                )
        audio = storage.read_bytes(call["audio_uri"])
        if unseal is not None:
            started = time.perf_counter()
            audio = unseal(call["tenant_id"], audio)
            if out is not None:
                out.crypto_s += time.perf_counter() - started
        audio_of[call["call_uid"]] = audio
        yield CallJob(
            key=call["call_uid"],
            audio=audio_of[call["call_uid"]],
            channels=call["channels"],
            language=call["language"],
            channel_layout=call["channel_layout"],
            allowed_languages=tenant.languages if tenant else (),
            roles=hints[where],
            bias=biases.get(where),
        )


def _write_playback_copy(
    call: dict[str, Any],
    audio: bytes,
    redacted: RedactedCall,
    seal: Callable[[str, bytes], bytes] | None,
    out: BatchTranscripts,
) -> str:
    """The playback/export copy of the call (FLAC), with every redacted span toned out, sealed
    with the tenant's data key."""
    flac, _ = redact_audio(audio, redacted.audio_spans)
    uri = playback_uri(call["audio_uri"])
    if seal is not None:
        started = time.perf_counter()
        flac = seal(call["tenant_id"], flac)
        out.crypto_s += time.perf_counter() - started
    storage.write_bytes(uri, flac)
    return uri


def _quarantine_row(call: dict[str, Any], result: JobResult, now: datetime) -> dict[str, Any]:
    """A stored call whose audio the transcriber cannot read: kept in place, reason recorded."""
    return quarantine_row(
        key=f"transcribe/{call['call_uid']}/{call['audio_sha256']}/{result.error_code}",
        tenant_id=call["tenant_id"],
        batch_id=call["batch_id"],
        file_name=call["audio_uri"].rsplit("/", 1)[-1],
        call_id=call["call_id"],
        file_sha256=call["audio_sha256"],
        file_size_bytes=call["file_size_bytes"],
        quarantine_uri=call["audio_uri"],
        reason_code=result.error_code or "transcription_failed",
        reason=result.error or "transcription failed",
        quarantined_at=now,
    )

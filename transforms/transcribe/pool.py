"""Many calls at once: one model per worker process, loaded once by the pool initializer.

CTranslate2 scales poorly past a couple of threads on short batches, so on a small box two
single-threaded processes beat one two-threaded process (~25–31× vs ~21× real time on 2 cores).
Used by the Dagster transcribe asset and by ``bench/transcription.py`` alike.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from transforms.core.audio import AudioRejected, decode_channels
from transforms.core.heap import release_free_memory
from transforms.core.transcript import CallTranscript
from transforms.transcribe.biasing import DecoderBias
from transforms.transcribe.channels import mixdown
from transforms.transcribe.engine import DEFAULT_BEAM, Transcriber
from transforms.transcribe.model import COMPUTE_TYPE
from transforms.transcribe.roles import RoleHints

#: Calls queued per worker beyond the one it runs: keeps workers busy without holding the
#: audio bytes of a whole batch in memory.
QUEUE_PER_WORKER = 2


@dataclass(frozen=True)
class CallJob:
    key: str
    audio: bytes
    channels: int
    language: str | None = None
    channel_layout: str | None = None
    allowed_languages: tuple[str, ...] = ()
    roles: RoleHints = field(default_factory=RoleHints)
    #: What the decoder is primed with: the call's scorecard phrasings and tenant name.
    bias: DecoderBias | None = None


@dataclass(frozen=True)
class JobResult:
    key: str
    transcript: CallTranscript | None
    #: Machine-readable reason when the call could not be transcribed (then transcript is None).
    error_code: str | None = None
    error: str | None = None


def plan_workers(cpus: int | None = None, workers: int = 0, threads: int = 0) -> tuple[int, int]:
    """(processes, threads per process) for this machine; explicit settings win.

    One thread per process up to 2 cores, two threads per process above (a worker's batch
    has enough work for two), never more threads in total than cores.
    """
    cpus = max(1, cpus or os.cpu_count() or 1)
    if workers <= 0:
        workers = cpus if cpus <= 2 else max(1, cpus // 2)
    if threads <= 0:
        threads = max(1, cpus // workers)
    return workers, threads


_transcriber: Transcriber | None = None
#: Models this process keeps for its lifetime, by (folder, threads, beam, device, compute type):
#: a long-lived worker (a Celery worker's pool process) runs one batch step after another, and
#: loading the model costs about a second of CPU and 150 MB each time.
_LOADED: dict[tuple[str, int, int, str, str], Transcriber] = {}
_LOADED_LOCK = threading.Lock()


def cached_transcriber(
    model_dir: str | Path,
    *,
    threads: int,
    beam_size: int = DEFAULT_BEAM,
    device: str = "cpu",
    compute_type: str = COMPUTE_TYPE,
) -> tuple[Transcriber, bool]:
    """This process's model for these settings, and whether it was loaded by this call."""
    key = (str(model_dir), threads, beam_size, device, compute_type)
    with _LOADED_LOCK:
        if key in _LOADED:
            return _LOADED[key], False
        model = Transcriber(
            model_dir,
            cpu_threads=threads,
            beam_size=beam_size,
            device=device,
            compute_type=compute_type,
        )
        _LOADED[key] = model
        return model, True


def _init_worker(
    model_dir: str, threads: int, beam_size: int, device: str, compute_type: str
) -> None:
    global _transcriber
    _transcriber, _ = cached_transcriber(
        model_dir, threads=threads, beam_size=beam_size, device=device, compute_type=compute_type
    )


def transcribe_job(job: CallJob, transcriber: Transcriber | None = None) -> JobResult:
    """Decode and transcribe one call; bad audio is a result with a reason, never a crash."""
    model = transcriber or _transcriber
    if model is None:
        raise RuntimeError("no model loaded in this process: call _init_worker first")
    try:
        channels = decode_channels(job.audio, job.channels)
    except AudioRejected as exc:
        return JobResult(job.key, None, exc.code, str(exc))
    except Exception as exc:
        return JobResult(
            job.key, None, "undecodable", f"audio cannot be decoded ({type(exc).__name__})"
        )
    if not channels or max(len(c) for c in channels) == 0:
        return JobResult(job.key, None, "no_audio", "the audio decodes to no samples")
    if job.channel_layout == "mono" and len(channels) == 2:
        # The plan mixes a call declared mono down whatever its channels hold; mixed here, the
        # two decoded channels are freed before transcription (230 MB on a 30-minute call).
        channels = [mixdown(channels)]
    release_free_memory()  # the decoder's 16-bit frames, freed
    transcript = model.transcribe(
        channels,
        language=job.language,
        channel_layout=job.channel_layout,
        allowed_languages=job.allowed_languages,
        roles=job.roles,
        bias=job.bias,
    )
    return JobResult(job.key, transcript)


def transcribe_calls(
    jobs: Iterable[CallJob],
    *,
    model_dir: str | Path,
    workers: int,
    threads: int,
    beam_size: int = DEFAULT_BEAM,
    transcriber: Transcriber | None = None,
    on_result: Callable[[JobResult], None] | None = None,
    device: str = "cpu",
    compute_type: str = COMPUTE_TYPE,
) -> Iterator[JobResult]:
    """Results in completion order. One worker runs in this process (no start-up cost)."""
    if workers <= 1:
        model = transcriber or Transcriber(
            model_dir,
            cpu_threads=threads,
            beam_size=beam_size,
            device=device,
            compute_type=compute_type,
        )
        for job in jobs:
            result = transcribe_job(job, model)
            if on_result:
                on_result(result)
            yield result
        return
    # spawn, not fork: CTranslate2 and OpenMP thread pools do not survive a fork.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(str(model_dir), threads, beam_size, device, compute_type),
    ) as pool:
        pending: set[Future[JobResult]] = set()
        queued = iter(jobs)
        limit = workers * (1 + QUEUE_PER_WORKER)
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < limit:
                job = next(queued, None)
                if job is None:
                    exhausted = True
                    break
                pending.add(pool.submit(transcribe_job, job))
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                if on_result:
                    on_result(result)
                yield result

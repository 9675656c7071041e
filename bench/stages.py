"""Where a transcription run's time goes, stage by stage (``bench/transcription.py``).

Benchmark-only instrumentation: the product's functions are wrapped, in the process that runs
them, by timers that count each stage's own time (a stage called inside another is taken out of
the outer one), so the stages add up to the time the wrapped code ran. The worker processes
(spawned by ``transforms.transcribe.pool``) are instrumented by their initializer, which this
module replaces in the pipeline's process; each worker writes its totals to
``$CCR_BENCH_STAGES/<pid>.json`` after every call.

Stages in the workers: decoding the audio, VAD, the log-Mel features, language detection, the
encoder, the decoder (beam search), word alignment (CTranslate2's cross-attention pass and the
DTW around it), diarization and the role checks; the encoder, decoder and alignment of the
second, primed decode of unsure chunks are counted apart ("primed …"); "other (worker)" is the
rest of a call's time in a worker (chunking, segments, guards). Stages in the pipeline's own
process: reading and opening the sealed recordings, redaction, the playback copy (toned out,
FLAC, sealed) and writing the rows (Delta MERGE with encryption).
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Environment variable naming the folder the workers write their totals to.
ENV = "CCR_BENCH_STAGES"

#: Stages whose time inside the primed re-decode is counted apart.
PRIMED = {"encoder", "decoder", "word alignment"}

#: Order of the table's rows.
ORDER = (
    "read recording",
    "decode audio",
    "VAD",
    "log-Mel features",
    "language detection",
    "encoder",
    "decoder",
    "word alignment",
    "primed encoder",
    "primed decoder",
    "primed word alignment",
    "diarization",
    "role checks",
    "other (worker)",
    "redaction",
    "playback copy",
    "writing rows",
)


class StageClock:
    """Exclusive seconds and calls per stage, for one process (its stages run on one thread)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._inner: list[float] = []
        self.primed = False

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            label = f"primed {name}" if self.primed and name in PRIMED else name
            started = time.perf_counter()
            self._inner.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                inner = self._inner.pop()
                self.seconds[label] += elapsed - inner
                self.calls[label] += 1
                if self._inner:
                    self._inner[-1] += elapsed

        return timed

    def priming(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` with the primed flag set while it runs (it is not a stage of its own)."""

        def flagged(*args: Any, **kwargs: Any) -> Any:
            self.primed = True
            try:
                return fn(*args, **kwargs)
            finally:
                self.primed = False

        return flagged

    def totals(self) -> dict[str, dict[str, float]]:
        return {k: {"s": self.seconds[k], "calls": self.calls[k]} for k in self.seconds}


class _Timed:
    """``target`` with some methods timed; every other attribute read through."""

    def __init__(self, target: Any, clock: StageClock, methods: dict[str, str]) -> None:
        object.__setattr__(self, "_target", target)
        for method, stage in methods.items():
            object.__setattr__(self, method, clock.wrap(stage, getattr(target, method)))

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_target"), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return object.__getattribute__(self, "__call_timed__")(*args, **kwargs)


CLOCK = StageClock()


def instrument_transcriber(transcriber: Any, clock: StageClock = CLOCK) -> None:
    """Time the stages of ``transcriber`` (``transforms.transcribe.engine.Transcriber``) and of
    the module functions it calls, in this process."""
    from transforms.transcribe import engine, pool, vad

    model = transcriber.model
    model.model = _Timed(
        model.model,
        clock,
        {
            "encode": "encoder",
            "generate": "decoder",
            "align": "word alignment",
            "detect_language": "language detection",
        },
    )
    features = model.feature_extractor
    timed_features = _Timed(features, clock, {})
    object.__setattr__(timed_features, "__call_timed__", clock.wrap("log-Mel features", features))
    model.feature_extractor = timed_features
    model.add_word_timestamps = clock.wrap("word alignment", model.add_word_timestamps)
    transcriber._primed_unless_cut = clock.priming(transcriber._primed_unless_cut)
    vad.speech_timestamps = clock.wrap("VAD", vad.speech_timestamps)
    engine.diarize = clock.wrap("diarization", engine.diarize)
    engine._roles = clock.wrap("role checks", engine._roles)
    pool.decode_channels = clock.wrap("decode audio", pool.decode_channels)


def _dumping(job: Callable[..., Any], folder: Path) -> Callable[..., Any]:
    timed = CLOCK.wrap("other (worker)", job)

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return timed(*args, **kwargs)
        finally:
            (folder / f"{os.getpid()}.json").write_text(json.dumps(CLOCK.totals()))

    return run


def init_worker(*args: Any) -> None:
    """``transforms.transcribe.pool._init_worker``, then this worker's stages timed."""
    from transforms.transcribe import pool

    ORIGINAL_INIT(*args)
    instrument_transcriber(pool._transcriber)
    pool.transcribe_job = _dumping(pool.transcribe_job, Path(os.environ[ENV]))


def _original_init() -> Callable[..., Any]:
    from transforms.transcribe import pool

    return pool._init_worker


ORIGINAL_INIT = _original_init()


def instrument_pipeline(folder: Path, clock: StageClock = CLOCK) -> None:
    """In the pipeline's process: its workers' stages written under ``folder``, and its own
    stages (reading, redaction, the playback copy) timed by ``clock``."""
    from transforms.core import storage
    from transforms.transcribe import batch, pool

    os.environ[ENV] = str(folder)
    pool._init_worker = init_worker
    batch.redact_transcript = clock.wrap("redaction", batch.redact_transcript)
    batch._write_playback_copy = clock.wrap("playback copy", batch._write_playback_copy)
    batch.storage = _Timed(storage, clock, {"read_bytes": "read recording"})


def worker_totals(folder: Path) -> dict[str, dict[str, float]]:
    """Every worker's totals, summed."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: {"s": 0.0, "calls": 0})
    for path in folder.glob("*.json"):
        for stage, figures in json.loads(path.read_text()).items():
            out[stage]["s"] += figures["s"]
            out[stage]["calls"] += figures["calls"]
    return dict(out)

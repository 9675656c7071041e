"""What is transcribed does not change with the bounded-memory pieces of issue 23.

A 30-minute call must stay under 1.5 GB (``bench/long_call_memory.py``); the pieces that get it
there (``transforms.transcribe.vad``, ``transforms.transcribe.batch_parts``, the decoder of
``transforms.core.audio``, the early mix-down of a call declared mono) must leave every
transcript as it was. Each test transcribes with the stock faster-whisper functions (whole
signals, whole batches) and with the product's, on the same CPU in the same process, and
compares everything: segments, words, times, probabilities, speakers. Texts, tokens, times and
speakers must be equal; scores and probabilities equal to ``SCORE_TOL``: on a CPU whose int8
kernels are AVX2 only (oneDNN), a decoder pass over fewer chunks gives word probabilities a few
ten-thousandths apart (0.98544 against 0.98499), where an AVX-512 CPU gave them bit for bit. The
parts are made as small as they go so that a one-minute sample call is split as a long call is.
"""

from __future__ import annotations

import dataclasses

import faster_whisper.vad as stock
import numpy as np
import pytest
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer

from transforms.core.audio import decode_channels
from transforms.core.settings import REPO_ROOT
from transforms.core.tenants import load_tenants
from transforms.transcribe import batch_parts, vad
from transforms.transcribe.engine import VAD, Transcriber
from transforms.transcribe.pool import CallJob, transcribe_job
from transforms.transcribe.roles import RoleHints

LANDING = REPO_ROOT / "samples" / "landing"
#: How far apart two decodes of the same chunk may put a score or a probability (see above).
SCORE_TOL = 2e-3
ACME = RoleHints.for_tenant(load_tenants(REPO_ROOT / "config" / "tenants.yaml")["acme-telecom"])


def _differences(a: object, b: object, where: str = "") -> list[str]:
    """Where ``a`` and ``b`` differ: anything but a float must be equal, a float to
    ``SCORE_TOL`` (floats that are times come out equal; the tolerance is for scores)."""
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        a, b = dataclasses.asdict(a), dataclasses.asdict(b)
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _differences(x, y, f"{where}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        return [] if abs(a - b) <= SCORE_TOL else [f"{where}: {a} != {b}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def _stock_timestamps(audio: np.ndarray, options: dict | None = None) -> list[dict[str, int]]:
    return stock.get_speech_timestamps(audio, stock.VadOptions(**(options or {})))


def _stock_chunks(audio: np.ndarray, clips: list[dict[str, int]], max_duration: float):
    return zip(*stock.collect_chunks(audio, clips, max_duration=max_duration), strict=True)


def _whole_batch(pipeline, features, tokenizer, metadata, options, *_, **__):
    return pipeline.forward(features, tokenizer, metadata, options)


def _as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine as it was: faster-whisper's VAD and chunking, whole batches."""
    monkeypatch.setattr(vad, "speech_timestamps", _stock_timestamps)
    monkeypatch.setattr(vad, "speech_chunks", _stock_chunks)
    monkeypatch.setattr(batch_parts, "forward_in_parts", _whole_batch)


@pytest.mark.parametrize(
    ("name", "layout"),
    [("acme-20261102-0001.mp3", "agent-left"), ("acme-20261103-0004.mp3", "mono")],
)
def test_a_sample_call_is_transcribed_as_before(
    model: Transcriber, name: str, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = next(LANDING.rglob(name)).read_bytes()
    job = CallJob(name, data, 2, language="en", channel_layout=layout, roles=ACME)
    with monkeypatch.context() as before:
        _as_before(before)
        left, right = decode_channels(data, 2)
        expected = model.transcribe(
            [left.copy(), right.copy()], language="en", channel_layout=layout, roles=ACME
        )
    # The smallest parts: every decode batch of this one-minute call is split.
    monkeypatch.setattr(batch_parts, "BEAM_PART", 1)
    monkeypatch.setattr(batch_parts, "ALIGN_PART", 1)
    got = transcribe_job(job, model).transcript
    assert got is not None
    assert len(expected.segments) > 3
    assert not _differences(got.segments, expected.segments)
    assert (got.speaker_method, got.duration_s, got.language) == (
        expected.speaker_method,
        expected.duration_s,
        expected.language,
    )


def test_the_comparison_tolerates_score_noise_only() -> None:
    word = {"word": " me.", "start": 52.24, "end": 53.0, "probability": 0.98544}
    assert not _differences([[{"words": [word]}]], [[{"words": [{**word, "probability": 0.985}]}]])
    for changed in ({"word": " my."}, {"start": 52.26}, {"probability": 0.97}):
        assert _differences([[{"words": [word]}]], [[{"words": [{**word, **changed}]}]])
    assert _differences([{"tokens": [1, 2]}], [{"tokens": [1, 3]}])
    assert _differences([{"tokens": [1, 2]}], [{"tokens": [1, 2]}, {}])


@pytest.fixture(scope="module")
def agent_chunks(model: Transcriber) -> list[tuple[np.ndarray, dict]]:
    """Speech chunks of up to 10 s (features, metadata) from the agent channel of six calls."""
    agent = np.concatenate(
        [decode_channels(p.read_bytes(), 2)[0] for p in sorted(LANDING.rglob("acme-*.mp3"))[:6]]
    )
    clips = vad.speech_timestamps(agent, VAD)
    return [
        (model.model.feature_extractor(c)[..., :-1], m)
        for c, m in vad.speech_chunks(agent, clips, max_duration=10.0)
        if len(c) > 160
    ]


@pytest.mark.parametrize("frames", ["varied", "even"])
def test_a_batch_in_parts_gives_the_whole_batch_outputs(
    model: Transcriber, agent_chunks: list[tuple[np.ndarray, dict]], frames: str
) -> None:
    """Seven chunks decoded whole and in parts of every size: tokens, scores, sub-segment times,
    words, word times and probabilities, and the aligner's carried timestamp all equal.

    CTranslate2 aligns a batch one way when its chunks' frame counts differ and another way
    when they are equal (``transforms.transcribe.batch_parts``): both kinds of batch are tried,
    and the texts differ in length so that the longest is in one part only."""
    if frames == "varied":
        picked = agent_chunks[:7]
        assert len({np.ceil(m["duration"]) for _, m in picked}) > 1
    else:
        seconds = [np.ceil(m["duration"]) for _, m in agent_chunks]
        common = max(set(seconds), key=seconds.count)
        picked = [fm for fm, s in zip(agent_chunks, seconds, strict=True) if s == common][:7]
        assert len(picked) >= 5
    features = [f for f, _ in picked]
    metadata = [m for _, m in picked]
    width = max(model._window(f, m["duration"]).shape[-1] for f, m in picked)
    batch = np.stack([pad_or_trim(f, width) for f in features])
    tokenizer = Tokenizer(model.model.hf_tokenizer, True, "transcribe", "en")
    options = model._options(tokenizer)

    def decode(part: int | None, align_part: int | None):
        model.pipeline.last_speech_timestamp = 0.0
        if part is None:
            out = model.pipeline.forward(batch, tokenizer, metadata, options)
        else:
            out = batch_parts.forward_in_parts(
                model.pipeline, batch, tokenizer, metadata, options, part, align_part
            )
        return out, model.pipeline.last_speech_timestamp

    whole = decode(None, None)
    texts = [len(s["tokens"]) for chunk in whole[0] for s in chunk]
    assert sum(len(s["words"]) for chunk in whole[0] for s in chunk) > 30
    assert len(set(texts)) > 2
    for part, align_part in [(1, 1), (3, 2)]:
        assert not _differences(decode(part, align_part), whole), (part, align_part)
    # Without word times nothing is aligned, and the parts still give the whole batch's text.
    plain = dataclasses.replace(options, word_timestamps=False)
    model.pipeline.last_speech_timestamp = 0.0
    assert not _differences(
        batch_parts.forward_in_parts(model.pipeline, batch, tokenizer, metadata, plain, 2, 2),
        model.pipeline.forward(batch, tokenizer, metadata, plain),
    )

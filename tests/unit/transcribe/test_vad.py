"""The bounded-memory VAD gives faster-whisper's speech timestamps and chunks exactly.

What the transcriber hears depends on where VAD puts speech and how it chunks it: any difference
from the stock functions would change transcripts. So the probabilities are compared bit for
bit with faster-whisper's model call, the timestamps with ``get_speech_timestamps`` (on a few
minutes of the sample calls, then the rules alone on random probabilities), and the chunks and
their metadata with ``collect_chunks``.
"""

from __future__ import annotations

import tracemalloc
from functools import cache

import faster_whisper.vad as stock
import numpy as np
import pytest

from transforms.core.audio import decode_channels
from transforms.core.settings import REPO_ROOT
from transforms.transcribe import vad
from transforms.transcribe.engine import CHUNK_S, DIARIZATION_VAD, VAD

LANDING = REPO_ROOT / "samples" / "landing"
RULES = [VAD, DIARIZATION_VAD, {}]


@cache
def sample_minutes() -> tuple[np.ndarray, np.ndarray]:
    """The agent channel and the mono mix of the first five sample calls (3.9 min), end to end."""
    lefts, mixes = [], []
    for path in sorted(LANDING.rglob("*.mp3"))[:5]:
        left, right = decode_channels(path.read_bytes(), 2)
        lefts.append(left)
        mixes.append((left + right) * 0.5)
    return np.concatenate(lefts), np.concatenate(mixes)


def stock_probabilities(audio: np.ndarray) -> np.ndarray:
    padded = np.pad(audio, (0, vad.WINDOW - audio.shape[0] % vad.WINDOW))
    return np.asarray(stock.get_vad_model()(padded)).reshape(-1)


@pytest.mark.parametrize("which", [0, 1])
def test_timestamps_and_probabilities_match_faster_whisper_on_sample_calls(which: int) -> None:
    audio = sample_minutes()[which]
    assert len(audio) > 150 * 16000
    assert np.array_equal(vad.speech_probabilities(audio), stock_probabilities(audio))
    for rules in RULES:
        ours = vad.speech_timestamps(audio, rules)
        assert ours == stock.get_speech_timestamps(audio, stock.VadOptions(**rules))
        assert len(ours) > (10 if rules else 0)  # the stock defaults merge pauses under 2 s


@pytest.mark.parametrize("extra", [0, 1, 300, 449, 500, 511])
def test_the_last_window_and_run_edges_match(extra: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lengths that fill the last window to various depths (the stock model zeroes the last 64
    samples of its last window, padding or not), and runs far shorter than the signal."""
    monkeypatch.setattr(vad, "WINDOWS_PER_RUN", 37)
    audio = sample_minutes()[0][: 20 * 16000 + extra].copy()
    assert np.array_equal(vad.speech_probabilities(audio), stock_probabilities(audio))


def test_short_and_silent_signals() -> None:
    for audio in (np.zeros(0, np.float32), np.zeros(100, np.float32), np.zeros(16000, np.float32)):
        assert np.array_equal(vad.speech_probabilities(audio), stock_probabilities(audio))
        assert vad.speech_timestamps(audio, VAD) == stock.get_speech_timestamps(
            audio, stock.VadOptions(**VAD)
        )


def test_probabilities_are_remembered_for_the_same_array_only() -> None:
    audio = sample_minutes()[0][: 30 * 16000].copy()
    first = vad.speech_probabilities(audio)
    assert vad.speech_probabilities(audio) is first
    other = audio.copy()
    other[: 10 * 16000] = 0.0  # same length, other content: never served the old result
    assert np.array_equal(vad.speech_probabilities(other), stock_probabilities(other))
    assert not np.array_equal(vad.speech_probabilities(other), first)


class _Given:
    """A stand-in for the ONNX model that answers with given probabilities."""

    def __init__(self, probs: np.ndarray) -> None:
        self.probs = probs

    def __call__(self, padded: np.ndarray) -> np.ndarray:
        assert len(padded) // vad.WINDOW == len(self.probs)
        return self.probs


@pytest.mark.parametrize("seed", range(40))
def test_the_rules_match_on_random_probabilities(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs of speech and silence of every length, thresholds and limits varied, so that every
    branch (long speech cut at a pause or hard, short speech dropped, padding merged) is hit."""
    rng = np.random.default_rng(seed)
    n_windows = int(rng.integers(1, 4000))
    runs = rng.geometric(rng.uniform(0.02, 0.5), size=n_windows)
    levels = rng.uniform(0, 1, size=n_windows).astype(np.float32)
    probs = np.repeat(levels, runs)[:n_windows].astype(np.float32)
    length = (n_windows - 1) * vad.WINDOW + int(rng.integers(0, vad.WINDOW))
    options = {
        "threshold": float(rng.uniform(0.2, 0.8)),
        "min_speech_duration_ms": int(rng.choice([0, 250])),
        "max_speech_duration_s": float(rng.choice([float("inf"), 30.0, 3.0])),
        "min_silence_duration_ms": int(rng.choice([100, 160, 300, 2000])),
        "speech_pad_ms": int(rng.choice([0, 30, 100, 400])),
    }
    if rng.random() < 0.3:
        options["neg_threshold"] = float(rng.uniform(0.05, options["threshold"]))
    monkeypatch.setattr(stock, "get_vad_model", lambda: _Given(probs))
    audio = np.zeros(length, np.float32)
    expected = stock.get_speech_timestamps(audio, stock.VadOptions(**options))
    ours = vad.timestamps_from_probabilities(probs, length, stock.VadOptions(**options))
    assert ours == expected


def _same_chunks(audio: np.ndarray, clips: list[dict[str, int]], max_s: float) -> None:
    chunks, metadata = stock.collect_chunks(audio, [dict(c) for c in clips], max_duration=max_s)
    ours = list(vad.speech_chunks(audio, clips, max_duration=max_s))
    assert [m for _, m in ours] == metadata
    assert len(ours) == len(chunks)
    for (mine, _), theirs in zip(ours, chunks, strict=True):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)


def test_chunks_match_collect_chunks_on_sample_calls() -> None:
    audio = sample_minutes()[1]
    for rules in (VAD, {"min_silence_duration_ms": 2000}):
        clips = vad.speech_timestamps(audio, rules)
        _same_chunks(audio, clips, CHUNK_S)


@pytest.mark.parametrize("seed", range(20))
def test_chunks_match_on_random_clips(seed: int) -> None:
    """Clips longer than a chunk (first or not), clips that fill a chunk exactly, none at all."""
    rng = np.random.default_rng(seed)
    audio = rng.standard_normal(16000 * 200).astype(np.float32)
    clips, t = [], 0
    while True:
        start = t + int(rng.integers(0, 16000 * 3))
        end = start + int(rng.choice([rng.integers(1, 16000 * 12), 16000 * 5, 16000 * 40]))
        if end > len(audio):
            break
        clips.append({"start": start, "end": end})
        t = end
    if seed == 0:
        clips = []
    _same_chunks(audio, clips, 10.0)


def test_vad_memory_stays_bounded_on_a_long_signal() -> None:
    """Ten minutes of one channel: the stock call copies the signal twice over (padding, then
    the model's input); this one allocates a run's input and the probabilities."""
    audio = np.tile(sample_minutes()[0], 4)[: 10 * 60 * 16000]
    tracemalloc.start()
    try:
        vad.speech_probabilities(audio)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MB traced for 38 MB of signal"

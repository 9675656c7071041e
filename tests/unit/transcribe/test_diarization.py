"""Two-voice diarization on a real sample call mixed down to mono (truth from the channels)."""

from __future__ import annotations

import numpy as np
import pytest
from faster_whisper.vad import VadOptions, get_speech_timestamps

from transforms.core.audio import decode_channels
from transforms.core.settings import REPO_ROOT
from transforms.transcribe.diarization import STEP_S, diarize
from transforms.transcribe.engine import DIARIZATION_VAD, diarize_call
from transforms.transcribe.roles import SEPARATION_MIN

LANDING = REPO_ROOT / "samples" / "landing"


def speaker_accuracy(file_name: str) -> float:
    """Share of single-voice speech time given to the right voice (labels 0/1 matched best)."""
    path = next(LANDING.rglob(file_name))
    left, right = decode_channels(path.read_bytes(), 2)
    mono = (left + right) * 0.5
    regions = [
        (r["start"] / 16000, r["end"] / 16000)
        for r in get_speech_timestamps(mono, VadOptions(**DIARIZATION_VAD))
    ]
    result = diarize(mono, regions)
    n = int(STEP_S * 16000)
    agree = total = 0
    for i, label in enumerate(result.labels):
        el = float(np.sum(left[i * n : (i + 1) * n] ** 2))
        er = float(np.sum(right[i * n : (i + 1) * n] ** 2))
        # the truth: which channel is speaking; overlaps and silence are not judged
        if label < 0 or max(el, er) < 1e-3 or min(el, er) > 0.1 * max(el, er):
            continue
        total += 1
        agree += int(label == (0 if el > er else 1))
    assert total > 80  # most of the call is judged
    return max(agree, total - agree) / total


@pytest.mark.parametrize(
    "file_name",
    ["acme-20261102-0001.mp3", "acme-20261102-0003.wav", "glx-20261103-0004.flac"],
)
def test_mono_two_voice_call_is_split_right_for_90_percent_of_speech(file_name):
    assert speaker_accuracy(file_name) >= 0.90


@pytest.mark.parametrize(
    "file_name",
    ["acme-20261102-0001.mp3", "acme-20261102-0003.wav", "glx-20261103-0004.flac"],
)
def test_two_voices_told_apart_measure_as_separated(file_name):
    """A call's two voices, well split above, are not taken for mixed clusters (the role check
    flags a mono call below ``SEPARATION_MIN``); diarization's seconds per voice add up."""
    path = next(LANDING.rglob(file_name))
    left, right = decode_channels(path.read_bytes(), 2)
    heard = diarize_call((left + right) * 0.5)
    assert heard.voices.separation() >= SEPARATION_MIN
    seconds = [heard.voices.speech_s(v) for v in (0, 1)]
    assert sum(seconds) > 30 and min(seconds) > 0.2 * sum(seconds)
    assert 0 < heard.first_speech_s < 1.5

"""Tone-out of PII spans in the playback copy: timing, tone content, everything else untouched."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_fixtures import tone as make_audio
from transforms.privacy.audio_redaction import (
    TONE_HZ,
    TONE_LEVEL,
    decode_pcm16,
    redact_audio,
    sample_ranges,
    tone,
    tone_out,
)
from transforms.privacy.pii import AudioSpan


def _peak_hz(signal: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.fft.rfftfreq(len(signal), 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("rate", [8000, 16000])
def test_span_timing_and_content(rate: int) -> None:
    data = make_audio(seconds=2.0, rate=rate, channels=2, fmt="wav")
    original, got_rate = decode_pcm16(data)
    assert got_rate == rate
    flac, report = redact_audio(data, {1: [(0.5, 0.75)]}, pad_s=0.0)
    redacted, out_rate = decode_pcm16(flac)
    assert out_rate == rate and redacted.shape == original.shape
    lo, hi = int(0.5 * rate), int(0.75 * rate)
    # Outside the span: bit-identical on both channels (all_channels is the default).
    assert np.array_equal(redacted[:, :lo], original[:, :lo])
    assert np.array_equal(redacted[:, hi:], original[:, hi:])
    # Inside: exactly the tone, on both channels, and its pitch is 1 kHz, not the source's.
    expected = np.round(tone(hi - lo, rate) * 32767).astype(np.int16)
    for channel in (0, 1):
        assert np.array_equal(redacted[channel, lo:hi], expected)
        assert abs(_peak_hz(redacted[channel, lo:hi].astype(float), rate) - TONE_HZ) < 10
    assert np.abs(redacted[:, lo:hi]).max() <= TONE_LEVEL * 32767 + 1
    assert report.spans == 1 and report.seconds == pytest.approx(0.25, abs=2 / rate)
    assert report.sample_rate == rate and report.channels == 2


def test_one_channel_only_when_asked() -> None:
    data = make_audio(1.0, 8000, 2, "wav")
    original, _ = decode_pcm16(data)
    flac, _ = redact_audio(data, {0: [AudioSpan(0.2, 0.4, "PHONE")]}, pad_s=0.0, all_channels=False)
    redacted, _ = decode_pcm16(flac)
    assert np.array_equal(redacted[1], original[1])
    assert not np.array_equal(redacted[0, 1600:3200], original[0, 1600:3200])
    assert np.array_equal(redacted[0, :1600], original[0, :1600])


def test_padding_merging_and_clipping() -> None:
    # Two spans closer than twice the padding merge; a span past the end is clipped.
    assert sample_ranges([(1.0, 1.1), (1.25, 1.3)], 8000, 80000, pad_s=0.1) == [(7200, 11200)]
    assert sample_ranges([{"start_s": 9.9, "end_s": 12.0}], 8000, 80000) == [(79200, 80000)]
    assert sample_ranges([(20.0, 21.0)], 8000, 80000) == []
    with pytest.raises(ValueError, match="ends before it starts"):
        sample_ranges([(2.0, 1.0)], 8000, 80000)


def test_tone_fades_in_and_out_without_click() -> None:
    beep = tone(800, 8000)
    assert abs(beep[0]) < 1e-9 and abs(beep[-1]) < 0.01
    assert np.abs(beep).max() == pytest.approx(TONE_LEVEL, rel=0.01)


def test_float_samples_and_mono() -> None:
    samples = np.full((1, 1000), 0.5, dtype=np.float32)
    out, ranges = tone_out(samples, 1000, [(0.1, 0.2)])
    assert ranges == [(100, 200)]
    assert np.all(out[0, :100] == 0.5) and np.all(out[0, 200:] == 0.5)
    assert np.abs(out[0, 100:200]).max() <= TONE_LEVEL
    assert samples[0, 150] == 0.5  # the input is not modified


def test_mp3_source_written_as_flac_copy(tmp_path) -> None:
    source = tmp_path / "call.mp3"
    source.write_bytes(make_audio(1.5, 8000, 1, "mp3"))
    flac, report = redact_audio(source.read_bytes(), {None: [(0.3, 0.6)]}, pad_s=0.05)
    decoded, rate = decode_pcm16(flac)
    original, _ = decode_pcm16(source.read_bytes())
    assert rate == 8000 and decoded.shape == original.shape
    lo, hi = int(0.25 * 8000), int(np.ceil(0.65 * 8000))
    assert np.array_equal(decoded[:, :lo], original[:, :lo])
    assert np.array_equal(decoded[:, hi:], original[:, hi:])
    assert report.seconds == pytest.approx(0.4, abs=0.001)


def test_unknown_channel_is_an_error() -> None:
    with pytest.raises(ValueError, match="channel 3 does not exist"):
        redact_audio(make_audio(0.5, 8000, 2, "wav"), {3: [(0.1, 0.2)]})

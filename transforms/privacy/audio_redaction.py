"""Tone-out of PII in the playback copy of a call: the spans are replaced by a 1 kHz tone.

A tone (rather than silence) tells a reviewer that something was removed, and where. Everything
outside the spans is left sample-for-sample as decoded, so the copy stays a faithful recording.
Word timestamps from Whisper are approximate (about ±0.1 s), hence the padding around each span.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import av
import numpy as np

from transforms.core.audio import open_audio

#: The classic "bleep": audible over telephone bandwidth (300-3400 Hz), not startling.
TONE_HZ = 1000.0
#: Peak level relative to full scale (-20 dBFS): clearly audible, well below typical speech peaks.
TONE_LEVEL = 0.1
#: Raised-cosine ramps at both ends of a tone, so it starts and stops without a click.
FADE_S = 0.005
#: Widening of each span on both sides, for the slack of word timestamps.
PAD_S = 0.1


@dataclass(frozen=True)
class ToneReport:
    spans: int  # spans toned out, after merging overlaps
    seconds: float  # audio seconds replaced, per channel
    sample_rate: int
    channels: int


def _span_bounds(span: Any) -> tuple[float, float]:
    if isinstance(span, Mapping):
        return float(span["start_s"]), float(span["end_s"])
    if hasattr(span, "start_s"):
        return float(span.start_s), float(span.end_s)
    start, end = span[0], span[1]
    return float(start), float(end)


def sample_ranges(
    spans: Iterable[Any], sample_rate: int, n_samples: int, pad_s: float = 0.0
) -> list[tuple[int, int]]:
    """Merged ``[first, last)`` sample indexes covering the spans (seconds), padded and clipped."""
    ranges = []
    for span in spans:
        start_s, end_s = _span_bounds(span)
        if end_s < start_s:
            raise ValueError(f"a span ends before it starts ({start_s:.3f} s > {end_s:.3f} s)")
        # Rounded first so that float noise (1.3 + 0.1 = 1.4000000000000001) adds no sample.
        lo = max(0, int(np.floor(round((start_s - pad_s) * sample_rate, 6))))
        hi = min(n_samples, int(np.ceil(round((end_s + pad_s) * sample_rate, 6))))
        if hi > lo:
            ranges.append((lo, hi))
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def tone(n: int, sample_rate: int, freq: float = TONE_HZ, level: float = TONE_LEVEL) -> np.ndarray:
    """``n`` samples of the tone in [-1, 1], with raised-cosine fades at both ends."""
    t = np.arange(n) / sample_rate
    signal = level * np.sin(2 * np.pi * freq * t)
    fade = min(int(FADE_S * sample_rate), n // 2)
    if fade > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
        signal[:fade] *= ramp
        signal[n - fade :] *= ramp[::-1]
    return signal


def tone_out(
    samples: np.ndarray,
    sample_rate: int,
    spans: Iterable[Any],
    channels: Iterable[int] | None = None,
    pad_s: float = 0.0,
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """A copy of ``samples`` (shape ``(channels, n)``, int16 or float) with the spans toned out.

    ``spans`` are ``(start_s, end_s)`` pairs, dicts or objects with ``start_s``/``end_s``;
    ``channels`` picks the channels to tone (all by default). Returns the copy and the sample
    ranges.
    """
    if samples.ndim != 2:
        raise ValueError("samples must be shaped (channels, n_samples)")
    out = samples.copy()
    ranges = sample_ranges(spans, sample_rate, samples.shape[1], pad_s)
    picked = range(samples.shape[0]) if channels is None else list(channels)
    scale = float(np.iinfo(samples.dtype).max) if np.issubdtype(samples.dtype, np.integer) else 1.0
    for lo, hi in ranges:
        beep = tone(hi - lo, sample_rate) * scale
        if np.issubdtype(samples.dtype, np.integer):
            beep = np.round(beep)
        for channel in picked:
            out[channel, lo:hi] = beep.astype(samples.dtype)
    return out, ranges


def decode_pcm16(data: bytes) -> tuple[np.ndarray, int]:
    """Decode any stored call to int16 samples shaped ``(channels, n)`` at its own sample rate."""
    with open_audio(data) as (container, stream):  # the stored bytes' own format, never guessed
        rate = stream.codec_context.sample_rate
        channels = stream.codec_context.channels
        layout = "stereo" if channels == 2 else "mono"
        resampler = av.AudioResampler(format="s16p", layout=layout, rate=rate)
        chunks = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    if not chunks:
        raise ValueError("the audio decodes to no samples")
    return np.concatenate(chunks, axis=1), rate


def encode_flac(samples: np.ndarray, sample_rate: int) -> bytes:
    """Lossless FLAC of int16 samples shaped ``(channels, n)``."""
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="flac") as out:
        stream = out.add_stream("flac", rate=sample_rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples.T).reshape(1, -1), format="s16", layout=layout
        )
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def redact_audio(
    data: bytes,
    spans_by_channel: Mapping[int | None, Sequence[Any]],
    pad_s: float = PAD_S,
    all_channels: bool = True,
) -> tuple[bytes, ToneReport]:
    """The redacted playback copy (FLAC) of a stored call.

    ``spans_by_channel`` maps a channel index (``None`` = every channel) to its PII audio spans,
    e.g. ``pii.RedactedSegment.audio_spans`` of that channel's segments. With ``all_channels``
    (the default) every span is toned on every channel: the other party's channel often carries a
    faint copy of the voice (cross-talk), and an agent may read the number back.
    """
    samples, rate = decode_pcm16(data)
    out = samples
    all_ranges: list[tuple[int, int]] = []
    for channel, spans in spans_by_channel.items():
        if channel is not None and not 0 <= channel < samples.shape[0]:
            raise ValueError(f"channel {channel} does not exist ({samples.shape[0]} channels)")
        picked = None if all_channels or channel is None else [channel]
        out, ranges = tone_out(out, rate, spans, picked, pad_s)
        all_ranges += ranges
    merged = sample_ranges(((lo / rate, hi / rate) for lo, hi in all_ranges), rate, out.shape[1])
    report = ToneReport(
        spans=len(merged),
        seconds=round(sum(hi - lo for lo, hi in merged) / rate, 3),
        sample_rate=rate,
        channels=samples.shape[0],
    )
    return encode_flac(out, rate), report

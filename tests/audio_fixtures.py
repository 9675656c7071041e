"""Synthetic audio made in memory with PyAV: tones, not speech, for ingest and codec tests."""

from __future__ import annotations

import io

import av
import numpy as np

CONTAINERS = {
    "wav": ("wav", "pcm_s16le"),
    "mulaw": ("wav", "pcm_mulaw"),
    "mp3": ("mp3", "libmp3lame"),
    "flac": ("flac", "flac"),
}


def tone(
    seconds: float = 2.0, rate: int = 8000, channels: int = 2, fmt: str = "wav", freq: float = 440.0
) -> bytes:
    """A sine tone per channel (different pitch on each), encoded as ``fmt``."""
    container_fmt, codec = CONTAINERS[fmt]
    t = np.arange(int(seconds * rate)) / rate
    signal = np.stack([0.3 * np.sin(2 * np.pi * freq * (c + 1) * t) for c in range(channels)])
    pcm = (signal * 32767).astype(np.int16)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo" if channels == 2 else "mono")
        frame = av.AudioFrame.from_ndarray(
            pcm.T.reshape(1, -1).copy(), format="s16", layout="stereo" if channels == 2 else "mono"
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()

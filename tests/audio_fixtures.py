"""Synthetic audio made in memory with PyAV: tones, not speech, for ingest and codec tests."""

from __future__ import annotations

import io

import av
import numpy as np

CONTAINERS = {
    "wav": ("wav", "pcm_s16le"),
    "mulaw": ("wav", "pcm_mulaw"),
    "alaw": ("wav", "pcm_alaw"),
    "ogg": ("ogg", "libopus"),
    "vorbis": ("ogg", "vorbis"),
    "mp3": ("mp3", "libmp3lame"),
    "flac": ("flac", "flac"),
    # Formats ingest refuses (tests of the allow-list):
    "mp4-aac": ("mp4", "aac"),
    "adts-aac": ("adts", "aac"),
    "mp2": ("mp2", "mp2"),
    "wav-adpcm": ("wav", "adpcm_ima_wav"),
}
#: FFmpeg's own Vorbis encoder is marked experimental.
_OPTIONS = {"vorbis": {"strict": "experimental"}}


def tone(
    seconds: float = 2.0, rate: int = 8000, channels: int = 2, fmt: str = "wav", freq: float = 440.0
) -> bytes:
    """A sine tone per channel (different pitch on each), encoded as ``fmt``."""
    t = np.arange(int(seconds * rate)) / rate
    signal = np.stack([0.3 * np.sin(2 * np.pi * freq * (c + 1) * t) for c in range(channels)])
    return encode(signal, rate, fmt)


def encode(signal: np.ndarray, rate: int, fmt: str = "wav") -> bytes:
    """Encode float samples in [-1, 1], shaped (channels, samples) or (samples,), as ``fmt``."""
    container_fmt, codec = CONTAINERS[fmt]
    signal = np.atleast_2d(signal)
    channels = signal.shape[0]
    layout = "stereo" if channels == 2 else "mono"
    pcm = (np.clip(signal, -1, 1) * 32767).astype(np.int16)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout, options=_OPTIONS.get(codec, {}))
        frame = av.AudioFrame.from_ndarray(pcm.T.reshape(1, -1).copy(), format="s16", layout=layout)
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def resample(audio: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear resampling: enough to make telephone-rate test audio from 16 kHz samples."""
    n = int(len(audio) * dst / src)
    return np.interp(np.arange(n) * src / dst, np.arange(len(audio)), audio).astype(np.float32)

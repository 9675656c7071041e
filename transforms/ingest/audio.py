"""Audio checks and decoding with PyAV (bundled FFmpeg: WAV/G.711, MP3, FLAC, Ogg/Opus).

The probe decodes every frame rather than trusting the container header: a truncated MP3 or a
text file renamed ``.wav`` often has a plausible header and no decodable audio.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np
from faster_whisper.audio import decode_audio

SUPPORTED_EXTENSIONS = frozenset({".wav", ".mp3", ".flac", ".ogg", ".opus"})
#: A call centre's longest plausible recording; anything longer is a broken header or a stuck line.
MAX_DURATION_S = 4 * 3600.0
#: Below telephone narrow-band (8 kHz) nothing intelligible survives.
MIN_SAMPLE_RATE = 8000
WHISPER_SAMPLE_RATE = 16000


class AudioRejected(ValueError):
    """Audio that cannot be accepted; ``code`` is the machine-readable quarantine reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    channels: int
    sample_rate: int
    codec: str


def probe(data: bytes) -> AudioInfo:
    """Decode the whole file once and report what it really holds, or raise ``AudioRejected``."""
    if not data:
        raise AudioRejected("empty_file", "the file is empty (0 bytes)")
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioRejected("no_audio_stream", "the file holds no audio stream")
            stream = container.streams.audio[0]
            samples = 0
            for frame in container.decode(stream):
                samples += frame.samples
            channels = stream.codec_context.channels
            rate = stream.codec_context.sample_rate or stream.rate or 0
            codec = stream.codec_context.name
    except AudioRejected:
        raise
    except (av.error.FFmpegError, ValueError, IndexError) as exc:
        raise AudioRejected(
            "undecodable", f"the audio cannot be decoded ({type(exc).__name__})"
        ) from exc
    if samples == 0 or rate <= 0:
        raise AudioRejected("no_audio", "the file decodes to no audio samples (truncated?)")
    duration = samples / rate
    if duration > MAX_DURATION_S:
        raise AudioRejected(
            "duration_out_of_range", f"duration {duration:.0f} s exceeds {MAX_DURATION_S:.0f} s"
        )
    if channels not in (1, 2):
        raise AudioRejected("unsupported_channels", f"{channels} channels; expected 1 or 2")
    if rate < MIN_SAMPLE_RATE:
        raise AudioRejected("sample_rate_too_low", f"{rate} Hz is below {MIN_SAMPLE_RATE} Hz")
    return AudioInfo(duration_s=duration, channels=channels, sample_rate=rate, codec=codec)


def decode_channels(data: bytes, channels: int) -> list[np.ndarray]:
    """16 kHz float32 signal per channel: [left, right] for stereo, [mono] otherwise."""
    if channels == 2:
        left, right = decode_audio(io.BytesIO(data), WHISPER_SAMPLE_RATE, split_stereo=True)
        return [left, right]
    return [decode_audio(io.BytesIO(data), WHISPER_SAMPLE_RATE)]

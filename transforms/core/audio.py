"""Audio checks and decoding with PyAV (bundled FFmpeg), on an allow-list of formats.

FFmpeg opens whatever it is given if asked to guess: a text file named ``.wav`` that starts
``ffconcat version 1.0`` makes it read other files into the call, a playlist makes it fetch
URLs, AAC in an MP4 container named ``.mp3`` decodes fine. So the container is recognised from
the file's first bytes (``sniff``), FFmpeg is told that format explicitly (``open_audio``), and
only these containers and codecs are accepted; anything else is ``unsupported_format``:

| container | recognised by | codecs |
|---|---|---|
| WAV | ``RIFF…WAVE`` (or RF64/BW64) | PCM, G.711 µ-law and A-law |
| MP3 | an ID3v2 tag, or an MPEG-1/2 layer III frame header | MP3 |
| FLAC | ``fLaC`` | FLAC |
| Ogg | ``OggS`` | Vorbis, Opus |

The duration the container declares is checked before anything is decoded, then the probe
decodes every frame rather than trusting the header: a truncated MP3 often has a plausible
header and no decodable audio.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import av
import numpy as np

SUPPORTED_EXTENSIONS = frozenset({".wav", ".mp3", ".flac", ".ogg", ".opus"})
#: FFmpeg demuxer -> the decoders (codec_context.name) accepted in it.
ALLOWED_CODECS: dict[str, frozenset[str]] = {
    "wav": frozenset(
        {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_u8", "pcm_f32le", "pcm_mulaw", "pcm_alaw"}
    ),
    "mp3": frozenset({"mp3", "mp3float"}),
    "flac": frozenset({"flac"}),
    "ogg": frozenset({"vorbis", "opus"}),
}
#: The extension a stored call gets, from what it holds (not from what it was called).
STORED_EXTENSION = {
    "wav": ".wav", "mp3": ".mp3", "flac": ".flac", "vorbis": ".ogg", "opus": ".opus",
}  # fmt: skip
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
    container: str = ""

    @property
    def extension(self) -> str:
        return STORED_EXTENSION.get(self.container if self.container != "ogg" else self.codec, "")


def _mpeg_layer3(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a valid version, layer III (ADTS AAC has
    layer 00 and MP2 layer II: both refused)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    return version != 0b01 and layer == 0b01 and head[2] >> 4 != 0b1111


def sniff(head: bytes) -> str | None:
    """The FFmpeg demuxer for a file starting with ``head``, or None if not an accepted one."""
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or _mpeg_layer3(head):
        return "mp3"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    return None


@contextmanager
def open_audio(data: bytes) -> Iterator[tuple[av.container.InputContainer, av.AudioStream]]:
    """The container (opened with the sniffed format, never guessed) and its audio stream, once
    both are on the allow-list; raises ``AudioRejected``."""
    if not data:
        raise AudioRejected("empty_file", "the file is empty (0 bytes)")
    fmt = sniff(data[:16])
    if fmt is None:
        raise AudioRejected("unsupported_format", "the bytes are not a WAV, MP3, FLAC or Ogg file")
    try:
        container = av.open(io.BytesIO(data), mode="r", format=fmt, metadata_errors="ignore")
    except (av.error.FFmpegError, ValueError, IndexError) as exc:
        raise AudioRejected(
            "undecodable", f"the audio cannot be decoded ({type(exc).__name__})"
        ) from None
    with container:
        if not container.streams.audio:
            raise AudioRejected("no_audio_stream", "the file holds no audio stream")
        stream = container.streams.audio[0]
        # FFmpeg gives no decoder (codec_context None) for a codec it does not know, e.g. a WAV
        # whose format tag names none: as unsupported as a codec it knows and we refuse.
        codec = stream.codec_context.name if stream.codec_context is not None else None
        if codec not in ALLOWED_CODECS[fmt]:
            what = f"codec {codec}" if codec else "a codec FFmpeg does not know"
            raise AudioRejected(
                "unsupported_format", f"{what} in a {fmt} container is not accepted"
            )
        yield container, stream


def _declared_duration(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    """What the header says, in seconds (0 when it says nothing)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return (container.duration or 0) / av.time_base


def _check_duration(duration: float) -> None:
    if duration > MAX_DURATION_S:
        raise AudioRejected(
            "duration_out_of_range", f"duration {duration:.0f} s exceeds {MAX_DURATION_S:.0f} s"
        )


def probe(data: bytes) -> AudioInfo:
    """Decode the whole file once and report what it really holds, or raise ``AudioRejected``."""
    try:
        with open_audio(data) as (container, stream):
            # A header claiming days of audio is refused before decoding any of it.
            _check_duration(_declared_duration(container, stream))
            samples = 0
            for frame in container.decode(stream):
                samples += frame.samples
            channels = stream.codec_context.channels
            rate = stream.codec_context.sample_rate or stream.rate or 0
            codec = stream.codec_context.name
            fmt = container.format.name.split(",")[0]
    except AudioRejected:
        raise
    except (av.error.FFmpegError, ValueError, IndexError) as exc:
        raise AudioRejected(
            "undecodable", f"the audio cannot be decoded ({type(exc).__name__})"
        ) from exc
    if samples == 0 or rate <= 0:
        raise AudioRejected("no_audio", "the file decodes to no audio samples (truncated?)")
    duration = samples / rate
    _check_duration(duration)
    if channels not in (1, 2):
        raise AudioRejected("unsupported_channels", f"{channels} channels; expected 1 or 2")
    if rate < MIN_SAMPLE_RATE:
        raise AudioRejected("sample_rate_too_low", f"{rate} Hz is below {MIN_SAMPLE_RATE} Hz")
    return AudioInfo(duration, channels, rate, codec, fmt)


def decode_channels(data: bytes, channels: int) -> list[np.ndarray]:
    """16 kHz float32 signal per channel: [left, right] for stereo, [mono] otherwise.

    Opened through ``open_audio`` like the probe (the stored bytes are sniffed again, not
    trusted); frames FFmpeg reports as invalid are skipped, as faster-whisper's decoder does.

    FFmpeg's 16-bit interleaved frames are kept until the end (half the size of the result), then
    each channel is written into its own float32 array frame by frame: no whole-call copy of the
    16-bit samples, no interleaved float32 array the channels would be views of (a 30-minute
    stereo call used to peak at +640 MB here, now +350 MB). The values are those of
    ``samples.astype(float32) / 32768`` (a power of two: the product is exact).
    """
    layout = "stereo" if channels == 2 else "mono"
    resampler = av.AudioResampler(format="s16", layout=layout, rate=WHISPER_SAMPLE_RATE)
    blocks: list[np.ndarray] = []
    with open_audio(data) as (container, stream):
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.error.InvalidDataError:
                continue
            frame.pts = None
            blocks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        blocks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    width = 2 if channels == 2 else 1
    total = sum(len(b) for b in blocks)
    # channel k holds the interleaved samples k, k + width, ...: as [k::width] of the whole
    out = [np.empty(len(range(k, total, width)), dtype=np.float32) for k in range(width)]
    at = 0  # index in the interleaved stream of the block's first sample
    for i, block in enumerate(blocks):
        for k in range(width):
            first = (k - at) % width
            part = block[first::width]
            start = (at + first) // width
            np.multiply(part, _S16_SCALE, out=out[k][start : start + len(part)])
        at += len(block)
        blocks[i] = _EMPTY_S16  # each block freed once copied
    return out


#: int16 → [-1, 1): 1 / 32768.
_S16_SCALE = np.float32(1.0 / 32768.0)
_EMPTY_S16 = np.zeros(0, dtype=np.int16)

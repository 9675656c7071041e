import tracemalloc

import av
import numpy as np
import pytest

from tests.audio_fixtures import tone
from transforms.core.audio import (
    WHISPER_SAMPLE_RATE,
    AudioRejected,
    decode_channels,
    open_audio,
    probe,
)
from transforms.core.settings import REPO_ROOT


@pytest.mark.parametrize("fmt", ["wav", "mulaw", "mp3", "flac"])
def test_probe_reads_real_duration_channels_and_rate(fmt):
    info = probe(tone(2.0, rate=8000, channels=2, fmt=fmt))
    assert info.channels == 2 and info.sample_rate == 8000
    assert info.duration_s == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        (b"", {"empty_file"}),
        (b"this is not audio " * 50, {"unsupported_format"}),
        # FFmpeg either fails on the cut frame or finds no whole frame: both are rejections.
        (tone(2.0, fmt="mp3")[:200], {"undecodable", "no_audio"}),
    ],
    ids=["empty", "text-named-wav", "truncated-mp3"],
)
def test_probe_rejects_bad_files_with_a_reason_code(data, codes):
    with pytest.raises(AudioRejected) as err:
        probe(data)
    assert err.value.code in codes


def test_decode_channels_splits_stereo_at_16k():
    left, right = decode_channels(tone(1.0, rate=8000, channels=2), channels=2)
    assert len(left) == len(right) == pytest.approx(16000, abs=50)
    assert abs(left).max() > 0.1 and abs(right).max() > 0.1


def _decode_as_before(data: bytes, channels: int) -> list[np.ndarray]:
    """The decoder before issue 23 (all 16-bit samples joined, then one float32 array the
    channels were views of): what the bounded-memory one must give, value for value."""
    layout = "stereo" if channels == 2 else "mono"
    resampler = av.AudioResampler(format="s16", layout=layout, rate=WHISPER_SAMPLE_RATE)
    chunks = []
    with open_audio(data) as (container, stream):
        for frame in container.decode(stream):
            frame.pts = None
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    audio = np.concatenate(chunks).astype(np.float32) / 32768.0
    return [audio[0::2], audio[1::2]] if channels == 2 else [audio]


CASES = [
    *[(tone(1.3, rate=8000, channels=2, fmt=fmt), 2) for fmt in ("wav", "mulaw", "mp3", "flac")],
    (tone(1.3, rate=48000, channels=2, fmt="ogg"), 2),
    (tone(0.7, rate=22050, channels=1, fmt="wav"), 1),
    (tone(0.7, rate=8000, channels=2, fmt="wav"), 1),  # stereo bytes decoded as mono
    *[(p.read_bytes(), 2) for p in sorted((REPO_ROOT / "samples" / "landing").rglob("*.mp3"))[:2]],
]


@pytest.mark.parametrize(("data", "channels"), CASES)
def test_decode_channels_gives_the_same_samples_as_before(data, channels):
    ours = decode_channels(data, channels)
    before = _decode_as_before(data, channels)
    assert len(ours) == len(before) == channels
    for mine, theirs in zip(ours, before, strict=True):
        assert mine.dtype == np.float32 and np.array_equal(mine, theirs)
        assert mine.flags.c_contiguous and mine.flags.owndata  # not a view of a shared buffer


def test_decode_channels_holds_no_whole_call_temporaries():
    """A minute of 16-kHz stereo: the float32 channels (7.7 MB) are all numpy allocates; the old
    path allocated the joined 16-bit samples, the float32 array and its scaled copy too."""
    data = tone(60.0, rate=16000, channels=2, fmt="wav")
    tracemalloc.start()
    try:
        left, right = decode_channels(data, 2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result = left.nbytes + right.nbytes
    assert peak < 1.6 * result, f"{peak / 2**20:.1f} MB traced for {result / 2**20:.1f} MB"

import pytest

from tests.audio_fixtures import tone
from transforms.core.audio import AudioRejected, decode_channels, probe


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

"""Channel layout detection, guards and agent-role decisions: pure functions, no model."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_fixtures import encode, resample, tone
from transforms.core.audio import decode_channels
from transforms.core.settings import REPO_ROOT
from transforms.core.tenants import Tenant
from transforms.transcribe import channels
from transforms.transcribe.channels import is_fake_stereo, plan_channels, stereo_residual
from transforms.transcribe.guards import (
    call_quality,
    compression_ratio,
    repeated_ngram,
    segment_flags,
)
from transforms.transcribe.roles import RoleHints, agent_of

RNG = np.random.default_rng(7)


def voice(seconds: float, f0: float) -> np.ndarray:
    t = np.arange(int(seconds * 16000)) / 16000
    return (0.2 * np.sin(2 * np.pi * f0 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def test_same_signal_on_both_channels_is_fake_stereo_even_after_a_codec_and_a_gain():
    mixed = voice(3.0, 180) + voice(3.0, 240)[::-1]
    noisy = mixed * 0.7 + RNG.normal(0, 0.002, mixed.size).astype(np.float32)
    assert is_fake_stereo(mixed, noisy)
    plan = plan_channels([mixed, noisy], "agent-left")  # a wrong declaration loses to the audio
    assert plan.speaker_method == "fake_stereo_diarization" and len(plan.signals) == 1


def test_two_voices_on_two_channels_are_real_stereo():
    left, right = voice(3.0, 180), voice(3.0, 260)
    assert stereo_residual(left, right) > 0.5 and not is_fake_stereo(left, right)
    assert plan_channels([left, right], "agent-right").speaker_method == "declared_layout"
    assert plan_channels([left, right], "agent-right").speakers == ("customer", "agent")
    undeclared = plan_channels([left, right], "auto")
    assert undeclared.speaker_method == "stereo_channels" and undeclared.speakers is None
    assert plan_channels([left], None).speaker_method == "mono_diarization"
    assert plan_channels([left, right], "mono").speaker_method == "mono_diarization"


@pytest.mark.parametrize("fmt", ["mulaw", "alaw", "mp3"])
def test_fake_stereo_file_through_a_real_codec(fmt):
    mixed = resample(voice(3.0, 180) + voice(3.0, 240)[::-1], 16000, 8000)
    left, right = decode_channels(encode(np.stack([mixed, mixed]), 8000, fmt), 2)
    assert is_fake_stereo(left, right)
    real = decode_channels(tone(2.0, rate=8000, channels=2, fmt=fmt), 2)
    assert not is_fake_stereo(*real)


def _residual_at_once(left: np.ndarray, right: np.ndarray) -> float:
    """The residual as computed before issue 23: whole-call float64 copies."""
    n = min(len(left), len(right))
    a, b = left[:n].astype(np.float64), right[:n].astype(np.float64)
    gain = float(a @ b) / float(b @ b)
    diff = a - gain * b
    return float(diff @ diff) / float(a @ a)


def test_residual_in_blocks_is_the_whole_call_residual(monkeypatch):
    """Blocks far shorter than the call (and a ragged last block, unequal lengths): the same
    quantity as at once, and the same decision on real and fake stereo sample calls."""
    monkeypatch.setattr(channels, "RESIDUAL_BLOCK", 12_345)
    sample = sorted((REPO_ROOT / "samples" / "landing").rglob("*.mp3"))[0]
    left, right = decode_channels(sample.read_bytes(), 2)
    mixed = (left + right) * 0.5
    fake = mixed * 0.8 + RNG.normal(0, 0.001, mixed.size).astype(np.float32)
    for a, b in ((left, right[:-777]), (mixed, fake), (right, left)):
        assert stereo_residual(a, b) == pytest.approx(_residual_at_once(a, b), rel=1e-9)
    assert not is_fake_stereo(left, right) and is_fake_stereo(mixed, fake)
    silent = np.zeros(50_000, np.float32)
    assert stereo_residual(silent, silent) == 0.0 and stereo_residual(left, silent) == 1.0


@pytest.mark.parametrize(
    ("text", "looping"),
    [
        ("merci merci merci merci", True),
        ("thank you thank you thank you", True),
        ("je vous en prie, merci merci, au revoir", False),
        ("the light on the box turns red and the light blinks", False),
    ],
)
def test_repeated_ngrams_are_decoding_loops(text, looping):
    assert repeated_ngram(text) is looping


def test_segment_flags_follow_whisper_thresholds():
    assert segment_flags("Bonjour, Acme Télécom.", -0.3, 0.02, 0.8) == []
    assert segment_flags("Thank you.", -1.4, 0.9, 0.3) == [
        "no_speech",
        "low_logprob",
        "low_word_probability",
    ]
    loop = "I will check that. " * 12
    assert compression_ratio(loop) > 2.4
    assert {"compression_ratio", "repeated_ngram"} <= set(segment_flags(loop, -0.2, 0.0, 0.9))


def test_call_quality():
    assert call_quality([], None) == ("no_speech", "no speech found")
    assert call_quality([(0, 10, False), (10, 12, True)], 0.8)[0] == "ok"
    assert call_quality([(0, 10, False), (10, 20, True)], 0.8)[0] == "suspect"
    assert call_quality([(0, 10, False)], 0.3)[0] == "low_confidence"


def test_agent_is_who_greets_with_the_company_name_else_the_tenant_rule():
    tenant = Tenant("acme", "ACME Telecom (demo)", ("fr", "en"), "standard")
    hints = RoleHints.for_tenant(tenant)
    assert hints.company == "ACME Telecom"
    openings = ["Bonjour, j'ai un souci de facture.", "Bonjour, Acme Télécom, je m'appelle Julien."]
    assert agent_of(openings, first_speaker=0, hints=hints) == (1, "greeting")
    neutral = ["Hello.", "Hi there."]
    assert agent_of(neutral, first_speaker=1, hints=hints) == (1, "first_speaker")
    second = RoleHints("ACME Telecom", (), "second_speaker")
    assert agent_of(neutral, first_speaker=1, hints=second) == (0, "second_speaker")
    custom = RoleHints("", ("thank you for calling globex",), "first_speaker")
    assert agent_of(["hi", "thank you for calling Globex"], 0, custom) == (1, "greeting")


def test_worker_plan_fits_the_cores():
    from transforms.transcribe.pool import plan_workers

    assert plan_workers(cpus=2) == (2, 1)
    assert plan_workers(cpus=1) == (1, 1)
    assert plan_workers(cpus=16) == (8, 2)
    assert plan_workers(cpus=2, workers=1) == (1, 2)
    assert plan_workers(cpus=8, workers=2, threads=3) == (2, 3)


def test_language_is_chosen_among_the_tenants_languages():
    from transforms.transcribe.engine import restrict_language

    probs = [("nl", 0.5), ("fr", 0.3), ("en", 0.1), ("de", 0.1)]
    assert restrict_language(probs, ("fr", "en"), "fr") == ("fr", 0.75)
    assert restrict_language(probs, (), "fr") == ("nl", 0.5)
    assert restrict_language(None, ("en", "fr"), "fr") == ("en", None)
    assert restrict_language([("de", 1.0)], ("en",), "fr") == ("en", None)

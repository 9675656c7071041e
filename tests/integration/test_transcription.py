"""The real model on telephone formats, fake stereo, mono, silence, noise and two languages.

Test audio is made here from the committed sample calls (PyAV re-encodes them), so no
espeak or ffmpeg binary is needed.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import date
from itertools import pairwise
from pathlib import Path

import dagster as dg
import jiwer
import numpy as np
import polars as pl
import pytest

from orchestration.defs.transcribe.assets import transcripts
from orchestration.lib import processing_log
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import SettingsResource, WhisperResource
from tests.audio_fixtures import encode, resample
from transforms.core import storage
from transforms.core.audio import decode_channels, probe
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import REPO_ROOT
from transforms.core.tables import CALLS, PROCESSING_LOG, QUARANTINE, SEGMENTS, TRANSCRIPTS
from transforms.core.tenants import load_tenants
from transforms.core.text import normalise
from transforms.ingest import batch as ingest
from transforms.ingest import landing, manifest
from transforms.privacy.pseudonymise import caller_key
from transforms.transcribe.engine import Transcriber
from transforms.transcribe.roles import RoleHints

LANDING = REPO_ROOT / "samples" / "landing"
EN = "acme-20261102-0003.wav"  # English, stereo 8 kHz µ-law: "Good afternoon, Acme Telecom…"
FR = "glx-20261103-0004.flac"  # French, stereo 16 kHz FLAC
GROUND_TRUTH = [
    json.loads(line) for line in (REPO_ROOT / "samples" / "ground_truth.jsonl").open() if line
]
TENANTS = load_tenants(REPO_ROOT / "config" / "tenants.yaml")
ACME = RoleHints.for_tenant(TENANTS["acme-telecom"])
GLOBEX = RoleHints.for_tenant(TENANTS["globex-energy"])


def sample(name: str) -> bytes:
    return next(LANDING.rglob(name)).read_bytes()


def stereo(name: str) -> tuple[np.ndarray, np.ndarray]:
    left, right = decode_channels(sample(name), 2)
    return left, right


def script(name: str) -> str:
    """What the sample's speakers were given to say, normalised."""
    truth = next(c for c in GROUND_TRUTH if c["file_name"] == name)
    return normalise(" ".join(t["text"] for t in truth["turns"]))


def speaker_agreement(transcript, name: str) -> float:
    """Share of the words (by duration) given to the speaker the script had speaking then.

    Judged on time, not text (what Whisper hears differs between CPUs): a word is judged when
    its middle falls in exactly one scripted turn. Roles swapped would score near 0.
    """
    turns = next(c for c in GROUND_TRUTH if c["file_name"] == name)["turns"]
    agree = total = 0.0
    for seg in transcript.segments:
        for w in seg.words:
            middle = (w.start_s + w.end_s) / 2
            speaking = {t["speaker"] for t in turns if t["start_s"] <= middle <= t["end_s"]}
            if len(speaking) != 1:
                continue
            total += w.end_s - w.start_s
            agree += (w.end_s - w.start_s) * (seg.speaker in speaking)
    assert total > 10  # most of the call is judged
    return agree / total


def run(model: Transcriber, data: bytes, **kw):
    info = probe(data)
    return model.transcribe(
        decode_channels(data, info.channels),
        language=kw.get("language"),
        channel_layout=kw.get("layout"),
        allowed_languages=("fr", "en"),
        roles=kw.get("roles", ACME),
    )


def words_agree_with_text(transcript) -> None:
    """Word timings usable to cut audio: ordered, inside the call, turns of one channel apart.

    (The segment text is the words' join by construction; redaction keeps it so, which
    tests/unit/test_redaction.py checks.)"""
    by_channel: dict[int, list] = {}
    for seg in transcript.segments:
        assert seg.words
        starts = [w.start_s for w in seg.words]
        assert starts == sorted(starts)
        assert all(0 <= w.start_s <= w.end_s <= transcript.duration_s + 0.05 for w in seg.words)
        by_channel.setdefault(seg.channel, []).append(seg)
    for segs in by_channel.values():
        segs.sort(key=lambda s: s.start_s)
        assert all(a.end_s <= b.start_s + 1e-6 for a, b in pairwise(segs))


def test_chunks_encoded_one_at_a_time_match_the_batched_encoder(model):
    """The speed-up (one chunk at a time, the language-detection chunk remembered) must not
    change what the decoder hears."""
    from faster_whisper import WhisperModel

    left, right = stereo(EN)
    features = np.stack(
        [model.model.feature_extractor(c[: 16000 * 20])[..., :2000] for c in (left, right)]
    )
    batched = np.array(WhisperModel.encode(model.model, features))
    model.model.memo = None
    alone = np.array(model.model.encode(features[:1]))  # as language detection does
    assert model.model.memo is not None and np.array_equal(model.model.memo[1], alone)
    together = np.array(model.model.encode(features))  # the first chunk comes from the memo
    assert np.array_equal(alone[0], batched[0])
    assert np.array_equal(together, batched)


#: WER bounds on the 8-kHz variants of the English sample. Measured on one machine with beam 4
#: and 5, one and two threads: 0.16-0.20 for stereo G.711, 0.49-0.52 for the mono MP3 (both
#: voices on one channel, MP3 at 8 kHz); CPUs differ, so the bounds leave room.
TELEPHONE_WER_MAX = {"mulaw": 0.35, "alaw": 0.35, "mp3": 0.65}


@pytest.mark.parametrize("fmt", ["mulaw", "alaw", "mp3"])
def test_8khz_telephone_audio_transcribes(model, fmt):
    left, right = stereo(EN)
    mono = resample((left + right) * 0.5, 16000, 8000)
    data = (
        encode(mono, 8000, fmt)
        if fmt == "mp3"
        else encode(np.stack([left, right])[:, ::2], 8000, fmt)
    )
    assert probe(data).sample_rate == 8000
    t = run(model, data, layout=None if fmt == "mp3" else "agent-left")
    words_agree_with_text(t)
    # Telephone-band audio is hard for the base model (its words differ between CPUs): the
    # promise is a bounded error rate, and each voice's words given to the right speaker.
    assert jiwer.wer(script(EN), normalise(t.text_of())) < TELEPHONE_WER_MAX[fmt]
    assert speaker_agreement(t, EN) >= 0.85
    assert t.language == "en" and t.language_source == "detected"
    assert t.speaker_method == ("mono_diarization" if fmt == "mp3" else "declared_layout")


def test_fake_stereo_is_diarized_and_the_agent_found_by_the_greeting(model):
    left, right = stereo(FR)
    mixed = (left + right) * 0.5
    t = run(model, encode(np.stack([mixed, mixed]), 16000, "mp3"), layout=None, roles=GLOBEX)
    assert t.speaker_method == "fake_stereo_diarization"
    assert {s.speaker for s in t.segments} == {"agent", "customer"}
    assert all(s.speaker_confidence is not None for s in t.segments)
    # the voice called the agent speaks the agent's lines (judged on time, word by word)
    assert speaker_agreement(t, FR) >= 0.85
    assert t.language == "fr"


@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_silence_and_noise_give_no_text(model, kind):
    rng = np.random.default_rng(3)
    n = 16000 * 12
    signal = np.zeros(n) if kind == "silence" else rng.normal(0, 0.05, n)
    for channels in (1, 2):
        audio = np.stack([signal] * channels) if channels == 2 else signal
        if channels == 2 and kind == "noise":
            audio = np.stack([signal, rng.normal(0, 0.05, n)])  # two independent noises
        t = run(model, encode(audio, 16000, "wav"), layout="agent-left" if channels == 2 else None)
        assert t.text_of() == "" and t.tagged_text() == ""
        assert t.quality == "no_speech"


@pytest.mark.parametrize(("name", "language"), [(EN, "en"), (FR, "fr")])
def test_language_is_detected_among_the_tenants_languages(model, name, language):
    t = run(model, sample(name), layout="agent-left")
    assert t.language == language and t.language_source == "detected"
    assert t.language_probability is not None and t.language_probability > 0.5
    assert t.quality in {"ok", "low_confidence"}
    words_agree_with_text(t)


def test_a_declared_language_wins(model):
    t = run(model, sample(EN), layout="agent-left", language="en")
    assert t.language == "en" and t.language_source == "declared"
    assert t.language_probability is None


# --- the Dagster asset: re-runs skip, bad audio goes to quarantine -----------------------------


def test_rerun_skips_transcribed_calls_and_bad_audio_is_quarantined(ccr_home):
    settings = ccr_home
    folder = Path(settings.landing) / "acme-telecom" / "b1"
    folder.mkdir(parents=True)
    left, right = stereo(EN)
    (folder / "good.wav").write_bytes(encode(np.stack([left, right])[:, : 16000 * 20], 16000))
    (folder / "later-bad.wav").write_bytes(encode(np.stack([right, left]), 16000))
    with (folder / "manifest.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, manifest.MANIFEST_COLUMNS)
        writer.writeheader()
        for call_id, name in (("c-good", "good.wav"), ("c-bad", "later-bad.wav")):
            writer.writerow(
                {
                    "call_id": call_id,
                    "file_name": name,
                    "agent_id": "a1",
                    "started_at": "2026-11-02T09:15:00+01:00",
                    "language": "en",
                }
            )
    lh = Lakehouse(settings.lakehouse)
    keys = FileKeyStore(settings.keys)
    (batch,) = landing.discover_batches(settings.landing)
    outcome = ingest.ingest_batch(
        batch,
        tenants=TENANTS,
        existing_calls=lh.read(CALLS, "acme-telecom", columns=["call_id", "audio_sha256"]),
        audio_store=settings.audio_store,
        quarantine_store=settings.quarantine_store,
        pseudonymise_phone=lambda t, p: caller_key(keys, t, p),
        today=date(2026, 12, 1),
    )
    lh.merge(CALLS, outcome.calls)
    calls = lh.read(CALLS)
    assert set(calls["channel_layout"]) == {"auto"}  # undeclared stereo: decided from audio
    # the stored audio of one call rots after ingest (a WAV header, then garbage): transcription
    # must not fail the run
    bad_uri = calls.filter(pl.col("call_id") == "c-bad")["audio_uri"][0]
    storage.write_bytes(bad_uri, b"RIFF\x24\x00\x00\x00WAVE" + b"garbage " * 20)

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(call_batches.name, [batch.partition_key])
    resources = {
        "settings": SettingsResource.from_env(os.environ),
        "whisper": WhisperResource(workers=1),
    }

    def materialize():
        result = dg.materialize(
            [transcripts.with_hooks(processing_log.HOOKS)],
            partition_key=batch.partition_key,
            resources=resources,
            instance=instance,
        )
        assert result.success
        (mat,) = [
            m
            for m in result.asset_materializations_for_node("transcripts")
            if m.asset_key == dg.AssetKey(["silver", "transcripts"])
        ]
        return {k: v.value for k, v in mat.metadata.items()}

    first = materialize()
    assert first["calls_transcribed"] == 1 and first["calls_quarantined"] == 1
    q = lh.read(QUARANTINE).row(0, named=True)
    assert q["call_id"] == "c-bad" and q["reason_code"] == "undecodable"
    # the processing log records the quarantine write of the transcribe step too
    log = lh.read(PROCESSING_LOG)
    assert dict(zip(log["asset_key"], log["rows_out"], strict=True)) == {
        "silver/transcripts": 1,
        "silver/transcript_segments": lh.read(SEGMENTS).height,
        "bronze/quarantine": 1,
    }
    t = lh.read(TRANSCRIPTS).row(0, named=True)
    assert t["speaker_method"] == "stereo_channels" and t["quality"] in {"ok", "low_confidence"}
    segs = lh.read(SEGMENTS)
    assert segs["words"].list.len().min() >= 1
    assert segs.filter(pl.col("speaker") == "agent")["channel"].unique().to_list() == [0]

    second = materialize()
    assert second["calls_transcribed"] == 0 and second["calls_skipped"] == 1
    assert lh.read(TRANSCRIPTS).height == 1 and lh.read(SEGMENTS).height == segs.height

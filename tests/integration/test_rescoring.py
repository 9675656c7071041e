"""What-if re-scoring through the real score asset on real Delta tables (no ASR needed).

Scoring past calls with a new scorecard version adds rows beside the old ones, never replaces
them; the active flag follows _assignments.yaml; the two versions compare call by call.
"""

import hashlib
import os
import shutil
from datetime import UTC, datetime

import dagster as dg
import polars as pl
import pytest

from orchestration.defs.score.assets import call_scores
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import SettingsResource
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.settings import REPO_ROOT
from transforms.core.tables import (
    CALL_CATEGORIES,
    CALL_METRICS,
    CALL_SCORES,
    CALLS,
    CRITERION_RESULTS,
    SCORECARD_VERSIONS,
    SEGMENTS,
    TRANSCRIPTS,
)

TENANT, BATCH = "acme-telecom", "2026-11-20"
PARTITION = f"{TENANT}__{BATCH}"
NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)
MODEL = "test-model"
# call id -> agent lines (start s, text); c2 never discloses the recording
CALLS_SAID = {
    "c1": [
        (0.5, "Good morning, my name is Tom."),
        (3.0, "This call is recorded."),
        (5.0, "How can I help you?"),
        (12.0, "If I understand correctly, your invoice is wrong."),
        (50.0, "Thank you for calling, have a nice day."),
    ],
    "c2": [
        (0.5, "Good morning, my name is Ann."),
        (5.0, "How can I help you?"),
        (8.0, "I want to cancel my contract.", "customer"),
        (12.0, "If I understand correctly, you want to leave us."),
        (50.0, "Have a nice day."),
    ],
}


def _seed(lh: Lakehouse) -> None:
    calls, transcripts, segments = [], [], []
    for call_id, lines in CALLS_SAID.items():
        uid = f"uid-{call_id}"
        sha = hashlib.sha256(call_id.encode()).hexdigest()  # the shape the contract requires
        row = dict.fromkeys(CALLS.schema.names)
        row.update(
            call_uid=uid, tenant_id=TENANT, call_id=call_id, batch_id=BATCH, agent_id="a1",
            campaign="billing" if call_id == "c1" else None, started_at=NOW,
            channel_layout="agent-left",
            audio_uri="file:///x", audio_sha256=sha, audio_format="wav",
            duration_s=55.0, channels=2, sample_rate=16000, file_size_bytes=1, ingested_at=NOW,
        )  # fmt: skip
        calls.append(row)
        t = dict.fromkeys(TRANSCRIPTS.schema.names)
        t.update(
            call_uid=uid, tenant_id=TENANT, call_id=call_id, audio_sha256=sha,
            model_id=MODEL, language="en", duration_s=55.0, text="", agent_text="",
            customer_text="", segment_count=len(lines), transcribe_seconds=1.0,
            real_time_factor=55.0, transcribed_at=NOW, speaker_method="declared_layout",
            language_source="declared", quality="ok", flagged_segment_count=0, pii_redactions=0,
        )  # fmt: skip
        transcripts.append(t)
        for i, (start, text, *who) in enumerate(lines):
            segments.append(
                {
                    "call_uid": uid,
                    "tenant_id": TENANT,
                    "model_id": MODEL,
                    "segment_index": i,
                    "speaker": who[0] if who else "agent",
                    "channel": 1 if who else 0,
                    "start_s": start,
                    "end_s": start + 2.0,
                    "text": text,
                    "avg_logprob": -0.1,
                    "no_speech_prob": 0.01,
                    "words": [
                        {
                            "word": f" {w}",
                            "start_s": start,
                            "end_s": start + 2.0,
                            "probability": 0.9,
                        }
                        for w in text.split()
                    ],
                    "flag": False,
                    "primed": False,
                    "unprimed_words": [],
                    **dict.fromkeys(
                        ("confidence", "speaker_confidence", "compression_ratio", "flag_reason")
                    ),
                }
            )
    lh.merge(CALLS, conform(CALLS, calls))
    lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, transcripts))
    lh.merge(SEGMENTS, conform(SEGMENTS, segments))
    # every seeded row passed its contract's row rules
    assert lh.read(CALLS).height == lh.read(TRANSCRIPTS).height == len(CALLS_SAID)


@pytest.fixture
def env(tmp_path, monkeypatch, ccr_home):
    cards = tmp_path / "scorecards"
    cards.mkdir()
    for name in ("standard-v1.yaml", "standard-v2.yaml", "_assignments.yaml"):
        shutil.copy(REPO_ROOT / "config" / "scorecards" / name, cards / name)
    monkeypatch.setenv("CCR_SCORECARDS", str(cards))
    lh = SettingsResource.from_env(os.environ).step_context().lakehouse
    _seed(lh)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(call_batches.name, [PARTITION])
    return lh, instance, cards


def _score(instance, version: str = "") -> int:
    config = {"ops": {"call_scores": {"config": {"scorecard_version": version}}}}
    result = dg.materialize(
        [call_scores],
        partition_key=PARTITION,
        instance=instance,
        resources={"settings": SettingsResource.from_env(os.environ)},
        run_config=config,
    )
    assert result.success
    (scores,) = [
        m
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey(["silver", "call_scores"])
    ]
    return scores.materialization.metadata["calls_scored"].value


def test_rescoring_with_a_new_version_adds_rows_and_keeps_the_old_ones(env):
    lh, instance, cards = env
    assert _score(instance) == 2  # active version 1
    v1 = lh.read(CALL_SCORES).sort("call_uid")
    assert v1["scorecard_version"].to_list() == ["1", "1"]
    assert v1["score"].to_list() == [100.0, 80.0]  # c2 misses the 20-point disclosure

    _score(instance, version="2")  # what-if: version 2 on the same calls
    scores = lh.read(CALL_SCORES)
    assert scores.height == 4
    kept = scores.filter(pl.col("scorecard_version") == "1").sort("call_uid")
    assert kept.select("call_uid", "score", "scored_at").equals(
        v1.select("call_uid", "score", "scored_at")
    )  # old rows untouched
    # call-by-call comparison of the two versions
    compare = (
        kept.select("call_uid", pl.col("score").alias("v1"))
        .join(
            scores.filter(pl.col("scorecard_version") == "2").select(
                "call_uid", pl.col("score").alias("v2"), "critical_failed"
            ),
            on="call_uid",
        )
        .sort("call_uid")
    )
    # c1: v2's dead-air cap (10 s) fails on the 36 s gap before the closing: 105 of 110 points;
    # c2: v2 makes the missing disclosure critical, so the whole call fails
    assert compare.rows() == [("uid-c1", 100.0, 95.45, False), ("uid-c2", 80.0, 0.0, True)]
    v2_criteria = lh.read(CRITERION_RESULTS).filter(pl.col("scorecard_version") == "2")
    assert {"disclosure_first", "dead_air"} <= set(v2_criteria["criterion_id"])
    order = v2_criteria.filter(
        (pl.col("call_uid") == "uid-c2") & (pl.col("criterion_id") == "disclosure_first")
    )
    assert order["verdict"].to_list() == ["na"]  # disclosure missing: order cannot be judged

    # running again scores nothing twice (c2 has no campaign: the tenant default card, still
    # recognised as done); metrics and topics are per transcript, not per version
    assert _score(instance) == 0 and _score(instance, version="2") == 0
    assert lh.read(CALL_SCORES).height == 4 and lh.read(CRITERION_RESULTS).height == 2 * 7 + 2 * 9
    assert lh.read(CALL_METRICS).height == 2
    assert set(lh.read(CALL_CATEGORIES)["category_id"]) == {"billing", "cancellation"}

    active = dict(lh.read(SCORECARD_VERSIONS).select("scorecard_version", "is_active").rows())
    assert active == {"1": True, "2": False}
    # making version 2 active flips the flag; no score row changes
    assignments = cards / "_assignments.yaml"
    assignments.write_text(assignments.read_text().replace('standard: "1"', 'standard: "2"'))
    _score(instance)
    active = dict(lh.read(SCORECARD_VERSIONS).select("scorecard_version", "is_active").rows())
    assert active == {"1": False, "2": True}
    assert lh.read(CALL_SCORES).height == 4


def test_an_unknown_what_if_version_fails_the_run(env):
    _, instance, _ = env
    result = dg.materialize(
        [call_scores],
        partition_key=PARTITION,
        instance=instance,
        resources={"settings": SettingsResource.from_env(os.environ)},
        run_config={"ops": {"call_scores": {"config": {"scorecard_version": "9"}}}},
        raise_on_error=False,
    )
    assert not result.success

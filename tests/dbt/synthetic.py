"""A small synthetic lakehouse for the dbt tests, and dbt run as a subprocess.

The Delta tables have the schemas the Python pipeline writes (partitioned by tenant_id); two
tenants, eight calls, two ASR models on one call, two scorecard versions on another, reviews
recorded through the real function. dbt runs in a subprocess (not dbtRunner in-process) so that
its DuckDB connection is closed before a test opens the file read-only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.scorecards import parse_scorecard
from transforms.core.tables import (
    ALL_TABLES,
    CALL_CATEGORIES,
    HUMAN_REVIEWS,
    REJECTED_ROWS,
    SCORECARD_VERSIONS,
)
from transforms.kpis.build_file import dbt_vars
from transforms.review.reviews import record_reviews

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

TS = pl.Datetime("us", "UTC")
T0 = datetime(2024, 5, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- #
# synthetic lakehouse
# --------------------------------------------------------------------------- #

# (call_uid, tenant, call_id, agent, team, language, started_at UTC)
CALLS = [
    ("t1-c01", "t1", "c01", "a1", "red", "en", datetime(2024, 5, 1, 9, 0, tzinfo=UTC)),
    # 23:30 UTC is already 2024-05-02 in Auckland: must stay on 2024-05-01
    ("t1-c02", "t1", "c02", "a1", "red", None, datetime(2024, 5, 1, 23, 30, tzinfo=UTC)),
    ("t1-c03", "t1", "c03", "a2", "blue", "en", datetime(2024, 5, 1, 14, 0, tzinfo=UTC)),
    ("t1-c04", "t1", "c04", "a1", "blue", "en", datetime(2024, 5, 2, 10, 0, tzinfo=UTC)),
    # never scored
    ("t1-c05", "t1", "c05", "a2", "blue", "en", datetime(2024, 5, 2, 11, 0, tzinfo=UTC)),
    ("t2-c01", "t2", "c01", "a1", "green", "de", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
    ("t2-c02", "t2", "c02", "a1", "green", "de", datetime(2024, 5, 2, 16, 45, tzinfo=UTC)),
    # no call_metrics row
    ("t2-c03", "t2", "c03", "a2", "green", "de", datetime(2024, 5, 2, 17, 0, tzinfo=UTC)),
]
# call_uid -> [(model_id, transcribed_at offset hours, language)]
TRANSCRIPTS = {
    "t1-c01": [("whisper-small", 1, "en"), ("whisper-large", 5, "en")],  # large is latest
    "t1-c02": [("whisper-large", 2, "fr")],
    "t1-c03": [("whisper-large", 2, "en")],
    "t1-c04": [("whisper-large", 30, "en")],
    "t1-c05": [("whisper-large", 30, "en")],
    "t2-c01": [("whisper-large", 2, "de")],
    "t2-c02": [("whisper-large", 40, "de")],
    "t2-c03": [("whisper-large", 41, "de")],
}
# (call_uid, scorecard_version, model_id, score, passed, criteria_met, criteria_total)
SCORES = [
    ("t1-c01", "1", "whisper-small", 20.0, False, 1, 5),  # older model: ignored
    ("t1-c01", "1", "whisper-large", 80.0, True, 4, 5),
    ("t1-c02", "1", "whisper-large", 40.0, False, 2, 5),  # superseded by version 2
    ("t1-c02", "2", "whisper-large", 60.0, True, 3, 5),
    ("t1-c03", "1", "whisper-large", 55.5, False, 3, 6),
    ("t1-c04", "1", "whisper-large", 90.0, True, 5, 5),
    ("t2-c01", "1", "whisper-large", 70.0, True, 4, 6),
    ("t2-c02", "1", "whisper-large", 100.0, True, 6, 6),
    ("t2-c03", "1", "whisper-large", 33.25, False, 2, 6),
]
NO_METRICS = {"t2-c03"}
TRANSCRIBED = {
    (uid, model): T0 + timedelta(hours=offset)
    for uid, models in TRANSCRIPTS.items()
    for model, offset, _ in models
}
LANGUAGE = {
    (uid, model): language for uid, models in TRANSCRIPTS.items() for model, _, language in models
}


def _frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def build_frames() -> dict[str, pl.DataFrame]:
    calls = _frame(
        [
            {
                "call_uid": uid,
                "tenant_id": tenant,
                "call_id": call_id,
                "batch_id": f"{tenant}-batch-1",
                "agent_id": agent,
                "team": team,
                "campaign": "retention",
                # the shape of an HMAC-SHA256 pseudonym (the contract rejects anything else)
                "caller_key": hashlib.sha256(uid.encode()).hexdigest(),
                "started_at": started,
                "language": language,
                "channel_layout": "agent-left",
                "audio_uri": f"audio/{tenant}/{call_id}.wav",  # relative to the lakehouse root
                "audio_sha256": hashlib.sha256(f"audio-{uid}".encode()).hexdigest(),
                "audio_format": "wav",
                "duration_s": 120.0 + i,
                "channels": 2,
                "sample_rate": 8000,
                "file_size_bytes": 1_920_000 + i,
                "ingested_at": started + timedelta(minutes=5),
            }
            for i, (uid, tenant, call_id, agent, team, language, started) in enumerate(CALLS)
        ],
        {
            "call_uid": pl.String,
            "tenant_id": pl.String,
            "call_id": pl.String,
            "batch_id": pl.String,
            "agent_id": pl.String,
            "team": pl.String,
            "campaign": pl.String,
            "caller_key": pl.String,
            "started_at": TS,
            "language": pl.String,
            "channel_layout": pl.String,
            "audio_uri": pl.String,
            "audio_sha256": pl.String,
            "audio_format": pl.String,
            "duration_s": pl.Float64,
            "channels": pl.Int32,
            "sample_rate": pl.Int32,
            "file_size_bytes": pl.Int64,
            "ingested_at": TS,
        },
    )
    tenant_of = {uid: tenant for uid, tenant, *_ in CALLS}
    call_id_of = {uid: call_id for uid, _, call_id, *_ in CALLS}

    transcripts = _frame(
        [
            {
                "call_uid": uid,
                "tenant_id": tenant_of[uid],
                "call_id": call_id_of[uid],
                "audio_sha256": hashlib.sha256(f"audio-{uid}".encode()).hexdigest(),
                "model_id": model,
                "language": language,
                "language_probability": 0.9,
                "duration_s": 120.0,
                "text": "hello thanks for calling",
                "agent_text": "hello",
                "customer_text": "thanks",
                "segment_count": 2,
                "transcribe_seconds": 12.0,
                "real_time_factor": 0.1,
                "transcribed_at": T0 + timedelta(hours=offset),
                "speaker_method": "declared_layout",
                "language_source": "declared",
                "quality": "ok",
                "quality_reason": None,
                "confidence": 0.9,
                "flagged_segment_count": 0,
                "playback_uri": f"audio/{uid}.playback.flac",
                "pii_redactions": 0,
            }
            for uid, models in TRANSCRIPTS.items()
            for model, offset, language in models
        ],
        {
            "call_uid": pl.String,
            "tenant_id": pl.String,
            "call_id": pl.String,
            "audio_sha256": pl.String,
            "model_id": pl.String,
            "language": pl.String,
            "language_probability": pl.Float64,
            "duration_s": pl.Float64,
            "text": pl.String,
            "agent_text": pl.String,
            "customer_text": pl.String,
            "segment_count": pl.Int32,
            "transcribe_seconds": pl.Float64,
            "real_time_factor": pl.Float64,
            "transcribed_at": TS,
            "speaker_method": pl.String,
            "language_source": pl.String,
            "quality": pl.String,
            "quality_reason": pl.String,
            "confidence": pl.Float64,
            "flagged_segment_count": pl.Int32,
            "playback_uri": pl.String,
            "pii_redactions": pl.Int32,
        },
    )

    segments = _frame(
        [
            {
                "call_uid": uid,
                "tenant_id": tenant_of[uid],
                "model_id": model,
                "segment_index": idx,
                "speaker": speaker,
                "channel": idx,
                "start_s": 10.0 * idx,
                "end_s": 10.0 * idx + 8.0,
                "text": "words",
                "avg_logprob": -0.2,
                "no_speech_prob": 0.01,
                "words": [
                    {
                        "word": " words",
                        "start_s": 10.0 * idx,
                        "end_s": 10.0 * idx + 8.0,
                        "probability": 0.9,
                    }
                ],
                "confidence": 0.9,
                "speaker_confidence": None,
                "compression_ratio": 1.2,
                "flag": False,
                "flag_reason": None,
                "primed": False,
            }
            for uid, models in TRANSCRIPTS.items()
            for model, _, _ in models
            for idx, speaker in enumerate(["agent", "customer"])
        ],
        {
            "call_uid": pl.String,
            "tenant_id": pl.String,
            "model_id": pl.String,
            "segment_index": pl.Int32,
            "speaker": pl.String,
            "channel": pl.Int32,
            "start_s": pl.Float64,
            "end_s": pl.Float64,
            "text": pl.String,
            "avg_logprob": pl.Float64,
            "no_speech_prob": pl.Float64,
            "words": pl.List(
                pl.Struct(
                    {
                        "word": pl.String,
                        "start_s": pl.Float64,
                        "end_s": pl.Float64,
                        "probability": pl.Float64,
                    }
                )
            ),
            "confidence": pl.Float64,
            "speaker_confidence": pl.Float64,
            "compression_ratio": pl.Float64,
            "flag": pl.Boolean,
            "flag_reason": pl.String,
            "primed": pl.Boolean,
        },
    )

    metrics_rows = []
    for n, (uid, models) in enumerate(TRANSCRIPTS.items()):
        if uid in NO_METRICS:
            continue
        for m, (model, offset, _) in enumerate(models):
            agent_share = round(0.3 + 0.05 * n + 0.1 * m, 4)
            silence = 5.0 + 3.0 * n + 7.0 * m
            metrics_rows.append(
                {
                    "call_uid": uid,
                    "tenant_id": tenant_of[uid],
                    "model_id": model,
                    "duration_s": 120.0,
                    "agent_talk_s": 100.0 * agent_share,
                    "customer_talk_s": 100.0 * (1 - agent_share),
                    "agent_talk_share": agent_share,
                    "customer_talk_share": 1 - agent_share,
                    "silence_s": silence,
                    "silence_share": silence / 120.0,
                    "longest_silence_s": silence / 2,
                    "overlap_s": 1.5,
                    "computed_at": T0 + timedelta(hours=offset, minutes=1),
                }
            )
    metrics = _frame(
        metrics_rows,
        {
            "call_uid": pl.String,
            "tenant_id": pl.String,
            "model_id": pl.String,
            "duration_s": pl.Float64,
            "agent_talk_s": pl.Float64,
            "customer_talk_s": pl.Float64,
            "agent_talk_share": pl.Float64,
            "customer_talk_share": pl.Float64,
            "silence_s": pl.Float64,
            "silence_share": pl.Float64,
            "longest_silence_s": pl.Float64,
            "overlap_s": pl.Float64,
            "computed_at": TS,
        },
    )

    scores = _frame(
        [
            {
                "call_uid": uid,
                "tenant_id": tenant_of[uid],
                "scorecard_id": "qa-default",
                "scorecard_version": version,
                "model_id": model,
                "score": score,
                "points_earned": score / 10,
                "points_possible": 10.0,
                "passed": passed,
                "criteria_met": met,
                "criteria_total": total,
                # a model is scored after it transcribes; a later version later still
                "scored_at": TRANSCRIBED[(uid, model)] + timedelta(hours=1 + int(version)),
                "language": LANGUAGE[(uid, model)],
            }
            for uid, version, model, score, passed, met, total in SCORES
        ],
        {
            "call_uid": pl.String,
            "tenant_id": pl.String,
            "scorecard_id": pl.String,
            "scorecard_version": pl.String,
            "model_id": pl.String,
            "score": pl.Float64,
            "points_earned": pl.Float64,
            "points_possible": pl.Float64,
            "passed": pl.Boolean,
            "criteria_met": pl.Int32,
            "criteria_total": pl.Int32,
            "scored_at": TS,
            "language": pl.String,
        },
    )

    criteria = _frame(
        [
            {
                "call_uid": uid,
                "tenant_id": tenant_of[uid],
                "scorecard_id": "qa-default",
                "scorecard_version": version,
                "model_id": model,
                "criterion_id": crit,
                "criterion_name": crit.replace("_", " "),
                "verdict": "met" if is_met else "not_met",
                "met": is_met,
                "points_earned": 2.0 if is_met else 0.0,
                "points_possible": 2.0,
                "evidence_quote": "hello" if is_met else None,
                "evidence_start_s": 0.0 if is_met else None,
                "evidence_end_s": 1.0 if is_met else None,
                "evidence_speaker": "agent",
                "match_score": 0.8,
                "confidence": 0.7,
                # uncertain evidence: the AI sends t1-c04's greeting to a person
                "needs_review": (uid, crit) == ("t1-c04", "greeting"),
                "review_reason": "low_confidence"
                if (uid, crit) == ("t1-c04", "greeting")
                else None,
            }
            for uid, version, model, _, passed, _, _ in SCORES
            for crit, is_met in [("greeting", True), ("closing", passed)]
        ],
        {
            "call_uid": pl.String,
            "tenant_id": pl.String,
            "scorecard_id": pl.String,
            "scorecard_version": pl.String,
            "model_id": pl.String,
            "criterion_id": pl.String,
            "criterion_name": pl.String,
            "verdict": pl.String,
            "met": pl.Boolean,
            "points_earned": pl.Float64,
            "points_possible": pl.Float64,
            "evidence_quote": pl.String,
            "evidence_start_s": pl.Float64,
            "evidence_end_s": pl.Float64,
            "evidence_speaker": pl.String,
            "match_score": pl.Float64,
            "confidence": pl.Float64,
            "needs_review": pl.Boolean,
            "review_reason": pl.String,
        },
    )

    return {
        "bronze/calls": calls,
        "silver/transcripts": transcripts,
        "silver/transcript_segments": segments,
        "silver/call_metrics": metrics,
        "silver/call_scores": scores,
        "silver/criterion_results": criteria,
    }


def write_lakehouse(root: Path, frames: dict[str, pl.DataFrame]) -> None:
    """Write each frame as its real table (columns the frame lacks are null), via Lakehouse."""
    lh = Lakehouse(str(root))
    specs = {spec.path: spec for spec in ALL_TABLES}
    for table, frame in frames.items():
        spec = specs[table]
        missing = [n for n in spec.schema.names if n not in frame.columns]
        frame = frame.with_columns(pl.lit(None).alias(n) for n in missing)
        lh.merge(spec, conform(spec, frame))
    for spec in (SCORECARD_VERSIONS, CALL_CATEGORIES, HUMAN_REVIEWS):
        lh.ensure(spec)  # present, possibly empty, as in a fresh lakehouse
    # the synthetic rows are good rows: a contract rule setting one aside is a fixture bug
    rejected = lh.read(REJECTED_ROWS)
    assert rejected.is_empty(), rejected.select("table_name", "rule").unique().to_dicts()


#: The scorecard the synthetic scores were "scored" with (two criteria, as in criterion_results).
QA_CARD = {
    "id": "qa-default",
    "name": "QA",
    "pass_threshold": 50,
    "sections": [
        {
            "id": "s",
            "name": "S",
            "criteria": [
                {"id": c, "name": c, "kind": "phrase_said", "weight": 2, "phrases": {"en": [c]}}
                for c in ("greeting", "closing")
            ],
        }
    ],
}


def record_sample_reviews(root: Path) -> None:
    """Reviews through the real function: an override, a resolved dispute, two reviewers."""
    cards = {("qa-default", v): parse_scorecard({**QA_CARD, "version": v}) for v in ("1", "2")}
    lh = Lakehouse(str(root))
    now = datetime(2026, 11, 5, 12, tzinfo=UTC)

    def row(call_id, criterion, kind, verdict, reviewer, hour, comment=""):
        return {
            "call_id": call_id,
            "scorecard_id": "qa-default",
            "scorecard_version": "1",
            "criterion_id": criterion,
            "kind": kind,
            "verdict": verdict,
            "reviewer_id": reviewer,
            "comment": comment,
            "reviewed_at": f"2026-11-05T{hour:02d}:00:00+00:00",
        }

    entries = [
        # t1-c01: the AI said closing met; a reviewer overrides it
        row("c01", "closing", "review", "not_met", "rev-1", 9),
        # t1-c03: the AI said closing not met; the agent disputes, a reviewer resolves: met
        row("c03", "closing", "dispute", "met", "a2", 9, "I said thank you for calling"),
        row("c03", "closing", "resolution", "met", "rev-1", 11, "confirmed on the recording"),
        # t1-c03 greeting: two reviewers disagree (inter-reviewer agreement 0)
        row("c03", "greeting", "review", "met", "rev-1", 10),
        row("c03", "greeting", "review", "not_met", "rev-2", 10),
    ]
    assert record_reviews(lh, "t1", entries, cards, now=now) == 5
    # the same events again add nothing (append-only, keyed by content)
    assert record_reviews(lh, "t1", entries, cards, now=now) == 0


# --------------------------------------------------------------------------- #
# running dbt
# --------------------------------------------------------------------------- #


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        pytest.skip("dbt executable not found")
    return found


def run_dbt(
    args: list[str],
    work_dir: Path,
    lakehouse: str | Path,
    build: str | Path,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """dbt as the KPI build runs it: told where the lakehouse and the build file are by
    ``--vars`` (``transforms.kpis.build_file.dbt_vars``)."""
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        **(env_extra or {}),
    }
    cmd = [
        _dbt_executable(),
        *args,
        "--vars",
        json.dumps(dbt_vars(str(lakehouse), str(build))),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)

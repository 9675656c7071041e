"""A synthetic lakehouse with every table of a scored call, for the compliance tests and the
erasure benchmark: no ASR, no personal data (made-up words, numbers from the reserved
+44 7700 900xxx drama range), real Delta tables with the contracts' schemas and properties.

Every call has a recording and a playback copy in the audio store, segments of made-up words
(so a run of six words belongs to one call), metrics, a score, verdicts with evidence quotes, a
topic with a quote, and every fifth call a review with a comment; each tenant has one
quarantined file whose manifest row holds a caller pseudonym.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import polars as pl
from deltalake import write_deltalake

from transforms.core import storage
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.settings import Settings
from transforms.core.tables import (
    CALL_CATEGORIES,
    CALL_METRICS,
    CALL_SCORES,
    CALLS,
    CRITERION_RESULTS,
    HUMAN_REVIEWS,
    QUARANTINE,
    SCORECARD_VERSIONS,
    SEGMENTS,
    TRANSCRIPTS,
    TableSpec,
)
from transforms.ingest.batch import call_uid
from transforms.privacy.pseudonymise import caller_key
from transforms.privacy.redaction import playback_uri

MODEL = "synthetic-model"
CRITERIA = ("greeting", "identity_check", "closing")
CAMPAIGNS = ("billing-support", "winter-offer", "tech-support")
TS = pl.Datetime("us", "UTC")


@dataclass
class Built:
    """What was written, to check against: per tenant the call ids, agents and phones."""

    tenants: list[str]
    calls: pl.DataFrame  # call_uid, tenant_id, call_id, agent_id, caller_key, phone, started_at
    segments: int = 0
    files: list[str] = field(default_factory=list)


def words(rng: random.Random, n: int) -> list[str]:
    """Made-up words (letters only), so no run of six repeats between calls by chance."""
    return [
        "".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") for _ in range(3))
        for _ in range(n)
    ]


def build(
    settings: Settings,
    tenants: list[str],
    calls_per_tenant: int,
    segments_per_call: int = 4,
    start: datetime = datetime(2026, 11, 2, 9, tzinfo=UTC),
    callers_per_tenant: int | None = None,
    fast: bool = False,
    seed: int = 7,
    encrypt: bool = False,
) -> Built:
    """Write the lakehouse under ``settings``; keys are created for ``tenants`` if missing.

    ``fast`` appends straight into the Delta tables (the benchmark's million segments) instead
    of MERGEing through the contract rules (the same rows either way). ``encrypt`` stores the
    free text and the files as the pipeline does, under each tenant's data key (otherwise in
    clear, as a home written before encryption holds them).
    """
    keys = FileKeyStore(settings.keys)
    lh = Lakehouse.from_settings(settings) if encrypt else Lakehouse(settings.lakehouse)
    rng = random.Random(seed)
    callers = callers_per_tenant or max(1, calls_per_tenant // 2)
    all_calls, files, segment_count = [], [], 0
    if keys.ledger_status() == "missing":  # a provisioned home: erasures can be recorded
        keys.create_ledger_key()
    if keys.kek_status() == "missing":
        keys.create_kek()
    for t, tenant in enumerate(tenants):
        if keys.status(tenant) == "missing":
            keys.create(tenant)
        phones = [f"+4477{t:03d}{i:05d}" for i in range(callers)]
        pseudonyms = {p: caller_key(keys, tenant, p) for p in phones}
        rows = _tenant_rows(
            tenant, t, calls_per_tenant, segments_per_call, start, phones, pseudonyms, rng, settings
        )
        for spec, frame in rows.tables:
            _write(lh, spec, frame, fast)
            segment_count += frame.height if spec is SEGMENTS else 0
        files += _write_files(rows.calls, lh)
        all_calls.append(
            rows.calls.select(
                "call_uid", "tenant_id", "call_id", "agent_id", "caller_key", "phone", "started_at"
            )
        )
    return Built(tenants, pl.concat(all_calls), segment_count, files)


@dataclass
class _Rows:
    calls: pl.DataFrame
    tables: list[tuple[TableSpec, pl.DataFrame]]


def _tenant_rows(
    tenant: str,
    t: int,
    n: int,
    per_call: int,
    start: datetime,
    phones: list[str],
    pseudonyms: dict[str, str],
    rng: random.Random,
    settings: Settings,
) -> _Rows:
    prefix = tenant[:3]
    ids = [f"{prefix}-{i:06d}" for i in range(n)]
    uids = [call_uid(tenant, c) for c in ids]
    agents = [f"{prefix}-agent{i % 7:02d}" for i in range(n)]
    phone = [phones[(i * 7 + t) % len(phones)] for i in range(n)]
    started = [start + timedelta(minutes=17 * i) for i in range(n)]
    recordings = [recording(tenant, c) for c in ids]
    shas = [hashlib.sha256(r).hexdigest() for r in recordings]
    audio = [f"{settings.audio_store}/{tenant}/{s[:2]}/{s}.wav" for s in shas]
    calls = pl.DataFrame(
        {
            "call_uid": uids, "tenant_id": tenant, "call_id": ids, "batch_id": "2026-11-05",
            "agent_id": agents, "team": [f"{prefix}-team{i % 2}" for i in range(n)],
            "campaign": [CAMPAIGNS[i % 3] for i in range(n)],
            "caller_key": [pseudonyms[p] for p in phone], "phone": phone,
            "started_at": started, "language": "en", "channel_layout": "agent-left",
            "audio_uri": audio, "audio_sha256": shas, "audio_format": "pcm_s16le",
            "duration_s": [60.0 + (i % 11) * 30 for i in range(n)], "channels": 2,
            "sample_rate": 8000, "file_size_bytes": [len(r) for r in recordings],
            "ingested_at": [s + timedelta(hours=1) for s in started],
        }
    )  # fmt: skip
    seg_rows, texts = [], []
    for uid in uids:
        lines = []
        for k in range(per_call):
            said = words(rng, 8)
            text = " ".join(said).capitalize() + "."
            lines.append(f"[{'agent' if k % 2 == 0 else 'customer'}] {text}")
            seg_rows.append(
                {
                    "call_uid": uid, "tenant_id": tenant, "model_id": MODEL, "segment_index": k,
                    "speaker": "agent" if k % 2 == 0 else "customer", "channel": k % 2,
                    "start_s": 5.0 * k, "end_s": 5.0 * k + 4.5, "text": text,
                    "avg_logprob": -0.2, "no_speech_prob": 0.01,
                    "words": _words(said, 5.0 * k),
                    "confidence": 0.9, "speaker_confidence": None, "compression_ratio": 1.1,
                    "flag": False, "flag_reason": None, "primed": False, "unprimed_words": [],
                }
            )  # fmt: skip
        texts.append("\n".join(lines) + "\n")
    scored = [s + timedelta(hours=2) for s in started]
    transcripts = pl.DataFrame(
        {
            "call_uid": uids, "tenant_id": tenant, "call_id": ids, "audio_sha256": shas,
            "model_id": MODEL, "language": "en", "language_probability": 0.99,
            "duration_s": calls["duration_s"], "text": texts,
            "agent_text": [t.split("\n")[0] for t in texts],
            "customer_text": [t.split("\n")[-2] for t in texts],
            "segment_count": per_call, "transcribe_seconds": 5.0, "real_time_factor": 12.0,
            "transcribed_at": [s + timedelta(hours=1, minutes=30) for s in started],
            "speaker_method": "declared_layout", "language_source": "declared", "quality": "ok",
            "quality_reason": None, "confidence": 0.9, "flagged_segment_count": 0,
            "playback_uri": [playback_uri(a) for a in audio], "pii_redactions": 0,
        }
    )  # fmt: skip
    first_words = [t.split("] ", 1)[1].split()[:3] for t in texts]
    metrics = pl.DataFrame(
        {
            "call_uid": uids, "tenant_id": tenant, "model_id": MODEL,
            "duration_s": calls["duration_s"], "agent_talk_s": 30.0, "customer_talk_s": 20.0,
            "agent_talk_share": 0.6, "customer_talk_share": 0.4, "silence_s": 5.0,
            "silence_share": 0.1, "longest_silence_s": 2.0, "overlap_s": 0.5, "computed_at": scored,
        }
    )  # fmt: skip
    scores = pl.DataFrame(
        {
            "call_uid": uids, "tenant_id": tenant, "scorecard_id": "standard",
            "scorecard_version": "1", "model_id": MODEL,
            "score": [float(40 + (i * 13) % 61) for i in range(n)],
            "points_earned": 2.0, "points_possible": 3.0,
            "passed": [(40 + (i * 13) % 61) >= 70 for i in range(n)],
            "criteria_met": 2, "criteria_total": 3, "scored_at": scored, "criteria_na": 0,
            "critical_failed": False, "needs_review": False, "language": "en",
        }
    )  # fmt: skip
    criteria = pl.DataFrame(
        [
            {
                "call_uid": uid, "tenant_id": tenant, "scorecard_id": "standard",
                "scorecard_version": "1", "model_id": MODEL, "criterion_id": crit,
                "criterion_name": crit, "verdict": "met" if j < 2 else "not_met", "met": j < 2,
                "points_earned": 1.0 if j < 2 else 0.0, "points_possible": 1.0,
                "evidence_quote": " ".join(first_words[i]) if j == 0 else None,
                "evidence_start_s": 0.0 if j == 0 else None, "evidence_speaker": "agent",
                "kind": "phrase_said", "critical": False, "weight": 1.0, "scored_at": scored[i],
            }
            for i, uid in enumerate(uids)
            for j, crit in enumerate(CRITERIA)
        ]
    )  # fmt: skip
    topics = pl.DataFrame(
        {
            "call_uid": uids, "tenant_id": tenant, "model_id": MODEL, "taxonomy_id": "default",
            "taxonomy_version": "1", "category_id": "billing", "category_name": "Billing",
            "hits": 1, "evidence_quote": [" ".join(w) for w in first_words],
            "evidence_start_s": 0.0, "evidence_speaker": "agent", "match_score": 90.0,
            "categorised_at": scored,
        }
    )  # fmt: skip
    reviewed = list(range(0, n, 5))
    reviews = pl.DataFrame(
        {
            "review_id": [_key(f"review/{uids[i]}") for i in reviewed],
            "tenant_id": tenant, "call_uid": [uids[i] for i in reviewed],
            "call_id": [ids[i] for i in reviewed], "scorecard_id": "standard",
            "scorecard_version": "1", "criterion_id": "closing", "kind": "review", "verdict": "met",
            "reviewer_id": f"{prefix}-reviewer",
            "comment": [f"heard {' '.join(first_words[i])} clearly" for i in reviewed],
            "reviewed_at": [scored[i] + timedelta(days=1) for i in reviewed], "source": "csv",
            "ingested_at": [scored[i] + timedelta(days=1) for i in reviewed],
        },
        schema_overrides={"reviewed_at": TS, "ingested_at": TS},
    )  # fmt: skip
    versions = pl.DataFrame(
        {
            "tenant_id": [tenant], "scorecard_id": ["standard"], "scorecard_version": ["1"],
            "name": ["Standard"], "pass_threshold": [70.0], "criteria_total": [3],
            "is_active": [True], "definition_sha256": [hashlib.sha256(b"standard/1").hexdigest()],
            "definition": ['{"id": "standard", "phrases": ["thank you for calling"]}'],
            "recorded_at": [scored[-1]],
        }
    )  # fmt: skip
    bad = f"{prefix}-bad-000001"
    manifest_row = {"call_id": bad, "agent_id": agents[0], "caller_key": pseudonyms[phone[0]]}
    q_file = f"{settings.quarantine_store}/{tenant}/2026-11-05/000000000000-{bad}.wav"
    quarantine = pl.DataFrame(
        {
            "quarantine_id": [_key(f"q/{tenant}")],
            "tenant_id": [tenant], "batch_id": ["2026-11-05"], "file_name": [f"{bad}.wav"],
            "call_id": [bad], "file_sha256": ["0" * 64], "file_size_bytes": [4],
            "quarantine_uri": [q_file], "reason_code": ["undecodable"], "reason": ["cannot decode"],
            "manifest_row": [json.dumps(manifest_row, sort_keys=True)],
            "quarantined_at": [started[-1] + timedelta(hours=1)],
        }
    )  # fmt: skip
    tables = [
        (CALLS, calls.drop("phone")),
        (TRANSCRIPTS, transcripts),
        (SEGMENTS, pl.DataFrame(seg_rows)),
        (CALL_METRICS, metrics),
        (CALL_SCORES, scores),
        (CRITERION_RESULTS, criteria),
        (CALL_CATEGORIES, topics),
        (HUMAN_REVIEWS, reviews),
        (SCORECARD_VERSIONS, versions),
        (QUARANTINE, quarantine),
    ]
    return _Rows(calls.with_columns(quarantine_file=pl.lit(q_file)), tables)


def recording(tenant: str, call_id: str) -> bytes:
    """A call's made-up recording: ``audio_sha256`` and ``file_size_bytes`` are its own."""
    return b"RIFF synthetic recording " + hashlib.sha256(f"{tenant}/{call_id}".encode()).digest()


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _words(said: list[str], start: float) -> list[dict]:
    return [
        {
            "word": f" {w}",
            "start_s": start + j / 2,
            "end_s": start + j / 2 + 0.4,
            "probability": 0.9,
        }
        for j, w in enumerate(said)
    ]


def _write(lh: Lakehouse, spec: TableSpec, frame: pl.DataFrame, fast: bool) -> None:
    """Columns the frame lacks are null; then a MERGE, or a plain append when ``fast``."""
    missing = [n for n in spec.schema.names if n not in frame.columns]
    frame = frame.with_columns(pl.lit(None).alias(n) for n in missing)
    data = conform(spec, frame)
    if not fast:
        lh.merge(spec, data)
        return
    lh.ensure(spec)
    with lh.writing():  # locations stored relative to the root, as a MERGE stores them
        stored = lh._encrypted(spec, lh.as_stored(spec, data))
        write_deltalake(lh.uri(spec), stored, mode="append")


def _write_files(calls: pl.DataFrame, lh: Lakehouse) -> list[str]:
    """A tiny recording (the bytes its row's digest and size describe) and playback copy per
    call, and the tenant's quarantined bytes."""
    written = []
    contents = {
        a: recording(t, c) for a, t, c in calls.select("audio_uri", "tenant_id", "call_id").rows()
    }
    for uri in [
        *calls["audio_uri"],
        *(playback_uri(a) for a in calls["audio_uri"]),
        calls["quarantine_file"][0],
    ]:
        # through the store: a local folder or a bucket alike
        data = contents.get(uri) or b"fLaC" + hashlib.sha256(uri.encode()).digest()
        storage.write_bytes(uri, lh.seal(calls["tenant_id"][0], data))
        written.append(uri)
    return written

"""KPI build benchmark: dbt build + publish over synthetic silver tables of 100k and 1M calls.

No audio, no ASR: the bronze and silver Delta tables are generated with numpy and pyarrow in the
schemas of their data contracts (``transforms.core.tables``), partitioned by tenant like the real
ones, with what a year of a large client looks like: 4 tenants of unequal size, an agent per
5,000 calls in teams of ten, calls spread over 2026, about 9 transcript segments (text and word
timings) and 7 criterion verdicts per call, a what-if scorecard version on 5 % of the calls, a
re-transcription on 2 %, reviews, disputes and double reviews on 3 %, call topics.

Each measured run is its own process (``bench/peak_rss.py`` samples the resident memory of its
process tree, dbt's subprocess included): ``dbt build`` (models, data tests and unit tests, as
the ``kpi_models`` asset runs it) into a new build file, then ``transforms.kpis.publish``. Then 1 %
new calls (and late reviews of older calls) are appended to the 1M set and the incremental run is
measured the same way.

    .venv/bin/python bench/kpis.py                  # 100k and 1M calls: table, then one JSON line
    .venv/bin/python bench/kpis.py --sizes 20000    # a quick look
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peak_rss import run_measured  # noqa: E402
from transforms.core.lakehouse import Lakehouse  # noqa: E402
from transforms.core.tables import (  # noqa: E402
    ALL_TABLES,
    CALL_CATEGORIES,
    CALL_METRICS,
    CALL_SCORES,
    CALLS,
    CRITERION_RESULTS,
    HUMAN_REVIEWS,
    SCORECARD_VERSIONS,
    SEGMENTS,
    TRANSCRIPTS,
    TableSpec,
)

#: Tenants and their share of the calls (one large client, smaller ones).
TENANTS = {"bench-large": 0.55, "bench-mid": 0.25, "bench-small": 0.15, "bench-tiny": 0.05}
CALLS_PER_AGENT = 5_000
SEGMENTS_PER_CALL = 9  # mean; 5 to 13
WORDS_PER_SEGMENT = 4
#: (criterion_id, section, kind, weight, critical)
CRITERIA = [
    ("greeting", "opening", "phrase_said", 10.0, False),
    ("identify_customer", "opening", "phrase_said", 10.0, True),
    ("empathy_phrase", "conversation", "phrase_said", 15.0, False),
    ("no_forbidden_words", "conversation", "phrase_not_said", 15.0, False),
    ("talk_ratio", "conversation", "metric_threshold", 20.0, False),
    ("offer_further_help", "closing", "phrase_said", 20.0, False),
    ("closing", "closing", "event_order", 10.0, False),
]
TOPICS = ["billing", "fault", "sale", "cancellation", "moving", "complaint", "payment", "other"]
MODEL, OLD_MODEL = "whisper-base-int8", "whisper-tiny-int8"
US = 1_000_000
#: The date the publish decides for: no tenant registry here, so it decides nothing (every
#: tenant with rows is published); given because publishing always takes one.
TODAY = date(2026, 12, 1)
CHUNK = 100_000
SENTENCES = [
    "Bonjour, Atlas Énergie, service clients, je m'appelle Claire, que puis-je faire pour vous ?",
    "Thank you for calling Globex, my name is Sam, how can I help you today?",
    "Je vous appelle au sujet de ma dernière facture qui me paraît très élevée.",
    "I'd like to understand why my bill went up this month.",
    "Je comprends tout à fait, je regarde cela tout de suite avec vous.",
    "Could you confirm the postcode on the account please?",
    "Votre contrat a bien été mis à jour, vous recevrez un courriel de confirmation.",
    "Is there anything else I can help you with today?",
    "Merci de votre appel et excellente journée.",
    "The engineer will be with you on Thursday between eight and noon.",
    "Je vais transférer votre demande au service technique.",
    "Let me put you on hold for a moment while I check.",
]


def _rng(seed: int, salt: str) -> np.random.Generator:
    return np.random.default_rng([seed, int(hashlib.md5(salt.encode()).hexdigest()[:8], 16)])


def _ts(us: np.ndarray) -> pa.Array:
    return pa.array(us.astype("int64"), pa.timestamp("us", tz="UTC"))


def _uid(prefix: str, index: np.ndarray) -> pa.Array:
    return pa.array([hashlib.md5(f"{prefix}/{i}".encode()).hexdigest() for i in index.tolist()])


def _table(spec: TableSpec, columns: dict[str, pa.Array | np.ndarray | list]) -> pa.Table:
    """A table in the contract's schema: columns not given are null."""
    n = len(next(iter(columns.values())))
    arrays = []
    for field in spec.schema:
        value = columns.get(field.name)
        if value is None:
            arrays.append(pa.nulls(n, field.type))
        else:
            arrays.append(
                pa.array(value).cast(field.type)
                if not isinstance(value, pa.Array)
                else value.cast(field.type)
            )
    return pa.Table.from_arrays(arrays, schema=spec.schema)


class SyntheticLakehouse:
    """Bronze and silver Delta tables of ``calls`` synthetic calls, written chunk by chunk."""

    def __init__(self, root: Path, seed: int = 0) -> None:
        self.root = root
        self.seed = seed
        self.lakehouse = Lakehouse(str(root))
        for spec in ALL_TABLES:
            self.lakehouse.ensure(spec)

    def append(self, spec: TableSpec, table: pa.Table) -> None:
        from deltalake import write_deltalake

        if table.num_rows:
            write_deltalake(
                self.lakehouse.uri(spec), table, mode="append", partition_by=list(spec.partition_by)
            )

    # ------------------------------------------------------------------------------ calls
    def write_calls(
        self, first: int, n: int, start_us: int, span_us: int, now_us: int | None = None
    ) -> None:
        """Calls ``first`` .. ``first + n`` started within ``span_us`` of ``start_us``."""
        for lo in range(first, first + n, CHUNK):
            self._chunk(np.arange(lo, min(lo + CHUNK, first + n)), start_us, span_us, now_us)

    def _chunk(self, index: np.ndarray, start_us: int, span_us: int, now_us: int | None) -> None:
        rng = _rng(self.seed, f"chunk-{index[0]}")
        n = len(index)
        shares = np.array(list(TENANTS.values()))
        tenant_ix = rng.choice(len(TENANTS), size=n, p=shares / shares.sum())
        tenants = np.array(list(TENANTS))[tenant_ix]
        agents_per_tenant = {
            t: max(10, int(share * self.total_calls / CALLS_PER_AGENT))
            for t, share in TENANTS.items()
        }
        agent_no = np.array([rng.integers(agents_per_tenant[t]) for t in tenants])
        agent = np.char.add(np.char.add(tenants.astype(str), "-agent-"), agent_no.astype(str))
        team = np.char.add("team-", (agent_no // 10).astype(str))
        campaign = np.array(["inbound", "retention", "sales"])[
            rng.choice(3, n, p=[0.6, 0.25, 0.15])
        ]
        call_id = np.char.add("call-", index.astype(str))
        uid = pa.array(
            [
                hashlib.sha256(f"{t}/{c}".encode()).hexdigest()[:32]
                for t, c in zip(tenants.tolist(), call_id.tolist(), strict=True)
            ]
        )
        started = start_us + np.sort(rng.integers(0, span_us, n))
        duration = np.clip(rng.gamma(3.0, 110.0, n), 20, 3600).round(1)
        ingested = started + (duration * US).astype("int64") + 600 * US
        if now_us is not None:  # landed in today's batch
            ingested = np.full(n, now_us - 900 * US)
        transcribed = ingested + 300 * US
        scored = transcribed + 60 * US
        tenant_arr = pa.array(tenants)
        self.append(
            CALLS,
            _table(
                CALLS,
                {
                    "call_uid": uid,
                    "tenant_id": tenant_arr,
                    "call_id": call_id,
                    "batch_id": np.char.add("batch-", (index // 500).astype(str)),
                    "agent_id": agent,
                    "team": team,
                    "campaign": campaign,
                    "caller_key": _uid("caller", rng.integers(0, n * 4, n)),
                    "started_at": _ts(started),
                    "language": np.where(tenant_ix % 2 == 0, "fr", "en"),
                    "channel_layout": np.full(n, "agent-left"),
                    "audio_uri": np.char.add("file:///audio/", call_id),
                    "audio_sha256": uid,
                    "audio_format": np.full(n, "mp3"),
                    "duration_s": duration,
                    "channels": np.full(n, 2),
                    "sample_rate": np.full(n, 8000),
                    "file_size_bytes": (duration * 16000).astype("int64"),
                    "ingested_at": _ts(ingested),
                },
            ),
        )
        # 2 % were transcribed before with an older model: rows of both models everywhere
        older = rng.random(n) < 0.02
        rows = np.concatenate([np.arange(n), np.flatnonzero(older)])
        models = np.concatenate([np.full(n, MODEL), np.full(older.sum(), OLD_MODEL)])
        t_at = np.concatenate([transcribed, transcribed[older] - 86_400 * US])
        self._transcripts(rng, uid, tenant_arr, call_id, duration, rows, models, t_at)
        self._metrics(rng, uid, tenant_arr, duration, rows, models, t_at)
        # every call scored with version 1 of its model(s); 5 % also with the what-if version 2
        whatif = np.flatnonzero(rng.random(n) < 0.05)
        score_rows = np.concatenate([rows, whatif])
        score_models = np.concatenate([models, np.full(len(whatif), MODEL)])
        versions = np.concatenate([np.full(len(rows), "1"), np.full(len(whatif), "2")])
        s_at = np.concatenate([t_at + 60 * US, scored[whatif] + 30 * US])
        self._scores(rng, uid, tenant_arr, score_rows, score_models, versions, s_at)
        self._categories(rng, uid, tenant_arr, scored)
        self._reviews(rng, uid, tenant_arr, call_id, agent, scored, np.arange(n), 0.03)

    def _transcripts(self, rng, uid, tenant, call_id, duration, rows, models, t_at) -> None:
        m = len(rows)
        pool = pa.array(SENTENCES)
        text = pc.binary_join_element_wise(
            *[pc.take(pool, rng.integers(0, len(SENTENCES), m)) for _ in range(SEGMENTS_PER_CALL)],
            " ",
        )
        idx = pa.array(rows)
        self.append(
            TRANSCRIPTS,
            _table(
                TRANSCRIPTS,
                {
                    "call_uid": pc.take(uid, idx),
                    "tenant_id": pc.take(tenant, idx),
                    "call_id": call_id[rows],
                    "audio_sha256": pc.take(uid, idx),
                    "model_id": models,
                    "language": np.full(m, "fr"),
                    "language_probability": rng.uniform(0.6, 1.0, m),
                    "duration_s": duration[rows],
                    "text": text,
                    "agent_text": text,
                    "customer_text": text,
                    "segment_count": np.full(m, SEGMENTS_PER_CALL),
                    "transcribe_seconds": duration[rows] / 20,
                    "real_time_factor": np.full(m, 20.0),
                    "transcribed_at": _ts(t_at),
                    "speaker_method": np.full(m, "declared_layout"),
                    "language_source": np.full(m, "declared"),
                    "quality": np.full(m, "ok"),
                    "confidence": rng.uniform(0.5, 1.0, m),
                    "flagged_segment_count": np.zeros(m, "int32"),
                    "pii_redactions": np.zeros(m, "int32"),
                },
            ),
        )
        # segments of the current model only (about 9 per call), each with its word timings
        current = np.flatnonzero(models == MODEL)
        per_call = rng.integers(SEGMENTS_PER_CALL - 4, SEGMENTS_PER_CALL + 5, len(current))
        seg_row = np.repeat(current, per_call)
        seg_index = np.concatenate([np.arange(k) for k in per_call]) if len(current) else seg_row
        s = len(seg_row)
        dur = duration[rows][seg_row]
        start = (seg_index / np.repeat(per_call, per_call)) * dur
        end = start + dur / np.repeat(per_call, per_call) * 0.8
        words_n = s * WORDS_PER_SEGMENT
        w_start = np.repeat(start, WORDS_PER_SEGMENT) + np.tile(
            np.arange(WORDS_PER_SEGMENT) * 0.4, s
        )
        words = pa.ListArray.from_arrays(
            pa.array(np.arange(0, words_n + 1, WORDS_PER_SEGMENT, dtype="int32")),
            pa.StructArray.from_arrays(
                [
                    pc.take(
                        pa.array(["bonjour", "merci", "facture", "contrat"]),
                        rng.integers(0, 4, words_n),
                    ),
                    pa.array(w_start),
                    pa.array(w_start + 0.35),
                    pa.array(rng.uniform(0.5, 1.0, words_n)),
                ],
                fields=list(SEGMENTS.schema.field("words").type.value_type),
            ),
        )
        seg = pa.array(rows[seg_row])
        self.append(
            SEGMENTS,
            _table(
                SEGMENTS,
                {
                    "call_uid": pc.take(uid, seg),
                    "tenant_id": pc.take(tenant, seg),
                    "model_id": np.full(s, MODEL),
                    "segment_index": seg_index,
                    "speaker": np.where(seg_index % 2 == 0, "agent", "customer"),
                    "channel": seg_index % 2,
                    "start_s": start,
                    "end_s": end,
                    "text": pc.take(pa.array(SENTENCES), rng.integers(0, len(SENTENCES), s)),
                    "avg_logprob": rng.uniform(-0.8, -0.1, s),
                    "no_speech_prob": rng.uniform(0.0, 0.2, s),
                    "words": words,
                    "confidence": rng.uniform(0.5, 1.0, s),
                    "compression_ratio": rng.uniform(1.0, 2.0, s),
                    "flag": np.zeros(s, bool),
                },
            ),
        )

    def _metrics(self, rng, uid, tenant, duration, rows, models, t_at) -> None:
        m = len(rows)
        dur = duration[rows]
        agent_share = rng.beta(5, 5, m)
        silence_share = rng.beta(2, 12, m)
        talk = dur * (1 - silence_share)
        dead_air = rng.poisson(1.5, m)
        idx = pa.array(rows)
        self.append(
            CALL_METRICS,
            _table(
                CALL_METRICS,
                {
                    "call_uid": pc.take(uid, idx),
                    "tenant_id": pc.take(tenant, idx),
                    "model_id": models,
                    "duration_s": dur,
                    "agent_talk_s": talk * agent_share,
                    "customer_talk_s": talk * (1 - agent_share),
                    "agent_talk_share": agent_share,
                    "customer_talk_share": 1 - agent_share,
                    "silence_s": dur * silence_share,
                    "silence_share": silence_share,
                    "longest_silence_s": dur * silence_share / 3,
                    "overlap_s": rng.exponential(2.0, m),
                    "unknown_talk_s": np.zeros(m),
                    "dead_air_count": dead_air,
                    "dead_air_s": np.minimum(dead_air * 4.5, dur * silence_share),
                    "overtalk_count": rng.poisson(2.0, m),
                    "agent_interruptions": rng.poisson(0.7, m),
                    "agent_words_per_minute": rng.normal(150, 20, m),
                    "time_to_first_agent_word_s": rng.exponential(1.5, m),
                    "long_hold_count": (rng.random(m) < 0.08).astype("int32"),
                    "long_hold_s": np.where(rng.random(m) < 0.08, 45.0, 0.0),
                    "computed_at": _ts(t_at + 30 * US),
                },
            ),
        )

    def _verdicts(self, rng, m: int) -> tuple[np.ndarray, np.ndarray]:
        """(m, 7) verdict codes (0 met, 1 not met, 2 na) and needs_review flags."""
        verdict = rng.choice(3, size=(m, len(CRITERIA)), p=[0.75, 0.17, 0.08])
        verdict[:, 1] = np.where(rng.random(m) < 0.04, 1, 0)  # the critical one: rarely failed
        return verdict, rng.random((m, len(CRITERIA))) < 0.03

    def _scores(self, rng, uid, tenant, rows, models, versions, s_at) -> None:
        m = len(rows)
        verdict, flagged = self._verdicts(rng, m)
        weight = np.array([c[3] for c in CRITERIA])
        critical = np.array([c[4] for c in CRITERIA])
        possible = ((verdict != 2) * weight).sum(axis=1)
        earned = ((verdict == 0) * weight).sum(axis=1)
        critical_failed = ((verdict == 1) & critical).any(axis=1)
        score = np.where(critical_failed, 0.0, np.round(100 * earned / np.maximum(possible, 1), 2))
        threshold = np.where(versions == "2", 75.0, 70.0)
        idx = pa.array(rows)
        call_uid, tenant_id = pc.take(uid, idx), pc.take(tenant, idx)
        self.append(
            CALL_SCORES,
            _table(
                CALL_SCORES,
                {
                    "call_uid": call_uid,
                    "tenant_id": tenant_id,
                    "scorecard_id": np.full(m, "standard"),
                    "scorecard_version": versions,
                    "model_id": models,
                    "score": score,
                    "points_earned": earned,
                    "points_possible": possible,
                    "passed": (score >= threshold) & ~critical_failed,
                    "criteria_met": (verdict == 0).sum(axis=1),
                    "criteria_total": np.full(m, len(CRITERIA)),
                    "scored_at": _ts(s_at),
                    "criteria_na": (verdict == 2).sum(axis=1),
                    "critical_failed": critical_failed,
                    "needs_review": flagged.any(axis=1),
                },
            ),
        )
        k = len(CRITERIA)
        flat = verdict.reshape(-1)
        rep = pa.array(np.repeat(np.arange(m), k))
        met = flat == 0
        evidence = rng.uniform(0, 60, m * k)
        crit = np.tile(np.arange(k), m)
        self.append(
            CRITERION_RESULTS,
            _table(
                CRITERION_RESULTS,
                {
                    "call_uid": pc.take(call_uid, rep),
                    "tenant_id": pc.take(tenant_id, rep),
                    "scorecard_id": np.full(m * k, "standard"),
                    "scorecard_version": np.repeat(versions, k),
                    "model_id": np.repeat(models, k),
                    "criterion_id": np.array([c[0] for c in CRITERIA])[crit],
                    "criterion_name": np.array([c[0].replace("_", " ") for c in CRITERIA])[crit],
                    "verdict": np.array(["met", "not_met", "na"])[flat],
                    "met": met,
                    "points_earned": np.where(met, weight[crit], 0.0),
                    "points_possible": np.where(flat != 2, weight[crit], 0.0),
                    "evidence_quote": pa.array(
                        np.where(met, np.array(SENTENCES)[crit % len(SENTENCES)], None)
                    ),
                    "evidence_start_s": np.where(met, evidence, np.nan),
                    "evidence_end_s": np.where(met, evidence + 3.0, np.nan),
                    "evidence_speaker": np.full(m * k, "agent"),
                    "match_score": rng.uniform(80, 100, m * k),
                    "confidence": rng.uniform(0.5, 1.0, m * k),
                    "section_id": np.array([c[1] for c in CRITERIA])[crit],
                    "kind": np.array([c[2] for c in CRITERIA])[crit],
                    "critical": critical[crit],
                    "weight": weight[crit],
                    "evidence_kind": np.where(met, "match", "none"),
                    "needs_review": flagged.reshape(-1),
                    "review_reason": np.where(flagged.reshape(-1), "low_confidence", None),
                    "scored_at": _ts(np.repeat(s_at, k)),
                },
            ),
        )

    def _categories(self, rng, uid, tenant, scored) -> None:
        per_call = np.minimum(rng.poisson(1.2, len(scored)), 3)
        row = np.repeat(np.arange(len(scored)), per_call)
        # distinct topics per call: an offset and a stride from the call's own draws
        nth = np.concatenate([np.arange(k) for k in per_call]) if len(row) else row
        topic = (np.repeat(rng.integers(0, len(TOPICS), len(scored)), per_call) + nth * 3) % len(
            TOPICS
        )
        c = len(row)
        idx = pa.array(row)
        self.append(
            CALL_CATEGORIES,
            _table(
                CALL_CATEGORIES,
                {
                    "call_uid": pc.take(uid, idx),
                    "tenant_id": pc.take(tenant, idx),
                    "model_id": np.full(c, MODEL),
                    "taxonomy_id": np.full(c, "default"),
                    "taxonomy_version": np.full(c, "1"),
                    "category_id": np.array(TOPICS)[topic],
                    "category_name": np.array(TOPICS)[topic],
                    "hits": rng.integers(1, 5, c),
                    "evidence_quote": pc.take(pa.array(SENTENCES), rng.integers(0, 12, c)),
                    "evidence_start_s": rng.uniform(0, 120, c),
                    "evidence_speaker": np.full(c, "customer"),
                    "match_score": rng.uniform(80, 100, c),
                    "categorised_at": _ts(scored[row] + 60 * US),
                },
            ),
        )

    def _reviews(
        self, rng, uid, tenant, call_id, agent, scored, rows, share, ingested_us=None
    ) -> None:
        """A share of the calls reviewed on 1-2 criteria; some disputed, some double-reviewed.

        Landed an hour after the review, or all at ``ingested_us`` (a late batch of reviews).
        """
        picked = rows[rng.random(len(rows)) < share]
        events: dict[str, list] = {
            k: [] for k in ("row", "criterion", "kind", "verdict", "reviewer", "at")
        }

        def add(row, criterion, kind, verdict, reviewer, at):
            for key, value in zip(
                events, (row, criterion, kind, verdict, reviewer, at), strict=True
            ):
                events[key].append(value)

        for row in picked.tolist():
            # reviewed within 20 days of the scoring, and before now
            base = int(scored[row]) + int(rng.integers(1, 20)) * 86_400 * US
            base = min(base, int(time.time() * US) - 86_400 * US)
            for j in rng.choice(len(CRITERIA), int(rng.integers(1, 3)), replace=False).tolist():
                verdict = "met" if rng.random() < 0.8 else "not_met"
                add(row, CRITERIA[j][0], "review", verdict, f"rev-{rng.integers(8)}", base)
                if rng.random() < 0.15:  # a second reviewer, for reviewer agreement
                    other = "met" if rng.random() < 0.85 else "not_met"
                    add(row, CRITERIA[j][0], "review", other, "rev-8", base + 3_600 * US)
            if rng.random() < 0.2:  # the agent disputes a verdict; a reviewer resolves it
                criterion = CRITERIA[int(rng.integers(len(CRITERIA)))][0]
                add(row, criterion, "dispute", "met", str(agent[row]), base + 7_200 * US)
                add(row, criterion, "resolution", "met", "rev-9", base + 86_400 * US)
        if not events["row"]:
            return
        r = np.array(events["row"])
        at = np.array(events["at"], dtype="int64")
        ids = [
            hashlib.sha256(f"{uid[i]}|{c}|{k}|{v}|{w}|{t}".encode()).hexdigest()[:32]
            for i, c, k, v, w, t in zip(
                r.tolist(),
                events["criterion"],
                events["kind"],
                events["verdict"],
                events["reviewer"],
                at.tolist(),
                strict=True,
            )
        ]
        idx = pa.array(r)
        self.append(
            HUMAN_REVIEWS,
            _table(
                HUMAN_REVIEWS,
                {
                    "review_id": ids,
                    "tenant_id": pc.take(tenant, idx),
                    "call_uid": pc.take(uid, idx),
                    "call_id": call_id[r],
                    "scorecard_id": np.full(len(r), "standard"),
                    "scorecard_version": np.full(len(r), "1"),
                    "criterion_id": events["criterion"],
                    "kind": events["kind"],
                    "verdict": events["verdict"],
                    "reviewer_id": events["reviewer"],
                    "comment": np.full(len(r), "heard it on the recording"),
                    "reviewed_at": _ts(at),
                    "source": np.full(len(r), "csv"),
                    "ingested_at": _ts(
                        at + 3_600 * US if ingested_us is None else np.full(len(r), ingested_us)
                    ),
                },
            ),
        )

    def write_versions(self, now_us: int) -> None:
        rows = [
            (t, v, active, threshold)
            for t in TENANTS
            for v, active, threshold in (("1", True, 70.0), ("2", False, 75.0))
        ]
        self.append(
            SCORECARD_VERSIONS,
            _table(
                SCORECARD_VERSIONS,
                {
                    "tenant_id": [r[0] for r in rows],
                    "scorecard_id": ["standard"] * len(rows),
                    "scorecard_version": [r[1] for r in rows],
                    "name": ["Standard QA"] * len(rows),
                    "pass_threshold": [r[3] for r in rows],
                    "criteria_total": [len(CRITERIA)] * len(rows),
                    "is_active": [r[2] for r in rows],
                    "definition_sha256": [hashlib.sha256(r[1].encode()).hexdigest() for r in rows],
                    "definition": ["{}"] * len(rows),
                    "recorded_at": _ts(np.full(len(rows), now_us)),
                },
            ),
        )

    # ------------------------------------------------------------------------------ public
    def year(self, calls: int) -> None:
        """``calls`` calls over the year that ended two days ago (all processed in the past)."""
        self.total_calls = calls
        end = int(time.time() * US) - 2 * 86_400 * US
        start = end - 365 * 86_400 * US
        self.write_versions(start)
        self.write_calls(0, calls, start, end - start)

    def next_day(self, calls: int, new: int, late_review_share: float = 0.001) -> None:
        """``new`` calls of yesterday, ingested now; late reviews of older calls, landed now."""
        self.total_calls = calls
        now = int(time.time() * US)
        self.write_calls(calls, new, now - 2 * 86_400 * US, 86_400 * US, now_us=now)
        import polars as pl

        old = pl.read_delta(
            self.lakehouse.uri(CALLS), columns=["call_uid", "tenant_id", "call_id", "agent_id"]
        )
        old = old.filter(pl.col("call_id").str.slice(5).cast(pl.Int64) < calls)
        rng = _rng(self.seed, "late")
        take = old.sample(max(1, int(len(old) * late_review_share)), seed=self.seed)
        self._reviews(
            rng,
            take["call_uid"].to_arrow(),
            take["tenant_id"].to_arrow(),
            take["call_id"].to_numpy(),
            take["agent_id"].to_numpy(),
            np.full(len(take), now - 20 * 86_400 * US),
            np.arange(len(take)),
            1.0,
            ingested_us=now,
        )


# ---------------------------------------------------------------------------------- measuring

#: The stage table's rows: (key, label); seconds of wall clock unless the label says CPU.
#: dbt's models and tests are sums of each node's seconds (two threads: they can exceed the
#: wall clock); the publish's stages are sums over the tenants (two tenants at a time).
STAGES = [
    ("dbt_s", "dbt build"),
    ("dbt_cpu_s", "  CPU s (dbt's process)"),
    ("dbt_startup_s", "  start-up, parse, compile"),
    ("dbt_models_s", "  models (sum of nodes)"),
    ("dbt_tests_s", "  data tests (sum of nodes)"),
    ("publish_s", "publish"),
    ("publish_cpu_s", "  CPU s (publishing process)"),
    ("publish_copy_s", "  copy previous file"),
    ("publish_verify_s", "  checks against the build"),
    ("publish_patch_s", "  changed calls' rows"),
    ("publish_aggregates_s", "  aggregates replaced"),
    ("publish_write_s", "  write from scratch"),
    ("publish_checkpoint_s", "  checkpoint"),
    ("publish_swap_s", "  chmod + rename"),
    ("publish_report_s", "  reports"),
    ("publish_operator_s", "  operator file"),
    ("seconds", "total"),
    ("cpu_s", "  CPU s"),
    ("peak_rss_mb", "peak MB (process tree)"),
    ("load_avg", "load average at start"),
]


def child(lakehouse: str, home: str, out_file: str) -> None:
    """One measured run: ``dbt build`` then the publish, as the two KPI assets run them."""
    from transforms.kpis import build_file, publish

    project = ROOT / "dbt_project"
    build_path = f"{home}/build/kpis.build.duckdb"
    Path(build_path).parent.mkdir(parents=True, exist_ok=True)
    full = build_file.prepare_build_file(build_path, project)
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    target = Path(home) / "build" / "dbt" / f"bench-{time.time_ns()}"
    # as the kpi_models asset does: the last build's parse is reused (the first build gets the
    # project's, from `make install`'s `dbt parse`)
    target.mkdir(parents=True)
    last = Path(home) / "build" / "dbt" / "partial_parse.msgpack"
    shutil.copy(last if last.exists() else project / "target" / "partial_parse.msgpack", target)
    dbt = [str(Path(sys.executable).parent / "dbt"), *build_file.BUILD_ARGS, "--quiet"]
    dbt += ["--vars", json.dumps(build_file.dbt_vars(lakehouse, build_path))]
    dbt += ["--project-dir", str(project), "--profiles-dir", str(project)]
    dbt += ["--target-path", str(target), "--log-path", str(target)]
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    if subprocess.run(dbt, env=env).returncode != 0:
        raise SystemExit(f"dbt build failed: see {target}/dbt.log")
    build_file.record_build(build_path, project)
    shutil.copy(target / "partial_parse.msgpack", last)
    built = time.perf_counter()
    cpu_built = _cpu_seconds()
    published = publish.publish(
        Path(build_path), Path(home) / "warehouse", publish.operator_database(home), today=TODAY
    )
    done = time.perf_counter()
    run_results = json.loads((target / "run_results.json").read_text())
    results = run_results["results"]

    def node_seconds(kind: str) -> float:
        return sum(r["execution_time"] for r in results if r["unique_id"].startswith(kind))

    slowest = sorted(results, key=lambda r: -r["execution_time"])[:6]
    Path(out_file).write_text(
        json.dumps(
            {
                "full": full,
                "dbt_s": built - started,
                "dbt_cpu_s": cpu_built - cpu_before,
                "dbt_startup_s": built - started - run_results["elapsed_time"],
                "dbt_models_s": node_seconds("model."),
                "dbt_tests_s": node_seconds("test."),
                "slowest_nodes": [
                    [_node_name(r["unique_id"]), r["execution_time"]] for r in slowest
                ],
                "publish_s": done - built,
                "publish_cpu_s": _cpu_seconds() - cpu_built,
                **{f"publish_{k}_s": v for k, v in published.stages.items()},
                "calls": published.rows.get("fct_calls", 0),
                "tenants": len(published.tenants),
                "nodes": len(results),
                "tests": sum(r["unique_id"].startswith("test.") for r in results),
                "rebuilt_calls": _rebuilt_calls(build_path),
                "updated_tenants": sum(f.how == "updated" for f in published.tenants.values()),
                "published_mb": sum(f.database.stat().st_size for f in published.tenants.values())
                / 2**20,
                "cpu_s": _cpu_seconds() - cpu_before,
            }
        )
    )


def _node_name(unique_id: str) -> str:
    """``model.callcenterrate.fct_calls`` → fct_calls; a test's without its hash suffix."""
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (dbt): what a quiet box would need."""
    import resource

    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rebuilt_calls(build_file: str) -> int:
    import duckdb

    with duckdb.connect(build_file, read_only=True) as con:
        return con.execute("select count(*) from main.int_calls__changed").fetchone()[0]


def measure(lakehouse: Path, home: Path) -> dict:
    out = home / f"run-{time.time_ns()}.json"
    load = os.getloadavg()[0]
    started = time.perf_counter()
    peak = run_measured(
        [sys.executable, __file__, "--child", str(lakehouse), str(home), str(out)], "KPI build"
    )
    return {
        **json.loads(out.read_text()),
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak,
        "load_avg": load,
    }


def _generated(folder: Path, calls: int, seed: int) -> tuple[Path, float]:
    """A fresh synthetic year of ``calls`` calls (reused from an earlier run of --workdir)."""
    lakehouse = folder / f"lakehouse-{calls}"
    _restore_year(lakehouse)
    marker = lakehouse / "_generated.json"
    if marker.exists() and json.loads(marker.read_text()) == {"calls": calls, "seed": seed}:
        return lakehouse, 0.0
    shutil.rmtree(lakehouse, ignore_errors=True)
    started = time.perf_counter()
    SyntheticLakehouse(lakehouse, seed).year(calls)
    marker.write_text(json.dumps({"calls": calls, "seed": seed}))
    return lakehouse, time.perf_counter() - started


def _year_backup(lakehouse: Path) -> Path:
    return lakehouse.with_name(f"{lakehouse.name}.year")


def _keep_year(lakehouse: Path) -> None:
    """Before the next day is appended: a copy of the year (the Parquet files hard-linked, as
    Delta never changes one; the logs copied), put back by ``_restore_year`` so the next run of
    --workdir reuses it. The incremental run itself reads the lakehouse where the full build
    did: dbt reuses its parse only when its vars (the lakehouse's path) are the same."""

    def link_or_copy(src: str, dst: str) -> None:
        if src.endswith(".parquet") and "_delta_log" not in src:
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    backup = _year_backup(lakehouse)
    shutil.rmtree(backup, ignore_errors=True)
    shutil.copytree(lakehouse, backup, copy_function=link_or_copy)


def _restore_year(lakehouse: Path) -> None:
    """The year as generated, if a run appended a day to it (or stopped half-way)."""
    backup = _year_backup(lakehouse)
    if backup.exists():
        shutil.rmtree(lakehouse, ignore_errors=True)
        backup.rename(lakehouse)


def _label(calls: int) -> str:
    return f"{calls // 1_000_000}m" if calls % 1_000_000 == 0 else f"{calls // 1000}k"


def _print_stages(columns: list[tuple[str, dict]]) -> None:
    """The stage table: a row per stage, a column per run."""
    width = max(14, *(len(name) + 2 for name, _ in columns))
    print(f"{'stage':<30}" + "".join(f"{name:>{width}}" for name, _ in columns))
    for key, label in STAGES:
        if not any(key in run for _, run in columns):
            continue
        cells = []
        for _, run in columns:
            value = run.get(key)
            digits = 0 if key == "peak_rss_mb" else 2
            cells.append("-" if value is None else f"{value:.{digits}f}")
        print(f"{label:<30}" + "".join(f"{c:>{width}}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument(
        "--sizes",
        "--calls",
        type=int,
        nargs="+",
        default=[100_000, 1_000_000],
        help="calls per synthetic year; the last one also gets the incremental run",
    )
    parser.add_argument("--new-share", type=float, default=0.01, help="new calls, incremental run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workdir", type=Path, help="keep the generated lakehouses here and reuse them"
    )
    parser.add_argument(
        "--incremental-only",
        action="store_true",
        help="with --workdir: measure only the incremental run, from the last full build of the "
        "last size that --workdir keeps (a copy of its home)",
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.incremental_only and not args.workdir:
        parser.error("--incremental-only needs the --workdir of an earlier full run")
    project = ROOT / "dbt_project"
    dbt = [str(Path(sys.executable).parent / "dbt"), "parse", "--quiet"]
    subprocess.run(
        [*dbt, "--project-dir", str(project), "--profiles-dir", str(project)], check=True
    )
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ccr-bench-kpis-") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        runs = []
        last = args.sizes[-1]
        for calls in [] if args.incremental_only else args.sizes:
            lakehouse, generated_s = _generated(folder, calls, args.seed)
            home = folder / f"home-{calls}"
            shutil.rmtree(home, ignore_errors=True)
            runs.append({"size": calls, "generate_s": generated_s, **measure(lakehouse, home)})
            if args.workdir and calls == last:  # for --incremental-only
                shutil.rmtree(folder / f"home-{calls}-full", ignore_errors=True)
                shutil.copytree(home, folder / f"home-{calls}-full", symlinks=True)
        lakehouse, _ = _generated(folder, last, args.seed)
        home = folder / f"home-{last}"
        if args.incremental_only:
            kept = folder / f"home-{last}-full"
            if not kept.exists():
                raise SystemExit(f"{kept} does not exist: run once with --workdir without it")
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(kept, home, symlinks=True)
        new = max(1, int(last * args.new_share))
        started = time.perf_counter()
        _keep_year(lakehouse)
        SyntheticLakehouse(lakehouse, args.seed).next_day(last, new)
        appended_s = time.perf_counter() - started
        incremental = {"size": last + new, "generate_s": appended_s, **measure(lakehouse, home)}
        _restore_year(lakehouse)
    print(
        f"synthetic lakehouses: {len(TENANTS)} tenants, ~{SEGMENTS_PER_CALL} segments and "
        f"{len(CRITERIA)} verdicts per call; {os.cpu_count()} CPUs, load average "
        f"{load:.1f} at the start (other work on the machine slows the wall clock: cpu s is the "
        "processor time the run itself used)"
    )
    header = f"{'run':<26}{'calls':>10}{'rebuilt':>10}{'dbt s':>8}{'publish s':>10}"
    header += f"{'total s':>9}{'cpu s':>8}{'calls/s':>9}{'peak MB':>9}"
    print(header)
    for run in [*runs, incremental]:
        if run is incremental:
            name = f"incremental +{new:,} calls"
        else:
            name = f"full build {_label(run['size'])}"
        print(
            f"{name:<26}{run['calls']:>10,}{run['rebuilt_calls']:>10,}{run['dbt_s']:>8.1f}"
            f"{run['publish_s']:>10.1f}{run['seconds']:>9.1f}{run['cpu_s']:>8.1f}"
            f"{run['rebuilt_calls'] / run['seconds']:>9,.0f}{run['peak_rss_mb']:>9.0f}"
        )
    print()
    columns = [(f"full {_label(r['size'])}", r) for r in runs] + [("incremental", incremental)]
    _print_stages(columns)
    for name, run in columns:
        slowest = ", ".join(f"{node} {s:.1f}" for node, s in run["slowest_nodes"])
        print(f"slowest dbt nodes, {name}: {slowest}")
    figures: dict[str, float | int] = {}
    stage_keys = [k for k, _ in STAGES if k not in ("seconds", "cpu_s", "peak_rss_mb")]
    for r in runs:
        label = _label(r["size"])
        figures[f"seconds_{label}"] = round(r["seconds"], 1)
        figures[f"cpu_s_{label}"] = round(r["cpu_s"], 1)
        figures[f"calls_per_s_{label}"] = round(r["rebuilt_calls"] / r["seconds"])
        figures[f"peak_rss_mb_{label}"] = round(r["peak_rss_mb"])
        figures[f"published_mb_{label}"] = round(r["published_mb"])
        for key in stage_keys:
            if key in r:
                figures[f"{key}_{label}"] = round(r[key], 2)
    if len(runs) > 1:
        growth = runs[-1]["seconds"] / runs[0]["seconds"]
        print(f"time grows {growth:.2f}x for {runs[-1]['size'] / runs[0]['size']:.0f}x the calls")
        figures["growth_ratio"] = round(growth, 2)
    print(
        f"incremental run: {incremental['rebuilt_calls']:,} calls rebuilt, "
        f"{incremental['updated_tenants']} of {incremental['tenants']} tenant files updated"
    )
    figures |= {
        "incremental_s": round(incremental["seconds"], 1),
        "incremental_cpu_s": round(incremental["cpu_s"], 1),
        "incremental_new_calls": new,
        "incremental_rebuilt_calls": incremental["rebuilt_calls"],
        "incremental_peak_rss_mb": round(incremental["peak_rss_mb"]),
        **{f"incremental_{k}": round(incremental[k], 2) for k in stage_keys if k in incremental},
        "tenants": incremental["tenants"],
        "cpus": os.cpu_count(),
        "load_avg_start": round(load, 2),
    }
    if runs:
        figures["peak_rss_mb"] = round(runs[-1]["peak_rss_mb"])
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

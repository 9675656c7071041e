"""One call batch through scoring: the card each call is scored with, the calls still to score,
and the rows of every scoring table.

Each transcript is scored with the scorecard assigned to its tenant and campaign (the active
version, or a what-if version), and gets its conversation metrics and topics. Scores are keyed
by (call, model, scorecard, version): what is already scored is skipped. The score asset calls
``score_batch`` and commits the rows it returns.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from transforms.core.lakehouse import Lakehouse
from transforms.core.scorecards import CardChoice, CardKey, Scorecard
from transforms.core.tables import CALL_SCORES, SCORECARD_VERSIONS, SEGMENTS, TRANSCRIPTS
from transforms.score.categories import Taxonomy, category_rows
from transforms.score.rows import metrics_row, score_rows
from transforms.score.scoring import score_call
from transforms.transcribe.rows import segments_from_rows


@dataclass
class ScoredBatch:
    metrics: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    #: (id, version) of every card of the tenant's versions rows (scored with now or before)
    used: list[CardKey] = field(default_factory=list)
    transcripts: int = 0


def score_batch(
    lh: Lakehouse,
    calls: pl.DataFrame,
    choice: CardChoice,
    taxonomy: Taxonomy,
    now: datetime | None = None,
) -> ScoredBatch:
    """Score the transcripts of ``calls`` (bronze rows: call_uid, campaign) not yet scored with
    their card; metrics and topics of the same calls; the tenant's scorecard versions re-flagged.

    Raises ``ScorecardError`` for a what-if version that is not on file.
    """
    now = now or datetime.now(UTC)
    tenant_id = choice.tenant_id
    transcripts = lh.read(
        TRANSCRIPTS,
        tenant_id,
        columns=["call_uid", "model_id", "language", "duration_s", "role_check"],
    ).join(calls.select("call_uid", "campaign"), on="call_uid")
    # Chosen once per campaign (a call without campaign gets the default).
    chosen = {c: choice.card_for(c) for c in transcripts["campaign"].unique().to_list()}
    todo = _not_yet_scored(lh, tenant_id, _with_cards(transcripts, chosen))
    out = ScoredBatch(transcripts=transcripts.height)
    used: dict[CardKey, Scorecard] = {}
    by_call = _segments_by_call(lh, tenant_id, todo)
    for t in todo.iter_rows(named=True):
        card = chosen[t["campaign"]]
        used[(card.id, card.version)] = card
        frame = by_call.get((t["call_uid"], t["model_id"]))
        _score_one(out, t, tenant_id, card, frame, taxonomy, now)
    out.versions = _version_rows(lh, choice, used, now)
    out.used = [(r["scorecard_id"], r["scorecard_version"]) for r in out.versions]
    return out


def _with_cards(transcripts: pl.DataFrame, chosen: dict[str | None, Scorecard]) -> pl.DataFrame:
    """The transcripts with the id and version of the card each is scored with."""
    by_campaign = pl.DataFrame(
        {
            "campaign": list(chosen),
            "scorecard_id": [card.id for card in chosen.values()],
            "scorecard_version": [card.version for card in chosen.values()],
        },
        schema={"campaign": pl.String, "scorecard_id": pl.String, "scorecard_version": pl.String},
    )
    return transcripts.join(by_campaign, on="campaign", how="left", nulls_equal=True)


def _not_yet_scored(lh: Lakehouse, tenant_id: str, transcripts: pl.DataFrame) -> pl.DataFrame:
    key = ["call_uid", "model_id", "scorecard_id", "scorecard_version"]
    scored = lh.read(CALL_SCORES, tenant_id, columns=key)
    return transcripts.join(scored, on=key, how="anti")


def _segments_by_call(lh: Lakehouse, tenant_id: str, todo: pl.DataFrame) -> dict[Any, pl.DataFrame]:
    """Only the segments of the calls to score, filtered in the scan (not the tenant's history)."""
    segments = lh.read(
        SEGMENTS, tenant_id, where={"call_uid": todo["call_uid"].unique().to_list()}, decrypt=True
    ).join(todo.select("call_uid", "model_id"), on=["call_uid", "model_id"])
    return segments.sort("segment_index").partition_by(
        ["call_uid", "model_id"], as_dict=True, maintain_order=True
    )


def _score_one(
    out: ScoredBatch,
    t: dict[str, Any],
    tenant_id: str,
    card: Scorecard,
    frame: pl.DataFrame | None,
    taxonomy: Taxonomy,
    now: datetime,
) -> None:
    """Metrics, score, verdicts and topics of one transcript."""
    key = {"call_uid": t["call_uid"], "tenant_id": tenant_id, "model_id": t["model_id"]}
    segs = segments_from_rows(frame.to_dicts() if frame is not None else [])
    metrics = metrics_row(key, segs, t["duration_s"], now)
    out.metrics.append(metrics)
    result = score_call(
        card,
        segs,
        language=t["language"],
        duration_s=t["duration_s"],
        campaign=t["campaign"],
        metrics=metrics,
        role_check=t["role_check"],
    )
    row, criteria = score_rows(key, card, result, now)
    # KPIs read the language from the score: the transcript goes at the end of its period.
    out.scores.append(row | {"language": t["language"]})
    out.criteria.extend(criteria)
    out.topics.extend(category_rows(key, taxonomy, segs, t["language"], now))


def _version_rows(
    lh: Lakehouse, choice: CardChoice, used: dict[CardKey, Scorecard], now: datetime
) -> list[dict[str, Any]]:
    """Every version this tenant has used, re-flagged: the active flag follows _assignments.yaml."""
    every = dict(used)
    recorded = lh.read(
        SCORECARD_VERSIONS, choice.tenant_id, columns=["scorecard_id", "scorecard_version"]
    )
    for key in recorded.iter_rows():
        if key in choice.cards:
            every.setdefault(key, choice.cards[key])
    default_card = choice.card_for(None)
    every.setdefault((default_card.id, default_card.version), default_card)
    return [
        version_row(choice.tenant_id, card, choice.assignments.is_active(choice.cards, card), now)
        for card in every.values()
    ]


def version_row(tenant_id: str, card: Scorecard, is_active: bool, now: datetime) -> dict:
    """The silver.scorecard_versions row of one card: its definition, hashed, and its flag."""
    definition = json.dumps(asdict(card), sort_keys=True, default=str)
    return {
        "tenant_id": tenant_id,
        "scorecard_id": card.id,
        "scorecard_version": card.version,
        "name": card.name,
        "pass_threshold": card.pass_threshold,
        "criteria_total": len(card.criteria),
        "is_active": is_active,
        "definition_sha256": hashlib.sha256(definition.encode()).hexdigest(),
        "definition": definition,
        "recorded_at": now,
    }

"""silver transcripts → call metrics, call scores, criterion results with evidence, call topics."""

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime

import dagster as dg
import polars as pl

from orchestration.defs.ingest.assets import OWNERS
from orchestration.defs.transcribe.assets import batch_calls
from orchestration.partitions import call_batches
from orchestration.resources import LakehouseResource
from transforms import ingest
from transforms.categories import category_rows
from transforms.lakehouse import conform
from transforms.scoring import score_call
from transforms.silver import metrics_row, score_rows, segments_from_rows
from transforms.tables import (
    CALL_CATEGORIES,
    CALL_METRICS,
    CALL_SCORES,
    CRITERION_RESULTS,
    SCORECARD_VERSIONS,
    SEGMENTS,
    TRANSCRIPTS,
)

_DEPS = [["silver", "transcripts"], ["silver", "transcript_segments"]]
_TABLES = (CALL_METRICS, CALL_SCORES, CRITERION_RESULTS, SCORECARD_VERSIONS, CALL_CATEGORIES)


class ScoreConfig(dg.Config):
    """What-if re-scoring: score with this version of the assigned scorecard instead of the
    active one. Rows are added beside the active version's, never replacing them; KPIs keep
    counting the active version."""

    scorecard_version: str = ""


def _spec(table, tags_pii: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        ["silver", table.name],
        deps=_DEPS,
        description=table.description,
        owners=OWNERS,
        tags={"layer": "silver", "pii": tags_pii},
        kinds={"delta"},
    )


def _version_row(tenant_id: str, card, is_active: bool, now: datetime) -> dict:
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


@dg.multi_asset(
    specs=[
        _spec(CALL_METRICS, "performance"),
        _spec(CALL_SCORES, "performance"),
        _spec(CRITERION_RESULTS, "performance"),
        _spec(SCORECARD_VERSIONS, "none"),
        _spec(CALL_CATEGORIES, "conversation"),
    ],
    partitions_def=call_batches,
    group_name="score",
)
def call_scores(
    context: dg.AssetExecutionContext, config: ScoreConfig, lakehouse: LakehouseResource
):
    """Score each transcript of the batch with the scorecard assigned to its tenant and campaign
    (active version unless a what-if version is configured); compute metrics and topics."""
    lh = lakehouse.lakehouse()
    tenant_id, _ = ingest.split_partition_key(context.partition_key)
    calls = batch_calls(lakehouse, context.partition_key).select("call_uid", "campaign")
    if calls.is_empty():  # a batch wholly quarantined (e.g. unknown tenant) has nothing to score
        for table in _TABLES:
            yield dg.MaterializeResult(asset_key=["silver", table.name], metadata={"calls": 0})
        return
    cards = lakehouse.scorecards()
    assignments = lakehouse.assignments(cards)
    fallback = lakehouse.tenants()[tenant_id].scorecard
    taxonomy = lakehouse.taxonomy(tenant_id)

    def card_for(campaign: str | None):
        scorecard_id = assignments.scorecard_id(tenant_id, campaign, fallback)
        if config.scorecard_version:
            key = (scorecard_id, config.scorecard_version)
            if key not in cards:
                raise dg.Failure(
                    f"scorecard {scorecard_id} v{config.scorecard_version} not on file"
                )
            return cards[key]
        return assignments.active(cards, scorecard_id)

    transcripts = lh.read(
        TRANSCRIPTS, tenant_id, columns=["call_uid", "model_id", "language", "duration_s"]
    ).join(calls, on="call_uid")
    # The card each call is scored with (by campaign; a call without campaign gets the default),
    # chosen once per campaign.
    chosen = {c: card_for(c) for c in transcripts["campaign"].unique().to_list()}
    by_campaign = pl.DataFrame(
        {
            "campaign": list(chosen),
            "scorecard_id": [card.id for card in chosen.values()],
            "scorecard_version": [card.version for card in chosen.values()],
        },
        schema={"campaign": pl.String, "scorecard_id": pl.String, "scorecard_version": pl.String},
    )
    transcripts = transcripts.join(by_campaign, on="campaign", how="left", nulls_equal=True)
    scored = lh.read(
        CALL_SCORES,
        tenant_id,
        columns=["call_uid", "model_id", "scorecard_id", "scorecard_version"],
    )
    todo = transcripts.join(
        scored, on=["call_uid", "model_id", "scorecard_id", "scorecard_version"], how="anti"
    )
    # Only the segments of the calls to score, filtered in the scan (not the tenant's history).
    segments = lh.read(
        SEGMENTS, tenant_id, where={"call_uid": todo["call_uid"].unique().to_list()}
    ).join(todo.select("call_uid", "model_id"), on=["call_uid", "model_id"])
    by_call = segments.sort("segment_index").partition_by(
        ["call_uid", "model_id"], as_dict=True, maintain_order=True
    )
    now = datetime.now(UTC)
    metric_rows, score_rows_, criterion_rows, topic_rows = [], [], [], []
    used = {}
    for t in todo.iter_rows(named=True):
        card = chosen[t["campaign"]]
        used[(card.id, card.version)] = card
        key = {"call_uid": t["call_uid"], "tenant_id": tenant_id, "model_id": t["model_id"]}
        frame = by_call.get((t["call_uid"], t["model_id"]))
        segs = segments_from_rows(frame.to_dicts() if frame is not None else [])
        metrics = metrics_row(key, segs, t["duration_s"], now)
        metric_rows.append(metrics)
        result = score_call(
            card,
            segs,
            language=t["language"],
            duration_s=t["duration_s"],
            campaign=t["campaign"],
            metrics=metrics,
        )
        row, criteria = score_rows(key, card, result, now)
        score_rows_.append(row)
        criterion_rows.extend(criteria)
        topic_rows.extend(category_rows(key, taxonomy, segs, t["language"], now))
    # Every version this tenant has used, re-flagged: the active flag follows _assignments.yaml.
    recorded = lh.read(SCORECARD_VERSIONS, tenant_id, columns=["scorecard_id", "scorecard_version"])
    for key in recorded.iter_rows():
        if key in cards:
            used.setdefault(key, cards[key])
    default_card = card_for(None)
    used.setdefault((default_card.id, default_card.version), default_card)
    version_rows = [
        _version_row(tenant_id, card, assignments.is_active(cards, card), now)
        for card in used.values()
    ]
    # Metrics and topics depend only on the transcript: recomputing replaces (update).
    lh.merge(CALL_METRICS, conform(CALL_METRICS, metric_rows), update=True)
    inserted = lh.merge(CALL_SCORES, conform(CALL_SCORES, score_rows_))
    lh.merge(CRITERION_RESULTS, conform(CRITERION_RESULTS, criterion_rows))
    lh.merge(SCORECARD_VERSIONS, conform(SCORECARD_VERSIONS, version_rows), update=True)
    lh.merge(CALL_CATEGORIES, conform(CALL_CATEGORIES, topic_rows), update=True)
    passed = sum(r["passed"] for r in score_rows_)
    yield dg.MaterializeResult(
        asset_key=["silver", "call_metrics"], metadata={"calls": len(metric_rows)}
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "call_scores"],
        metadata={
            "scorecards": ", ".join(sorted(f"{i} v{v}" for i, v in used)) or "none",
            "calls_scored": len(score_rows_),
            "calls_skipped": transcripts.height - todo.height,
            "rows_inserted": inserted["num_target_rows_inserted"],
            "calls_passed": passed,
            "calls_critical_failed": sum(bool(r["critical_failed"]) for r in score_rows_),
            "calls_needing_review": sum(bool(r["needs_review"]) for r in score_rows_),
            "mean_score": round(sum(r["score"] for r in score_rows_) / len(score_rows_), 1)
            if score_rows_
            else None,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "criterion_results"],
        metadata={
            "rows": len(criterion_rows),
            "needs_review": sum(bool(r["needs_review"]) for r in criterion_rows),
            "not_applicable": sum(r["verdict"] == "na" for r in criterion_rows),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "scorecard_versions"], metadata={"versions": len(version_rows)}
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "call_categories"],
        metadata={"rows": len(topic_rows), "taxonomy": f"{taxonomy.id} v{taxonomy.version}"},
    )

"""silver transcripts → call metrics, call scores and per-criterion results with evidence."""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from orchestration.defs.ingest.assets import OWNERS
from orchestration.defs.transcribe.assets import batch_calls
from orchestration.partitions import call_batches
from orchestration.resources import LakehouseResource
from transforms import ingest
from transforms.lakehouse import conform
from transforms.scoring import latest, score_call
from transforms.silver import metrics_row, score_rows, segments_from_rows
from transforms.tables import CALL_METRICS, CALL_SCORES, CRITERION_RESULTS, SEGMENTS, TRANSCRIPTS

_DEPS = [["silver", "transcripts"], ["silver", "transcript_segments"]]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["silver", "call_metrics"],
            deps=_DEPS,
            description=CALL_METRICS.description,
            owners=OWNERS,
            tags={"layer": "silver", "pii": "performance"},
            kinds={"delta"},
        ),
        dg.AssetSpec(
            ["silver", "call_scores"],
            deps=_DEPS,
            description=CALL_SCORES.description,
            owners=OWNERS,
            tags={"layer": "silver", "pii": "performance"},
            kinds={"delta"},
        ),
        dg.AssetSpec(
            ["silver", "criterion_results"],
            deps=_DEPS,
            description=CRITERION_RESULTS.description,
            owners=OWNERS,
            tags={"layer": "silver", "pii": "performance"},
            kinds={"delta"},
        ),
    ],
    partitions_def=call_batches,
    group_name="score",
)
def call_scores(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    """Score each transcript of the batch with its tenant's current scorecard version."""
    lh = lakehouse.lakehouse()
    tenant_id, _ = ingest.split_partition_key(context.partition_key)
    calls = batch_calls(lakehouse, context.partition_key).select("call_uid")
    if calls.is_empty():  # a batch wholly quarantined (e.g. unknown tenant) has nothing to score
        for name in ("call_metrics", "call_scores", "criterion_results"):
            yield dg.MaterializeResult(asset_key=["silver", name], metadata={"calls": 0})
        return
    card = latest(lakehouse.scorecards(), lakehouse.tenants()[tenant_id].scorecard)
    transcripts = lh.read(
        TRANSCRIPTS, tenant_id, columns=["call_uid", "model_id", "language", "duration_s"]
    ).join(calls, on="call_uid")
    scored = lh.read(
        CALL_SCORES,
        tenant_id,
        columns=["call_uid", "model_id", "scorecard_id", "scorecard_version"],
    ).filter((pl.col("scorecard_id") == card.id) & (pl.col("scorecard_version") == card.version))
    todo = transcripts.join(
        scored.select("call_uid", "model_id"), on=["call_uid", "model_id"], how="anti"
    )
    segments = lh.read(SEGMENTS, tenant_id).join(
        todo.select("call_uid", "model_id"), on=["call_uid", "model_id"]
    )
    by_call = segments.sort("segment_index").partition_by(
        ["call_uid", "model_id"], as_dict=True, maintain_order=True
    )
    now = datetime.now(UTC)
    metric_rows, score_rows_, criterion_rows = [], [], []
    for t in todo.iter_rows(named=True):
        key = {"call_uid": t["call_uid"], "tenant_id": tenant_id, "model_id": t["model_id"]}
        frame = by_call.get((t["call_uid"], t["model_id"]))
        segs = segments_from_rows(frame.to_dicts() if frame is not None else [])
        metric_rows.append(metrics_row(key, segs, t["duration_s"], now))
        result = score_call(card, segs, language=t["language"], duration_s=t["duration_s"])
        row, criteria = score_rows(key, card, result, now)
        score_rows_.append(row)
        criterion_rows.extend(criteria)
    # Metrics depend only on the transcript: recomputing replaces (update) rather than duplicates.
    lh.merge(CALL_METRICS, conform(CALL_METRICS, metric_rows), update=True)
    inserted = lh.merge(CALL_SCORES, conform(CALL_SCORES, score_rows_))
    lh.merge(CRITERION_RESULTS, conform(CRITERION_RESULTS, criterion_rows))
    passed = sum(r["passed"] for r in score_rows_)
    yield dg.MaterializeResult(
        asset_key=["silver", "call_metrics"], metadata={"calls": len(metric_rows)}
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "call_scores"],
        metadata={
            "scorecard": f"{card.id} v{card.version}",
            "calls_scored": len(score_rows_),
            "calls_skipped": transcripts.height - todo.height,
            "rows_inserted": inserted["num_target_rows_inserted"],
            "calls_passed": passed,
            "mean_score": round(sum(r["score"] for r in score_rows_) / len(score_rows_), 1)
            if score_rows_
            else None,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "criterion_results"], metadata={"rows": len(criterion_rows)}
    )

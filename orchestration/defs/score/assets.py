"""silver transcripts → call metrics, call scores, criterion results with evidence, call topics."""

import dagster as dg

from orchestration.lib.owners import OWNERS
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import SettingsResource
from transforms.core.scorecards import ScorecardError
from transforms.core.tables import (
    CALL_CATEGORIES,
    CALL_METRICS,
    CALL_SCORES,
    CRITERION_RESULTS,
    SCORECARD_VERSIONS,
    TableSpec,
)
from transforms.score import step

_DEPS = [["silver", "transcripts"], ["silver", "transcript_segments"]]
_TABLES = (CALL_METRICS, CALL_SCORES, CRITERION_RESULTS, SCORECARD_VERSIONS, CALL_CATEGORIES)


class ScoreConfig(dg.Config):
    """What-if re-scoring: score with this version of the assigned scorecard instead of the
    active one. Rows are added beside the active version's, never replacing them; KPIs keep
    counting the active version."""

    scorecard_version: str = ""


def _spec(table: TableSpec, tags_pii: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        ["silver", table.name],
        deps=_DEPS,
        description=table.description,
        owners=OWNERS,
        tags={"layer": "silver", "pii": tags_pii},
        kinds={"delta"},
    )


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
def call_scores(context: dg.AssetExecutionContext, config: ScoreConfig, settings: SettingsResource):
    """Score each transcript of the batch with the scorecard assigned to its tenant and campaign
    (active version unless a what-if version is configured); compute metrics and topics."""
    try:
        done = step.run(
            settings.step_context(context.log), context.partition_key, config.scorecard_version
        )
    except ScorecardError as exc:
        raise dg.Failure(str(exc)) from exc
    out, scores = done.out, done.out.scores
    yield dg.MaterializeResult(
        asset_key=["silver", "call_metrics"], metadata={"calls": len(out.metrics)}
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "call_scores"],
        metadata={
            "scorecards": ", ".join(sorted(f"{i} v{v}" for i, v in out.used)) or "none",
            "calls_scored": len(scores),
            "calls_skipped": out.transcripts - len(scores),
            "rows_inserted": done.rows_inserted,
            "calls_passed": sum(r["passed"] for r in scores),
            "calls_critical_failed": sum(bool(r["critical_failed"]) for r in scores),
            "calls_needing_review": sum(bool(r["needs_review"]) for r in scores),
            "mean_score": round(sum(r["score"] for r in scores) / len(scores), 1)
            if scores
            else None,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "criterion_results"],
        metadata={
            "rows": len(out.criteria),
            "needs_review": sum(bool(r["needs_review"]) for r in out.criteria),
            "not_applicable": sum(r["verdict"] == "na" for r in out.criteria),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "scorecard_versions"], metadata={"versions": len(out.versions)}
    )
    yield dg.MaterializeResult(
        asset_key=["silver", "call_categories"],
        metadata={"rows": len(out.topics), "taxonomy": done.taxonomy or "none"},
    )

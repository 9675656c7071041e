"""Rows of silver.call_metrics, silver.call_scores and silver.criterion_results of a scored call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from transforms.core.transcript import Segment
from transforms.score.metrics import conversation_metrics
from transforms.score.scoring import CallScore, Scorecard, quote, unprimed_quote


def metrics_row(
    key: dict[str, Any], segments: list[Segment], duration_s: float, now: datetime
) -> dict[str, Any]:
    metrics = conversation_metrics(
        ((s.speaker, s.start_s, s.end_s, s.text) for s in segments), duration_s
    )
    return {**key, **metrics.as_row(), "computed_at": now}


def score_rows(
    key: dict[str, Any], card: Scorecard, score: CallScore, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the silver.call_scores row, the silver.criterion_results rows) of one scored call."""
    versioned = {**key, "scorecard_id": card.id, "scorecard_version": card.version}
    call_row = {
        **versioned,
        "score": score.score,
        "points_earned": score.points_earned,
        "points_possible": score.points_possible,
        "passed": score.passed,
        "criteria_met": score.criteria_met,
        "criteria_total": len(score.results),
        "scored_at": now,
        "criteria_na": score.criteria_na,
        "critical_failed": score.critical_failed,
        "needs_review": score.needs_review,
    }
    criteria = [
        {
            **versioned,
            "criterion_id": r.criterion_id,
            "criterion_name": r.criterion_name,
            "verdict": r.status,
            "met": r.met,
            "points_earned": r.points_earned,
            "points_possible": r.points_possible,
            "evidence_quote": quote(r.evidence),
            "evidence_start_s": r.evidence.start_s if r.evidence else None,
            "evidence_end_s": r.evidence.end_s if r.evidence else None,
            "evidence_speaker": r.evidence.speaker if r.evidence else None,
            "match_score": r.match_score,
            "confidence": r.confidence(),
            "section_id": r.section_id,
            "kind": r.kind,
            "critical": r.critical,
            "weight": r.weight,
            "evidence_kind": r.evidence_kind,
            "matched_phrase": r.matched_phrase,
            "metric_value": r.metric_value,
            "evidence_note": r.evidence_note,
            "needs_review": r.needs_review,
            "review_reason": r.review_reason,
            "scored_at": now,
            "evidence_decode": r.evidence_decode,
            "unprimed_quote": unprimed_quote(r.evidence),
        }
        for r in score.results
    ]
    return call_row, criteria

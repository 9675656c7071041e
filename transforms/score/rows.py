"""Rows of the silver tables, built from a bronze call and its transcript or score."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from transforms.metrics import conversation_metrics
from transforms.redaction import RedactedCall
from transforms.scoring import CallScore, Scorecard, quote
from transforms.transcription import Segment, Word


def transcript_rows(
    call: dict[str, Any],
    redacted: RedactedCall,
    model_id: str,
    now: datetime,
    playback_uri: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the silver.transcripts row, the silver.transcript_segments rows) of one call.

    Built from the redacted transcript only: text in clear never reaches a table.
    """
    transcript = redacted.transcript
    ordered = transcript.ordered()
    row = {
        "call_uid": call["call_uid"],
        "tenant_id": call["tenant_id"],
        "call_id": call["call_id"],
        "audio_sha256": call["audio_sha256"],
        "model_id": model_id,
        "language": transcript.language,
        "language_probability": transcript.language_probability,
        "duration_s": round(transcript.duration_s, 3),
        "text": transcript.tagged_text(),
        "agent_text": transcript.text_of("agent"),
        "customer_text": transcript.text_of("customer"),
        "segment_count": len(ordered),
        "transcribe_seconds": round(transcript.seconds, 3),
        "real_time_factor": round(transcript.real_time_factor, 3),
        "transcribed_at": now,
        "speaker_method": transcript.speaker_method,
        "language_source": transcript.language_source,
        "quality": transcript.quality,
        "quality_reason": transcript.quality_reason,
        "confidence": transcript.confidence,
        "flagged_segment_count": transcript.flagged_segments,
        "playback_uri": playback_uri,
        "pii_redactions": sum(redacted.entities.values()),
    }
    segments = [
        {
            "call_uid": call["call_uid"],
            "tenant_id": call["tenant_id"],
            "model_id": model_id,
            "segment_index": i,
            **{k: getattr(seg, k) for k in Segment.__dataclass_fields__},
            "words": [w.__dict__ for w in seg.words],
        }
        for i, seg in enumerate(ordered)
    ]
    return row, segments


def segments_from_rows(rows: list[dict[str, Any]]) -> list[Segment]:
    """Segments back from silver rows; columns a row lacks (older tables) keep their defaults."""
    out = []
    for r in rows:
        fields = {k: r[k] for k in Segment.__dataclass_fields__ if k in r}
        fields["words"] = tuple(Word(**w) for w in (r.get("words") or ()))
        out.append(Segment(**fields))
    return out


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
        }
        for r in score.results
    ]
    return call_row, criteria

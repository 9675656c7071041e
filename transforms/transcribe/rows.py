"""Rows of silver.transcripts and silver.transcript_segments, and segments read back from them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from transforms.core.transcript import Segment, Word

if TYPE_CHECKING:  # redaction imports Presidio: not needed to read segments back
    from transforms.privacy.redaction import RedactedCall


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
        "role_check": transcript.role_check,
    }
    segments = [
        {
            "call_uid": call["call_uid"],
            "tenant_id": call["tenant_id"],
            "model_id": model_id,
            "segment_index": i,
            **{k: getattr(seg, k) for k in Segment.__dataclass_fields__},
            "words": [w.__dict__ for w in seg.words],
            "unprimed_words": [w.__dict__ for w in seg.unprimed_words],
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
        fields["unprimed_words"] = tuple(Word(**w) for w in (r.get("unprimed_words") or ()))
        fields["primed"] = bool(r.get("primed") or False)
        out.append(Segment(**fields))
    return out

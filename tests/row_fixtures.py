"""Minimal synthetic rows of bronze.calls and silver.transcripts (no personal data), for tests
that need a lakehouse with a few calls and no pipeline run, and manifest rows for ingest tests
(the caller's number is in a range reserved for fiction)."""

from __future__ import annotations

from datetime import UTC, datetime


def call(uid: str, tenant: str, caller: str | None, agent: str, day: int) -> dict:
    at = datetime(2026, 11, day, 9, tzinfo=UTC)
    return {
        "call_uid": uid, "tenant_id": tenant, "call_id": uid, "batch_id": "b", "agent_id": agent,
        "team": None, "campaign": None, "caller_key": caller, "started_at": at, "language": "fr",
        "channel_layout": "agent-left", "audio_uri": "x", "audio_sha256": "0" * 64,
        "audio_format": "mp3", "duration_s": 3.0, "channels": 2, "sample_rate": 8000,
        "file_size_bytes": 10, "ingested_at": at,
    }  # fmt: skip


def transcript(uid: str, tenant: str) -> dict:
    return {
        "call_uid": uid, "tenant_id": tenant, "call_id": uid, "audio_sha256": "0" * 64,
        "model_id": "m", "language": "fr", "language_probability": None, "duration_s": 3.0,
        "text": "t", "agent_text": "a", "customer_text": "c", "segment_count": 1,
        "transcribe_seconds": 1.0, "real_time_factor": 3.0,
        "transcribed_at": datetime(2026, 11, 20, tzinfo=UTC),
        "speaker_method": "declared_layout", "language_source": "declared", "quality": "ok",
        "quality_reason": None, "confidence": 0.9, "flagged_segment_count": 0,
        "playback_uri": None, "pii_redactions": 0, "role_check": "channel",
    }  # fmt: skip


def manifest_row(call_id: str, file_name: str, **over: str) -> dict[str, str]:
    """A manifest row of acme-telecom filling every column; ``over`` replaces or adds columns."""
    base = {
        "call_id": call_id,
        "file_name": file_name,
        "tenant_id": "acme-telecom",
        "agent_id": "acme-a01",
        "team": "acme-support",
        "campaign": "billing",
        "caller_phone": "+33639980101",
        "started_at": "2026-11-02T09:15:00+01:00",
        "language": "fr",
        "channel_layout": "agent-left",
    }
    return base | over

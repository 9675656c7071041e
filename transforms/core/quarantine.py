"""bronze.quarantine rows: the one builder every step uses, and the reason codes it accepts.

Ingest (a landed file or manifest row), transcription (stored audio the decoder cannot read) and
human reviews (a bad CSV row) set things aside in the same table. One builder keeps the row shape
and the id rule in one place, and refuses a reason code that is not listed here: the codes are
an interface (dashboards and operators filter on them) and ``docs/reason-codes.md`` documents
exactly this list (``tests/unit/core/test_quarantine.py`` keeps the code, the list and the docs
equal).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

#: Every reason code a quarantine row may carry, with its one-line meaning, by the step that
#: emits it.
REASON_CODES: dict[str, str] = {
    # ingest: the audio file itself
    "empty_file": "the file is empty (0 bytes)",
    "undecodable": "FFmpeg cannot decode the audio",
    "no_audio_stream": "the container holds no audio stream",
    "no_audio": "the audio decodes to no samples (truncated?)",
    "duration_out_of_range": "longer than the longest plausible call (4 h)",
    "unsupported_channels": "neither mono nor stereo",
    "sample_rate_too_low": "below telephone narrow-band (8 kHz)",
    "unsupported_format": "not an accepted container and codec (judged from the bytes), or the "
    "extension is not an audio one",
    # ingest: the manifest and its rows
    "manifest_unreadable": "the manifest cannot be parsed; the whole batch is set aside",
    "manifest_missing_column": "the manifest lacks a required column; the whole batch is set aside",
    "unknown_tenant": "the landing folder's tenant is not in the tenant registry",
    "contract_ended": "the tenant's contract has ended: its batches are no longer processed",
    "no_manifest_row": "no manifest row names this file",
    "audio_missing": "a manifest row names no file present in the batch",
    "duplicate_file_reference": "several manifest rows name the same file (all but the first)",
    "invalid_manifest_row": "a manifest field is empty or malformed (the reason names the field)",
    "tenant_mismatch": "the row's tenant_id differs from the landing folder's tenant",
    "invalid_caller_phone": "caller_phone does not parse as a phone number in the tenant's "
    "phone_region (a national number without phone_region, a wrong length)",
    "layout_mismatch": "a stereo channel_layout is declared on mono audio",
    "duplicate_call_id": "the call id is already used in this batch or with other audio",
    "duplicate_audio": "the same audio was already ingested under another call id",
    # ingest: landing names, links, uploads and values (most checked before a byte is read)
    "bad_tenant_folder": "the tenant folder's name is not a tenant id (kept under _unattributed)",
    "bad_batch_folder": "the batch folder's name is not text (not UTF-8, or control characters)",
    "bad_file_name": "the file name is not text (not UTF-8, control characters, bidi overrides)",
    "name_too_long": "the file name is longer than 200 characters",
    "ambiguous_file_name": "two files of the batch have one name in NFC and NFD forms",
    "symlink": "a symbolic link; never followed, its target never read",
    "not_a_regular_file": "a FIFO, socket or device; nothing read",
    "nested_folder": "a folder inside a batch folder; left in landing",
    "file_too_large": "larger than CCR_MAX_FILE_MB; bytes kept, never loaded whole",
    "late_file": "arrived after its batch was ingested, with no manifest of its own",
    "size_mismatch": "the file's size differs from the manifest's size column",
    "sha256_mismatch": "the file's sha256 differs from the manifest's sha256 column",
    "unsafe_value": "an id, team or campaign starts with = + - or @ (a spreadsheet formula)",
    "internal_error": "an unforeseen error on this file or row (the reason gives its class only)",
    # transcribe: a stored call whose audio cannot be transcribed
    "transcription_failed": "the transcriber failed on a stored call without a more precise code",
    # human reviews (batch ``_reviews``)
    "review_file_unreadable": "the review CSV is not UTF-8 or its header lacks a column",
    "review_missing_column": "a review given to record_reviews lacks a field (it raises)",
    "review_unknown_call": "the call id is not one of the tenant's calls",
    "review_tenant_mismatch": "the row's tenant_id is empty or not the tenant of the folder",
    "review_unknown_scorecard": "the scorecard id and version are not on file",
    "review_unknown_criterion": "the criterion is not in that scorecard version",
    "review_bad_kind": "kind is not review, dispute or resolution",
    "review_bad_verdict": "verdict is not met, not_met or na",
    "review_missing_reviewer": "reviewer_id is empty",
    "review_bad_timestamp": "reviewed_at is not ISO 8601 with an offset",
    "review_in_future": "reviewed_at is in the future",
    "dispute_not_by_agent": "a dispute is not raised by the call's agent",
    "dispute_without_comment": "a dispute has no comment",
    "resolution_by_agent": "the call's own agent resolves a dispute",
    "resolution_without_dispute": "a resolution settles no open dispute",
}


def quarantine_id(key: str) -> str:
    """The row key: a hash of what makes the rejection unique, so re-running inserts nothing."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def quarantine_row(
    *,
    key: str,
    tenant_id: str,
    batch_id: str,
    file_name: str,
    reason_code: str,
    reason: str,
    quarantined_at: datetime,
    call_id: str | None = None,
    file_sha256: str | None = None,
    file_size_bytes: int | None = None,
    quarantine_uri: str | None = None,
    manifest_row: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One bronze.quarantine row. ``key`` identifies the rejection (see ``quarantine_id``)."""
    if reason_code not in REASON_CODES:
        raise ValueError(
            f"quarantine reason code {reason_code!r} is not in transforms.core.quarantine."
            "REASON_CODES; add it there and to docs/reason-codes.md"
        )
    return {
        "quarantine_id": quarantine_id(key),
        "tenant_id": tenant_id,
        "batch_id": batch_id,
        "file_name": file_name,
        "call_id": call_id,
        "file_sha256": file_sha256,
        "file_size_bytes": file_size_bytes,
        "quarantine_uri": quarantine_uri,
        "reason_code": reason_code,
        "reason": reason,
        # Sorted keys: the same row always gives the same text.
        "manifest_row": None
        if manifest_row is None
        else json.dumps(manifest_row, sort_keys=True, ensure_ascii=False),
        "quarantined_at": quarantined_at,
    }

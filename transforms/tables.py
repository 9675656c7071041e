"""The lakehouse tables: schema, keys, partitioning and the Delta properties they are created with.

One registry so ingest, transcription, scoring, dbt sources and the tests agree on every column.
All tables are partitioned by ``tenant_id``: deleting a tenant at contract end drops whole folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    layer: str
    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    description: str
    #: Columns holding personal data; kept out of Delta data-skipping statistics so that min/max
    #: values of a phone hash or a quote never sit in ``_delta_log`` after an erasure.
    pii_columns: tuple[str, ...] = ()
    partition_by: tuple[str, ...] = ("tenant_id",)
    extra_config: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"{self.layer}/{self.name}"

    def delta_configuration(self) -> dict[str, str | None]:
        stats = [
            n
            for n in self.schema.names
            if n not in self.pii_columns and pa.types.is_primitive(self.schema.field(n).type)
        ]
        config: dict[str, str | None] = {
            # Erasure must rewrite files, not hide rows behind deletion vectors.
            "delta.enableDeletionVectors": "false",
            "delta.dataSkippingStatsColumns": ",".join(stats),
            "delta.logRetentionDuration": "interval 30 days",
            "delta.deletedFileRetentionDuration": "interval 7 days",
        }
        config.update(self.extra_config)
        return config


def _schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(n, t, nullable=nullable) for n, t, nullable in fields])


S, F, I32, I64, B = pa.string(), pa.float64(), pa.int32(), pa.int64(), pa.bool_()
#: Word timestamps, in order; joined with spaces they give the segment text (PII redaction
#: cuts text and audio by these times).
WORDS = pa.list_(
    pa.struct(
        [
            pa.field("word", S, nullable=False),
            pa.field("start_s", F, nullable=False),
            pa.field("end_s", F, nullable=False),
            pa.field("probability", F, nullable=False),
        ]
    )
)

CALLS = TableSpec(
    "bronze",
    "calls",
    _schema(
        ("call_uid", S, False),
        ("tenant_id", S, False),
        ("call_id", S, False),
        ("batch_id", S, False),
        ("agent_id", S, False),
        ("team", S, True),
        ("campaign", S, True),
        ("caller_key", S, True),
        ("started_at", TS, False),
        ("language", S, True),
        ("channel_layout", S, False),
        ("audio_uri", S, False),
        ("audio_sha256", S, False),
        ("audio_format", S, False),
        ("duration_s", F, False),
        ("channels", I32, False),
        ("sample_rate", I32, False),
        ("file_size_bytes", I64, False),
        ("ingested_at", TS, False),
    ),
    key=("call_uid",),
    description="One row per call accepted from landing; audio stored by sha256.",
    pii_columns=("caller_key", "agent_id", "audio_uri"),
)

QUARANTINE = TableSpec(
    "bronze",
    "quarantine",
    _schema(
        ("quarantine_id", S, False),
        ("tenant_id", S, False),
        ("batch_id", S, False),
        ("file_name", S, False),
        ("call_id", S, True),
        ("file_sha256", S, True),
        ("file_size_bytes", I64, True),
        ("quarantine_uri", S, True),
        ("reason_code", S, False),
        ("reason", S, False),
        ("manifest_row", S, True),
        ("quarantined_at", TS, False),
    ),
    key=("quarantine_id",),
    description="One row per rejected landing file or manifest row, with the reason; bytes kept.",
    # manifest_row is the row as landed, caller phone already replaced by its pseudonym.
    pii_columns=("quarantine_uri", "manifest_row"),
)

TRANSCRIPTS = TableSpec(
    "silver",
    "transcripts",
    _schema(
        ("call_uid", S, False),
        ("tenant_id", S, False),
        ("call_id", S, False),
        ("audio_sha256", S, False),
        ("model_id", S, False),
        ("language", S, False),
        ("language_probability", F, True),
        ("duration_s", F, False),
        ("text", S, False),
        ("agent_text", S, False),
        ("customer_text", S, False),
        ("segment_count", I32, False),
        ("transcribe_seconds", F, False),
        ("real_time_factor", F, False),
        ("transcribed_at", TS, False),
        # stereo_channels | declared_layout | mono_diarization | fake_stereo_diarization
        ("speaker_method", S, False),
        ("language_source", S, False),  # declared | detected
        ("quality", S, False),  # ok | low_confidence | suspect | no_speech
        ("quality_reason", S, True),
        ("confidence", F, True),
        ("flagged_segment_count", I32, False),
    ),
    key=("call_uid", "model_id"),
    description="One row per call and transcription model, with how speakers were decided.",
    pii_columns=("text", "agent_text", "customer_text"),
)

SEGMENTS = TableSpec(
    "silver",
    "transcript_segments",
    _schema(
        ("call_uid", S, False),
        ("tenant_id", S, False),
        ("model_id", S, False),
        ("segment_index", I32, False),
        ("speaker", S, False),
        ("channel", I32, False),
        ("start_s", F, False),
        ("end_s", F, False),
        ("text", S, False),
        ("avg_logprob", F, False),
        ("no_speech_prob", F, False),
        ("words", WORDS, False),
        ("confidence", F, True),
        ("speaker_confidence", F, True),
        ("compression_ratio", F, True),
        ("flag", B, False),
        ("flag_reason", S, True),
    ),
    key=("call_uid", "model_id", "segment_index"),
    description="One row per segment (one voice between pauses), with words and guard flags.",
    pii_columns=("text", "words"),
)

CALL_METRICS = TableSpec(
    "silver",
    "call_metrics",
    _schema(
        ("call_uid", S, False),
        ("tenant_id", S, False),
        ("model_id", S, False),
        ("duration_s", F, False),
        ("agent_talk_s", F, False),
        ("customer_talk_s", F, False),
        ("agent_talk_share", F, True),
        ("customer_talk_share", F, True),
        ("silence_s", F, False),
        ("silence_share", F, True),
        ("longest_silence_s", F, False),
        ("overlap_s", F, False),
        ("computed_at", TS, False),
    ),
    key=("call_uid", "model_id"),
    description="One row per call and model: conversation metrics from segment timings.",
)

CALL_SCORES = TableSpec(
    "silver",
    "call_scores",
    _schema(
        ("call_uid", S, False),
        ("tenant_id", S, False),
        ("scorecard_id", S, False),
        ("scorecard_version", S, False),
        ("model_id", S, False),
        ("score", F, False),
        ("points_earned", F, False),
        ("points_possible", F, False),
        ("passed", B, False),
        ("criteria_met", I32, False),
        ("criteria_total", I32, False),
        ("scored_at", TS, False),
    ),
    key=("call_uid", "scorecard_id", "scorecard_version", "model_id"),
    description="One row per call, scorecard version and transcript model.",
)

CRITERION_RESULTS = TableSpec(
    "silver",
    "criterion_results",
    _schema(
        ("call_uid", S, False),
        ("tenant_id", S, False),
        ("scorecard_id", S, False),
        ("scorecard_version", S, False),
        ("model_id", S, False),
        ("criterion_id", S, False),
        ("criterion_name", S, False),
        ("verdict", S, False),
        ("met", B, False),
        ("points_earned", F, False),
        ("points_possible", F, False),
        ("evidence_quote", S, True),
        ("evidence_start_s", F, True),
        ("evidence_end_s", F, True),
        ("evidence_speaker", S, True),
        ("match_score", F, True),
        ("confidence", F, True),
    ),
    key=("call_uid", "scorecard_id", "scorecard_version", "model_id", "criterion_id"),
    description="One row per call, scorecard version, model and criterion, with its evidence.",
    pii_columns=("evidence_quote",),
)

ALL_TABLES: tuple[TableSpec, ...] = (
    CALLS,
    QUARANTINE,
    TRANSCRIPTS,
    SEGMENTS,
    CALL_METRICS,
    CALL_SCORES,
    CRITERION_RESULTS,
)

"""The lakehouse tables: schema, keys, partitioning and the Delta properties they are created with.

Built from the data contracts (``data_contracts/*.odcs.yaml``), the single source, so ingest,
transcription, scoring, dbt sources, the quality checks and the record of processing agree on every
column. Tables are partitioned by ``tenant_id``: deleting a tenant at contract end drops folders.
To add a column, edit the contract (see data_contracts/README.md), not this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from transforms.contracts import ContractError, diff_schema, load_contracts

TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    layer: str
    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    description: str
    #: Personal-data columns (other than keys) kept out of Delta data-skipping statistics, so
    #: that min/max values of a phone hash or a quote never sit in ``_delta_log`` after erasure.
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
            if n not in self.pii_columns and not pa.types.is_nested(self.schema.field(n).type)
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


def from_contract(name: str) -> TableSpec:
    """The TableSpec of ``data_contracts/<name>.odcs.yaml`` (e.g. ``silver.transcripts``)."""
    contracts = load_contracts()
    if name not in contracts:
        raise ContractError(f"no data contract data_contracts/{name}.odcs.yaml")
    c = contracts[name]
    return TableSpec(
        c.layer,
        c.table,
        c.arrow_schema(),
        key=c.key,
        description=c.description,
        pii_columns=c.stats_excluded,
        partition_by=c.partition_by,
    )


CALLS = from_contract("bronze.calls")
QUARANTINE = from_contract("bronze.quarantine")
REJECTED_ROWS = from_contract("bronze.rejected_rows")
TRANSCRIPTS = from_contract("silver.transcripts")
SEGMENTS = from_contract("silver.transcript_segments")
CALL_METRICS = from_contract("silver.call_metrics")
CALL_SCORES = from_contract("silver.call_scores")
CRITERION_RESULTS = from_contract("silver.criterion_results")
#: Accountability log: appended by every asset step, not part of the data flow.
PROCESSING_LOG = from_contract("compliance.processing_log")


def _schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(n, t, nullable=nullable) for n, t, nullable in fields])


S, F, I32, I64, B = pa.string(), pa.float64(), pa.int32(), pa.int64(), pa.bool_()

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
    ),
    key=("call_uid", "model_id"),
    description="One row per call and transcription model.",
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
    ),
    key=("call_uid", "model_id", "segment_index"),
    description="One row per transcribed segment, speaker from the stereo channel.",
    pii_columns=("text",),
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
        # issue 4: definitions in transforms/metrics.py (no emotion or other inferred state)
        ("unknown_talk_s", F, True),
        ("dead_air_count", I32, True),
        ("dead_air_s", F, True),
        ("overtalk_count", I32, True),
        ("agent_interruptions", I32, True),
        ("agent_words_per_minute", F, True),
        ("time_to_first_agent_word_s", F, True),
        ("long_hold_count", I32, True),
        ("long_hold_s", F, True),
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
        # issue 4: N/A criteria, critical failure, verdicts waiting for a person
        ("criteria_na", I32, True),
        ("critical_failed", B, True),
        ("needs_review", B, True),
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
        # issue 4: where the criterion sits, how it was decided, and whether a person must confirm
        ("section_id", S, True),
        ("kind", S, True),
        ("critical", B, True),
        ("weight", F, True),
        ("evidence_kind", S, True),
        ("matched_phrase", S, True),
        ("metric_value", F, True),
        ("evidence_note", S, True),
        ("needs_review", B, True),
        ("review_reason", S, True),
        ("scored_at", TS, True),
    ),
    key=("call_uid", "scorecard_id", "scorecard_version", "model_id", "criterion_id"),
    description="One row per call, scorecard version, model and criterion, with its evidence.",
    pii_columns=("evidence_quote",),
)

SCORECARD_VERSIONS = TableSpec(
    "silver",
    "scorecard_versions",
    _schema(
        ("tenant_id", S, False),
        ("scorecard_id", S, False),
        ("scorecard_version", S, False),
        ("name", S, False),
        ("pass_threshold", F, False),
        ("criteria_total", I32, False),
        ("is_active", B, False),
        ("definition_sha256", S, False),
        ("definition", S, False),
        ("recorded_at", TS, False),
    ),
    key=("tenant_id", "scorecard_id", "scorecard_version"),
    description=(
        "One row per tenant and scorecard version used to score its calls; is_active marks the "
        "version KPIs count (updated when _assignments.yaml changes)."
    ),
)

CALL_CATEGORIES = TableSpec(
    "silver",
    "call_categories",
    _schema(
        ("call_uid", S, False),
        ("tenant_id", S, False),
        ("model_id", S, False),
        ("taxonomy_id", S, False),
        ("taxonomy_version", S, False),
        ("category_id", S, False),
        ("category_name", S, False),
        ("hits", I32, False),
        ("evidence_quote", S, True),
        ("evidence_start_s", F, True),
        ("evidence_speaker", S, True),
        ("match_score", F, True),
        ("categorised_at", TS, False),
    ),
    key=("call_uid", "model_id", "taxonomy_id", "taxonomy_version", "category_id"),
    description="One row per call, model, taxonomy version and matched topic (rule-based).",
    pii_columns=("evidence_quote",),
)

HUMAN_REVIEWS = TableSpec(
    "silver",
    "human_reviews",
    _schema(
        ("review_id", S, False),
        ("tenant_id", S, False),
        ("call_uid", S, False),
        ("call_id", S, False),
        ("scorecard_id", S, False),
        ("scorecard_version", S, False),
        ("criterion_id", S, False),
        ("kind", S, False),
        ("verdict", S, True),
        ("reviewer_id", S, False),
        ("comment", S, True),
        ("reviewed_at", TS, False),
        ("source", S, False),
        ("ingested_at", TS, False),
    ),
    key=("review_id",),
    description=(
        "Append-only log of human reviews, agent disputes and reviewer resolutions, one row per "
        "event; never updated (the final verdict is the latest review or resolution)."
    ),
    # reviewer and agent ids are pseudonymous; a free-text comment may name someone.
    pii_columns=("comment", "reviewer_id"),
)

ALL_TABLES: tuple[TableSpec, ...] = (
    CALLS,
    QUARANTINE,
    REJECTED_ROWS,
    TRANSCRIPTS,
    SEGMENTS,
    CALL_METRICS,
    CALL_SCORES,
    CRITERION_RESULTS,
    SCORECARD_VERSIONS,
    CALL_CATEGORIES,
    HUMAN_REVIEWS,
)


def registry_problems(specs: tuple[TableSpec, ...]) -> list[str]:
    """Where a TableSpec (e.g. one still in Python after a merge) and its contract differ."""
    contracts = load_contracts()
    problems = []
    for spec in specs:
        name = f"{spec.layer}.{spec.name}"
        if name not in contracts:
            problems.append(
                f"{name}: no contract data_contracts/{name}.odcs.yaml (write one with "
                "transforms.contracts.scaffold)"
            )
            continue
        c = contracts[name]
        problems += diff_schema(name, c.arrow_schema(), spec.schema, "transforms/tables.py")
        if tuple(spec.key) != c.key:
            problems.append(
                f"{name}: key {spec.key} in transforms/tables.py, contract says {c.key}"
            )
    return problems


def check_registry(specs: tuple[TableSpec, ...]) -> None:
    problems = registry_problems(specs)
    if problems:
        raise ContractError(
            "the table registry and the data contracts disagree; port each difference into the "
            "contract (data_contracts/README.md, 'Adding a column'):\n  " + "\n  ".join(problems)
        )


check_registry((*ALL_TABLES, PROCESSING_LOG))

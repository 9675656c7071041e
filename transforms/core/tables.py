"""The lakehouse tables: schema, keys, partitioning and the Delta properties they are created with.

Built from the data contracts (``data_contracts/*.odcs.yaml``), the single source, so ingest,
transcription, scoring, dbt sources, the quality checks and the record of processing agree on every
column. Tables are partitioned by ``tenant_id``: deleting a tenant at contract end drops folders.
To add a column, edit the contract (see data_contracts/README.md), not this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from transforms.core.contracts import ContractError, diff_schema, load_contracts


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
    #: Columns holding the location of a stored object (``objectUri`` in the contract): kept
    #: relative to the lakehouse root, resolved against the root in force when read.
    locations: tuple[str, ...] = ()
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
        locations=tuple(col.name for col in c.columns if col.object_uri),
    )


CALLS = from_contract("bronze.calls")
QUARANTINE = from_contract("bronze.quarantine")
REJECTED_ROWS = from_contract("bronze.rejected_rows")
TRANSCRIPTS = from_contract("silver.transcripts")
SEGMENTS = from_contract("silver.transcript_segments")
CALL_METRICS = from_contract("silver.call_metrics")
CALL_SCORES = from_contract("silver.call_scores")
CRITERION_RESULTS = from_contract("silver.criterion_results")
SCORECARD_VERSIONS = from_contract("silver.scorecard_versions")
CALL_CATEGORIES = from_contract("silver.call_categories")
#: Append-only: review events are inserted, never updated.
HUMAN_REVIEWS = from_contract("silver.human_reviews")
#: Accountability log: appended by every asset step, not part of the data flow.
PROCESSING_LOG = from_contract("compliance.processing_log")
#: What the retention job deletes on a date and why (no personal data).
RETENTION_PLAN = from_contract("compliance.retention_plan")
#: Kept after the tenants' data is deleted: no tenant, no person (docs/retention.md).
ANONYMISED_STATISTICS = from_contract("compliance.anonymised_statistics")


#: The tenants' tables, partitioned by tenant_id (dbt reads them, a tenant purge drops them).
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
#: The processor's own tables: no tenant partition, no personal data.
COMPLIANCE_TABLES: tuple[TableSpec, ...] = (PROCESSING_LOG, RETENTION_PLAN, ANONYMISED_STATISTICS)


def registry_problems(specs: tuple[TableSpec, ...]) -> list[str]:
    """Where a TableSpec (e.g. one still in Python after a merge) and its contract differ."""
    contracts = load_contracts()
    problems = []
    for spec in specs:
        name = f"{spec.layer}.{spec.name}"
        if name not in contracts:
            problems.append(
                f"{name}: no contract data_contracts/{name}.odcs.yaml (write one with "
                "transforms.core.contracts.scaffold)"
            )
            continue
        c = contracts[name]
        problems += diff_schema(name, c.arrow_schema(), spec.schema, "transforms/core/tables.py")
        if tuple(spec.key) != c.key:
            problems.append(
                f"{name}: key {spec.key} in transforms/core/tables.py, contract says {c.key}"
            )
    return problems


def check_registry(specs: tuple[TableSpec, ...]) -> None:
    problems = registry_problems(specs)
    if problems:
        raise ContractError(
            "the table registry and the data contracts disagree; port each difference into the "
            "contract (data_contracts/README.md, 'Adding a column'):\n  " + "\n  ".join(problems)
        )

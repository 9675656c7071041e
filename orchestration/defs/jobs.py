"""Jobs: per call batch (ingest → transcribe → score), then the KPI build and publish."""

import dagster as dg

from orchestration.defs.quality.checks import freshness_checks
from orchestration.lib.partitions import call_batches
from orchestration.lib.workers import batch_executor

# Freshness is judged by its sensor on the instance's history, not inside the run it judges.
_NOT_FRESHNESS = dg.AssetSelection.all() - dg.AssetSelection.checks(*freshness_checks)

call_batch_job = dg.define_asset_job(
    "call_batch_job",
    selection=dg.AssetSelection.groups("ingest", "transcribe", "score") & _NOT_FRESHNESS,
    partitions_def=call_batches,
    description="Land, transcribe and score one call batch.",
    # Delta writers of one table must not race: one batch run at a time (see dagster.yaml).
    tags={"ccr/delta-writer": "lakehouse"},
    # With CCR_CELERY_BROKER set, each step runs on a Celery worker (docs/scale-out.md).
    executor_def=batch_executor(),
)

kpi_job = dg.define_asset_job(
    "kpi_job",
    selection=dg.AssetSelection.groups("kpis") & _NOT_FRESHNESS,
    description="Build the dbt KPI models into a new file and publish it atomically.",
    tags={"ccr/delta-writer": "lakehouse"},
)

review_job = dg.define_asset_job(
    "review_job",
    selection=dg.AssetSelection.groups("review"),
    description="Append landed human-review CSVs to silver.human_reviews.",
    tags={"ccr/delta-writer": "lakehouse"},
)

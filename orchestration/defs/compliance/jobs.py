"""The retention job and its daily schedule."""

import dagster as dg

retention_job = dg.define_asset_job(
    "retention_job",
    selection=dg.AssetSelection.groups("compliance"),
    description="Anonymised statistics of the closed months, then the retention plan for the "
    "day, then its application, verification and record.",
    # It deletes and vacuums Delta tables: no other writer runs meanwhile (see dagster.yaml).
    tags={"ccr/delta-writer": "lakehouse"},
)

#: Daily at 03:00 UTC, when no batch is usually landing: the DPA's "at most 30 days after the
#: contract" and CNIL's 6-month cap are met to the day.
retention_daily = dg.ScheduleDefinition(
    name="retention_daily",
    job=retention_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Apply the retention rules for today: see docs/retention.md.",
)

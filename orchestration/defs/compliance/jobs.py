"""The retention job and its daily schedule."""

from datetime import UTC, date
from typing import Any

import dagster as dg

from orchestration.lib.resources import SettingsResource

retention_job = dg.define_asset_job(
    "retention_job",
    selection=dg.AssetSelection.groups("compliance"),
    description="Anonymised statistics of the closed months, then the retention plan for the "
    "day, then its application, verification and record.",
    # It deletes and vacuums Delta tables: no other writer runs meanwhile (see dagster.yaml).
    tags={"ccr/delta-writer": "lakehouse"},
)

#: The retention job's assets that decide for a date (their ``as_of`` config); the erasure
#: applies the stored plan at the plan's date.
DATED_OPS = ("compliance__anonymised_statistics", "compliance__retention_plan")


def as_of_config(day: date | None) -> dict[str, dict[str, Any]]:
    """Op name → config deciding for ``day`` (None: the date the steps run)."""
    return {op: {"as_of": str(day) if day else ""} for op in DATED_OPS}


@dg.schedule(
    name="retention_daily",
    job=retention_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Apply the retention rules for the tick's date: see docs/retention.md.",
)
def retention_daily(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Daily at 03:00 UTC, when no batch is usually landing: the DPA's "at most 30 days after
    the contract" and CNIL's 6-month cap are met to the day. The run decides for the tick's own
    date (in its run config, shown in the UI), not for whenever a queued run starts; one run per
    date (the run key)."""
    tick = context.scheduled_execution_time
    day = tick.astimezone(UTC).date() if tick else None
    return dg.RunRequest(
        run_key=f"retention-{day}" if day else None,
        run_config={"ops": {op: {"config": c} for op, c in as_of_config(day).items()}},
        tags={"ccr/as_of": str(day)} if day else {},
    )


@dg.op(
    description="Delete the backups older than CCR_BACKUP_RETENTION_DAYS (docs/backups.md).",
    tags={"ccr/step": "backup_prune"},
)
def prune_backups(context: dg.OpExecutionContext, settings: SettingsResource) -> None:
    from transforms.compliance import backup

    ctx = settings.step_context(context.log)
    if not ctx.settings.backups:
        context.log.info("CCR_BACKUPS is not set: no backups to prune")
        return
    gone = backup.prune(ctx.settings, ctx.today())
    days = ctx.settings.backup_retention_days
    context.log.info(f"{len(gone)} backups older than {days} days deleted")


@dg.job(
    name="backup_prune_job",
    description="Backups are kept no longer than the retention setting allows.",
)
def backup_prune_job() -> None:
    prune_backups()


@dg.schedule(
    name="backup_prune_daily",
    job=backup_prune_job,
    cron_schedule="30 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Delete backups past CCR_BACKUP_RETENTION_DAYS (docs/backups.md).",
)
def backup_prune_daily(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Daily at 03:30 UTC, beside retention_daily: a backup holds erased data no longer than
    the setting (default 30 days)."""
    tick = context.scheduled_execution_time
    day = tick.astimezone(UTC).date() if tick else None
    return dg.RunRequest(run_key=f"backup-prune-{day}" if day else None)

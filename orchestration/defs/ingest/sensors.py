"""Landing sensor: each complete ``<tenant>/<batch>/`` folder becomes a call-batch partition."""

import dagster as dg

from orchestration.defs.jobs import call_batch_job, kpi_job, review_job
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import LakehouseResource
from transforms.ingest.landing import discover_batches


def landing_requests(
    instance: dg.DagsterInstance, landing_uri: str
) -> tuple[list[str], list[dg.RunRequest]]:
    """New partition keys to add and one run request per batch found in landing.

    The run key carries the folder's fingerprint: a batch landed again (same name, new files)
    gets a new run, an untouched one does not. Shared by the sensor and ``ccr``.
    """
    batches = discover_batches(landing_uri)
    known = set(instance.get_dynamic_partitions(call_batches.name))
    new = sorted({b.partition_key for b in batches} - known)
    requests = [
        dg.RunRequest(partition_key=b.partition_key, run_key=f"{b.partition_key}:{b.fingerprint}")
        for b in batches
    ]
    return new, requests


@dg.sensor(
    job=call_batch_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_sensor(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource):
    """Registers new landing batches as partitions and requests their runs."""
    new, requests = landing_requests(context.instance, lakehouse.settings().landing)
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[call_batches.build_add_request(new)] if new else [],
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[call_batch_job, review_job],
    request_job=kpi_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def rebuild_kpis_after_batch(context: dg.RunStatusSensorContext):
    """KPIs follow every successful batch; the run key makes it once per batch run."""
    return dg.RunRequest(run_key=context.dagster_run.run_id)

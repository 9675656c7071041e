"""Review sensor: a run of review_job whenever review CSVs wait in landing."""

import hashlib

import dagster as dg

from orchestration.defs.jobs import review_job
from orchestration.lib.resources import LakehouseResource
from transforms.review.landing import review_files


@dg.sensor(
    job=review_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def review_landing_sensor(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource):
    """One run per new set of files (run key: names, sizes and mtimes of what is waiting)."""
    files = review_files(lakehouse.settings().reviews_landing)
    if not files:
        return dg.SkipReason("no review files in landing")
    digest = hashlib.sha256(
        "".join(f"{t}/{n}:{i.size}:{i.mtime_ns}\n" for t, n, i in files).encode()
    ).hexdigest()[:16]
    return dg.RunRequest(run_key=f"reviews:{digest}")

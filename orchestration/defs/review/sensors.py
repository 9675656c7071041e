"""Review sensor: a run of review_job whenever review CSVs wait in landing."""

import hashlib
import os

import dagster as dg

from orchestration.defs.jobs import review_job
from orchestration.lib.resources import LakehouseResource
from transforms.review.landing import review_files, settled


@dg.sensor(
    job=review_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def review_landing_sensor(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource):
    """One run per new set of files (run key: names, kinds, sizes and change times of what is
    waiting), once they are unchanged for the landing quiet period."""
    settings = lakehouse.settings()
    files = review_files(settings.reviews_landing)
    if not files:
        return dg.SkipReason("no review files in landing")
    if not settled(files, settings.landing_quiet_s):
        return dg.SkipReason("review files are still changing")
    digest = hashlib.sha256()
    for tenant, e in files:
        digest.update(
            os.fsencode(f"{tenant}/{e.name}") + f":{e.kind}:{e.size}:{e.changed_ns}\n".encode()
        )
    return dg.RunRequest(run_key=f"reviews:{digest.hexdigest()[:16]}")

"""Review sensor: a run of review_job whenever review CSVs wait in landing."""

import hashlib
import os

import dagster as dg

from orchestration.defs.jobs import review_job
from orchestration.lib.resources import SettingsResource
from transforms.review.landing import review_files, settled


@dg.sensor(
    job=review_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def review_landing_sensor(context: dg.SensorEvaluationContext, settings: SettingsResource):
    """One run per new set of files (run key: names, kinds, sizes and change times of what is
    waiting), once they are unchanged for the landing quiet period."""
    current = settings.settings()
    files = review_files(current.reviews_landing)
    if not files:
        return dg.SkipReason("no review files in landing")
    if not settled(files, current.landing_quiet_s):
        return dg.SkipReason("review files are still changing")
    digest = hashlib.sha256()
    for tenant, e in files:
        digest.update(
            os.fsencode(f"{tenant}/{e.name}") + f":{e.kind}:{e.size}:{e.changed_ns}\n".encode()
        )
    return dg.RunRequest(run_key=f"reviews:{digest.hexdigest()[:16]}")

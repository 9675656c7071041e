"""Landing sensor: each landing folder that is ready becomes a call-batch partition and a run.

A folder is ready once nothing in it has changed for ``CCR_LANDING_QUIET_S`` (an upload still
writing keeps changing its files) and it holds a manifest, or it is set aside whole (a badly
named tenant or batch folder, a link), or it holds files that arrived after its batch had run
(no manifest, but the partition is known: they end as ``late_file``).

Run keys: ``<partition>:<fingerprint>`` (names, kinds, sizes and change times of what the folder
holds, so a batch landed again with other files gets a new run, and one landed again with the
same files too: a copy gets a new change time). Dagster never starts two runs with one key, so a
failed run would otherwise stay failed: after a failure the same folder is requested again as
``…:retry-<n>`` (n failed runs so far) at once when what the run depended on outside the folder
changed (the tenant registry, the tenant's key status: ``ccr keys create`` after a missing key),
else after ``CCR_LANDING_RETRY_S``, doubled after each failure up to 6 hours. Changing the folder
itself gives a new fingerprint, hence a run at once.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.defs.jobs import call_batch_job, kpi_job, review_job
from orchestration.lib.partitions import call_batches
from orchestration.lib.resources import SettingsResource
from transforms.core.keys import FileKeyStore
from transforms.core.settings import Settings
from transforms.core.tenants import TENANT_ID_RE
from transforms.ingest.landing import LandingBatch, scan_landing

#: Tags of a batch run: the folder state it was asked for, and what it depended on outside it.
LANDING_TAG = "ccr/landing"
CONTEXT_TAG = "ccr/landing-context"
MAX_BACKOFF_S = 6 * 3600
_FAILED = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


@dataclass
class LandingPlan:
    """What the sensor (or ``ccr run``) should do now, and what waits and why."""

    new_partitions: list[str] = field(default_factory=list)
    requests: list[dg.RunRequest] = field(default_factory=list)
    #: one line per folder that waits: partition key and why (no names, counts only)
    waiting: list[str] = field(default_factory=list)
    #: entries directly under landing or a tenant folder, as displayed (phone numbers masked)
    loose: list[str] = field(default_factory=list)


def _context(settings: Settings, tenant_id: str) -> str:
    """What a batch run depends on outside its folder: the registry and the tenant's key."""
    registry = Path(settings.tenants_file)
    digest = hashlib.sha256(registry.read_bytes() if registry.is_file() else b"")
    if TENANT_ID_RE.match(tenant_id):
        digest.update(FileKeyStore(settings.keys).status(tenant_id).encode())
    return digest.hexdigest()[:12]


def _why_not_ready(batch: LandingBatch, known: set[str], quiet_s: float, now: float) -> str | None:
    if batch.problem is None and batch.manifest is None:
        late = batch.partition_key in known and any(e.kind != "dir" for e in batch.entries)
        if not late:
            return "no manifest yet" if batch.entries else "empty"
    if now - batch.changed_ns / 1e9 < quiet_s:
        return f"changed less than {quiet_s:.0f} s ago"
    return None


def _run_key(
    instance: dg.DagsterInstance, base: str, context: str, retry_s: float, now: float, retry: bool
) -> tuple[str | None, str]:
    """(run key, or None while a failed run waits for its retry; why it waits)."""
    runs = dg.RunsFilter(tags={LANDING_TAG: base})
    failed = instance.get_runs_count(dg.RunsFilter(tags={LANDING_TAG: base}, statuses=_FAILED))
    latest = instance.get_run_records(runs, limit=1)
    if latest and latest[0].dagster_run.status in _FAILED:
        run = latest[0]
        wait = min(retry_s * 2 ** (failed - 1), MAX_BACKOFF_S)
        ended = run.end_time or run.update_timestamp.timestamp()
        changed = run.dagster_run.tags.get(CONTEXT_TAG) != context
        if not (retry or changed or now - ended >= wait):
            return None, f"run failed {failed}x; retried in {wait - (now - ended):.0f} s"
    return (base if failed == 0 else f"{base}:retry-{failed}"), ""


def landing_requests(
    instance: dg.DagsterInstance,
    settings: Settings,
    *,
    quiet_s: float | None = None,
    retry_now: bool = False,
    now: float | None = None,
) -> LandingPlan:
    """New partition keys to add and one run request per landing folder ready now.

    Shared by the sensor and ``ccr run`` (which retries a failed batch at once: a person asked).
    """
    now = time.time() if now is None else now
    quiet_s = settings.landing_quiet_s if quiet_s is None else quiet_s
    scan = scan_landing(settings.landing)
    known = set(instance.get_dynamic_partitions(call_batches.name))
    plan = LandingPlan(loose=scan.loose)
    for batch in scan.batches:
        key = batch.partition_key
        why = _why_not_ready(batch, known, quiet_s, now)
        if why == "empty":
            continue
        if why is not None:
            plan.waiting.append(f"{key}: {why}")
            continue
        base = f"{key}:{batch.fingerprint}"
        context = _context(settings, batch.tenant_id)
        run_key, why = _run_key(instance, base, context, settings.landing_retry_s, now, retry_now)
        if run_key is None:
            plan.waiting.append(f"{key}: {why}")
            continue
        tags = {LANDING_TAG: base, CONTEXT_TAG: context}
        plan.requests.append(dg.RunRequest(partition_key=key, run_key=run_key, tags=tags))
        if key not in known:
            plan.new_partitions.append(key)
            known.add(key)
    return plan


@dg.sensor(
    job=call_batch_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_sensor(context: dg.SensorEvaluationContext, settings: SettingsResource):
    """Registers landing batches that are ready as partitions and requests their runs."""
    plan = landing_requests(context.instance, settings.settings())
    if plan.waiting:
        context.log.info(f"{len(plan.waiting)} landing folder(s) wait: {'; '.join(plan.waiting)}")
    if plan.loose:
        context.log.warning(
            f"{len(plan.loose)} entries outside any batch folder are not read: "
            + "; ".join(plan.loose[:20])
        )
    new = plan.new_partitions
    return dg.SensorResult(
        run_requests=plan.requests,
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

"""compliance/processing_log: one row per asset per run step, appended by hooks on every asset.

Applied once, at definitions level (``with_processing_log``), so no asset has to remember it and
it works the same in ``ccr`` (jobs executed in process, no daemon), in ``dagster dev`` and on
Celery workers. Row counts come from the lakehouse's MERGE tally, which ``SettingsResource``
registers for the step and which is kept per (run, step) in the process that runs the step: the
hooks run in that process too (Dagster runs a step's hooks where the step ran, whichever executor
sent it there), so counts never mix between steps or leak across processes. Assets that write no
Delta table (dbt models, the published warehouse) log their run and status, with dbt's row count
when it reports one. A step whose process died (a worker killed, out of memory) ran no hook: the
process that orchestrated the run logs it as failed afterwards (``record_lost_steps``; the
``processing_log_after_failure`` sensor does it for runs the daemon started). Nothing personal is
written: ids, counts and times.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from orchestration.lib.resources import SettingsResource
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.settings import Settings
from transforms.core.tables import PROCESSING_LOG, TableSpec
from transforms.ingest.landing import split_partition_key

_LOCK = threading.Lock()
#: op name -> the asset keys it materializes; filled by ``with_processing_log`` in every process
#: that loads the definitions.
_ASSETS_OF_OP: dict[str, set[dg.AssetKey]] = {}
#: (run_id, step_key, asset path) -> summed MERGE counts of the tables that step wrote so far.
_TALLY: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))


def tally(run_id: str, step_key: str):
    """The ``Lakehouse.on_write`` observer of one run step."""

    def record(spec: TableSpec, counts: Mapping[str, int]) -> None:
        with _LOCK:
            bucket = _TALLY[(run_id, step_key, spec.path)]
            for k, v in counts.items():
                bucket[k] += int(v)

    return record


def _tenant(partition_key: str | None) -> str | None:
    """The tenant of a call-batch partition; None for unpartitioned runs (reviews, KPIs)."""
    try:
        return split_partition_key(partition_key)[0] if partition_key else None
    except ValueError:
        return None


def _row_count(metadata: Mapping[str, Any]) -> int | None:
    value = metadata.get("dagster/row_count")
    return int(getattr(value, "value", value)) if value is not None else None


def log_rows(context: dg.HookContext, status: str) -> list[dict[str, Any]]:
    """Processing-log rows for the assets of the step that just ended.

    Public hook API only: a successful step's assets are those it materialized (from the
    event log); a failed step has none, so its op's assets come from ``_ASSETS_OF_OP``.
    """
    run = context.instance.get_run_by_id(context.run_id)
    metadata: dict[dg.AssetKey, Mapping[str, Any]] = {}
    if status == "success":
        records = context.instance.get_records_for_run(
            run_id=context.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
        ).records
        for r in records:
            if r.event_log_entry.step_key == context.step_key:
                mat = r.event_log_entry.asset_materialization
                metadata[mat.asset_key] = mat.metadata
        keys = list(metadata)
    else:
        keys = list(_ASSETS_OF_OP.get(context.op.name, ()))
        if run is not None and run.asset_selection:
            keys = [k for k in keys if k in run.asset_selection]
    partition = run.tags.get("dagster/partition") if run is not None else None
    now = datetime.now(UTC)
    paths = sorted(key.to_user_string() for key in keys)
    step = (context.run_id, context.step_key)
    with _LOCK:
        # Tables the step wrote besides its own assets (the transcribe step sets undecodable
        # audio aside in bronze/quarantine): logged under the table they went to.
        paths += sorted(p for r, k, p in _TALLY if (r, k) == step and p not in paths)
    rows = []
    for path in paths:
        key = dg.AssetKey.from_user_string(path)
        with _LOCK:
            counts = _TALLY.pop((*step, path), None)
        rows.append(
            _row(
                context.run_id,
                context.step_key,
                context.job_name,
                path,
                partition,
                status,
                now,
                counts,
                _row_count(metadata.get(key, {})),
            )
        )
    return rows


def _row(
    run_id: str,
    step_key: str,
    job_name: str,
    path: str,
    partition: str | None,
    status: str,
    now: datetime,
    counts: Mapping[str, int] | None = None,
    rows_out: int | None = None,
) -> dict[str, Any]:
    """One processing-log row; its key is (run, step, asset), so a step is logged once."""
    return {
        "entry_id": hashlib.sha256(f"{run_id}|{step_key}|{path}".encode()).hexdigest()[:32],
        "run_id": run_id,
        "job_name": job_name,
        "asset_key": path,
        "tenant_id": _tenant(partition),
        "partition_key": partition,
        "status": status,
        "rows_in": counts["num_source_rows"] if counts else None,
        "rows_out": (
            counts["num_target_rows_inserted"] + counts["num_target_rows_updated"]
            if counts
            else rows_out
        ),
        "rows_rejected": counts["num_rows_rejected"] if counts else None,
        "logged_at": now,
    }


def lost_step_rows(instance: dg.DagsterInstance, run_id: str) -> list[dict[str, Any]]:
    """Failure rows for the asset steps of a run that started and never ended: their process
    died (a worker killed mid-step) before any hook could run. Their counts died with it: the
    rows say which assets were being processed and that the attempt failed."""
    run = instance.get_run_by_id(run_id)
    if run is None:
        return []
    ended = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    records = instance.get_records_for_run(run_id=run_id, limit=100_000).records
    started, done = set(), set()
    for record in records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started.add(entry.step_key)
        elif event.event_type in ended:
            done.add(entry.step_key)
    partition = run.tags.get("dagster/partition")
    now = datetime.now(UTC)
    rows = []
    for step_key in sorted(started - done):
        keys = _ASSETS_OF_OP.get(step_key, set())
        if run.asset_selection:
            keys = {k for k in keys if k in run.asset_selection}
        for path in sorted(k.to_user_string() for k in keys):
            rows.append(_row(run_id, step_key, run.job_name, path, partition, "failure", now))
    return rows


def record_lost_steps(instance: dg.DagsterInstance, run_id: str, settings: Settings) -> int:
    """Log the run's lost steps as failed (insert only: a row a hook wrote stays); how many."""
    rows = lost_step_rows(instance, run_id)
    if rows:
        lakehouse = Lakehouse.from_settings(settings)
        lakehouse.merge(PROCESSING_LOG, conform(PROCESSING_LOG, rows))
    return len(rows)


def _write(context: dg.HookContext, status: str) -> None:
    rows = log_rows(context, status)
    if rows:
        lakehouse = Lakehouse.from_settings(context.resources.settings.settings())
        lakehouse.merge(PROCESSING_LOG, conform(PROCESSING_LOG, rows), update=True)


@dg.success_hook(name="processing_log_success", required_resource_keys={"settings"})
def on_success(context: dg.HookContext) -> None:
    _write(context, "success")


@dg.failure_hook(name="processing_log_failure", required_resource_keys={"settings"})
def on_failure(context: dg.HookContext) -> None:
    _write(context, "failure")


HOOKS = {on_success, on_failure}


@dg.run_failure_sensor(
    name="processing_log_after_failure", default_status=dg.DefaultSensorStatus.RUNNING
)
def processing_log_after_failure(
    context: dg.RunFailureSensorContext, settings: SettingsResource
) -> None:
    """A failed run's steps whose process died are logged as failed (no hook ran for them)."""
    record_lost_steps(context.instance, context.dagster_run.run_id, settings.settings())


def with_processing_log(
    defs: dg.Definitions, map_spec: Callable[[dg.AssetSpec], dg.AssetSpec] | None = None
) -> dg.Definitions:
    """The same definitions with the processing-log hooks on every executable asset.

    ``map_spec`` rewrites asset specs on the way (other policies applied once, at the top).
    """
    assets = []
    for a in defs.assets or []:
        if isinstance(a, dg.AssetsDefinition) and a.is_executable:
            _ASSETS_OF_OP.setdefault(a.node_def.name, set()).update(a.keys)
            a = a.with_hooks(HOOKS)
            if map_spec is not None:
                a = a.map_asset_specs(map_spec)
        assets.append(a)
    return dg.Definitions(
        assets=assets,
        asset_checks=defs.asset_checks,
        schedules=defs.schedules,
        sensors=[*(defs.sensors or []), processing_log_after_failure],
        jobs=defs.jobs,
        resources=defs.resources,
        executor=defs.executor,
        loggers=defs.loggers,
        metadata=defs.metadata,
    )

"""compliance/processing_log: one row per asset per run step, appended by hooks on every asset.

Applied once, at definitions level (``with_processing_log``), so no asset has to remember it and
it works the same in ``ccr`` (jobs executed in process, no daemon) and in ``dagster dev``. Row
counts come from the lakehouse's MERGE tally (``LakehouseResource`` registers it for the step);
assets that write no Delta table (dbt models, the published warehouse) log their run and status,
with dbt's row count when it reports one. Nothing personal is written: ids, counts and times.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.settings import Settings
from transforms.core.tables import PROCESSING_LOG, TableSpec
from transforms.ingest.landing import split_partition_key

_LOCK = threading.Lock()
#: op name -> the asset keys it materializes; filled by ``with_processing_log`` in every process
#: that loads the definitions.
_ASSETS_OF_OP: dict[str, set[dg.AssetKey]] = {}
#: (run_id, asset path) -> summed MERGE counts of the tables written in that run so far.
_TALLY: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))


def tally(run_id: str):
    """The ``Lakehouse.on_write`` observer of one run."""

    def record(spec: TableSpec, counts: Mapping[str, int]) -> None:
        with _LOCK:
            bucket = _TALLY[(run_id, spec.path)]
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
    with _LOCK:
        # Tables the step wrote besides its own assets (the transcribe step sets undecodable
        # audio aside in bronze/quarantine): logged under the table they went to. Steps of a
        # run end one at a time in a process, so what is left in the tally is this step's.
        paths += sorted(p for run_id, p in _TALLY if run_id == context.run_id and p not in paths)
    rows = []
    for path in paths:
        key = dg.AssetKey.from_user_string(path)
        with _LOCK:
            counts = _TALLY.pop((context.run_id, path), None)
        rows.append(
            {
                "entry_id": hashlib.sha256(
                    f"{context.run_id}|{context.step_key}|{path}".encode()
                ).hexdigest()[:32],
                "run_id": context.run_id,
                "job_name": context.job_name,
                "asset_key": path,
                "tenant_id": _tenant(partition),
                "partition_key": partition,
                "status": status,
                "rows_in": counts["num_source_rows"] if counts else None,
                "rows_out": (
                    counts["num_target_rows_inserted"] + counts["num_target_rows_updated"]
                    if counts
                    else _row_count(metadata.get(key, {}))
                ),
                "rows_rejected": counts["num_rows_rejected"] if counts else None,
                "logged_at": now,
            }
        )
    return rows


def _write(context: dg.HookContext, status: str) -> None:
    rows = log_rows(context, status)
    if rows:
        lakehouse = Lakehouse(Settings.from_env().lakehouse)
        lakehouse.merge(PROCESSING_LOG, conform(PROCESSING_LOG, rows), update=True)


@dg.success_hook(name="processing_log_success")
def on_success(context: dg.HookContext) -> None:
    _write(context, "success")


@dg.failure_hook(name="processing_log_failure")
def on_failure(context: dg.HookContext) -> None:
    _write(context, "failure")


HOOKS = {on_success, on_failure}


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
        sensors=defs.sensors,
        jobs=defs.jobs,
        resources=defs.resources,
        executor=defs.executor,
        loggers=defs.loggers,
        metadata=defs.metadata,
    )

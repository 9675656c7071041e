"""OpenLineage run events for every asset step, check step and dbt build (docs/lineage.md).

Hooks applied once, at definitions level (``with_lineage``), like the processing log: every step
that materializes assets or evaluates checks reports, in the process that ran it (``ccr``,
``dagster dev``, a Celery worker), a START and a COMPLETE (or FAIL) event. A step that writes
several assets that depend on each other (the dbt build) also reports one child run per asset,
so a catalogue sees each dbt model with its own inputs. The hooks take the run's settings from
the ``settings`` resource, as the processing log's do. The events themselves are built by
``transforms.compliance.lineage`` (pure Python).

Where they go is the OpenLineage client's business, set the standard way: ``OPENLINEAGE_URL``
(HTTP), ``OPENLINEAGE_CONFIG`` or an ``openlineage.yml`` (any transport: http, kafka, file,
composite …), ``OPENLINEAGE__TRANSPORT__*`` variables; ``OPENLINEAGE_DISABLED=true`` sends none.
Without any of them, events are appended to ``CCR_LINEAGE_FILE`` (0600, one JSON event a line).
Lineage never stops a step: a send that fails is logged by its exception type and the run goes on.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from transforms.compliance import lineage as ol
from transforms.compliance.ledger import LEDGER_NAME
from transforms.core.settings import REPO_ROOT, Settings

_LOCK = threading.Lock()
#: asset key -> the asset keys it reads; op name -> the assets it materializes. Filled by
#: ``with_lineage`` in every process that loads the definitions (workers too).
_DEPS: dict[dg.AssetKey, set[dg.AssetKey]] = {}
_ASSETS_OF_OP: dict[str, set[dg.AssetKey]] = {}
_DAGSTER_VERSION = dg.__version__


# ---------------------------------------------------------------- asset key -> dataset


class Catalog:
    """Which dataset each asset is, under this process's settings.

    Lakehouse tables by their contract (``$CCR_LAKEHOUSE/<layer>/<table>``), dbt models in the
    build file (``duckdb://<file>``, ``<schema>.<model>``, as openlineage-dbt names them; marts
    carry their contract and the art. 30 record's column lineage), the published files by path.
    """

    def __init__(self, settings: Settings):
        from transforms.core.contracts import load_contracts

        self.settings = settings
        self.contracts = load_contracts()
        self._by_key = {tuple(c.asset_key): c for c in self.contracts.values()}
        self._manifest: dict[str, Any] | None = None

    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            path = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
            self._manifest = json.loads(path.read_text()) if path.exists() else {"nodes": {}}
        return self._manifest

    def _table(self, contract_name: str) -> tuple[str, str] | None:
        contract = self.contracts.get(contract_name)
        if contract is None or contract.layer == "marts":
            return None
        physical = contract.odcs.schema_[0].physicalName or f"{contract.layer}/{contract.table}"
        return ol.location(f"{self.settings.lakehouse}/{physical}")

    @functools.cached_property
    def _lineage(self) -> dict[str, dict[str, list[str]]]:
        """The marts' column lineage, traced once per process (about 3 s): the art. 30 record's."""
        from transforms.compliance.record import column_lineage

        macros = REPO_ROOT / "dbt_project" / "macros"
        return column_lineage(self.manifest(), self.contracts, macros)

    def dbt_node(self, name: str) -> dict[str, Any] | None:
        nodes = self.manifest()["nodes"].values()
        return next((n for n in nodes if n["resource_type"] == "model" and n["name"] == name), None)

    def datasets(self, key: dg.AssetKey) -> list[ol.DatasetRef]:
        """The dataset(s) an asset is; the published KPIs are one file per tenant."""
        path = tuple(key.path)
        contract = self._by_key.get(path)
        if contract is not None and contract.layer != "marts":
            table = self._table(contract.name)
            assert table is not None
            return [ol.DatasetRef(*table, contract=contract)]
        if path == ("warehouse", "kpis"):
            folder = Path(self.settings.warehouse) / "tenants"
            files = sorted(folder.glob("*.duckdb")) if folder.is_dir() else []
            return [
                ol.DatasetRef(*ol.location(str(f)), description="published KPIs of one tenant")
                for f in files
            ] or [ol.DatasetRef(*ol.location(str(folder)))]
        if path == ("warehouse", "anonymised"):
            return [ol.DatasetRef(*ol.location(self.settings.anonymised_database))]
        if path == ("compliance", "retention_erasure"):  # what it carries out, it logs here
            ledger = f"{self.settings.compliance_dir}/{LEDGER_NAME}"
            return [ol.DatasetRef(*ol.location(ledger))]
        node = self.dbt_node(path[-1]) if len(path) == 1 else None
        if node is not None:
            namespace = f"duckdb://{self.settings.kpi_build_database}"
            name = f"{node.get('schema') or 'main'}.{node.get('alias') or node['name']}"
            mart = self.contracts.get(f"marts.{node['name']}")
            if mart is not None:
                lineage = ol.mart_lineage(self._lineage.get(node["name"], {}), self._table)
                return [ol.DatasetRef(namespace, name, contract=mart, column_lineage=lineage)]
            return [
                ol.DatasetRef(
                    namespace,
                    name,
                    columns=ol.dbt_columns(node),
                    description=node.get("description"),
                )
            ]
        return [ol.DatasetRef(self.settings.lineage_namespace, key.to_user_string())]


@functools.cache
def _catalog(settings: Settings) -> Catalog:
    return Catalog(settings)


# ---------------------------------------------------------------- where events go


class Emitter:
    """The OpenLineage client as configured the standard way, else a 0600 file."""

    def __init__(self, settings: Settings):
        from openlineage.client import OpenLineageClient
        from openlineage.client.transport.file import FileConfig, FileTransport

        self.file: Path | None = None
        if os.environ.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true":
            self.client = OpenLineageClient()  # the client's no-op transport
            return
        fallback = Path(settings.lineage_file)
        client = OpenLineageClient(
            transport=FileTransport(FileConfig(log_file_path=str(fallback), append=True))
        )
        # The client's own resolution: a config file, OPENLINEAGE__* variables, OPENLINEAGE_URL.
        if (client.config.transport or {}).get("type") or os.environ.get("OPENLINEAGE_URL"):
            self.client = OpenLineageClient()
        else:
            self.client, self.file = client, fallback

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Owner-only file, one writer at a time (steps of several processes append to it)."""
        if self.file is None:
            yield
            return
        self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        os.chmod(self.file, 0o600)
        lock = os.open(f"{self.file}.lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock)

    def emit(self, events: list[Any]) -> None:
        with self._file_lock():
            for e in events:
                self.client.emit(e)


def emitter(settings: Settings) -> Emitter:
    return Emitter(settings)


# ---------------------------------------------------------------- the hooks


def _records(context: dg.HookContext, kinds: set[dg.DagsterEventType]) -> list[Any]:
    out = []
    for kind in kinds:
        records = context.instance.get_records_for_run(
            run_id=context.run_id, of_type=kind, limit=100_000
        ).records
        out += [
            r.event_log_entry for r in records if r.event_log_entry.step_key == context.step_key
        ]
    return out


def _row_count(metadata: dict[str, Any]) -> int | None:
    value = metadata.get("dagster/row_count")
    value = getattr(value, "value", value)
    return int(value) if isinstance(value, int | float) else None


def step_events(context: dg.HookContext, state: str, settings: Settings) -> list[Any]:
    """The run events of the step that just ended (``state``: COMPLETE or FAIL)."""
    catalog = _catalog(settings)
    namespace = settings.lineage_namespace
    run = context.instance.get_run_by_id(context.run_id)
    tags = {}
    partition = run.tags.get("dagster/partition") if run is not None else None
    if partition:
        from transforms.ingest.landing import split_partition_key

        tags = {"partition": partition, "tenant": split_partition_key(partition)[0]}
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.ASSET_MATERIALIZATION}
    kinds.add(dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    entries = _records(context, kinds)
    started = min(
        (
            e.timestamp
            for e in entries
            if e.dagster_event.event_type == dg.DagsterEventType.STEP_START
        ),
        default=datetime.now(UTC).timestamp(),
    )
    start_at, end_at = datetime.fromtimestamp(started, UTC), datetime.now(UTC)
    materialized: dict[dg.AssetKey, dict[str, Any]] = {}
    checks: list[ol.CheckOutcome] = []
    for e in entries:
        kind = e.dagster_event.event_type
        if kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = e.asset_materialization
            materialized[mat.asset_key] = dict(mat.metadata)
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = e.dagster_event.event_specific_data
            checks += _check_outcomes(catalog, evaluation)
    keys = list(materialized)
    if state == "FAIL":
        keys = sorted(_ASSETS_OF_OP.get(context.op.name, set()), key=str)
        if run is not None and run.asset_selection:
            keys = [k for k in keys if k in run.asset_selection]
    error = None
    if state == "FAIL" and context.op_exception is not None:
        error = type(context.op_exception).__name__
    if not keys and not checks:
        return []
    step_run = ol.run_id(context.run_id, context.step_key)
    parent = ol.Parent(namespace, context.job_name, context.run_id)
    in_step = set(keys)
    inputs = _inputs(catalog, {d for k in keys for d in _DEPS.get(k, set())} - in_step)
    outputs = [
        ol.output(ref, _row_count(materialized.get(k, {})))
        for k in keys
        for ref in catalog.datasets(k)
    ]
    job_type = "ASSET" if keys else "ASSET_CHECK"
    common = {"namespace": namespace, "job": context.step_key, "run": step_run, "tags": tags}
    events = [
        ol.event("START", at=start_at, parent=parent, job_type=job_type, **common,
                 engine=("dagster", _DAGSTER_VERSION), inputs=inputs, outputs=outputs),
    ]  # fmt: skip
    children = []
    if any(_DEPS.get(k, set()) & in_step for k in keys):
        # A build of assets that read each other (dbt models): one child run per asset.
        me = ol.Parent(namespace, context.step_key, step_run)
        for k in keys:
            child = ol.run_id(context.run_id, context.step_key, k.to_user_string())
            child_common = {
                "namespace": namespace,
                "job": f"{context.step_key}.{k.to_user_string()}",
                "run": child,
                "parent": me,
                "job_type": "MODEL",
                "integration": "DBT" if catalog.dbt_node(k.path[-1]) else "DAGSTER",
                "engine": ("dagster", _DAGSTER_VERSION),
                "tags": tags,
                "inputs": _inputs(catalog, _DEPS.get(k, set())),
                "outputs": [
                    ol.output(r, _row_count(materialized.get(k, {}))) for r in catalog.datasets(k)
                ],
            }
            children.append(ol.event("START", at=start_at, **child_common))
            children.append(ol.event(state, at=end_at, error=error, **child_common))
    if checks and keys:
        # Tests run by the step that built what they test (dbt tests): a child run that reads
        # the tested datasets, so no dataset is both an input and an output of one run.
        tests = {
            "namespace": namespace,
            "job": f"{context.step_key}.tests",
            "run": ol.run_id(context.run_id, context.step_key, "tests"),
            "parent": ol.Parent(namespace, context.step_key, step_run),
            "job_type": "TEST",
            "engine": ("dagster", _DAGSTER_VERSION),
            "tags": tags,
        }
        children.append(ol.event("START", at=start_at, **tests))
        children.append(ol.event(state, at=end_at, inputs=ol.checked(checks), **tests))
    elif checks:
        inputs = [*inputs, *ol.checked(checks)]
    events.append(
        ol.event(state, at=end_at, parent=parent, job_type=job_type, error=error, inputs=inputs,
                 outputs=outputs, engine=("dagster", _DAGSTER_VERSION), **common)
    )  # fmt: skip
    return [events[0], *children, events[1]]


def _inputs(catalog: Catalog, keys: set[dg.AssetKey]) -> list[Any]:
    return [ol.input_(ref) for k in sorted(keys, key=str) for ref in catalog.datasets(k)]


def _check_outcomes(catalog: Catalog, evaluation: Any) -> list[ol.CheckOutcome]:
    """A check's verdict on each dataset of its asset; a contract check's per-rule results come
    from its metadata (names of failed rules and counts, never values)."""
    metadata = dict(evaluation.metadata or {})
    failed = getattr(metadata.get("failed_rules"), "value", None) or {}
    rows = getattr(metadata.get("rows_validated"), "value", None)
    return [
        ol.CheckOutcome(
            dataset=ref,
            check=evaluation.check_name,
            passed=bool(evaluation.passed),
            failed_rules=frozenset(failed),
            rows_validated=int(rows) if isinstance(rows, int) else None,
        )
        for ref in catalog.datasets(evaluation.asset_key)
    ]


def _send(context: dg.HookContext, state: str) -> None:
    try:
        # The run's settings, from the settings resource (as the processing log's hooks).
        settings = context.resources.settings.settings()
        events = step_events(context, state, settings)
        if events:
            emitter(settings).emit(events)
    except Exception as exc:  # lineage never stops a step; the type only (no values)
        context.log.warning(f"OpenLineage events of this step not sent: {type(exc).__name__}")


@dg.success_hook(name="openlineage_success", required_resource_keys={"settings"})
def on_success(context: dg.HookContext) -> None:
    _send(context, "COMPLETE")


@dg.failure_hook(name="openlineage_failure", required_resource_keys={"settings"})
def on_failure(context: dg.HookContext) -> None:
    _send(context, "FAIL")


HOOKS = {on_success, on_failure}


def with_lineage(defs: dg.Definitions) -> dg.Definitions:
    """The same definitions with the OpenLineage hooks on every executable asset and check."""
    assets = []
    for a in defs.assets or []:
        if isinstance(a, dg.AssetsDefinition) and a.is_executable:
            with _LOCK:
                _ASSETS_OF_OP.setdefault(a.node_def.name, set()).update(a.keys)
                for key, deps in a.asset_deps.items():
                    _DEPS.setdefault(key, set()).update(deps)
            a = a.with_hooks(HOOKS)
        assets.append(a)
    # The data contracts' checks (the data-quality facet); the freshness checks are left as
    # they are (their sensor holds the very definitions, and they judge time, not data).
    checks = [
        c.with_hooks(HOOKS) if {k.name for k in c.check_keys} == {"contract"} else c
        for c in defs.asset_checks or []
    ]
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        schedules=defs.schedules,
        sensors=defs.sensors,
        jobs=defs.jobs,
        resources=defs.resources,
        executor=defs.executor,
        loggers=defs.loggers,
        metadata=defs.metadata,
    )

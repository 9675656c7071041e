"""``ccr``: the operations people run by hand. ``demo`` and ``run`` execute the Dagster jobs on
the instance in ``$DAGSTER_HOME`` (the same runs, hooks and checks as the sensors start); the other
commands read or copy files and start no run."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from transforms.core.settings import ENV_VARS, REPO_ROOT, Settings

SAMPLE_LANDING = REPO_ROOT / "samples" / "landing"


def _dagster_home(settings: Settings) -> Path:
    """A persistent DAGSTER_HOME under CCR_HOME, so `make dev` shows the runs `ccr` made."""
    home = Path(os.environ.get("DAGSTER_HOME") or Path(settings.home) / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def land(source: Path, settings: Settings) -> int:
    """Copy a landing tree (``<tenant>/<batch>/…``); the manifest of each batch goes last.

    Only real folders and regular files are copied: a link in the source is not followed.
    """
    copied = 0
    tenants = [p for p in sorted(source.iterdir()) if p.is_dir() and not p.is_symlink()]
    for batch in [b for t in tenants for b in sorted(t.iterdir())]:
        if not batch.is_dir() or batch.is_symlink():
            continue
        target = Path(settings.landing) / batch.relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        files = [f for f in batch.iterdir() if f.is_file() and not f.is_symlink()]
        for f in sorted(files, key=lambda p: (p.name.startswith("manifest."), p.name)):
            shutil.copyfile(f, target / f.name)
            copied += 1
    return copied


def run_log(settings: Settings) -> Path:
    """Where ``ccr`` puts what the runs print (dbt's progress lines): the terminal gets one line
    per stage; the full event logs stay in the Dagster instance (`make dev`)."""
    path = Path(settings.home) / "logs" / "ccr-last-run.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _execute(
    job: Any, label: str, log: TextIO, ops: dict[str, dict] | None = None, **kwargs: Any
) -> Any:
    """Run ``job`` in process, its printed output into ``log``; one progress line here.
    ``ops``: op name -> its config."""
    # The terminal gets Dagster's warnings and errors only.
    quiet: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if ops:
        quiet["ops"] = {name: {"config": config} for name, config in ops.items()}
    print(f"{label} ...", end=" ", flush=True)
    started = time.perf_counter()
    print(f"== {label}", file=log, flush=True)
    with contextlib.redirect_stdout(log):
        result = job.execute_in_process(run_config=quiet, raise_on_error=False, **kwargs)
    log.flush()
    outcome = "ok" if result.success else "FAILED"
    print(f"{outcome} in {time.perf_counter() - started:.0f} s", flush=True)
    return result


def _run_on_workers(settings: Settings, requests: list[Any], log: TextIO) -> list[str]:
    """The batches on the Celery workers, ``CCR_BATCH_PARALLEL`` runs at once, a failed run
    re-executed from failure once; the failed partition keys."""
    from orchestration.lib.workers import run_batches

    if not requests:
        return []
    parallel = settings.batch_runs_at_once
    print(f"{len(requests)} batches on the Celery workers, {parallel} at once ...", flush=True)
    started = time.perf_counter()
    log.flush()
    outcomes = run_batches(
        [(r.partition_key, dict(r.tags)) for r in requests],
        parallel=parallel,
        log_path=log.name,
    )
    for o in outcomes:
        retried = f" (retried {len(o.run_ids) - 1}x)" if len(o.run_ids) > 1 else ""
        print(f"  batch {o.partition_key}: {'ok' if o.success else 'FAILED'}{retried}")
    print(f"  batches done in {time.perf_counter() - started:.0f} s", flush=True)
    return [o.partition_key for o in outcomes if not o.success]


def worker_command(settings: Settings, args: argparse.Namespace) -> int:
    """``ccr worker``: one Celery worker for call-batch steps, in the foreground."""
    import subprocess

    from orchestration.lib.workers import worker_command as command
    from orchestration.lib.workers import worker_env

    if not settings.celery_broker:
        print("CCR_CELERY_BROKER is not set: the worker needs the broker's URL (redis://…)")
        return 2
    _dagster_home(settings)
    env = worker_env(os.environ, threads=args.threads)
    return subprocess.call(command(args.name, concurrency=args.concurrency), env=env)


def _dbt_line(result: Any) -> str:
    """What the KPI build did, from its Dagster events (dbt models are assets, tests checks)."""
    built = sum(e.event_type_value == "ASSET_MATERIALIZATION" for e in result.all_events)
    checks = result.get_asset_check_evaluations()
    passed = sum(c.passed for c in checks)
    return (
        f"  {built} assets materialized (dbt models, the published warehouse), "
        f"{passed}/{len(checks)} dbt tests passed"
    )


def run_pipeline(settings: Settings) -> None:
    """Register landing batches, run each batch job, then build and publish the KPIs.

    A batch is taken once unchanged for ``CCR_LANDING_QUIET_S``; a batch whose last run failed
    is retried at once (a person asked).
    """
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.defs.ingest.sensors import landing_requests
    from orchestration.lib.partitions import call_batches
    from transforms.review.landing import review_files

    _dagster_home(settings)
    instance = dg.DagsterInstance.get()
    defs = build_definitions()
    plan = landing_requests(instance, settings, retry_now=True)
    if plan.new_partitions:
        instance.add_dynamic_partitions(call_batches.name, plan.new_partitions)
    for line in plan.waiting:
        print(f"waiting: {line}")
    for name in plan.loose:
        print(f"not in a batch folder, not read: {name}")
    batch_job = defs.resolve_job_def("call_batch_job")
    failed = []
    with run_log(settings).open("w") as log:
        if settings.celery_broker:
            failed += _run_on_workers(settings, plan.requests, log)
        for request in [] if settings.celery_broker else plan.requests:
            key = request.partition_key
            label = f"batch {key}: ingest, transcribe, score"
            result = _execute(
                batch_job, label, log, instance=instance, partition_key=key, tags=request.tags
            )
            if not result.success:
                failed.append(key)
        if review_files(settings.reviews_landing):
            reviews = defs.resolve_job_def("review_job")
            if not _execute(reviews, "human reviews from landing", log, instance=instance).success:
                failed.append("reviews")
        kpi_job = defs.resolve_job_def("kpi_job")
        kpis = _execute(kpi_job, "KPIs: dbt build, then publish", log, instance=instance)
    print(_dbt_line(kpis))
    print(f"  what the runs printed (dbt's progress): {run_log(settings)}")
    if failed or not kpis.success:
        raise SystemExit(f"runs failed: batches {failed}, kpis ok={kpis.success}; see `make dev`")


def quarantine_lines(quarantine: Any) -> list[str]:
    """One line per quarantine row; file names masked (rows stored before masking, too)."""
    from transforms.ingest.names import display

    return [
        f"  quarantined {row['tenant_id']}/{display(row['file_name'])}: {row['reason']}"
        for row in quarantine.sort("file_name").iter_rows(named=True)
    ]


def summary(settings: Settings) -> str:
    """A short KPI summary, for the operator: every tenant's published file and the lakehouse."""
    import duckdb
    import polars as pl

    from transforms.core.lakehouse import Lakehouse
    from transforms.core.tables import CALLS, QUARANTINE, TRANSCRIPTS
    from transforms.kpis.publish import all_tenants

    lh = Lakehouse(settings.lakehouse)
    transcripts = lh.read(TRANSCRIPTS)
    rtf = (
        transcripts["duration_s"].sum() / transcripts["transcribe_seconds"].sum()
        if transcripts.height
        else 0.0
    )
    quarantine = lh.read(QUARANTINE)
    lines = [
        f"bronze.calls: {lh.read(CALLS).height} calls; bronze.quarantine: {quarantine.height} rows",
    ]
    lines += quarantine_lines(quarantine)
    lines.append(
        f"silver.transcripts: {transcripts.height} calls, "
        f"{transcripts['duration_s'].sum() / 60 if transcripts.height else 0:.1f} audio min, "
        f"transcription real-time factor {rtf:.1f}x"
    )
    with duckdb.connect() as con:  # every tenant's published file, attached read-only
        tenants = all_tenants(con, settings.warehouse)
        agents = con.sql(
            "select tenant_id, agent_id, sum(calls)::int as calls, "
            "round(sum(avg_score * calls) / sum(calls), 1) as avg_score, "
            "round(sum(pass_rate * calls) / sum(calls), 2) as pass_rate "
            "from agg_agent_daily group by all order by all"
        ).pl()
        n_calls = con.execute("select count(*) from fct_calls").fetchone()[0]
    lines.append(f"KPIs: fct_calls {n_calls} rows; per agent:")
    with pl.Config(
        tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, tbl_formatting="MARKDOWN"
    ):
        lines.append(str(agents))
    tenants_dir = f"{settings.warehouse}/tenants"
    lines.append(
        f"Published for BI, one read-only database and report per tenant ({', '.join(tenants)}): "
        f"{tenants_dir}/<tenant>.duckdb, .html"
    )
    lines.append(f"Delta tables: {settings.lakehouse}/{{bronze,silver}}/…")
    return "\n".join(lines)


def compliance_record(settings: Settings, out_dir: Path) -> tuple[Path, Path]:
    """Write the art. 30 record (JSON + HTML) from contracts, asset graph and dbt manifest."""
    import json
    from datetime import UTC, datetime

    from orchestration.definitions import build_definitions
    from orchestration.defs.kpis.resources import kpi_dbt_project
    from transforms.compliance import record
    from transforms.core.contracts import load_contracts
    from transforms.core.tenants import load_tenants

    graph = build_definitions().resolve_asset_graph()
    assets = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "group": node.group_name,
            "owners": sorted(node.owners),
        }
    contracts = load_contracts()
    manifest = json.loads(Path(kpi_dbt_project().manifest_path).read_text())
    lineage = record.column_lineage(manifest, contracts, REPO_ROOT / "dbt_project" / "macros")
    controllers = [
        {
            "tenant_id": t.tenant_id,
            "name": t.display_name,
            "contract_start": str(t.contract_start or ""),
            "contract_end": str(t.contract_end) if t.contract_end else None,
        }
        for t in load_tenants(settings.tenants_file).values()
    ]
    doc = record.build_record(contracts, assets, lineage, controllers, datetime.now(UTC))
    return record.write_record(doc, out_dir)


def compliance_breach(settings: Settings, args: argparse.Namespace) -> str:
    """What a breach notification needs (DPA §12), counted from the lakehouse."""
    import json
    from datetime import UTC, datetime

    from transforms.compliance.breach import breach_facts, format_breach
    from transforms.core.contracts import load_contracts
    from transforms.core.lakehouse import Lakehouse

    def instant(text: str) -> datetime:
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    contracts = load_contracts()
    tables = [
        t if "." in t else next((n for n in contracts if n.endswith("." + t)), t)
        for t in args.tables
    ]
    facts = breach_facts(
        Lakehouse(settings.lakehouse),
        contracts,
        tables,
        args.tenants or None,
        instant(args.since),
        instant(args.until),
    )
    if args.json:
        return json.dumps(facts.as_dict(), indent=2)
    return format_breach(facts)


def keys_command(settings: Settings, args: argparse.Namespace) -> int:
    """``ccr keys create|status``: provisioning is explicit; processing never creates a key."""
    from transforms.core.keys import FileKeyStore, KeyStoreError
    from transforms.core.tenants import load_tenants

    store = FileKeyStore(settings.keys)
    tenants = load_tenants(settings.tenants_file)
    if args.action == "status":
        for tenant_id in tenants:
            print(f"{tenant_id:24} {store.status(tenant_id)}")
        return 0
    failed = 0
    for tenant_id in args.tenants:
        if tenant_id not in tenants:
            print(f"{tenant_id}: not in the tenant registry {settings.tenants_file}")
            failed += 1
            continue
        try:
            store.create(tenant_id)
            print(f"{tenant_id}: key created in {settings.keys}")
        except KeyStoreError as exc:
            print(f"{tenant_id}: {exc}")
            failed += 1
    return 1 if failed else 0


def provision_sample_keys(settings: Settings) -> list[str]:
    """The demo's tenants get a key if they have none yet (a destroyed key stays destroyed)."""
    from transforms.core.keys import FileKeyStore

    store = FileKeyStore(settings.keys)
    tenants = sorted(p.name for p in SAMPLE_LANDING.iterdir() if p.is_dir())
    missing = [t for t in tenants if store.status(t) == "missing"]
    for tenant_id in missing:
        store.create(tenant_id)
    return missing


def compliance_ledger(settings: Settings) -> int:
    """Every erasure recorded, and whether the hash chain is intact (exit 1 if not)."""
    from transforms.compliance.ledger import LEDGER_NAME, Ledger

    ledger = Ledger(Path(settings.compliance_dir) / LEDGER_NAME)
    for e in ledger.entries():
        print(
            f"{e['seq']:>4} {e['performed_at']} {e['kind']:<9} {','.join(e['tenants']):<24} "
            f"rows {e['rows_deleted']:>7} files {e['files_deleted']:>6} "
            f"verified {e['verified']}  {e['certificate']}"
        )
    problems = ledger.verify()
    print("\n".join(problems) or f"chain intact ({len(ledger.entries())} entries)")
    return 1 if problems else 0


def _as_of(text: str | None):
    from datetime import UTC, date, datetime

    return date.fromisoformat(text) if text else datetime.now(UTC).date()


def retention_command(settings: Settings, args: argparse.Namespace) -> int:
    """``ccr retention plan`` prints what would go on a date; ``apply`` runs retention_job."""
    from transforms.compliance.retention import format_plan, plan_retention
    from transforms.core.keys import FileKeyStore
    from transforms.core.lakehouse import Lakehouse
    from transforms.core.tenants import load_tenants

    day = _as_of(args.as_of)
    if args.action == "plan":
        lh = Lakehouse(settings.lakehouse)
        tenants = load_tenants(settings.tenants_file)
        print(format_plan(plan_retention(lh, tenants, day, settings, FileKeyStore(settings.keys))))
        return 0
    return 0 if apply_retention(settings, day) else 1


def apply_retention(settings: Settings, day: Any) -> bool:
    """Run retention_job for ``day`` on the instance (as the daily schedule does); True if it
    succeeded and the erasure it carried out (if any) was verified."""
    import dagster as dg

    from orchestration.definitions import build_definitions

    _dagster_home(settings)
    job = build_definitions().resolve_job_def("retention_job")
    config = {"as_of": str(day)}
    ops = {"compliance__anonymised_statistics": config, "compliance__retention_plan": config}
    with run_log(settings).open("w") as log:
        result = _execute(
            job,
            f"retention for {day}: statistics, plan, erasure, verification",
            log,
            ops=ops,
            instance=dg.DagsterInstance.get(),
        )
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if "certificate" in meta:
            print(
                f"  certificate: {meta['certificate'].value} (verified: {meta['verified'].value})"
            )
    return result.success


def export_command(settings: Settings, args: argparse.Namespace) -> int:
    """``ccr export tenant T --out DIR``: restitution of everything the tenant gave us."""
    from transforms.compliance.export import ExportError, tenant_export
    from transforms.core.lakehouse import Lakehouse

    try:
        manifest = tenant_export(Lakehouse(settings.lakehouse), settings, args.tenant, args.out)
    except ExportError as exc:
        print(exc)
        return 2
    rows = sum(manifest["rows"].values())
    print(f"exported {len(manifest['files'])} files ({rows} rows) to {args.out}")
    return 0


def subject_command(settings: Settings, args: argparse.Namespace) -> int:
    """``ccr subject export|erase``: one caller (by number) or one agent of a tenant."""
    from orchestration.defs.kpis.build import rebuild_warehouse
    from orchestration.defs.kpis.resources import dbt_cli
    from transforms.compliance import subjects
    from transforms.compliance.erasure import Hooks, carry_out
    from transforms.core.keys import FileKeyStore
    from transforms.core.lakehouse import Lakehouse

    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    kind, value = ("caller", args.phone) if args.phone else ("agent", args.agent)
    subject = subjects.Subject(args.tenant, kind, value)
    if args.action == "export":
        if args.out is None:
            raise SystemExit("ccr subject export needs --out DIR")
        try:
            manifest = subjects.export(lh, settings, keys, subject, args.out)
        except ValueError as exc:  # ExportError: where it cannot be written
            print(exc)
            return 2
        print(f"exported {len(manifest['files'])} files to {args.out}")
        return 0
    request = subjects.erasure(lh, settings, keys, subject)

    def rebuild(tenants) -> None:
        with run_log(settings).open("w") as log, contextlib.redirect_stdout(log):
            rebuild_warehouse(dbt_cli(), settings, tenants)  # dbt's progress: the run log

    hooks = Hooks(
        rebuild_warehouse=rebuild,
        forget_partitions=lambda _tenant: 0,
        remaining=lambda: 0 if subjects.find(lh, settings, keys, subject).empty else 1,
    )
    certificate = carry_out(request, lh, settings, keys, hooks)
    passed = certificate["verification"]["passed"]
    print(
        f"erased one {kind} of {args.tenant}: "
        f"{sum(t['rows_deleted'] for t in certificate['tables'])} rows, "
        f"{sum(certificate['files'].values())} files; verified: {passed}"
    )
    print(f"  certificate: {settings.compliance_dir}/certificates/{certificate['request_id']}.html")
    return 0 if passed else 1


def _compliance_parsers(sub: Any) -> None:
    """``retention``, ``export`` and ``subject`` (docs/retention.md)."""
    ret = sub.add_parser("retention", help="retention plan for a date, or apply it")
    ret.add_argument("action", choices=("plan", "apply"))
    ret.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today, UTC)")
    exp = sub.add_parser("export", help="restitution: a tenant's data as files")
    exp.add_argument("scope", choices=("tenant",))
    exp.add_argument("tenant")
    exp.add_argument("--out", type=Path, required=True, help="an empty folder outside CCR_HOME")
    subj = sub.add_parser("subject", help="a caller's or an agent's data: export or erase")
    subj.add_argument("action", choices=("export", "erase"))
    subj.add_argument("--tenant", required=True)
    who = subj.add_mutually_exclusive_group(required=True)
    who.add_argument("--phone", help="the caller's number, as the client knows it")
    who.add_argument("--agent", help="the agent's id")
    subj.add_argument("--out", type=Path, default=None, help="export: an empty folder")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ccr", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="land the shipped sample calls, run everything, print KPIs")
    sub.add_parser("run", help="process every batch now in landing, then rebuild the KPIs")
    land_p = sub.add_parser("land", help="copy a <tenant>/<batch>/ tree into landing")
    land_p.add_argument("source", type=Path)
    sub.add_parser("kpis", help="print the KPI summary of the published tenant databases")
    sub.add_parser("settings", help="print the effective settings and their variables")
    keys_p = sub.add_parser("keys", help="the per-tenant pseudonym keys (CCR_KEYS)")
    keys_sub = keys_p.add_subparsers(dest="action", required=True)
    create = keys_sub.add_parser("create", help="provision a tenant's key (never replaces one)")
    create.add_argument("tenants", nargs="+")
    keys_sub.add_parser("status", help="each registry tenant's key: ok, missing, destroyed")
    worker = sub.add_parser("worker", help="a Celery worker for batch steps (docs/scale-out.md)")
    worker.add_argument("--name", default=f"ccr-{os.getpid()}", help="unique on this host")
    worker.add_argument("--concurrency", type=int, default=1, help="pool processes, one model each")
    worker.add_argument("--threads", type=int, default=0, help="Whisper threads each (0: setting)")
    comp = sub.add_parser("compliance", help="record of processing (art. 30), breach facts")
    comp_sub = comp.add_subparsers(dest="action", required=True)
    rec = comp_sub.add_parser("record", help="write the art. 30 record as HTML and JSON")
    rec.add_argument("--out", type=Path, default=None, help="folder (default $CCR_HOME/compliance)")
    br = comp_sub.add_parser("breach", help="print what a breach notification needs")
    br.add_argument("--tables", nargs="+", required=True, help="e.g. silver.transcripts or calls")
    br.add_argument("--tenants", nargs="*", default=[], help="default: all tenants")
    br.add_argument("--since", required=True, help="ISO date/time, call start (inclusive)")
    br.add_argument("--until", required=True, help="ISO date/time, call start (exclusive)")
    br.add_argument("--json", action="store_true")
    comp_sub.add_parser("ledger", help="list the erasure ledger and check its hash chain")
    _compliance_parsers(sub)
    args = parser.parse_args(argv)
    if args.command == "demo":
        # The demo copies its own files: they are complete, no upload to wait for (the sensor's
        # plan and the ingest asset both read the quiet period from the environment).
        os.environ["CCR_LANDING_QUIET_S"] = "0"
    settings = Settings.from_env()
    handlers = {"retention": retention_command, "export": export_command}
    if args.command in (*handlers, "subject"):
        return handlers.get(args.command, subject_command)(settings, args)

    if args.command == "settings":
        for name, value in settings.effective().items():
            where = "set" if os.environ.get(name) else "default"
            print(f"{name:24} {value:45} ({where}) {ENV_VARS[name][1]}")
        return 0
    if args.command == "compliance":
        if args.action == "ledger":
            return compliance_ledger(settings)
        if args.action == "record":
            out = args.out or Path(settings.home) / "compliance"
            for path in compliance_record(settings, out):
                print(f"wrote {path}")
            return 0
        print(compliance_breach(settings, args))
        return 0
    if args.command == "land":
        print(f"copied {land(args.source, settings)} files into {settings.landing}")
        print(
            f"the landing sensor or `ccr run` takes each batch once unchanged for "
            f"{settings.landing_quiet_s:.0f} s (CCR_LANDING_QUIET_S)"
        )
        return 0
    if args.command == "keys":
        return keys_command(settings, args)
    if args.command == "worker":
        return worker_command(settings, args)
    if args.command in ("demo", "run"):
        started = time.perf_counter()
        if args.command == "demo":
            print(f"landing {land(SAMPLE_LANDING, settings)} sample files into {settings.landing}")
            provisioned = provision_sample_keys(settings)
            if provisioned:
                print(f"provisioned pseudonym keys for {', '.join(provisioned)} in {settings.keys}")
        run_pipeline(settings)
        print(summary(settings))
        print(f"{args.command} took {time.perf_counter() - started:.0f} s")
        return 0
    print(summary(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())

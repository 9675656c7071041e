"""``ccr demo``, ``ccr run``, ``ccr land``, ``ccr worker``: landing batches through the jobs."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from orchestration.cli.common import (
    SAMPLE_LANDING,
    SAMPLES_AS_OF,
    execute,
    instance,
    run_config,
    run_log,
)
from orchestration.cli.keys import provision_sample_keys
from orchestration.cli.kpis import summary
from transforms.core.settings import Settings, SettingsError, broker_in_clear


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="land the shipped sample calls, run everything, print KPIs")
    demo.set_defaults(handler=demo_command)
    run = sub.add_parser("run", help="process every batch now in landing, then rebuild the KPIs")
    run.set_defaults(handler=run_command)
    land_p = sub.add_parser("land", help="copy a <tenant>/<batch>/ tree into landing")
    land_p.add_argument("source", type=Path)
    land_p.set_defaults(handler=land_command)
    worker = sub.add_parser("worker", help="a Celery worker for batch steps (docs/scale-out.md)")
    worker.add_argument("--name", default=f"ccr-{os.getpid()}", help="unique on this host")
    worker.add_argument("--concurrency", type=int, default=1, help="pool processes, one model each")
    worker.add_argument("--threads", type=int, default=0, help="Whisper threads each (0: setting)")
    worker.set_defaults(handler=worker_command)


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


def land_command(settings: Settings, args: argparse.Namespace) -> int:
    print(f"copied {land(args.source, settings)} files into {settings.landing}")
    print(
        f"the landing sensor or `ccr run` takes each batch once unchanged for "
        f"{settings.landing_quiet_s:.0f} s (CCR_LANDING_QUIET_S)"
    )
    return 0


def demo_command(settings: Settings, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    print(f"landing {land(SAMPLE_LANDING, settings)} sample files into {settings.landing}")
    provisioned = provision_sample_keys(settings)
    if provisioned:
        print(f"provisioned pseudonym keys for {', '.join(provisioned)} in {settings.keys}")
    print(demo_date_line(datetime.now(UTC).date()))
    # The demo copied its own files: they are complete, no upload to wait for.
    run_pipeline(settings, as_of=SAMPLES_AS_OF, ccr_landing_quiet_s="0")
    print(summary(settings))
    print(f"demo took {time.perf_counter() - started:.0f} s")
    return 0


def demo_date_line(clock: date) -> str:
    """What the demo says about its date, given the machine's (UTC)."""
    line = (
        f"demo date: {SAMPLES_AS_OF}, the day after the sample calls' month (November 2026); "
        "contracts, closed months and retention are judged on that date"
    )
    if clock == SAMPLES_AS_OF:
        return line
    return (
        f"{line}, not on this machine's {clock}. `ccr run` and the daily retention job use the "
        f"real date: `ccr retention plan --as-of {clock}` shows what retention would delete then"
    )


def run_command(settings: Settings, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    run_pipeline(settings)
    print(summary(settings))
    print(f"run took {time.perf_counter() - started:.0f} s")
    return 0


def _run_on_workers(
    settings: Settings, requests: list[Any], log: TextIO, config: dict[str, Any]
) -> list[str]:
    """The batches on the Celery workers, ``CCR_BATCH_PARALLEL`` runs at once, a failed run
    re-executed from failure once; the failed partition keys."""
    from orchestration.lib.workers import require_safe_broker, run_batches

    try:
        require_safe_broker(settings)
    except SettingsError as exc:
        raise SystemExit(str(exc)) from None
    if not requests:
        return []
    parallel = settings.batch_runs_at_once
    print(f"{len(requests)} batches on the Celery workers, {parallel} at once ...", flush=True)
    started = time.perf_counter()
    log.flush()
    outcomes = run_batches(
        [(r.partition_key, dict(r.tags)) for r in requests],
        parallel=parallel,
        run_config=config,
        log_path=log.name,
        dagster_home=settings.dagster_home,
    )
    for o in outcomes:
        retried = f" (retried {len(o.run_ids) - 1}x)" if len(o.run_ids) > 1 else ""
        print(f"  batch {o.partition_key}: {'ok' if o.success else 'FAILED'}{retried}")
    print(f"  batches done in {time.perf_counter() - started:.0f} s", flush=True)
    return [o.partition_key for o in outcomes if not o.success]


def _dbt_line(result: Any) -> str:
    """What the KPI build did, from its Dagster events (dbt models are assets, tests checks)."""
    built = sum(e.event_type_value == "ASSET_MATERIALIZATION" for e in result.all_events)
    checks = result.get_asset_check_evaluations()
    passed = sum(c.passed for c in checks)
    return (
        f"  {built} assets materialized (dbt models, the published warehouse), "
        f"{passed}/{len(checks)} dbt tests passed"
    )


def run_pipeline(settings: Settings, as_of: date | None = None, **overrides: str) -> None:
    """Register landing batches, run each batch job, then build and publish the KPIs.

    A batch is taken once unchanged for ``CCR_LANDING_QUIET_S``; a batch whose last run failed
    is retried at once (a person asked). ``as_of``: the date the runs decide for (their run
    config; None: the date the steps run). ``overrides``: settings of these runs only (their
    ``SettingsResource`` field names, e.g. ``ccr_landing_quiet_s="0"``).
    """
    from orchestration.definitions import build_definitions
    from orchestration.defs.ingest.sensors import landing_requests
    from orchestration.lib.partitions import call_batches
    from transforms.review.landing import review_files

    if "ccr_landing_quiet_s" in overrides:
        settings = settings.replace(landing_quiet_s=float(overrides["ccr_landing_quiet_s"]))
    if as_of is not None:
        overrides["as_of"] = str(as_of)
    config = run_config(**overrides)
    with instance(settings) as dagster:
        defs = build_definitions()
        plan = landing_requests(dagster, settings, retry_now=True)
        if plan.new_partitions:
            dagster.add_dynamic_partitions(call_batches.name, plan.new_partitions)
        for line in plan.waiting:
            print(f"waiting: {line}")
        for name in plan.loose:
            print(f"not in a batch folder, not read: {name}")
        batch_job = defs.resolve_job_def("call_batch_job")
        failed = []
        with run_log(settings).open("w") as log:
            if settings.celery_broker:
                failed += _run_on_workers(settings, plan.requests, log, config)
            for request in [] if settings.celery_broker else plan.requests:
                key = request.partition_key
                label = f"batch {key}: ingest, transcribe, score"
                result = execute(
                    batch_job, label, log, config, instance=dagster, partition_key=key,
                    tags=request.tags,
                )  # fmt: skip
                if not result.success:
                    failed.append(key)
            if review_files(settings.reviews_landing):
                reviews = defs.resolve_job_def("review_job")
                label = "human reviews from landing"
                if not execute(reviews, label, log, config, instance=dagster).success:
                    failed.append("reviews")
            kpi_job = defs.resolve_job_def("kpi_job")
            label = "KPIs: dbt build, then publish"
            kpis = execute(kpi_job, label, log, config, instance=dagster)
    print(_dbt_line(kpis))
    print(f"  what the runs printed (dbt's progress): {run_log(settings)}")
    if failed or not kpis.success:
        raise SystemExit(f"runs failed: batches {failed}, kpis ok={kpis.success}; see `make dev`")


def worker_command(settings: Settings, args: argparse.Namespace) -> int:
    """``ccr worker``: one Celery worker for call-batch steps, in the foreground."""
    from orchestration.cli.common import prepare_dagster_home
    from orchestration.lib.workers import worker_command as command
    from orchestration.lib.workers import worker_env

    if not settings.celery_broker:
        print("CCR_CELERY_BROKER is not set: the worker needs the broker's URL (redis://…)")
        return 2
    problems = settings.broker_problems()
    for problem in problems:
        print(problem)
    if problems:
        return 2
    if broker_in_clear(settings.celery_broker):
        print(
            "warning: CCR_CELERY_BROKER uses redis:// to another host: its password and the "
            "steps cross the network unencrypted; use rediss:// (docs/security.md)"
        )
    home = prepare_dagster_home(settings)
    env = worker_env(os.environ, threads=args.threads) | {"DAGSTER_HOME": str(home)}
    return subprocess.call(command(args.name, concurrency=args.concurrency), env=env)

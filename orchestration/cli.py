"""``ccr``: the operations people run by hand. Each launches Dagster runs, never bypasses them."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from transforms.settings import ENV_VARS, REPO_ROOT, Settings

SAMPLE_LANDING = REPO_ROOT / "samples" / "landing"


def _dagster_home(settings: Settings) -> Path:
    """A persistent DAGSTER_HOME under CCR_HOME, so `make dev` shows the runs `ccr` made."""
    home = Path(os.environ.get("DAGSTER_HOME") or Path(settings.home) / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def land(source: Path, settings: Settings) -> int:
    """Copy a landing tree (``<tenant>/<batch>/…``); the manifest of each batch goes last."""
    copied = 0
    for batch in sorted(p for p in source.glob("*/*") if p.is_dir()):
        target = Path(settings.landing) / batch.relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        files = sorted(batch.iterdir(), key=lambda p: p.name.startswith("manifest."))
        for f in files:
            shutil.copyfile(f, target / f.name)
            copied += 1
    return copied


def run_pipeline(settings: Settings) -> None:
    """Register landing batches, run each batch job, then build and publish the KPIs."""
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.defs.ingest.sensors import landing_requests
    from orchestration.partitions import call_batches

    _dagster_home(settings)
    instance = dg.DagsterInstance.get()
    defs = build_definitions()
    new, requests = landing_requests(instance, settings.landing)
    if new:
        instance.add_dynamic_partitions(call_batches.name, new)
    # Full event logs stay in the Dagster instance (`make dev`); the terminal gets warnings only.
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    batch_job = defs.resolve_job_def("call_batch_job")
    failed = []
    for request in requests:
        print(f"running call_batch_job for batch {request.partition_key}", flush=True)
        result = batch_job.execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            run_config=quiet,
            raise_on_error=False,
        )
        if not result.success:
            failed.append(request.partition_key)
    from orchestration.defs.review.assets import review_files

    if review_files(settings.reviews_landing):
        print("running review_job (human reviews from landing)", flush=True)
        reviews = defs.resolve_job_def("review_job").execute_in_process(
            instance=instance, run_config=quiet, raise_on_error=False
        )
        if not reviews.success:
            failed.append("reviews")
    print("running kpi_job (dbt build + publish)", flush=True)
    kpis = defs.resolve_job_def("kpi_job").execute_in_process(
        instance=instance, run_config=quiet, raise_on_error=False
    )
    if failed or not kpis.success:
        raise SystemExit(f"runs failed: batches {failed}, kpis ok={kpis.success}; see `make dev`")


def summary(settings: Settings) -> str:
    """A short KPI summary read back from the published warehouse and the lakehouse."""
    import duckdb
    import polars as pl

    from transforms.lakehouse import Lakehouse
    from transforms.tables import CALLS, QUARANTINE, TRANSCRIPTS

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
    for row in quarantine.sort("file_name").iter_rows(named=True):
        lines.append(f"  quarantined {row['tenant_id']}/{row['file_name']}: {row['reason']}")
    lines.append(
        f"silver.transcripts: {transcripts.height} calls, "
        f"{transcripts['duration_s'].sum() / 60 if transcripts.height else 0:.1f} audio min, "
        f"transcription real-time factor {rtf:.1f}x"
    )
    with duckdb.connect(settings.kpi_database, read_only=True) as con:
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
    lines.append(f"Published KPI database (open read-only): {settings.kpi_database}")
    lines.append(f"Delta tables: {settings.lakehouse}/{{bronze,silver}}/…")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ccr", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="land the shipped sample calls, run everything, print KPIs")
    sub.add_parser("run", help="process every batch now in landing, then rebuild the KPIs")
    land_p = sub.add_parser("land", help="copy a <tenant>/<batch>/ tree into landing")
    land_p.add_argument("source", type=Path)
    sub.add_parser("kpis", help="print the KPI summary of the published warehouse")
    sub.add_parser("settings", help="print the effective settings and their variables")
    args = parser.parse_args(argv)
    settings = Settings.from_env()

    if args.command == "settings":
        for name, (default, meaning) in ENV_VARS.items():
            print(f"{name:22} {os.environ.get(name, '(default: ' + default + ')'):45} {meaning}")
        return 0
    if args.command == "land":
        print(f"copied {land(args.source, settings)} files into {settings.landing}")
        return 0
    if args.command in ("demo", "run"):
        started = time.perf_counter()
        if args.command == "demo":
            print(f"landing {land(SAMPLE_LANDING, settings)} sample files into {settings.landing}")
        run_pipeline(settings)
        print(summary(settings))
        print(f"{args.command} took {time.perf_counter() - started:.0f} s")
        return 0
    print(summary(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())

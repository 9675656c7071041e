"""The KPI rebuild after an erasure is incremental (issue 23): only the calls the erasure changed
and the days they started on are rebuilt. After erasing one caller, then one agent, every
published mart of every tenant equals what a full refresh publishes (no stale aggregate keeps an
erased call's contribution), and the build file, written anew, holds none of the erased calls."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.defs.kpis.resources import dbt_cli
from orchestration.lib.kpi_build import (
    DbtRunFailed,
    dbt_args,
    rebuild_models,
    rebuild_warehouse,
    run_in_process,
)
from tests.synthetic_lakehouse import build
from transforms.compliance import subjects
from transforms.compliance.erasure import Hooks, carry_out
from transforms.compliance.kpi_changes import KpiChanges
from transforms.core.context import StepContext
from transforms.core.settings import Settings
from transforms.core.tenants import Tenant
from transforms.kpis import step as publish_step
from transforms.kpis.build_file import ERASURE_CHANGES
from transforms.kpis.publish import tenant_database

TODAY = date(2026, 12, 20)
TENANTS = ["acme", "globex"]


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    home = tmp_path_factory.mktemp("erasure-rebuild")
    settings = Settings.from_env({"CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")})
    built = build(settings, TENANTS, calls_per_tenant=24, callers_per_tenant=6)
    registry = {t: Tenant(t, t, ("en",), "standard") for t in TENANTS}
    ctx = StepContext.of(settings, today=TODAY, tenants=registry)
    with contextlib.redirect_stdout(io.StringIO()):
        rebuild_warehouse(dbt_cli(), ctx)
    return settings, ctx, built.calls


def published(settings: Settings) -> dict[str, dict[str, set[tuple]]]:
    """Every mart of every tenant's published file, as sets of rows."""
    out = {}
    for tenant in TENANTS:
        with duckdb.connect(str(tenant_database(settings.warehouse, tenant)), read_only=True) as c:
            names = [r[0] for r in c.execute("select table_name from duckdb_tables()").fetchall()]
            out[tenant] = {n: set(c.execute(f'select * from "{n}"').fetchall()) for n in names}
    return out


def erase(settings: Settings, ctx: StepContext, subject: subjects.Subject) -> tuple[dict, list]:
    """The erasure with the real rebuild; the certificate and whether each rebuild was
    incremental."""
    lh, keys = ctx.lakehouse, ctx.keys
    runs: list[bool] = []

    def rebuild(changes: KpiChanges) -> None:
        # as rebuild_warehouse does it: the publish reads the build file while it is compacted
        with contextlib.redirect_stdout(io.StringIO()):
            runs.append(
                rebuild_models(
                    dbt_cli(),
                    ctx,
                    changes.calls,
                    then=lambda: publish_step.run(ctx, rewrite=True, only=changes.tenants),
                )
            )

    hooks = Hooks(
        rebuild_warehouse=rebuild,
        forget_partitions=lambda tenant: 0,
        remaining=lambda: 0 if subjects.find(lh, settings, keys, subject).empty else 1,
    )
    request = subjects.erasure(lh, settings, keys, subject)
    return carry_out(request, lh, settings, keys, hooks), runs


def full_refresh(settings: Settings, ctx: StepContext) -> dict:
    with contextlib.redirect_stdout(io.StringIO()):
        rebuild_warehouse(dbt_cli(), ctx)
    return published(settings)


def build_file_values(settings: Settings) -> str:
    """Every text value of every table of the build file, one string."""
    with duckdb.connect(settings.kpi_build_database, read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and data_type = 'VARCHAR' "
            "and schema_name = 'main'"
        ).fetchall()
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        values = [
            str(v[0])
            for table, column in columns
            if table in tables
            for v in con.execute(f'select "{column}" from main."{table}"').fetchall()
        ]
    return "\n".join(values)


@pytest.mark.parametrize("kind", ["caller", "agent"])
def test_after_an_erasure_every_published_mart_equals_a_full_refresh(lake, kind):
    settings, ctx, calls = lake
    mine = calls.filter(pl.col("tenant_id") == "acme")
    if kind == "caller":
        value = mine["phone"][3]
        gone = mine.filter(pl.col("phone") == value)
    else:
        value = mine["agent_id"][2]
        gone = mine.filter(pl.col("agent_id") == value)
    before = published(settings)
    certificate, runs = erase(settings, ctx, subjects.Subject("acme", kind, value))
    assert certificate["verification"]["passed"], certificate["verification"]
    assert runs == [True]  # the incremental path, not a full refresh
    after = published(settings)
    # the other tenant's file was not touched; the erased calls' rows are gone from acme's
    assert after["globex"] == before["globex"]
    fct = {r[0] for r in after["acme"]["fct_calls"]}  # call_uid first
    assert fct and not fct & set(gone["call_uid"].to_list())
    assert after["acme"] != before["acme"]
    # nothing of them in the build file written anew, nor the erasure's own table
    values = build_file_values(settings)
    for uid in gone["call_uid"]:
        assert uid not in values
    with duckdb.connect(settings.kpi_build_database, read_only=True) as con:
        assert not con.execute(
            "select count(*) from duckdb_tables() where table_name = ?", [ERASURE_CHANGES]
        ).fetchone()[0]
    # every mart of every tenant, as a full refresh from the lakehouse publishes it
    assert full_refresh(settings, ctx) == after


def test_the_rebuild_runs_dbt_in_this_process_from_the_kept_parse(lake):
    """The erasure's dbt run starts no interpreter and parses nothing again (issue 23: both cost
    seconds of every erasure); the build file is closed when it returns."""
    settings, ctx, calls = lake
    subprocesses: list = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        subprocesses.append(args[0] if args else kwargs.get("args"))
        return real_popen(*args, **kwargs)

    value = calls.filter(pl.col("tenant_id") == "globex")["phone"][1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "Popen", popen)
        certificate, runs = erase(settings, ctx, subjects.Subject("globex", "caller", value))
    assert certificate["verification"]["passed"] and runs == [True]
    assert subprocesses == []
    logs = list(Path(settings.dbt_target_dir).glob("rebuild-*/dbt.log"))
    assert len(logs) == 1
    log = logs[0].read_text()
    assert "Unable to do partial parsing" not in log and "Completed successfully" in log
    # nothing holds the build file open: another configuration may open it at once
    with duckdb.connect(settings.kpi_build_database, config={"threads": 1}) as con:
        assert con.execute("select count(*) from fct_calls").fetchone()[0] > 0


def test_a_failed_dbt_run_in_process_raises(lake, tmp_path):
    settings, _, _ = lake
    args = dbt_args(settings, "run", "--select", "fct_calls")
    # a lakehouse that is not there, and a build file of its own (the module's stays as it is)
    broken = [
        a.replace(settings.lakehouse, str(tmp_path / "no-lakehouse")).replace(
            settings.kpi_build_database, str(tmp_path / "build.duckdb")
        )
        for a in args
    ]
    target = tmp_path / "target"
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(DbtRunFailed):
        run_in_process(dbt_cli(), broken, target)


def test_a_table_the_selected_rebuild_leaves_alone_is_read_by_the_proof(lake):
    """The rebuild runs only the models downstream of the lakehouse; a table it does not
    rebuild that held an erased call (here planted in the build file, keyed otherwise than by
    call_uid) would keep it, and the residual scan finds it there: the certificate fails."""
    settings, ctx, calls = lake
    theirs = calls.filter(pl.col("tenant_id") == "globex")
    value = theirs["phone"][2]
    call_id = theirs.filter(pl.col("phone") == value)["call_id"][0]
    with duckdb.connect(settings.kpi_build_database) as con:
        con.execute("create table main.unselected_notes as select ? as note", [f"see {call_id}"])
    try:
        certificate, runs = erase(settings, ctx, subjects.Subject("globex", "caller", value))
    finally:
        with duckdb.connect(settings.kpi_build_database) as con:
            con.execute("drop table if exists main.unselected_notes")
    verification = certificate["verification"]
    assert runs == [True] and not verification["passed"]
    assert verification["hits_by_kind"].get("call_id", 0) >= 1
    assert any("kpis.build.duckdb" in p for p in verification["hit_paths"])
    assert call_id not in json.dumps(certificate)

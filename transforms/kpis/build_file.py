"""The dbt build file between runs: kept, so the incremental facts only rebuild changed calls;
started afresh when the dbt code that made it changed.

An incremental fact keeps its rows from run to run, so a change to a model (a column added, a
formula fixed) would otherwise reach only the calls that change later, and a renamed mart would
linger in the build file and go on being published. The build therefore records a fingerprint of
the dbt code beside the build file; when the code differs, or when asked, the build file is
deleted and the next ``dbt build`` rebuilds every mart from the lakehouse (at 1M calls about the
time of a first build, see docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from transforms.core.settings import Settings
from transforms.kpis import access

#: What decides the tables' content (data tests do not): models, macros, the project file.
CODE_PATHS = ("models", "macros", "dbt_project.yml")
#: The dbt command of every KPI build. Unit tests pin formulas on fixed rows: they run in CI
#: (tests/dbt), not on every build, as dbt recommends; so do the data tests tagged ``ci``, which
#: check what the SQL guarantees by construction (dbt_project.yml says which): a test costs
#: dbt about 0.1 CPU s however few rows it reads, and they were a third of an incremental
#: build's tests. Data tests of the lakehouse's rows and of the marts' keys run on every build.
#: dbt.log at info, not debug: writing every statement cost a fifth of an incremental run's CPU.
BUILD_ARGS = (
    "build",
    "--exclude-resource-type",
    "unit_test",
    "--exclude",
    "tag:ci",
    "--log-level-file",
    "info",
)
#: dbt's parse of the project (``--target-path``), kept beside the target folders from one
#: build to the next (``orchestration/lib/kpi_build.py``): dbt then re-parses only what changed.
#: It holds the project's code, YAML and vars (where the lakehouse and the build file are),
#: never a value of the data: an erasure keeps it when it clears dbt's artifacts.
PARSE_STATE = "partial_parse.msgpack"
#: What an erasure tells the next dbt run (``macros/incremental_state.sql``): per tenant, the
#: days of the calls whose mart rows it changed, and the ids of those calls that are kept (an
#: erased call is never named here: its rows are deleted before dbt runs, ``mark_erasure``).
ERASURE_CHANGES = "erasure_changed_calls"


def dbt_vars(lakehouse: str, build_database: str) -> dict[str, str]:
    """What dbt is told about where things are (the profile's and the sources' ``var()``)."""
    return {"ccr_lakehouse": lakehouse, "ccr_build_database": build_database}


def vars_args(settings: Settings) -> list[str]:
    """``--vars`` for a KPI build of ``settings``: its lakehouse and its build file."""
    return ["--vars", json.dumps(dbt_vars(settings.lakehouse, settings.kpi_build_database))]


def code_fingerprint(project_dir: Path) -> str:
    """sha256 over the paths and contents of the dbt code that shapes the tables."""
    digest = hashlib.sha256()
    for top in CODE_PATHS:
        root = project_dir / top
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _state_file(build: str) -> Path:
    return Path(f"{build}.code-sha256")


def prepare_build_file(build: str, project_dir: Path, *, full_refresh: bool = False) -> bool:
    """Delete the build file if the dbt code changed since it was built (or if asked).

    Returns True when the coming build starts from scratch (no build file).
    """
    # the build file holds every tenant's marts: the service account's alone
    access.make_dir(Path(build).parent, access.PRIVATE_DIR)
    state = _state_file(build)
    recorded = state.read_text().strip() if state.exists() else None
    if full_refresh or recorded != code_fingerprint(project_dir):
        reset_build_file(build)
        state.unlink(missing_ok=True)
    return not Path(build).exists()


def record_build(build: str, project_dir: Path) -> None:
    """After a successful build: the code the build file now reflects."""
    _state_file(build).write_text(code_fingerprint(project_dir) + "\n")


def reset_build_file(build: str) -> None:
    """Delete the build file: the next dbt build rebuilds every mart from the lakehouse."""
    Path(build).parent.mkdir(parents=True, exist_ok=True)
    for leftover in (build, f"{build}.wal"):
        Path(leftover).unlink(missing_ok=True)


def code_unchanged(build: str, project_dir: Path) -> bool:
    """Whether ``build`` exists and reflects the dbt code as it is (an incremental run may
    start from it)."""
    state = _state_file(build)
    recorded = state.read_text().strip() if state.exists() else None
    return Path(build).exists() and recorded == code_fingerprint(project_dir)


def mark_erasure(build: str, calls: pa.Table) -> None:
    """Prepare ``build`` for an incremental run after an erasure.

    ``calls`` (``tenant_id``, ``call_uid``, ``call_date``, ``erased``): every call whose dbt
    inputs the erasure deleted or nulled. The erased calls' rows leave every table keyed by call
    (the aggregates are then recomputed from facts without them); the days of all of them, and
    the ids of the kept ones, go into ``ERASURE_CHANGES`` for dbt to rebuild. The build file is
    not recorded as current until the run finishes (``record_build``): if it fails, the next
    build starts from scratch. The deleted rows' bytes stay in the file until ``compact``.
    """
    _state_file(build).unlink(missing_ok=True)
    with duckdb.connect(build) as con:
        _load_changes(con, calls)
        con.execute(
            f"create or replace table main.{ERASURE_CHANGES} as select distinct tenant_id, "
            "case when erased then null else call_uid end as call_uid, call_date from changed"
        )
        for table in _keyed_by_call(con):
            con.execute(
                f"delete from main.{_quote(table)} "
                "where call_uid in (select call_uid from changed where erased)"
            )
        con.execute("drop table changed")


def compact(build: str, calls: pa.Table, before_swap: Callable[[], object] | None = None) -> int:
    """Write ``build`` anew, table by table, without the erased calls' rows and without
    ``ERASURE_CHANGES``, and swap it in: a DuckDB file keeps the bytes of deleted rows, a new
    file never had them. Views are left to the next dbt run (they are recreated on every run).
    ``build`` is only read (others may read it meanwhile); ``before_swap`` is called once the
    new file is written, before it replaces ``build``. The tables copied."""
    fresh = f"{build}.{uuid.uuid4().hex[:12]}.compact"
    copied = 0
    try:
        with duckdb.connect(build, read_only=True) as con:
            _load_changes(con, calls)
            con.execute(f"attach {_literal(fresh)} as fresh (read_only false)")
            old = con.execute("select current_database()").fetchone()[0]
            schemas = con.execute(
                "select schema_name from duckdb_schemas() where database_name = ? and not internal",
                [old],
            ).fetchall()
            for (schema,) in schemas:
                con.execute(f"create schema if not exists fresh.{_quote(schema)}")
            tables = con.execute(
                "select table_name, sql from duckdb_tables() "
                "where database_name = ? and schema_name = 'main' order by table_name",
                [old],
            ).fetchall()
            keyed = set(_keyed_by_call(con))
            con.execute("use fresh")
            for table, ddl in tables:
                if table == ERASURE_CHANGES:
                    continue
                con.execute(ddl)
                where = (
                    " where call_uid not in (select call_uid from changed where erased)"
                    if table in keyed
                    else ""
                )
                con.execute(
                    f"insert into fresh.main.{_quote(table)} "
                    f"select * from {_quote(old)}.main.{_quote(table)}{where}"
                )
                copied += 1
            con.execute("checkpoint")
            con.execute(f"use {_quote(old)}")
            con.execute("detach fresh")
        os.chmod(fresh, 0o600)
        if before_swap is not None:
            before_swap()
        os.replace(fresh, build)
    finally:
        for leftover in (fresh, f"{fresh}.wal"):
            Path(leftover).unlink(missing_ok=True)
    Path(f"{build}.wal").unlink(missing_ok=True)
    return copied


def _load_changes(con: duckdb.DuckDBPyConnection, calls: pa.Table) -> None:
    """``calls`` as the temporary table ``changed`` of ``con``, passed as lists, not registered
    as an Arrow table: DuckDB's Python client fails a registered table's scan ("python_arrow_scan
    does not exist") when another thread opens or closes a connection to the same file at that
    moment, and ``compact`` runs while the publish reads the build file."""
    columns = ("tenant_id", "call_uid", "call_date", "erased")
    con.execute(
        "create temp table changed as select unnest(?::varchar[]) as tenant_id, "
        "unnest(?::varchar[]) as call_uid, unnest(?::date[]) as call_date, "
        "unnest(?::boolean[]) as erased",
        [calls[c].to_pylist() for c in columns],
    )


def _keyed_by_call(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The base tables of the current database's ``main`` schema with a ``call_uid`` column."""
    return [
        r[0]
        for r in con.execute(
            "select distinct c.table_name from duckdb_columns() c join duckdb_tables() t "
            "on c.database_name = t.database_name and c.schema_name = t.schema_name "
            "and c.table_name = t.table_name "
            "where c.database_name = current_database() and c.schema_name = 'main' "
            "and c.column_name = 'call_uid' order by 1"
        ).fetchall()
    ]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"

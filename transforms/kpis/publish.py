"""Publishing the KPI database for BI tools: marts only, in a new file, swapped in atomically.

DuckDB allows one writer or many readers. dbt writes its own build file (which also holds copies
of the silver tables it read); ``publish_marts`` copies only the mart tables (``fct_``, ``dim_``,
``agg_``) into a brand-new file and renames it over ``kpis.duckdb``. On POSIX the rename is atomic:
a BI reader sees the old file or the new one, never half of one, and readers holding the old file
open keep reading it. A new file each time also means rows deleted upstream leave no bytes behind.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

MART_PREFIXES = ("fct_", "dim_", "agg_")


def build_path(published: str) -> str:
    """dbt's working file, beside the published one but never opened by BI tools."""
    p = Path(published)
    return str(p.parent / "build" / p.name.replace(".duckdb", ".build.duckdb"))


#: dbt artifacts (run_results.json, dbt.log, compiled SQL) of the last builds, kept for debugging.
KEEP_BUILD_FOLDERS = 5


def prune_build_folders(folder: Path, prefix: str, keep: int = KEEP_BUILD_FOLDERS) -> list[Path]:
    """Remove all but the ``keep`` newest ``<prefix>-*`` folders in ``folder``; the removed ones.

    dagster-dbt gives every build its own target folder (about 10 MB here) and never removes
    one: a daily schedule alone would pile up gigabytes in a year.
    """
    found = sorted(
        (p for p in folder.glob(f"{prefix}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in found[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return found[keep:]


def reset_build_file(build: str) -> None:
    Path(build).parent.mkdir(parents=True, exist_ok=True)
    for leftover in (build, f"{build}.wal"):
        Path(leftover).unlink(missing_ok=True)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish_marts(build: str, published: str) -> dict[str, int]:
    """Copy the marts of ``build`` into a new file and swap it in; returns rows per mart."""
    if not Path(build).exists():
        raise FileNotFoundError(f"{build} does not exist: materialize the dbt KPI models first")
    return _swap_in(published, lambda staging: _copy_marts(build, staging))


def publish_tables(tables: dict[str, pa.Table], published: str) -> dict[str, int]:
    """Write ``tables`` (name → rows) into a new file and swap it in; rows per table."""

    def write(staging: str) -> dict[str, int]:
        with duckdb.connect(staging) as con:
            for name, table in tables.items():
                con.register("rows", table)
                con.execute(f"create table main.{_quote(name)} as select * from rows")
                con.unregister("rows")
            con.execute("checkpoint")
        return {name: table.num_rows for name, table in tables.items()}

    return _swap_in(published, write)


def _swap_in(published: str, build: Callable[[str], dict[str, int]]) -> dict[str, int]:
    """Build a new file with ``build(staging)`` and rename it over ``published``, durably."""
    Path(published).parent.mkdir(parents=True, exist_ok=True)
    # A staging file of its own: two publishes at once each build their own copy, and the last
    # rename wins (one fixed name let one publish delete or rename the other's half-built file).
    staging = f"{published}.{uuid.uuid4().hex[:12]}.publishing"
    try:
        counts = build(staging)
        os.chmod(staging, 0o444)  # the published file is for readers only
        os.replace(staging, published)
    finally:
        for leftover in (staging, f"{staging}.wal"):
            Path(leftover).unlink(missing_ok=True)
    dir_fd = os.open(Path(published).parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)
    return counts


def _copy_marts(build: str, staging: str) -> dict[str, int]:
    """The mart tables of ``build`` copied into the new file ``staging``; rows per mart."""
    counts: dict[str, int] = {}
    with duckdb.connect(staging) as con:
        con.execute(f"attach {_literal(build)} as build (read_only)")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'build' and table_type = 'BASE TABLE' order by 2"
        ).fetchall()
        for schema, name in tables:
            if not name.startswith(MART_PREFIXES):
                continue
            con.execute(
                f"create table main.{_quote(name)} as "
                f"select * from build.{_quote(schema)}.{_quote(name)}"
            )
            counts[name] = con.execute(f"select count(*) from main.{_quote(name)}").fetchone()[0]
        con.execute("detach build")
        con.execute("checkpoint")
    if not counts:
        raise RuntimeError(f"{build} holds no mart table ({', '.join(MART_PREFIXES)}*)")
    return counts


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"

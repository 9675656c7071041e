"""Publishing the KPIs for BI: one read-only DuckDB file per tenant and its report, each built
from the dbt build file into a new file and swapped in atomically.

DuckDB allows one writer or many readers, and has no row-level security: whoever opens a file
reads all of it. dbt writes its own build file (``$CCR_HOME/build/``, never in the folder BI
reads); ``publish_kpis`` then writes, for every tenant, a new file holding only that tenant's rows
of every mart (``$CCR_WAREHOUSE/tenants/<tenant>.duckdb``) and its HTML report beside it, and
renames each over the previous one. On POSIX a rename is atomic: a BI reader sees the old file or
the new one, never half of one, and a connection opened before keeps reading the old one until
it reconnects. Who may open which file: ``transforms.kpis.access``.

Which mart goes where:

- a mart with a ``tenant_id`` column: each tenant's file gets its rows;
- a mart in ``SHARED_MARTS`` (a fixed calendar): every tenant's file, whole; it holds no tenant's
  data by construction;
- any other mart (none today): the operator's file (``$CCR_HOME/operator/kpis_operator.duckdb``,
  folder ``0700``), never a tenant's. The operator reads every tenant at once by attaching the
  tenant files (``all_tenants``), not from a copy. The anonymised statistics are not a mart and
  this module does not publish them: where they live is in docs/retention.md ("Anonymised
  statistics").

A daily build changes few calls, so a tenant's new file usually starts as a copy of its previous
one: the rows of the calls the build rebuilt (``int_calls__changed``) are replaced, the other
marts copied whole, and the result is checked against the build (rows and a hash of every call's
``inputs_updated_at`` per call-keyed mart). Anything else (no previous file, more than
``REWRITE_SHARE`` of the calls changed, a mart's columns changed, a check that fails, a call that
left the build, ``rewrite=True``) writes the file from scratch: a DuckDB file keeps the bytes of
deleted rows, so erased calls must never be removed in place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from transforms.core.settings import Settings
from transforms.core.tenants import Tenant, load_tenants
from transforms.kpis import access

MART_PREFIXES = ("fct_", "dim_", "agg_")
#: Marts without a tenant_id that hold no tenant's data (so every tenant's file gets them).
SHARED_MARTS = ("dim_dates",)
#: The build's table of the calls it rebuilt (the incremental update replaces their rows).
CHANGED_CALLS = "int_calls__changed"
#: A publishing connection's DuckDB memory (it copies tables; the rest spills to disk).
PUBLISH_MEMORY_LIMIT = "1GB"
#: The file format of the published databases: readable by DuckDB 1.0 and later, since BI tools'
#: DuckDB drivers lag behind (DuckDB 2.0 writes files only 2.0 opens by default).
PUBLISHED_STORAGE_VERSION = "v1.0.0"
#: Tenants published at once (a DuckDB connection of PUBLISH_MEMORY_LIMIT each).
PUBLISH_THREADS = 2
_REPORTS = threading.Lock()
#: Above this share of a tenant's calls rebuilt, its file is written anew rather than updated.
REWRITE_SHARE = 0.25
#: Files a previous version published where BI reads; removed by every publish.
LEGACY_FILES = ("kpis.duckdb", "kpis.duckdb.wal")
LEGACY_DIRS = ("build",)  # the old dbt build file, with copies of transcripts, was here


def tenant_database(warehouse: str | Path, tenant_id: str) -> Path:
    """The published KPI database of one tenant: the file its BI account opens, read-only."""
    return Path(warehouse) / "tenants" / f"{access.safe_file_stem(tenant_id)}.duckdb"


def tenant_report(warehouse: str | Path, tenant_id: str) -> Path:
    """The tenant's HTML KPI report, beside its database."""
    return tenant_database(warehouse, tenant_id).with_suffix(".html")


def operator_database(home: str | Path) -> Path:
    """Marts for the operator only (no tenant_id): never handed to a client."""
    return Path(home) / "operator" / "kpis_operator.duckdb"


@dataclass(frozen=True)
class Mart:
    name: str
    tenant_scoped: bool
    call_keyed: bool

    @property
    def shared(self) -> bool:
        return not self.tenant_scoped and self.name in SHARED_MARTS

    @property
    def operator_only(self) -> bool:
        return not self.tenant_scoped and not self.shared


@dataclass
class TenantFiles:
    database: Path
    report: Path | None
    rows: dict[str, int]
    mode: int
    #: "updated" (the previous file, its changed calls replaced) or "rewritten"
    how: str


class Stages:
    """Seconds per stage of a publish, summed over the tenants (two are published at a time, so
    the sum can exceed the publish's wall clock): what the asset reports and bench/kpis.py
    prints."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed


@dataclass
class Published:
    tenants: dict[str, TenantFiles] = field(default_factory=dict)
    operator: Path | None = None
    removed: list[Path] = field(default_factory=list)
    #: seconds per stage (``Stages``): copy, patch, write, checkpoint, report, swap, ...
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, int]:
        """Rows per mart, all tenants together."""
        total: dict[str, int] = {}
        for files in self.tenants.values():
            for mart, n in files.rows.items():
                total[mart] = total.get(mart, 0) + n
        return total


# --------------------------------------------------------------------------- the entry point


def publish_kpis(
    settings: Settings,
    *,
    rewrite: bool = False,
    reports: bool = True,
    only: Collection[str] | None = None,
    today: date | None = None,
) -> Published:
    """Every published file, from the dbt build file: the one way to publish.

    Called by the ``warehouse/kpis`` asset after each dbt build, and by whatever must rebuild
    the published files; after an erasure pass ``rewrite=True`` (no file is updated in place)
    and ``only`` the tenants whose data it changed (the others' files hold none of it).
    """
    for where in (settings.kpi_build_database, settings.warehouse, settings.home):
        if "://" in where:  # Settings refuses these; a hand-made Settings must not slip through
            raise ValueError(
                f"{where}: published DuckDB files are written on a local file system (an atomic "
                "rename, a folder fsync, page-level reads by BI drivers); see "
                "docs/object-storage.md"
            )
    return publish(
        build=Path(settings.kpi_build_database),
        warehouse=Path(settings.warehouse),
        operator=operator_database(settings.home),
        registry=load_tenants(settings.tenants_file),
        rewrite=rewrite,
        reports=reports,
        only=only,
        today=today,
    )


def publish(
    build: Path,
    warehouse: Path,
    operator: Path,
    registry: Mapping[str, Tenant] | None = None,
    *,
    rewrite: bool = False,
    reports: bool = True,
    only: Collection[str] | None = None,
    today: date | None = None,
) -> Published:
    """Publish ``build``'s marts into ``warehouse/tenants`` (and operator-only marts into
    ``operator``). Tenants: those of the registry under contract on ``today`` (default: the
    system's date) and those with rows; the files of any other tenant are removed (its data was
    erased). With ``only``, a tenant outside it that already has a file keeps it untouched (not
    in ``Published.tenants``)."""
    if not build.exists():
        raise FileNotFoundError(f"{build} does not exist: materialize the dbt KPI models first")
    registry = registry or {}
    marts = list_marts(build)
    if not marts:
        raise RuntimeError(f"{build} holds no mart table ({', '.join(MART_PREFIXES)}*)")
    access.make_dir(warehouse, access.TRAVERSE_ONLY)
    tenants_dir = access.make_dir(warehouse / "tenants", access.TRAVERSE_ONLY)
    staging_dir = access.make_dir(tenants_dir / ".publishing", access.PRIVATE_DIR)
    published = Published()
    stages = Stages()
    published.removed += _remove_legacy(warehouse)
    with stages("operator"):
        published.operator = _publish_operator(build, operator, marts)
    today = today or datetime.now(UTC).date()
    current = {t for t, tenant in registry.items() if not tenant.contract_ended(today)}
    tenant_ids = sorted(current | tenants_with_rows(build, marts))
    chosen = [
        t
        for t in tenant_ids
        if only is None or t in only or not tenant_database(warehouse, t).exists()
    ]
    # Two tenants at a time: one tenant's DuckDB work (which releases the GIL) overlaps another's
    # report; each file is its own, and the reports are drawn one at a time (_REPORTS).
    with ThreadPoolExecutor(max_workers=PUBLISH_THREADS) as pool:
        files = pool.map(
            lambda t: _publish_tenant(
                build, warehouse, staging_dir, marts, t, registry.get(t), rewrite, reports, stages
            ),
            chosen,
        )
        published.tenants.update(zip(chosen, files, strict=True))
    keep = {access.safe_file_stem(t) for t in tenant_ids}
    published.removed += _remove_others(tenants_dir, keep)
    access.fsync_dir(tenants_dir)
    published.stages = dict(stages.seconds)
    return published


def all_tenants(con: duckdb.DuckDBPyConnection, warehouse: str | Path) -> list[str]:
    """Attach every tenant's published file read-only to ``con`` and create temporary views
    ``<mart>`` over all of them, for the operator's cross-tenant questions; the tenant ids."""
    files = sorted((Path(warehouse) / "tenants").glob("*.duckdb"))
    marts: dict[str, list[str]] = {}
    for n, path in enumerate(files):
        alias = f"tenant_{n}"
        con.execute(f"attach {_literal(str(path))} as {alias} (read_only)")
        tables = con.execute(
            "select table_name from duckdb_tables() where database_name = ? order by 1", [alias]
        ).fetchall()
        for (table,) in tables:
            marts.setdefault(table, []).append(f"{alias}.main.{_quote(table)}")
    for table, sources in marts.items():
        if table in SHARED_MARTS:
            sources = sources[:1]
        union = " union all ".join(f"select * from {s}" for s in sources)
        con.execute(f"create or replace temp view {_quote(table)} as {union}")
    return [p.stem for p in files]


def publish_tables(tables: Mapping[str, pa.Table], target: Path) -> dict[str, int]:
    """Write ``tables`` (name → rows) into a new file swapped in over ``target``, readable by the
    publishing account alone (the operator's files: anonymised statistics); rows per table."""

    def write(staging: Path) -> dict[str, int]:
        with duckdb.connect(str(staging)) as con:
            for name, table in tables.items():
                con.register("rows", table)
                con.execute(f"create table main.{_quote(name)} as select * from rows")
                con.unregister("rows")
            con.execute("checkpoint")
        return {name: table.num_rows for name, table in tables.items()}

    folder = access.make_dir(target.parent, access.PRIVATE_DIR)
    counts = _swap_in(target, write, None, folder)
    access.fsync_dir(folder)
    return counts


# --------------------------------------------------------------------------- the build file


def list_marts(build: Path) -> list[Mart]:
    """The mart tables of the build file; whether each has tenant_id and call_uid columns."""
    with duckdb.connect(str(build), read_only=True) as con:
        found = con.execute(
            "select table_name, bool_or(column_name = 'tenant_id'), "
            "  bool_or(column_name = 'call_uid') and bool_or(column_name = 'inputs_updated_at') "
            "from duckdb_columns() "
            "where schema_name = 'main' and database_name = current_database() "
            "group by table_name order by table_name"
        ).fetchall()
    return [
        Mart(name, scoped, keyed) for name, scoped, keyed in found if name.startswith(MART_PREFIXES)
    ]


def tenants_with_rows(build: Path, marts: list[Mart]) -> set[str]:
    scoped = [m for m in marts if m.tenant_scoped]
    if not scoped:
        return set()
    union = " union ".join(f"select distinct tenant_id from main.{_quote(m.name)}" for m in scoped)
    with duckdb.connect(str(build), read_only=True) as con:
        return {r[0] for r in con.execute(union).fetchall() if r[0] is not None}


# --------------------------------------------------------------------------- one tenant


def _publish_tenant(
    build: Path,
    warehouse: Path,
    staging_dir: Path,
    marts: list[Mart],
    tenant_id: str,
    tenant: Tenant | None,
    rewrite: bool,
    reports: bool,
    stages: Stages,
) -> TenantFiles:
    gid = access.group_id(tenant.bi_group if tenant else None)
    database = tenant_database(warehouse, tenant_id)
    kept = [m for m in marts if not m.operator_only]
    how = "rewritten"

    def write(staging: Path) -> dict[str, int]:
        nonlocal how
        if not rewrite and database.exists():
            try:
                with stages("copy"):
                    shutil.copyfile(database, staging)
                    os.chmod(staging, 0o600)
                counts = _update(build, staging, kept, tenant_id, stages)
            except OSError:  # a previous file this account cannot read: write it anew
                counts = None
            if counts is not None:
                how = "updated"
                return counts
            _unlink(staging)
        return _copy(build, staging, kept, tenant_id, stages)

    counts = _swap_in(database, write, gid, staging_dir, stages)
    report = None
    if reports:
        from transforms.kpis.report import write_report

        report = tenant_report(warehouse, tenant_id)
        name = tenant.display_name if tenant else tenant_id
        with _REPORTS, stages("report"):  # matplotlib's global state is not thread-safe
            _swap_in(
                report,
                lambda staging: write_report(database, staging, tenant_id, name),
                gid,
                staging_dir,
            )
    return TenantFiles(database, report, counts, database.stat().st_mode & 0o777, how)


def _copy(
    build: Path,
    staging: Path,
    marts: list[Mart],
    tenant_id: str | None,
    stages: Stages | None = None,
) -> dict[str, int]:
    """The marts of ``build`` (one tenant's rows, or all rows) into the new file ``staging``."""
    stages = stages or Stages()
    counts: dict[str, int] = {}
    with _connect(staging, build) as con:
        with stages("write"):
            for mart in marts:
                counts[mart.name] = _create(con, mart, tenant_id)
            con.execute("detach build")
        with stages("checkpoint"):
            con.execute("checkpoint")
    return counts


def _create(con: duckdb.DuckDBPyConnection, mart: Mart, tenant_id: str | None) -> int:
    source, target = f"build.main.{_quote(mart.name)}", f"main.{_quote(mart.name)}"
    if tenant_id is None or not mart.tenant_scoped:
        con.execute(f"create or replace table {target} as select * from {source}")
    else:
        con.execute(
            f"create or replace table {target} as select * from {source} where tenant_id = ?",
            [tenant_id],
        )
    return con.execute(f"select count(*) from {target}").fetchone()[0]


def _update(
    build: Path, staging: Path, marts: list[Mart], tenant_id: str, stages: Stages
) -> dict | None:
    """Bring ``staging`` (a copy of the tenant's previous file) up to date with ``build``.

    Returns rows per mart, or None when the file must be written anew instead.
    """
    changed = f"(select call_uid from build.main.{CHANGED_CALLS} where tenant_id = ?)"
    try:
        with _connect(staging, build) as con:
            with stages("verify"):
                version = con.execute(
                    "select tags from duckdb_databases() where database_name = current_database()"
                ).fetchone()[0]
                if version.get("storage_version") != f"{PUBLISHED_STORAGE_VERSION}+":
                    return None  # a file of another format: write it anew in the published one
                if not _same_tables(con, marts):
                    return None
                rebuilt, calls = con.execute(
                    f"select (select count(*) from build.main.{CHANGED_CALLS} "
                    "where tenant_id = $1), "
                    "(select count(*) from build.main.fct_calls where tenant_id = $1)",
                    [tenant_id],
                ).fetchone()
            if rebuilt > REWRITE_SHARE * max(calls, 1):
                return None
            counts = {}
            for mart in marts:
                if not mart.call_keyed:
                    with stages("aggregates"):
                        counts[mart.name] = _create(con, mart, tenant_id)
                    continue
                target = f"main.{_quote(mart.name)}"
                with stages("patch"):
                    con.execute(f"delete from {target} where call_uid in {changed}", [tenant_id])
                    con.execute(
                        f"insert into {target} select * from build.main.{_quote(mart.name)} "
                        f"where tenant_id = ? and call_uid in {changed}",
                        [tenant_id, tenant_id],
                    )
                with stages("verify"):
                    if not _same_calls(con, mart, tenant_id):
                        return None  # e.g. a call left the build (erased): rewrite, leave no bytes
                    counts[mart.name] = con.execute(f"select count(*) from {target}").fetchone()[0]
            con.execute("detach build")
            with stages("checkpoint"):
                con.execute("checkpoint")
    except duckdb.Error:
        return None  # a previous file DuckDB cannot update: write it anew
    return counts


def _same_tables(con: duckdb.DuckDBPyConnection, marts: list[Mart]) -> bool:
    """The previous file has the build's marts, each with the same columns and types."""
    columns = (
        "select table_name, list(column_name || ' ' || data_type order by column_index) "
        "from duckdb_columns() where database_name = ? and schema_name = 'main' group by 1"
    )
    ours = dict(con.execute(columns, ["build"]).fetchall())
    theirs = dict(
        con.execute(columns, [con.execute("select current_database()").fetchone()[0]]).fetchall()
    )
    return all(m.name in theirs and theirs[m.name] == ours.get(m.name) for m in marts) and set(
        theirs
    ) == {m.name for m in marts}


def _same_calls(con: duckdb.DuckDBPyConnection, mart: Mart, tenant_id: str) -> bool:
    """Same rows, and every call with the same inputs_updated_at, in the file and the build."""
    check = "select count(*), sum(hash(call_uid, inputs_updated_at)) from {} where tenant_id = ?"
    name = _quote(mart.name)
    ours = con.execute(check.format(f"build.main.{name}"), [tenant_id]).fetchone()
    theirs = con.execute(check.format(f"main.{name}"), [tenant_id]).fetchone()
    return ours == theirs


# --------------------------------------------------------------------------- files


def _publish_operator(build: Path, operator: Path, marts: list[Mart]) -> Path | None:
    """The operator-only marts (no tenant_id), if any; the file is removed when there are none."""
    only = [m for m in marts if m.operator_only]
    folder = access.make_dir(operator.parent, access.PRIVATE_DIR)
    if not only:
        for leftover in (operator, Path(f"{operator}.wal")):
            leftover.unlink(missing_ok=True)
        return None
    _swap_in(operator, lambda staging: _copy(build, staging, only, None), None, folder)
    access.fsync_dir(folder)
    return operator


def _connect(staging: Path, build: Path) -> duckdb.DuckDBPyConnection:
    config = {
        "memory_limit": PUBLISH_MEMORY_LIMIT,
        "storage_compatibility_version": PUBLISHED_STORAGE_VERSION,
    }
    con = duckdb.connect(str(staging), config=config)
    con.execute(f"attach {_literal(str(build))} as build (read_only)")
    return con


def _swap_in(
    target: Path,
    write: Callable[[Path], object],
    gid: int | None,
    staging_dir: Path,
    stages: Stages | None = None,
):
    """Write a new file with ``write(staging)``, make it read-only, rename it over ``target``.

    The staging file has a name of its own in a private folder: two publishes at once each build
    their own copy and the last rename wins, and no reader ever sees a half-built file.
    """
    staging = staging_dir / f".{target.name}.{uuid.uuid4().hex[:12]}"
    try:
        result = write(staging)
        with stages("swap") if stages else contextlib.nullcontext():
            access.share_read_only(staging, gid)
            os.replace(staging, target)
    finally:
        _unlink(staging)
    return result


def _unlink(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


def _remove_others(tenants_dir: Path, keep: set[str]) -> list[Path]:
    """Published files of tenants no longer published (their data was erased)."""
    removed = []
    for path in tenants_dir.iterdir():
        if path.is_file() and path.suffix in (".duckdb", ".html") and path.stem not in keep:
            path.unlink()
            removed.append(path)
    return removed


def _remove_legacy(warehouse: Path) -> list[Path]:
    """The all-tenant file and the build folder earlier versions kept where BI reads."""
    removed = []
    for name in LEGACY_FILES:
        if (warehouse / name).exists():
            (warehouse / name).unlink()
            removed.append(warehouse / name)
    for name in LEGACY_DIRS:
        if (warehouse / name).is_dir():
            shutil.rmtree(warehouse / name)
            removed.append(warehouse / name)
    return removed


# --------------------------------------------------------------------------- the dbt build


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


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"

"""Publishing the KPIs for BI: one read-only DuckDB file per tenant and its report, each made
from the dbt build file away from where BI reads and swapped in atomically.

DuckDB allows one writer or many readers, and has no row-level security: whoever opens a file
reads all of it. dbt writes its own build file (``$CCR_HOME/build/``, never in the folder BI
reads); ``publish_kpis`` then makes, for every tenant, a file holding only that tenant's rows of
every mart (``$CCR_WAREHOUSE/tenants/<tenant>.duckdb``) and its HTML report beside it, each
finished elsewhere and renamed over the previous one. On POSIX a rename is atomic: a BI reader
sees the old file or the new one, never half of one, and a connection opened before keeps
reading the old one until it reconnects. Who may open which file: ``transforms.kpis.access``.

Which mart goes where:

- a mart with a ``tenant_id`` column: each tenant's file gets its rows;
- a mart in ``SHARED_MARTS`` (a fixed calendar): every tenant's file, whole; it holds no tenant's
  data by construction;
- any other mart (none today): the operator's file (``$CCR_HOME/operator/kpis_operator.duckdb``,
  folder ``0700``), never a tenant's. The operator reads every tenant at once by attaching the
  tenant files (``all_tenants``), not from a copy. The anonymised statistics are not a mart and
  this module does not publish them: where they live is in docs/retention.md ("Anonymised
  statistics").

A daily build changes few calls, and copying a tenant's file (hundreds of MB at a million calls)
to patch the copy cost more than the patch. So each tenant has two files in the private
``tenants/.publishing/`` folder (``<tenant>.a.duckdb``, ``<tenant>.b.duckdb``): the published name
is a hard link to one of them, the one BI readers may have open, which is never written again. The
next publish brings the *other* one up to date in place (it reflects the build before the last
one: the rows of the calls rebuilt since, from the build's ``int_calls__changed_log``, are
replaced, the other marts replaced whole, in one transaction, then checked against the build:
rows and a hash of every call's ``inputs_updated_at`` per call-keyed mart), and renames a hard
link to it over the published name. It is changed in place only when no one has it open:
DuckDB locks a file for as long as a connection has it (a reader that opened it while it was
published still holds it), and the publish checks with an open file description lock.

Anything else writes the other file from scratch into a new file renamed over it (a reader of
the old one keeps it): no build log, a build of another generation (a new build file: the dbt
code may have changed every row), a file too far behind, more than ``REWRITE_SHARE`` of the calls
changed, more than ``DEAD_SHARE`` of its rows deleted ones DuckDB keeps, a mart's columns
changed, a check that fails (a call that left the build), a reader holding it, ``rewrite=True``
(after an erasure: a DuckDB file keeps the bytes of deleted rows, so erased calls must never be
removed in place). After such a rewrite the first file is replaced by a copy of the new one,
so that the next publish can update it in place, and so that no file still holds erased rows.
``<tenant>.slots.json`` records which build each file reflects; a file being changed is recorded
as none until it is done, so a crash at any point leaves the published file as it was and the
next publish writes the unfinished one anew.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import struct
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from transforms.core.settings import Settings
from transforms.core.tenants import Tenant, load_tenants
from transforms.kpis import access

MART_PREFIXES = ("fct_", "dim_", "agg_")
#: Marts without a tenant_id that hold no tenant's data (so every tenant's file gets them).
SHARED_MARTS = ("dim_dates",)
#: The build's log of the calls each build rebuilt (an update in place replaces their rows).
CHANGED_LOG = "int_calls__changed_log"
#: The two files a tenant's database alternates between, in the private ``.publishing/`` folder:
#: one is hard-linked to ``tenants/<tenant>.duckdb`` (what BI opens), the other is brought up to
#: date in place by the next publish and then linked in its turn.
SLOTS = ("a", "b")
#: The private folder beside the published files: the tenants' two files, staging files.
STAGING_FOLDER = ".publishing"
#: Above this share of a file's call-keyed rows deleted (an update deletes the replaced rows and
#: DuckDB keeps their space), the file is written anew: it would grow and slow down BI's scans.
DEAD_SHARE = 0.2
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
    today: date,
    rewrite: bool = False,
    reports: bool = True,
    only: Collection[str] | None = None,
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
    today: date,
    rewrite: bool = False,
    reports: bool = True,
    only: Collection[str] | None = None,
) -> Published:
    """Publish ``build``'s marts into ``warehouse/tenants`` (and operator-only marts into
    ``operator``). Tenants: those of the registry under contract on ``today`` (the step's
    ``ctx.today()``) and those with rows; the files of any other tenant are removed (its data was
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
    staging_dir = access.make_dir(tenants_dir / STAGING_FOLDER, access.PRIVATE_DIR)
    published = Published()
    stages = Stages()
    published.removed += _remove_legacy(warehouse)
    log = read_build_log(build)
    with stages("operator"):
        published.operator = _publish_operator(build, operator, marts)
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
                build,
                warehouse,
                staging_dir,
                marts,
                t,
                registry.get(t),
                rewrite,
                reports,
                stages,
                log,
            ),
            chosen,
        )
        published.tenants.update(zip(chosen, files, strict=True))
    keep = {access.safe_file_stem(t) for t in tenant_ids}
    published.removed += _remove_others(tenants_dir, staging_dir, keep)
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
    log: BuildLog | None,
) -> TenantFiles:
    gid = access.group_id(tenant.bi_group if tenant else None)
    database = tenant_database(warehouse, tenant_id)
    kept = [m for m in marts if not m.operator_only]
    slots = Slots(staging_dir, access.safe_file_stem(tenant_id))
    with slots.locked():
        state = slots.read_state()
        live = slots.published(database)
        target = SLOTS[1] if live == SLOTS[0] else SLOTS[0]
        other = SLOTS[0] if target == SLOTS[1] else SLOTS[1]
        path = slots.path(target)
        counts = None
        base = state.get(target)
        if not rewrite and log is not None and _can_update(base, log) and path.exists():
            state[target] = None  # changing in place: not a base for the next publish until done
            slots.write_state(state)
            counts = _update_in_place(build, path, kept, tenant_id, base["seq"], stages)
        how = "updated" if counts is not None else "rewritten"
        if counts is None:
            counts = _write_anew(build, path, kept, tenant_id, staging_dir, stages)
        mark = {"generation": log.generation, "seq": log.seq} if log is not None else None
        with stages("swap"):
            access.share_read_only(path, gid)
            _link_over(path, database, staging_dir)
        state[target] = mark
        if how == "rewritten":
            # the other file may hold rows the build no longer has (erased calls), or be of
            # another generation: it becomes a copy of this one, which the next publish updates
            with stages("copy"):
                state[other] = _copy_slot(path, slots.path(other), staging_dir, mark)
        slots.write_state(state)
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


def _write_anew(
    build: Path, path: Path, marts: list[Mart], tenant_id: str, staging_dir: Path, stages: Stages
) -> dict[str, int]:
    """The tenant's marts into a new file renamed over ``path``: a reader of the file that was
    there keeps it."""
    staging = staging_dir / f".{path.name}.{uuid.uuid4().hex[:12]}"
    try:
        counts = _copy(build, staging, marts, tenant_id, stages)
        os.replace(staging, path)
        Path(f"{path}.wal").unlink(missing_ok=True)  # the replaced file's, never this one's
    finally:
        _unlink(staging)
    return counts


def _update_in_place(
    build: Path, path: Path, marts: list[Mart], tenant_id: str, since: int, stages: Stages
) -> dict[str, int] | None:
    """Bring the tenant's file ``path`` (of build ``since`` of the build's generation) up to date
    with ``build`` in place: the rows of the calls rebuilt by the builds after ``since``
    replaced, the other marts replaced whole, all in one transaction, then checked against the
    build.

    Returns rows per mart, or None when the file must be written anew instead: someone has it
    open, another format, other tables, too many calls changed, too many deleted rows kept, a
    check that fails (e.g. a call that left the build: rewrite, leave no bytes).
    """
    changed = "(select call_uid from _changed_calls)"
    try:
        os.chmod(path, 0o600)
        if not _unread(path):
            return None  # a reader that opened it before it was replaced still has it open
        with _connect(path, build) as con:
            with stages("verify"):
                version = con.execute(
                    "select tags from duckdb_databases() where database_name = current_database()"
                ).fetchone()[0]
                if version.get("storage_version") != f"{PUBLISHED_STORAGE_VERSION}+":
                    return None  # a file of another format: write it anew in the published one
                if not _same_tables(con, marts) or _dead_share(con, marts) > DEAD_SHARE:
                    return None
                con.execute(
                    f"create temp table _changed_calls as select distinct call_uid "
                    f"from build.main.{CHANGED_LOG} where tenant_id = ? and build_seq > ?",
                    [tenant_id, since],
                )
                rebuilt, calls = con.execute(
                    "select (select count(*) from _changed_calls), "
                    "(select count(*) from build.main.fct_calls where tenant_id = ?)",
                    [tenant_id],
                ).fetchone()
            if rebuilt > REWRITE_SHARE * max(calls, 1):
                return None
            counts = {}
            con.execute("begin transaction")
            for mart in marts:
                if not mart.call_keyed:
                    with stages("aggregates"):
                        counts[mart.name] = _create(con, mart, tenant_id)
                    continue
                target = f"main.{_quote(mart.name)}"
                with stages("patch"):
                    con.execute(f"delete from {target} where call_uid in {changed}")
                    con.execute(
                        f"insert into {target} select * from build.main.{_quote(mart.name)} "
                        f"where tenant_id = ? and call_uid in {changed}",
                        [tenant_id],
                    )
                with stages("verify"):
                    if not _same_calls(con, mart, tenant_id):
                        con.execute("rollback")
                        return None
                    counts[mart.name] = con.execute(f"select count(*) from {target}").fetchone()[0]
            con.execute("commit")
            con.execute("detach build")
            with stages("checkpoint"):
                con.execute("checkpoint")
    except (OSError, duckdb.Error):
        return None  # a file DuckDB cannot update (or this account cannot open): write it anew
    if Path(f"{path}.wal").exists():
        return None  # not everything reached the file itself: never link a file with a WAL
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


def _dead_share(con: duckdb.DuckDBPyConnection, marts: list[Mart]) -> float:
    """The share of the call-keyed marts' rows that are deleted rows DuckDB still keeps."""
    keyed = [m for m in marts if m.call_keyed]
    if not keyed:
        return 0.0
    stored = dict(
        con.execute(
            "select table_name, estimated_size from duckdb_tables() "
            "where database_name = current_database() and schema_name = 'main'"
        ).fetchall()
    )
    live = sum(
        con.execute(f"select count(*) from main.{_quote(m.name)}").fetchone()[0] for m in keyed
    )
    kept = sum(stored.get(m.name, 0) for m in keyed)
    return 0.0 if kept <= live else (kept - live) / kept


# --------------------------------------------------------------------------- the two files


@dataclass(frozen=True)
class BuildLog:
    """Where the build file stands (its int_calls__changed_log): a file of build ``seq`` of the
    same generation, no older than ``oldest - 1``, can be brought up to date in place."""

    generation: str
    seq: int
    oldest: int


def read_build_log(build: Path) -> BuildLog | None:
    """The build's log of rebuilt calls; None when the build has none (files written anew)."""
    with duckdb.connect(str(build), read_only=True) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'main' "
            "and database_name = current_database() and table_name = ?",
            [CHANGED_LOG],
        ).fetchone()[0]
        if not found:
            return None
        row = con.execute(
            f"select max(build_seq), min(build_seq), count(distinct build_generation), "
            f"any_value(build_generation) from main.{CHANGED_LOG}"
        ).fetchone()
    seq, oldest, generations, generation = row
    if seq is None or generations != 1:
        return None
    return BuildLog(generation=generation, seq=seq, oldest=oldest)


def _can_update(base: Mapping | None, log: BuildLog) -> bool:
    """A file of ``base`` (its generation and build) can be brought up to date from ``log``."""
    return (
        base is not None
        and base.get("generation") == log.generation
        and log.oldest - 1 <= base.get("seq", -1) <= log.seq
    )


class Slots:
    """A tenant's two files in the private folder, the record of which build each reflects
    (``<tenant>.slots.json``), and the lock that makes one publish at a time handle them."""

    SUFFIXES = (
        tuple(f".{slot}.duckdb" for slot in SLOTS)
        + tuple(f".{slot}.duckdb.wal" for slot in SLOTS)
        + (".slots.json", ".lock")
    )

    def __init__(self, folder: Path, stem: str) -> None:
        self.folder = folder
        self.stem = stem

    @classmethod
    def stem_of(cls, name: str) -> str | None:
        """The tenant stem of one of these files' names, or None for any other file."""
        for suffix in cls.SUFFIXES:
            if name.endswith(suffix) and not name.startswith("."):
                return name[: -len(suffix)]
        return None

    def path(self, slot: str) -> Path:
        return self.folder / f"{self.stem}.{slot}.duckdb"

    def published(self, database: Path) -> str | None:
        """The slot ``database`` is a link to, if any."""
        try:
            seen = database.stat()
        except FileNotFoundError:
            return None
        for slot in SLOTS:
            try:
                mine = self.path(slot).stat()
            except FileNotFoundError:
                continue
            if (mine.st_ino, mine.st_dev) == (seen.st_ino, seen.st_dev):
                return slot
        return None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One publish at a time changes this tenant's files (another waits)."""
        fd = os.open(self.folder / f"{self.stem}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def read_state(self) -> dict[str, dict | None]:
        try:
            state = json.loads((self.folder / f"{self.stem}.slots.json").read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return {slot: state.get(slot) for slot in SLOTS}

    def write_state(self, state: Mapping[str, dict | None]) -> None:
        """Atomically, and durably: a crash never leaves a record naming a half-changed file."""
        target = self.folder / f"{self.stem}.slots.json"
        staging = self.folder / f".{target.name}.{uuid.uuid4().hex[:12]}"
        try:
            with open(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                json.dump({slot: state.get(slot) for slot in SLOTS}, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)
        access.fsync_dir(self.folder)


def _unread(path: Path) -> bool:
    """No one has ``path`` open through DuckDB: DuckDB locks a database file for as long as a
    connection has it open (shared for readers, exclusive for a writer), and an open file
    description lock conflicts with those of this process too. False where such locks do not
    exist: the file is then written anew, never changed in place."""
    if not hasattr(fcntl, "F_OFD_SETLK"):
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        # struct flock: a write lock over the whole file, l_pid 0 as OFD locks require
        lock = struct.pack("hhqqii", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0, 0)
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, lock)
    except OSError:
        return False
    finally:
        os.close(fd)  # releases the probe's lock before DuckDB takes its own
    return True


def _link_over(path: Path, database: Path, staging_dir: Path) -> None:
    """Make ``database`` (what BI opens) name the file ``path``: a hard link renamed over it,
    so a reader sees the old file or the new one, and keeps the one it opened."""
    link = staging_dir / f".{database.name}.{uuid.uuid4().hex[:12]}.link"
    try:
        os.link(path, link)
        os.replace(link, database)
    finally:
        link.unlink(missing_ok=True)


def _copy_slot(path: Path, other: Path, staging_dir: Path, mark: dict | None) -> dict | None:
    """``other`` becomes a new file with ``path``'s bytes (its record: ``mark``); without a
    build log it could never be updated, so it is removed instead."""
    if mark is None:
        _unlink(other)
        return None
    staging = staging_dir / f".{other.name}.{uuid.uuid4().hex[:12]}"
    try:
        shutil.copyfile(path, staging)
        os.chmod(staging, 0o600)
        os.replace(staging, other)
        Path(f"{other}.wal").unlink(missing_ok=True)
    finally:
        _unlink(staging)
    return dict(mark)


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
        # FSST's analysis cost a fifth of writing a tenant's verdicts and it won no space on
        # them (ids, codes, labels: dictionaries): not tried
        "disabled_compression_methods": "fsst",
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


def _remove_others(tenants_dir: Path, staging_dir: Path, keep: set[str]) -> list[Path]:
    """Published files of tenants no longer published (their data was erased); their files in
    the private folder go too."""
    removed = []
    for path in tenants_dir.iterdir():
        if path.is_file() and path.suffix in (".duckdb", ".html") and path.stem not in keep:
            path.unlink()
            removed.append(path)
    for path in staging_dir.iterdir():  # private: not reported
        stem = Slots.stem_of(path.name)
        if stem is not None and stem not in keep:
            path.unlink(missing_ok=True)
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

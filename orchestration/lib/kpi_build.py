"""The steps of a KPI build that the dbt assets and erasure share: where dbt writes its artifacts,
preparing the build file, and a whole rebuild with publication.

The build file and dbt's target folders (one per build, the newest ``KEEP_BUILD_FOLDERS`` kept)
live under ``$CCR_HOME/build/``, never where BI reads: they hold every tenant's marts, compiled
SQL, run results and logs of the data they were built from, so they live with it and every
erasure clears them. The repository's ``dbt_project/target/`` keeps only what ``dbt parse``
writes (the manifest the definitions load).
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as finished
from pathlib import Path
from typing import Any

import pyarrow as pa
from dagster_dbt import DbtCliResource

from orchestration.defs.kpis.resources import DBT_PROJECT_DIR
from transforms.core.context import StepContext
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import ALL_TABLES
from transforms.kpis import build_file, publish, step
from transforms.kpis.publish import Published

#: dbt's parse of the project, reused when nothing it depends on changed (dbt checks).
PARSE_STATE = build_file.PARSE_STATE


def target_folder(settings: Settings, label: str) -> Path:
    """A new target (and log) folder for one dbt invocation, seeded with the last build's parse.

    dagster-dbt seeds it with the repository's parse otherwise, which ``dbt parse`` made
    without this build file's path in the profile: dbt then parses the whole project again
    (2-3 s of a daily incremental build).
    """
    folder = Path(settings.dbt_target_dir) / f"{label}-{uuid.uuid4().hex[:7]}"
    folder.mkdir(parents=True)
    last = Path(settings.dbt_target_dir) / PARSE_STATE
    if last.exists():
        shutil.copyfile(last, folder / PARSE_STATE)
    return folder


def prepare_build(settings: Settings, lh: Lakehouse, full: bool) -> bool:
    """Every source table present (possibly empty: no review landed yet is not an error). The
    build file is kept between runs (incremental facts) unless ``full`` or the dbt code changed;
    True when the coming build starts from an empty file. dbt is told where the lakehouse and the
    build file are by its ``--vars`` (``dbt_args``)."""
    from_scratch = build_file.prepare_build_file(
        settings.kpi_build_database, DBT_PROJECT_DIR, full_refresh=full
    )
    for spec in ALL_TABLES:
        lh.ensure(spec)
    return from_scratch


def dbt_args(settings: Settings, *command: str) -> list[str]:
    """A dbt command line for a KPI build of ``settings``."""
    return [*command, *build_file.vars_args(settings)]


def finish_build(settings: Settings, label: str, target: Path) -> None:
    """After a successful build: record the code it reflects, keep its parse for the next
    build, drop old target folders."""
    build_file.record_build(settings.kpi_build_database, DBT_PROJECT_DIR)
    parsed = target / PARSE_STATE
    if parsed.exists():
        kept = Path(settings.dbt_target_dir) / PARSE_STATE
        shutil.copyfile(parsed, f"{kept}.new")
        os.replace(f"{kept}.new", kept)
    publish.prune_build_folders(Path(settings.dbt_target_dir), label)


#: The rebuild's ``dbt run`` logs to its file at info, not debug (as a KPI build does,
#: ``build_file.BUILD_ARGS``), and writes no manifest.json or run_results.json (nothing reads
#: them after an erasure; writing them cost about 1 s of it). dbt's parse is still kept.
REBUILD_ARGS = ("--log-level-file", "info", "--no-write-json")
#: What an incremental rebuild after an erasure runs: the models that read the lakehouse,
#: directly or through other models. A model that does not (a fixed calendar) holds no row of
#: any call and is copied as it is by ``build_file.compact``.
ERASURE_SELECTION = ("--select", "source:lakehouse+")


class DbtRunFailed(RuntimeError):
    """dbt ran but did not succeed (a model failed), or could not start."""


#: One dbt invocation at a time in a process: dbt keeps its flags, adapter and event logger
#: in module state.
_IN_PROCESS = threading.Lock()


def run_in_process(dbt: DbtCliResource, args: Sequence[str], target: Path) -> None:
    """``dbt <args>`` in this process (dbt's ``dbtRunner``), its artifacts and log in
    ``target``; the project and profiles of ``dbt``. Raises ``DbtRunFailed`` unless it
    succeeded.

    What an erasure waits for: started as a subprocess through ``dbt.cli`` the same run cost
    several times more (issue 23, docs/benchmarks.md: dagster-dbt runs ``dbt --version`` and
    loads dbt's macros in the parent first, then a new interpreter imports dbt and, with the
    parse cleared by the erasure, parsed the whole project). The KPI build assets keep ``dbt.cli``:
    Dagster turns its event stream into materializations. dbt's console lines go to
    ``sys.stdout`` as it is when called (a ``contextlib.redirect_stdout`` reaches them). The
    build file is closed when dbt returns (dbt-duckdb closes its database with the last
    connection): the caller may replace it.
    """
    from dbt.cli.main import dbtRunner

    project = os.fspath(dbt.project_dir)
    profiles = os.fspath(dbt.profiles_dir or dbt.project_dir)
    line = [
        *args,
        "--project-dir",
        project,
        "--profiles-dir",
        profiles,
        "--target-path",
        os.fspath(target),
        "--log-path",
        os.fspath(target),
        "--no-send-anonymous-usage-stats",
    ]
    with _IN_PROCESS:
        result = dbtRunner().invoke(line)
        _close_duckdb()
    if not result.success:
        failed = _failed_nodes(result.result)
        detail = f": {', '.join(failed)} failed" if failed else ""
        raise DbtRunFailed(f"dbt {args[0]} did not succeed{detail}") from result.exception


def _failed_nodes(results: Any) -> list[str]:
    """The names of the nodes that did not succeed (never their messages: they hold SQL)."""
    names = []
    for node in getattr(results, "results", None) or ():
        if str(getattr(node, "status", "")).lower() in ("error", "fail", "runtime error"):
            names.append(getattr(getattr(node, "node", None), "name", "?"))
    return names


def _close_duckdb() -> None:
    """dbt-duckdb's process-wide database, closed if a connection left it open (it closes it
    itself with the last one)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()


def rebuild_warehouse(
    dbt: DbtCliResource,
    ctx: StepContext,
    tenants: Collection[str] | None = None,
    calls: pa.Table | None = None,
) -> Published:
    """The models (``dbt run``, ``rebuild_models``) into a new build file, then the published
    files of ``tenants`` (None: every tenant) written anew: after an erasure no DuckDB file
    still holds the erased rows' bytes. Other tenants' files stay as they are: they hold none
    of them, and a one-caller erasure then rewrites one tenant's file and report, not all of
    them."""
    published: list[Published] = []
    rebuild_models(
        dbt, ctx, calls, then=lambda: published.append(step.run(ctx, rewrite=True, only=tenants))
    )
    return published[0]


def rebuild_models(
    dbt: DbtCliResource,
    ctx: StepContext,
    calls: pa.Table | None = None,
    then: Callable[[], object] | None = None,
) -> bool:
    """The marts rebuilt after an erasure, into a build file written anew; True when the run
    was incremental.

    With ``calls`` (``tenant_id``, ``call_uid``, ``call_date``, ``erased``: every call whose
    dbt inputs the erasure deleted or nulled) and a build file of the current dbt code, the run
    is incremental: the erased calls' rows leave the build file, dbt rebuilds the kept calls
    among them and every day they started on (as a daily build rebuilds changed calls), and the
    build file is then written anew without the deleted rows' bytes
    (``build_file.mark_erasure``, ``build_file.compact``); only the models downstream of the
    lakehouse run (``ERASURE_SELECTION``). Otherwise every mart is rebuilt from the lakehouse
    into a new file (full refresh). dbt runs in this process (``run_in_process``).

    Models only, no tests: the files must be replaced whatever a data test would say (keeping the
    old ones would keep the erased rows), the SQL is the last tested build's, and the next KPI
    build runs every test.

    ``then`` (the publish) runs once dbt is done, reading the build file: after an incremental
    run, while the build file is written anew beside it (the same rows; ~0.9 s at 50,000 calls,
    in DuckDB, which releases the GIL), the new one swapped in once both are done.
    """
    settings = ctx.settings
    build = settings.kpi_build_database
    incremental = calls is not None and build_file.code_unchanged(build, DBT_PROJECT_DIR)
    if calls is not None and incremental:
        for spec in ALL_TABLES:
            ctx.lakehouse.ensure(spec)
        build_file.mark_erasure(build, calls)
    else:
        prepare_build(settings, ctx.lakehouse, full=True)
    target = target_folder(settings, "rebuild")
    selection = ERASURE_SELECTION if calls is not None and incremental else ()
    run_in_process(dbt, dbt_args(settings, "run", *REBUILD_ARGS, *selection), target)
    if calls is not None and incremental:
        with ThreadPoolExecutor(max_workers=1) as pool:
            publishing = pool.submit(then) if then is not None else None
            build_file.compact(
                build, calls, before_swap=lambda: publishing and finished([publishing])
            )
        if publishing is not None:
            publishing.result()  # its error, once the compacted file is in place
    elif then is not None:
        then()
    finish_build(settings, "rebuild", target)
    return incremental

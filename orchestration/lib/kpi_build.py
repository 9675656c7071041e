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
import uuid
from collections.abc import Collection
from pathlib import Path

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
PARSE_STATE = "partial_parse.msgpack"


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
    rebuild_models(dbt, ctx, calls)
    return step.run(ctx, rewrite=True, only=tenants)


def rebuild_models(dbt: DbtCliResource, ctx: StepContext, calls: pa.Table | None = None) -> bool:
    """The marts rebuilt after an erasure, into a build file written anew; True when the run
    was incremental.

    With ``calls`` (``tenant_id``, ``call_uid``, ``call_date``, ``erased``: every call whose
    dbt inputs the erasure deleted or nulled) and a build file of the current dbt code, the run
    is incremental: the erased calls' rows leave the build file, dbt rebuilds the kept calls
    among them and every day they started on (as a daily build rebuilds changed calls), and the
    build file is then written anew without the deleted rows' bytes
    (``build_file.mark_erasure``, ``build_file.compact``). Otherwise every mart is rebuilt from
    the lakehouse into a new file (full refresh).

    Models only, no tests: the files must be replaced whatever a data test would say (keeping the
    old ones would keep the erased rows), the SQL is the last tested build's, and the next KPI
    build runs every test.
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
    dbt.cli(dbt_args(settings, "run"), target_path=target).wait()
    if calls is not None and incremental:
        build_file.compact(build, calls)
    finish_build(settings, "rebuild", target)
    return incremental

"""The steps of a KPI build that the dbt assets and erasure share: where dbt writes its artifacts,
preparing the build file, and a whole rebuild with publication.

dbt's target and log folders go under ``$CCR_HOME/dbt/`` (one per build, the newest
``KEEP_BUILD_FOLDERS`` kept): they hold compiled SQL, run results and logs of the data they were
built from, so they live with it and every erasure clears them. The repository's
``dbt_project/target/`` keeps only what ``dbt parse`` writes (the manifest the definitions load).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from dagster_dbt import DbtCliResource

from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import ALL_TABLES
from transforms.kpis import publish


def target_folder(settings: Settings, label: str) -> Path:
    """A new target (and log) folder for one dbt invocation."""
    return Path(settings.dbt_artifacts) / "target" / f"{label}-{uuid.uuid4().hex[:7]}"


def prepare_build(settings: Settings, lh: Lakehouse, full: bool) -> str:
    """The build file dbt writes (emptied for a full build) with every source table present,
    possibly empty (no review landed yet is not an error); the path."""
    build = publish.build_path(settings.kpi_database)
    if full:
        publish.reset_build_file(build)
    for spec in ALL_TABLES:
        lh.ensure(spec)
    os.environ["CCR_LAKEHOUSE"] = settings.lakehouse
    os.environ["CCR_DBT_DUCKDB_PATH"] = build
    return build


def prune_targets(settings: Settings, label: str) -> None:
    publish.prune_build_folders(Path(settings.dbt_artifacts) / "target", label)


def rebuild_warehouse(dbt: DbtCliResource, settings: Settings) -> dict[str, int]:
    """The models (``dbt run``) into a new build file, then the marts into a new published file:
    after an erasure no DuckDB file still holds the erased rows' bytes. Rows per mart.

    Models only, no tests: the file must be replaced whatever a data test would say (keeping the
    old one would keep the erased rows), the SQL is the last tested build's, and the next KPI
    build runs every test. At 1M segments that is 13 s instead of 21 s (measured).
    """
    build = prepare_build(settings, Lakehouse(settings.lakehouse), full=True)
    dbt.cli(["run"], target_path=target_folder(settings, "rebuild")).wait()
    prune_targets(settings, "rebuild")
    return publish.publish_marts(build, settings.kpi_database)

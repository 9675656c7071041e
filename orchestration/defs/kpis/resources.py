"""The dbt project and the dbt CLI resource of the KPI domain, built on first use (nothing runs
at import)."""

import sys
from functools import cache
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from transforms.core.settings import REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@cache
def kpi_dbt_project() -> DbtProject:
    """The dbt project; in ``dagster dev`` its manifest is re-parsed when the code reloads."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    return project


def dbt_cli() -> DbtCliResource:
    # The dbt of this interpreter's environment, whether or not the venv is on PATH (cron, `ccr`).
    return DbtCliResource(
        project_dir=kpi_dbt_project(), dbt_executable=str(Path(sys.executable).parent / "dbt")
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(resources={"dbt": dbt_cli()})

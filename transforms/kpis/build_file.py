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
from pathlib import Path

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

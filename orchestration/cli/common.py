"""What several commands share: the Dagster instance, the run log, running a job in process."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import dagster as dg

from orchestration.lib.resources import settings_run_config
from transforms.core.settings import REPO_ROOT, Settings

SAMPLE_LANDING = REPO_ROOT / "samples" / "landing"
#: The date ``ccr demo`` decides for: the day after the sample calls' month (November 2026), so
#: the demo shows the same lakehouse and KPIs whatever the machine's clock says (retention keeps
#: content 180 days: on the real date a year on, the daily job would rightly delete it).
SAMPLES_AS_OF = date(2026, 12, 1)


def prepare_dagster_home(settings: Settings) -> Path:
    """``DAGSTER_HOME`` (default ``$CCR_HOME/dagster``) with the project's instance settings, so
    `make dev` shows the runs `ccr` made."""
    home = Path(settings.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    return home


def instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance `ccr` and `make dev` share."""
    return dg.DagsterInstance.from_config(str(prepare_dagster_home(settings)))


def run_log(settings: Settings) -> Path:
    """Where ``ccr`` puts what the runs print (dbt's progress lines): the terminal gets one line
    per stage; the full event logs stay in the Dagster instance (`make dev`)."""
    path = Path(settings.logs_dir) / "ccr-last-run.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def run_config(ops: dict[str, dict] | None = None, **settings_overrides: str) -> dict[str, Any]:
    """A run's config: the settings resource from this process's environment (with
    ``settings_overrides`` for this run), the terminal getting Dagster's warnings and errors
    only, and ``ops`` (op name -> its config)."""
    config: dict[str, Any] = {
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
        "resources": settings_run_config(os.environ, **settings_overrides),
    }
    if ops:
        config["ops"] = {name: {"config": c} for name, c in ops.items()}
    return config


def execute(job: Any, label: str, log: TextIO, config: dict[str, Any], **kwargs: Any) -> Any:
    """Run ``job`` in process, its printed output into ``log``; one progress line here."""
    print(f"{label} ...", end=" ", flush=True)
    started = time.perf_counter()
    print(f"== {label}", file=log, flush=True)
    with contextlib.redirect_stdout(log):
        result = job.execute_in_process(run_config=config, raise_on_error=False, **kwargs)
    log.flush()
    outcome = "ok" if result.success else "FAILED"
    print(f"{outcome} in {time.perf_counter() - started:.0f} s", flush=True)
    return result

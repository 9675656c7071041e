"""The edge where a process's environment becomes settings, and where its files become private.

``ccr``, the code location (``defs/resources.py`` binds each set variable as a ``dg.EnvVar``),
the processes that orchestrate batch runs (``workers.py``) and the Celery workers read their
environment here and nowhere else; everything below them is given a ``Settings``. Each of them
also refuses, before it starts, settings that send data where the deployment file does not say,
or outside the EEA without a safeguard (``transforms.core.deployment``).

Each of those processes also starts closed (``close_process``: umask 077), so whatever the
product writes (Parquet, recordings, the Dagster instance, the ledger, exports, landing copies)
is its account's alone; the dbt subprocess and every child process inherit it. The published
warehouse is opened to each tenant's BI group explicitly (``transforms/kpis/access.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from transforms.core import kept_files, object_store
from transforms.core.deployment import require_lawful_locations
from transforms.core.settings import Settings
from transforms.kpis.access import CLOSED_MARKER, close_home

#: New folders 0700, new files 0600: nothing the product writes is readable by another account.
PRIVATE_UMASK = 0o077


def close_process() -> None:
    """From now on this process (and every process it starts) creates private files."""
    os.umask(PRIVATE_UMASK)


def process_settings() -> Settings:
    """This process's settings, its object store and the files it derives once per machine
    (``transforms.core.kept_files``: large regular expressions' programs, name lists) configured
    from them; the process closed.
    (Its deletion roots are configured where work starts, not at import: ``ccr``'s main and each
    run's resource.)"""
    close_process()
    settings = Settings.from_env(os.environ)
    require_lawful_locations(settings)  # a DeploymentError is a SettingsError: ccr prints it
    object_store.configure(settings.object_store)
    kept_files.keep_under(settings.model_cache)
    return settings


def prepare_home(settings: Settings, force: bool = False, create: bool = True) -> int | None:
    """``CCR_HOME`` made (``0711``: the BI accounts pass through to the warehouse) and, the first
    time this version meets it, closed: every mode under it set as umask 077 would have made it
    (``close_home``), a marker left so it is done once. The number of modes changed; None when
    the home was already closed and ``force`` is not given (``ccr home close``), or when it does
    not exist and ``create`` is not given (a command that writes nothing)."""
    home = Path(settings.home)
    if not home.exists() and not create:
        return None
    home.mkdir(parents=True, exist_ok=True)
    marker = home / CLOSED_MARKER
    if marker.exists() and not force:
        return None
    changed = close_home(home, Path(settings.warehouse))
    marker.write_text("modes closed by ccr (docs/privacy.md#files-at-rest)\n")
    os.chmod(marker, 0o600)
    return changed

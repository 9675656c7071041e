"""Shared fixtures: a throw-away ``CCR_HOME`` for a test (or a module of tests).

Every location is derived from ``CCR_HOME``: none of the developer's own ``CCR_*`` locations or
``DAGSTER_HOME`` leaks in, and nothing the test sets leaks out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from transforms.core import storage
from transforms.core.keys import FileKeyStore
from transforms.core.settings import Settings
from transforms.core.tenants import load_tenants

#: Locations that would otherwise point outside the test's home.
_LOCATIONS = ("CCR_LANDING", "CCR_LAKEHOUSE", "CCR_WAREHOUSE")


def use_home(mp: pytest.MonkeyPatch, home: Path) -> Settings:
    """Point every setting at ``home`` (Dagster's instance at ``home/dagster``, the key store at
    ``home/keys``, never the developer's own), with a key provisioned for each registry tenant
    and no landing quiet period."""
    mp.setenv("CCR_HOME", str(home))
    mp.setenv("DAGSTER_HOME", str(home / "dagster"))
    mp.setenv("CCR_KEYS", str(home / "keys"))
    # A test's files are complete when written: no quiet period (tests that need one set it).
    mp.setenv("CCR_LANDING_QUIET_S", "0")
    for var in _LOCATIONS:
        mp.delenv(var, raising=False)
    # A developer's lineage catalogue gets no test events (the default file is under home).
    for var in [v for v in os.environ if v.startswith("OPENLINEAGE")]:
        mp.delenv(var)
    settings = Settings.from_env(os.environ)
    keys = FileKeyStore(settings.keys)
    keys.create_kek()  # before the tenants' keys: each gets its data key with its pseudonym key
    for tenant in load_tenants(settings.tenants_file):
        keys.create(tenant)
    keys.create_ledger_key()  # a provisioned home: its erasures can be recorded
    return settings


@pytest.fixture(autouse=True)
def _no_roots_left_over() -> Iterator[None]:
    """Deletion roots a ``ccr`` call or a run configured for one test's home (process state,
    as in production) do not confine the next test's."""
    yield
    storage.configure_roots(None)


@pytest.fixture
def ccr_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings of a fresh ``tmp_path/home``."""
    return use_home(monkeypatch, tmp_path / "home")


@pytest.fixture(scope="module")
def module_ccr_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The same, shared by a module's tests (an expensive pipeline run set up once)."""
    with pytest.MonkeyPatch.context() as mp:
        yield use_home(mp, tmp_path_factory.mktemp("ccr_home"))

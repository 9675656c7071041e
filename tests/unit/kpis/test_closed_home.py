"""Closed by default: the product's processes write private files, and a home written before
(umask 022, the audit's 0644/0755) is closed once, the published warehouse excepted.

The end-to-end check, with a real account switch after a real pipeline run, is
``tests/integration/test_end_to_end.py::test_another_account_opens_nothing_under_ccr_home_but_its_tenants_published_files``.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from transforms.core.settings import REPO_ROOT, Settings
from transforms.kpis import access


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def open_home(root: Path) -> dict[str, Path]:
    """A home as umask 022 left it: everything 0644/0755, a published file 0440."""
    paths = {
        "transcript": root / "lakehouse" / "silver" / "transcripts" / "part-0.parquet",
        "recording": root / "lakehouse" / "audio" / "acme" / "ab" / "ab12.mp3",
        "ledger": root / "compliance" / "erasure_ledger.jsonl",
        "instance": root / "dagster" / "history" / "runs.db",
        "published": root / "warehouse" / "tenants" / "acme.duckdb",
        "staging": root / "warehouse" / "tenants" / ".publishing" / "x.duckdb",
        "operator": root / "operator" / "anonymised.duckdb",
    }
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        path.chmod(0o644)
    for folder in {p for path in paths.values() for p in path.parents if root in p.parents}:
        folder.chmod(0o755)
    root.chmod(0o755)
    paths["published"].chmod(access.GROUP_READ)
    os.symlink(paths["ledger"], root / "link-to-ledger")
    return paths


def test_an_open_home_is_closed_but_the_warehouse_stays_reachable_by_tenant(tmp_path):
    home = tmp_path / "home"
    paths = open_home(home)
    changed = access.close_home(home, home / "warehouse")
    assert changed > 10
    assert mode(home) == access.TRAVERSE_ONLY  # BI accounts pass through, never list
    for name in ("transcript", "recording", "ledger", "instance", "staging", "operator"):
        assert mode(paths[name]) == 0o600, name
        assert all(
            mode(p) == access.PRIVATE_DIR for p in paths[name].parents if home in p.parents
            and p not in (home / "warehouse", home / "warehouse" / "tenants")
        ), name  # fmt: skip
    assert mode(home / "warehouse") == mode(home / "warehouse" / "tenants") == access.TRAVERSE_ONLY
    assert mode(paths["published"]) == access.GROUP_READ  # its tenant's group still reads it
    assert (home / "link-to-ledger").is_symlink()  # links neither followed nor changed
    assert access.close_home(home, home / "warehouse") == 0  # nothing left to close


def test_a_warehouse_outside_the_home_leaves_the_home_private(tmp_path):
    home, warehouse = tmp_path / "home", tmp_path / "srv" / "warehouse"
    (home / "lakehouse").mkdir(parents=True)
    (warehouse / "tenants").mkdir(parents=True)
    home.chmod(0o755)
    access.close_home(home, warehouse)
    assert mode(home) == access.PRIVATE_DIR
    assert mode(warehouse) == mode(warehouse / "tenants") == access.TRAVERSE_ONLY


def test_ccr_closes_a_home_once_and_its_processes_write_private_files(tmp_path):
    """The edges: ``ccr`` (main), the code location (importing its definitions) and the
    Celery/batch processes (``process_settings``) each start with umask 077, whatever umask
    they were given; ``ccr`` closes a home it meets for the first time, once."""
    home = tmp_path / "home"
    paths = open_home(home)
    env = {**os.environ, "CCR_HOME": str(home), "CCR_KEYS": str(tmp_path / "keys")}
    env.pop("CCR_WAREHOUSE", None)
    probe = (
        "import os, sys\n"
        "os.umask(0o022)\n"
        "edge = sys.argv[1]\n"
        "if edge == 'ccr':\n"
        "    from orchestration.cli import main\n"
        "    main(['settings'])\n"
        "elif edge == 'code-location':\n"
        "    import orchestration.definitions\n"
        "else:\n"
        "    from orchestration.lib.environment import process_settings\n"
        "    process_settings()\n"
        "print('umask', oct(os.umask(0)))\n"
    )
    for edge in ("ccr", "code-location", "worker"):
        out = subprocess.run(
            [sys.executable, "-c", probe, edge], cwd=REPO_ROOT, env=env, capture_output=True,
            text=True, check=True, timeout=300,
        )  # fmt: skip
        assert out.stdout.strip().splitlines()[-1] == "umask 0o77", (edge, out.stdout)
        if edge == "ccr":
            assert "closed" in out.stderr  # said once, on stderr
            assert mode(paths["transcript"]) == 0o600 and mode(home) == access.TRAVERSE_ONLY
    # a second ccr finds the home closed and changes nothing
    paths["ledger"].chmod(0o644)  # e.g. a file restored from a backup, after the first close
    out = subprocess.run(
        [sys.executable, "-c", probe, "ccr"], cwd=REPO_ROOT, env=env, capture_output=True,
        text=True, check=True, timeout=300,
    )  # fmt: skip
    assert "closed" not in out.stderr and mode(paths["ledger"]) == 0o644
    # ccr home close does it again on demand
    from orchestration.lib.environment import prepare_home

    assert prepare_home(Settings.from_env(env), force=True) == 1
    assert mode(paths["ledger"]) == 0o600


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_files_written_after_close_process_are_private_whatever_the_umask_was(tmp_path, umask):
    from orchestration.lib.environment import close_process

    previous = os.umask(umask)
    try:
        close_process()
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "f").write_text("x")
        assert mode(tmp_path / "d") == 0o700 and mode(tmp_path / "d" / "f") == 0o600
    finally:
        os.umask(previous)

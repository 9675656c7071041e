"""Audit finding 1: an erasure run in a copy of a home (a restore, a staging copy) or in a moved
home deletes that home's files, never the original's, and certifies only what it did."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from tests.synthetic_lakehouse import build
from transforms.compliance import subjects
from transforms.compliance.erasure import Hooks, carry_out
from transforms.core import storage
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import ALL_TABLES, CALLS

AGENT = "acm-agent03"


def settings_of(home: Path) -> Settings:
    return Settings.from_env({"CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")})


@pytest.fixture
def original(tmp_path) -> Settings:
    settings = settings_of(tmp_path / "original")
    build(settings, ["acme", "globex"], calls_per_tenant=8)
    return settings


def files(settings: Settings) -> dict[str, str]:
    """Every stored object (relative path → digest of its bytes)."""
    root = Path(settings.lakehouse)
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for store in ("audio", "quarantine_files")
        for p in sorted((root / store).rglob("*"))
        if p.is_file()
    }


def rows(settings: Settings) -> dict[str, int]:
    lh = Lakehouse(settings.lakehouse)
    return {spec.path: lh.read(spec).height for spec in ALL_TABLES}


def erase_agent(settings: Settings) -> dict:
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    subject = subjects.Subject("acme", "agent", AGENT)
    request = subjects.erasure(lh, settings, keys, subject)
    hooks = Hooks(
        rebuild_warehouse=lambda tenants: None,
        forget_partitions=lambda tenant: 0,
        remaining=lambda: 0 if subjects.find(lh, settings, keys, subject).empty else 1,
    )
    return carry_out(request, lh, settings, keys, hooks)


def agent_objects(settings: Settings) -> list[str]:
    calls = Lakehouse(settings.lakehouse).read(CALLS, "acme")
    return calls.filter(pl.col("agent_id") == AGENT)["audio_uri"].to_list()


def copy_home(source: Path, target: Path) -> Settings:
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    return settings_of(target)


def make_legacy(settings: Settings) -> None:
    """Stored locations made absolute, as every home written before this change holds them."""
    lh = Lakehouse(settings.lakehouse)
    root = lh.root.replace("'", "''")
    for spec in ALL_TABLES:
        for column in spec.locations:
            DeltaTable(lh.uri(spec)).update(
                updates={column: f"concat('{root}/', {column})"},
                predicate=f"{column} IS NOT NULL",
            )
    assert lh.read(CALLS, resolve=False)["audio_uri"][0].startswith(lh.root + "/")


def test_an_erasure_in_a_copied_home_cleans_the_copy_and_leaves_the_original(original, tmp_path):
    before, before_rows = files(original), rows(original)
    copy = copy_home(Path(original.home), tmp_path / "copy")
    theirs = agent_objects(copy)
    assert theirs and all(u.startswith(copy.lakehouse + "/") for u in theirs)

    certificate = erase_agent(copy)

    assert certificate["verification"]["passed"], certificate["verification"]
    assert not [u for u in theirs if Path(u).exists()]  # the copy is clean
    assert AGENT not in Lakehouse(copy.lakehouse).read(CALLS)["agent_id"].to_list()
    assert files(original) == before and rows(original) == before_rows  # the original is intact
    objects = certificate["verification"]["objects"]
    assert objects["locations_checked"]["recording"] == len(theirs)
    assert set(objects["locations_left"].values()) == {0}


def test_a_copied_legacy_home_is_refused_until_migrated_then_erases_only_itself(original, tmp_path):
    make_legacy(original)
    before = files(original)
    copy = copy_home(Path(original.home), tmp_path / "copy")
    copied = files(copy)
    with pytest.raises(storage.OutsideRoots, match=copy.lakehouse):
        erase_agent(copy)
    assert files(original) == before and files(copy) == copied  # nothing deleted anywhere

    counts = Lakehouse(copy.lakehouse).migrate_locations([original.lakehouse])
    assert counts["bronze.calls"]["rewritten"] == 16 and counts["bronze.calls"]["outside"] == 0
    theirs = agent_objects(copy)
    certificate = erase_agent(copy)

    assert certificate["verification"]["passed"], certificate["verification"]
    assert not [u for u in theirs if Path(u).exists()]
    assert files(original) == before


def test_a_moved_legacy_home_is_refused_until_migrated(original, tmp_path):
    make_legacy(original)
    old_lakehouse = original.lakehouse
    shutil.move(original.home, tmp_path / "moved")
    moved = settings_of(tmp_path / "moved")
    kept = files(moved)
    with pytest.raises(storage.OutsideRoots):
        erase_agent(moved)
    assert files(moved) == kept
    Lakehouse(moved.lakehouse).migrate_locations([old_lakehouse])
    theirs = agent_objects(moved)
    assert erase_agent(moved)["verification"]["passed"]
    assert theirs and not [u for u in theirs if Path(u).exists()]

"""The narrowed residual scan (issue 23): it may leave unread only the old files of other
tenants' own folders. Residues planted where a careless narrowing would miss them are found:
the erased tenant's old files, shared files, folders that are no tenant's, nested stores, new
files anywhere, back-dated copies; and the canary planted in another tenant's folder fails the
scan when those folders are skipped whole."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from transforms.compliance import scan as scan_lib
from transforms.compliance.erasure import known_tenants, scan_roots, scan_scope
from transforms.compliance.scan import file_system_now, scan
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings

RESIDUE = "zq-erased-residue-0042"
NEEDLES = {RESIDUE: "phrase"}
ERASED, OTHER = "acme", "globex"


@pytest.fixture
def home(tmp_path) -> Settings:
    settings = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_KEYS": str(tmp_path / "keys")})
    for tenant in (ERASED, OTHER):
        _write(Path(settings.audio_store) / tenant / "ab" / "clean.wav", b"RIFF clean")
        _partition(settings, tenant).mkdir(parents=True)
        pq.write_table(pa.table({"text": ["clean"]}), _partition(settings, tenant) / "p.parquet")
    return settings


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _partition(settings: Settings, tenant: str) -> Path:
    return Path(settings.lakehouse) / "silver" / "transcript_segments" / f"tenant_id={tenant}"


def _narrowed(settings: Settings, since: float, canary: bool = False):
    scope = scan_scope(settings, [ERASED], {ERASED, OTHER}, since + 1.0)
    return scan(scan_roots(settings), NEEDLES, plant_canary=canary, scope=scope)


def _paths(report) -> str:
    return "\n".join(h.path for h in report.hits)


def test_old_residues_outside_other_tenants_folders_are_all_read(home):
    settings = home
    published = Path(settings.warehouse) / "tenants"
    planted = {
        "erased tenant's recording": Path(settings.audio_store) / ERASED / "cd" / "x.wav",
        "erased tenant's partition": _partition(settings, ERASED) / "part-9.parquet",
        "a table's log (every tenant)": _partition(settings, ERASED).parent
        / "_delta_log"
        / "00000000000000000003.json",
        "an unpartitioned table": Path(settings.lakehouse) / "compliance" / "log" / "p.parquet",
        "the dbt build file": Path(settings.kpi_build_database),
        "a folder named like no tenant": Path(settings.audio_store) / "backup" / "old.wav",
        "review landing, nested in landing": Path(settings.reviews_landing) / ERASED / "r.csv",
        "the erased tenant's published file": published / f"{ERASED}.duckdb",
        "a file straight in a store": Path(settings.landing) / "stray.csv",
        "the compliance folder": Path(settings.compliance_dir) / "notes.txt",
    }
    for path in planted.values():
        _write(path, f"before {RESIDUE} after".encode())
    time.sleep(0.05)
    report = _narrowed(home, since=file_system_now(home.home))
    found = _paths(report)
    assert report.hits and len({h.path for h in report.hits}) == len(planted), found
    for path in planted.values():
        assert path.name in found or path.parent.name in found, path
    # the other tenant's old, clean files were listed and not read
    assert report.files_not_read == 2


def test_new_and_back_dated_files_in_other_tenants_folders_are_read(home):
    settings = home
    time.sleep(0.05)
    since = file_system_now(home.home)
    time.sleep(0.05)
    new = _write(Path(settings.audio_store) / OTHER / "ef" / "new.wav", RESIDUE.encode())
    back_dated = _write(_partition(settings, OTHER) / "part-7.parquet", RESIDUE.encode())
    os.utime(back_dated, (946684800, 946684800))  # mtime set to 2000: its ctime is now
    published = _write(Path(settings.warehouse) / "tenants" / f"{OTHER}.duckdb", RESIDUE.encode())
    report = _narrowed(settings, since=since)
    found = _paths(report)
    for path in (new, back_dated, published):
        assert path.name in found, (path, found)


def test_an_old_file_of_another_tenant_is_listed_its_name_and_content_still_checked(home):
    settings = home
    recording = b"RIFF an erased recording"
    digest = hashlib.sha256(recording).hexdigest()
    # a copy of an erased recording under another name, and a file named by its digest
    copy = _write(Path(settings.audio_store) / OTHER / "zz" / "copy.wav", recording)
    named = _write(Path(settings.audio_store) / OTHER / "zz" / f"{digest}.flac", b"x")
    unread = _write(_partition(settings, OTHER) / "part-5.parquet", RESIDUE.encode())
    time.sleep(0.05)
    scope = scan_scope(settings, [ERASED], {ERASED, OTHER}, file_system_now(settings.home) + 1.0)
    report = scan(
        scan_roots(settings),
        {**NEEDLES, digest: "audio_sha256"},
        plant_canary=False,
        digests={digest: "recording"},
        sizes={len(recording)},
        scope=scope,
    )
    seen = {(h.kind, h.seen_in) for h in report.hits}
    assert ("recording", "content") in seen  # the copy, hashed though not read
    assert ("audio_sha256", "name") in seen  # the digest-named file, by its name
    assert copy.exists() and named.exists()
    # the limit, as documented: an old file of another tenant's own folder is not read
    assert unread.name not in _paths(report)
    assert report.files_not_read >= 3


def test_the_canary_in_another_tenants_folders_must_be_read(home, monkeypatch):
    settings = home
    time.sleep(0.05)
    report = _narrowed(settings, since=file_system_now(home.home), canary=True)
    assert report.canary_found and report.passed
    # a narrowing that skipped other tenants' folders whole would miss their new files: the
    # canary planted there is not found, and the scan fails
    monkeypatch.setattr(
        scan_lib.Scope,
        "skips",
        lambda self, path, changed: self.tenant_of(path) in self.others,
    )
    careless = _narrowed(settings, since=file_system_now(home.home), canary=True)
    assert not careless.canary_found and not careless.passed


def test_a_compressed_residue_in_the_erased_tenants_partition_is_decoded(home):
    settings = home
    path = _partition(settings, ERASED) / "part-3.parquet"
    table = pa.table({"text": [f"said {RESIDUE} there"] * 3})
    pq.write_table(table, path, compression="gzip", write_statistics=False)
    time.sleep(0.05)
    report = _narrowed(settings, since=file_system_now(home.home))
    assert {(h.path.rsplit("/", 1)[-1], h.seen_in) for h in report.hits} >= {
        ("part-3.parquet", "parquet")
    }


def test_tenant_of_names_the_folder_owner():
    scope = scan_lib.Scope(
        tenants=frozenset({ERASED}),
        others=frozenset({OTHER}),
        stores=("/h/lake/audio", "/h/landing", "/h/landing/_reviews"),
        lakehouse="/h/lake",
        published="/h/warehouse/tenants",
        published_names={"": (".duckdb", ".html"), ".publishing": (".a.duckdb", ".slots.json")},
        since=100.0,
    )
    assert scope.tenant_of("/h/lake/audio/globex/ab/x.wav") == OTHER
    assert scope.tenant_of("/h/landing/_reviews/globex/r.csv") == OTHER
    assert scope.tenant_of("/h/landing/_reviews/r.csv") is None
    assert scope.tenant_of("/h/landing/globex.csv") is None
    assert scope.tenant_of("/h/lake/silver/t/tenant_id=globex/p.parquet") == OTHER
    assert scope.tenant_of("/h/lake/silver/t/_delta_log/0.json") is None
    assert scope.tenant_of("/h/warehouse/tenants/globex.duckdb") == OTHER
    assert scope.tenant_of("/h/warehouse/tenants/.publishing/.globex.duckdb.1") is None
    assert scope.tenant_of("/h/warehouse/tenants/.publishing/globex.a.duckdb") == OTHER
    assert scope.tenant_of("/h/warehouse/tenants/.publishing/globex.slots.json") == OTHER
    assert scope.tenant_of("/h/warehouse/tenants/.publishing/globex.copy.duckdb") is None
    assert scope.tenant_of("/h/warehouse/tenants/globex.backup.duckdb") is None
    assert scope.tenant_of("/h/build/kpis.build.duckdb") is None
    assert not scope.skips("/h/lake/audio/backup/x.wav", changed=0.0)
    assert scope.skips("/h/lake/audio/globex/x.wav", changed=0.0)
    assert not scope.skips("/h/lake/audio/acme/x.wav", changed=0.0)
    assert not scope.skips("/h/lake/audio/globex/x.wav", changed=100.0)


def test_a_registered_tenant_without_calls_is_known_its_new_files_still_read(tmp_path):
    """A tenant of the registry with no call yet has published files (the publish writes every
    tenant under contract): they are its own, and left unread while unchanged, like any other
    tenant's; a file that appears in its folders during the erasure is read."""
    registry = tmp_path / "tenants.yaml"
    registry.write_text(
        "tenants:\n"
        "  initech:\n"
        "    display_name: Initech\n"
        "    languages: [en]\n"
        "    scorecard: standard\n"
    )
    settings = Settings.from_env(
        {
            "CCR_HOME": str(tmp_path),
            "CCR_KEYS": str(tmp_path / "keys"),
            "CCR_TENANTS_FILE": str(registry),
        }
    )
    known = known_tenants(Lakehouse.from_settings(settings), settings)
    assert known == {"initech"}
    published = Path(settings.warehouse) / "tenants"
    old = _write(published / "initech.duckdb", f"old {RESIDUE}".encode())
    time.sleep(0.05)
    since = file_system_now(settings.home)
    time.sleep(0.05)
    new = _write(published / ".publishing" / "initech.b.duckdb", f"new {RESIDUE}".encode())
    scope = scan_scope(settings, [ERASED], known | {ERASED}, since + 1.0)  # as _narrowed
    report = scan(scan_roots(settings), NEEDLES, plant_canary=False, scope=scope)
    found = _paths(report)
    assert new.name in found and old.name not in found
    assert report.files_not_read == 1

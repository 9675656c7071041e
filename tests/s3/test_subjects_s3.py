"""Data-subject requests with the lakehouse in a versioned bucket (SeaweedFS on loopback): a
caller's and an agent's export drawn from the bucket with its sources named; an erasure that
leaves no object version; a recording kept as an old version fails the proof; a deletion
outside the lakehouse prefix is refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from tests.synthetic_lakehouse import build
from tests.unit.compliance.test_subject_export import TENANT, published
from transforms.compliance import erasure as erasure_module
from transforms.compliance import subjects
from transforms.compliance.erasure import Hooks, carry_out
from transforms.core import object_store, storage
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS


@pytest.fixture
def lake(s3_home: Settings) -> tuple[Settings, pl.DataFrame]:
    built = build(s3_home, ["acme", TENANT], calls_per_tenant=4)
    return s3_home, built.calls


def stored_calls(settings: Settings, uids) -> pl.DataFrame:
    calls = Lakehouse(settings.lakehouse).read(CALLS, TENANT)
    return calls.filter(pl.col("call_uid").is_in(list(uids)))


@pytest.mark.parametrize("kind", ["caller", "agent"])
def test_an_export_from_the_bucket_holds_the_subjects_objects_and_names_them(lake, tmp_path, kind):
    settings, calls = lake
    published(settings, calls)  # the tenant's KPI file, local as in production
    mine = calls.filter(pl.col("tenant_id") == TENANT)
    value = mine["phone" if kind == "caller" else "agent_id"][0]
    theirs = set(
        mine.filter(pl.col("phone" if kind == "caller" else "agent_id") == value)["call_uid"]
    )
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    out = tmp_path / "export"
    manifest = subjects.export(lh, settings, keys, subjects.Subject(TENANT, kind, value), out)
    sources = manifest["sources"]
    assert set(pl.read_parquet(out / "tables" / "bronze.calls.parquet")["call_uid"]) == theirs
    assert sources["tables"]["marts.fct_calls"]["from"].startswith("published KPI file")
    recordings = {p.name for p in (out / "audio").iterdir()}
    stored = stored_calls(settings, theirs)
    assert {r.split(".")[0] for r in recordings} == set(stored["audio_sha256"])
    for uri, sha in stored.select("audio_uri", "audio_sha256").rows():
        assert uri.startswith(settings.lakehouse + "/audio/")
        name = f"audio/{uri.rsplit('/', 1)[-1]}"
        assert sources["files"][name]["from"] == "lakehouse object " + uri.removeprefix(
            settings.lakehouse + "/"
        )
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == sha
    stored_raw = lh.read(CALLS, TENANT, resolve=False)["audio_uri"]
    assert all(u.startswith("audio/") for u in stored_raw)  # relative in the bucket too


def erase_caller(settings: Settings, phone: str) -> dict:
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    subject = subjects.Subject(TENANT, "caller", phone)
    request = subjects.erasure(lh, settings, keys, subject)
    hooks = Hooks(
        rebuild_warehouse=lambda tenants: None,
        forget_partitions=lambda tenant: 0,
        remaining=lambda: 0 if subjects.find(lh, settings, keys, subject).empty else 1,
    )
    return carry_out(request, lh, settings, keys, hooks)


def test_a_caller_erased_from_the_bucket_leaves_no_object_version(lake):
    settings, calls = lake
    phone = calls.filter(pl.col("tenant_id") == TENANT)["phone"][0]
    stored = stored_calls(settings, calls.filter(pl.col("phone") == phone)["call_uid"])
    certificate = erase_caller(settings, phone)
    verification = certificate["verification"]
    assert verification["passed"], json.dumps(verification)
    assert verification["objects"]["locations_checked"]["recording"] == stored.height
    assert settings.lakehouse in verification["roots"]
    bucket, _ = object_store.split(settings.lakehouse)
    keys = {u.removeprefix(f"s3://{bucket}/") for u in stored["audio_uri"]}
    assert not [v for v in object_store.versions(settings.lakehouse) if v.key in keys]


def test_a_recording_kept_as_an_old_object_version_fails_the_proof(lake, monkeypatch):
    settings, calls = lake
    phone = calls.filter(pl.col("tenant_id") == TENANT)["phone"][0]
    monkeypatch.setattr(erasure_module, "forget_object_versions", lambda settings: 0)
    verification = erase_caller(settings, phone)["verification"]
    assert not verification["passed"]
    content = [p for p in verification["hit_paths"] if "(recording, content)" in p]
    assert content and all("old version" in p for p in content)
    assert set(verification["objects"]["locations_left"].values()) == {0}  # current: gone
    assert phone not in json.dumps(verification)


def test_a_deletion_outside_the_lakehouse_prefix_is_refused(s3_home):
    bucket, _ = object_store.split(s3_home.lakehouse)
    beside = f"s3://{bucket}/lake-of-another-home/audio/x.wav"
    storage.write_bytes(beside, b"theirs")
    roots = storage.Roots.for_settings(s3_home)
    with pytest.raises(storage.OutsideRoots, match=s3_home.lakehouse):
        storage.delete_file(beside, roots)
    with pytest.raises(storage.OutsideRoots):
        storage.delete_tree(f"s3://{bucket}/lake-of-another-home", roots)
    assert storage.read_bytes(beside) == b"theirs"
    assert Path(s3_home.home).exists()

"""The whole path with the lakehouse on S3 (SeaweedFS on loopback, versioned bucket): the
shipped sample calls landed and run through ``ccr``'s pipeline with the real Whisper model,
every Delta table, the audio store and the quarantined bytes in the bucket; dbt reads the
tables from S3 and the per-tenant DuckDB files are published locally. Then, on that bucket, a
tenant export, a tenant purge and a one-caller erasure, each proved by the residual scan over
every object version.

The checks are the local end-to-end and retention tests' own, called on this module's
lakehouse, plus what only an object store has (keys, old versions, delete markers).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from orchestration.cli.common import SAMPLE_LANDING
from orchestration.cli.pipeline import land, run_pipeline
from tests.integration import test_end_to_end as local_e2e
from tests.integration import test_retention_end_to_end as local_retention
from tests.integration.test_retention_end_to_end import registry, use  # noqa: F401 (fixtures)
from transforms.compliance.needles import phone_forms
from transforms.compliance.scan import scan
from transforms.core import object_store, storage
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import REPO_ROOT, Settings
from transforms.core.tables import CALLS, QUARANTINE, TRANSCRIPTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(module_s3_home: Settings) -> Settings:
    land(SAMPLE_LANDING, module_s3_home)
    with contextlib.redirect_stdout(io.StringIO()):
        run_pipeline(module_s3_home)
    return module_s3_home


def bucket_roots(settings: Settings) -> list:
    """What the scan must cover: the local folders, and the bucket prefix (all versions)."""
    return [Path(settings.home), REPO_ROOT / "dbt_project", settings.lakehouse]


def test_every_table_and_file_store_is_in_the_bucket(env):
    assert env.lakehouse.startswith("s3://")
    assert not (Path(env.home) / "lakehouse").exists()  # nothing fell back to local disk
    calls = Lakehouse(env.lakehouse).read(CALLS)
    assert calls.height and all(u.startswith(env.lakehouse + "/audio/") for u in calls["audio_uri"])
    assert all(storage.entry(u) is not None for u in calls["audio_uri"])
    playback = Lakehouse(env.lakehouse).read(TRANSCRIPTS)["playback_uri"].drop_nulls()
    assert playback.len() and all(storage.entry(u) is not None for u in playback)


def test_the_credentials_are_in_no_log_metadata_or_file(env, s3_server):
    """Dagster's event log and compute logs, dbt's logs and artifacts, the run log, the
    published files, and every object version in the bucket: neither key id nor secret."""
    secrets = {s3_server.access_key_id: "access_key_id", s3_server.secret_access_key: "secret"}
    report = scan(bucket_roots(env), secrets)
    assert report.passed, report.as_dict()["hit_paths"]
    assert report.as_dict()["files_scanned"] > 100


def test_every_layer_has_one_row_per_good_call(env):
    local_e2e.test_every_layer_has_one_row_per_good_call(env)


def test_bad_sample_files_are_in_quarantine_with_their_bytes_in_the_bucket(env):
    q = Lakehouse(env.lakehouse).read(QUARANTINE)
    got = {r["file_name"]: r for r in q.iter_rows(named=True)}
    assert set(got) == set(local_e2e.EXPECTED_QUARANTINE)
    for name, codes in local_e2e.EXPECTED_QUARANTINE.items():
        assert got[name]["reason_code"] in codes
        stored = storage.entry(got[name]["quarantine_uri"])
        assert got[name]["quarantine_uri"].startswith("s3://")
        assert stored is not None
        # sealed with the tenant's data key: it opens to the bytes that landed
        sealed = storage.read_bytes(got[name]["quarantine_uri"])
        kept = Lakehouse.from_settings(env).unseal(got[name]["tenant_id"], sealed)
        assert len(kept) == got[name]["file_size_bytes"] and kept != sealed


def test_kpis_built_from_s3_agree_with_the_silver_tables(env):
    local_e2e.test_kpis_agree_with_the_silver_tables(env)


def test_each_tenant_has_its_local_database_and_report_with_no_foreign_row(env):
    local_e2e.test_each_tenant_has_its_database_and_report_with_no_foreign_row(env)


def test_a_tenant_export_from_the_bucket(env, tmp_path):
    local_retention.test_a_tenant_export_holds_every_row_of_the_tenant_and_none_of_another(
        env, tmp_path
    )


def test_a_caller_and_an_agent_get_their_data_from_the_bucket(env, tmp_path):
    local_retention.test_a_caller_and_an_agent_get_their_data_and_its_sources(env, tmp_path)


def test_the_tenant_purge_leaves_no_byte_nor_old_version_in_the_bucket(env, registry, use):  # noqa: F811
    local_retention.test_a_legal_hold_stops_the_purge_and_the_plan_says_why(env, registry, use)
    needles = local_retention.BEFORE["needles"]
    local_retention.test_the_tenant_purge_leaves_no_byte_of_the_tenant_anywhere(env, registry, use)
    settings = use(registry["ended"], on=local_retention.AS_OF)
    report = scan(bucket_roots(settings), needles)
    assert report.canary_found and report.unreadable == []
    assert report.hits == [], report.as_dict()["hit_paths"]
    assert report.as_dict()["files_scanned"] > 0
    left = [v for v in object_store.versions(settings.lakehouse) if "globex" in v.key]
    assert left == [] or all(v.key.endswith("/") and not v.delete_marker for v in left)
    certificate = latest_certificate(settings)
    assert settings.lakehouse in certificate["verification"]["roots"]
    assert certificate["copies"]["object_versions_removed"] > 0
    local_retention.test_the_other_tenant_is_untouched(env, use)


def test_one_caller_is_erased_from_every_object_version(env, registry, use):  # noqa: F811
    settings = use(registry["ended"])
    caller = local_retention.manifest_rows("acme-telecom")[0]
    theirs = Lakehouse(settings.lakehouse).read(CALLS, "acme-telecom")
    theirs = theirs.filter(theirs["call_id"] == caller["call_id"])
    audio = theirs["audio_uri"][0]
    local_retention.test_one_caller_is_erased_and_nothing_of_them_is_left(env, registry, use)
    needles = {caller["call_id"]: "call_id", theirs["call_uid"][0]: "call_uid"}
    needles |= {theirs["caller_key"][0]: "caller_key"}
    needles |= {form: "phone" for form in phone_forms(caller["caller_phone"])}
    report = scan(bucket_roots(settings), needles)
    assert report.passed, report.as_dict()["hit_paths"]
    bucket, _ = object_store.split(settings.lakehouse)
    key = audio.removeprefix(f"s3://{bucket}/")
    assert [v for v in object_store.versions(settings.lakehouse) if v.key == key] == []
    assert latest_certificate(settings)["verification"]["passed"]


def latest_certificate(settings: Settings) -> dict:
    """The last erasure's certificate (a request that found nothing has none)."""
    folder = Path(settings.compliance_dir)
    entries = local_retention.Ledger(folder / "erasure_ledger.jsonl").entries()
    entry = [e for e in entries if e.get("certificate")][-1]
    return json.loads((folder / entry["certificate"]).read_text())

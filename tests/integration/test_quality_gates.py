"""Quality gates on the real Dagster jobs: the blocking contract check stops a bad batch.

A batch dated in the future passes every row rule (so it is written to bronze.calls) but breaks
the batch rule ``started_before_ingested``; the blocking check must stop transcription and scoring
in the same run. Every step also appends to compliance/processing_log. No Whisper model is loaded:
the only steps that would need it are the ones the gate must skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from orchestration.cli.common import prepare_dagster_home
from orchestration.cli.pipeline import land
from orchestration.definitions import build_definitions
from tests.audio_fixtures import tone
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import CALLS, PROCESSING_LOG, TRANSCRIPTS

BRONZE = [dg.AssetKey(["bronze", "calls"]), dg.AssetKey(["bronze", "quarantine"])]
HEADER = "call_id,file_name,agent_id,caller_phone,started_at,language,channel_layout"


@pytest.fixture
def settings(ccr_home):
    prepare_dagster_home(ccr_home)
    return ccr_home


def drop_batch(tmp_path, settings, batch: str, started_at: str) -> str:
    folder = tmp_path / "drop" / "acme-telecom" / batch
    folder.mkdir(parents=True)
    (folder / "c1.wav").write_bytes(tone(3.0))
    (folder / "manifest.csv").write_text(
        f"{HEADER}\n{batch}-c1,c1.wav,acme-a01,+33639980123,{started_at},fr,agent-left\n"
    )
    land(tmp_path / "drop", settings)
    return f"acme-telecom__{batch}"


def run_batch(partition: str, **kwargs) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.get()
    instance.add_dynamic_partitions("call_batches", [partition])
    job = build_definitions().resolve_job_def("call_batch_job")
    return job.execute_in_process(
        instance=instance, partition_key=partition, raise_on_error=False, **kwargs
    )


def check_result(result, asset: list[str]) -> dg.AssetCheckEvaluation:
    (evaluation,) = [
        e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and e.asset_check_evaluation_data.asset_check_key
        == dg.AssetCheckKey(dg.AssetKey(asset), "contract")
    ]
    return evaluation


def test_a_batch_from_the_future_is_stopped_before_transcription(tmp_path, settings):
    partition = drop_batch(tmp_path, settings, "future", "2099-01-01T09:00:00+01:00")
    result = run_batch(partition)
    evaluation = check_result(result, ["bronze", "calls"])
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    failed = evaluation.metadata["failed_rules"].value
    assert set(failed) == {"started_before_ingested"}
    assert failed["started_before_ingested"] == {"unexpected": 1, "of": 1}
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["bronze", "calls"]) in materialized
    assert dg.AssetKey(["silver", "transcripts"]) not in materialized
    assert dg.AssetKey(["silver", "call_scores"]) not in materialized
    lh = Lakehouse(settings.lakehouse)
    assert lh.read(CALLS).height == 1 and lh.read(TRANSCRIPTS).height == 0
    # the metadata holds counts and rule names, never a value from the rows
    assert "+33" not in str(evaluation.metadata) and "2099" not in str(evaluation.metadata)


def test_a_good_batch_passes_the_gate_and_every_step_is_logged(tmp_path, settings):
    partition = drop_batch(tmp_path, settings, "good", "2026-11-02T09:00:00+01:00")
    result = run_batch(partition, asset_selection=BRONZE)
    assert result.success
    assert check_result(result, ["bronze", "calls"]).passed
    assert check_result(result, ["bronze", "quarantine"]).passed
    log = Lakehouse(settings.lakehouse).read(PROCESSING_LOG)
    rows = {r["asset_key"]: r for r in log.iter_rows(named=True)}
    assert set(rows) == {"bronze/calls", "bronze/quarantine"}
    calls = rows["bronze/calls"]
    assert calls["run_id"] == result.run_id and calls["tenant_id"] == "acme-telecom"
    assert calls["partition_key"] == partition and calls["status"] == "success"
    assert (calls["rows_in"], calls["rows_out"], calls["rows_rejected"]) == (1, 1, 0)
    assert rows["bronze/quarantine"]["rows_out"] == 0
    # re-running the same step logs a new run, never rewrites the old one
    run_batch(partition, asset_selection=BRONZE)
    log = Lakehouse(settings.lakehouse).read(PROCESSING_LOG)
    assert log.filter(pl.col("asset_key") == "bronze/calls")["run_id"].n_unique() == 2


def test_a_failing_step_is_logged_as_a_failure(tmp_path, settings, monkeypatch):
    partition = drop_batch(tmp_path, settings, "broken", "2026-11-02T09:00:00+01:00")
    monkeypatch.setenv("CCR_TENANTS_FILE", str(tmp_path / "no-such-registry.yaml"))
    result = run_batch(partition, asset_selection=BRONZE)
    assert not result.success
    log = Lakehouse(settings.lakehouse).read(PROCESSING_LOG)
    assert sorted(log["asset_key"]) == ["bronze/calls", "bronze/quarantine"]
    assert set(log["status"]) == {"failure"} and set(log["run_id"]) == {result.run_id}
    assert log["rows_out"].is_null().all()  # nothing was written


@pytest.mark.parametrize("state", ["missing", "too_open", "destroyed"])
def test_a_tenant_whose_key_cannot_be_used_is_not_ingested_and_its_files_wait(
    tmp_path, settings, state
):
    """The key store fails closed: no new key, no call stored, the batch stays in landing."""
    keys = FileKeyStore(settings.keys)
    key_file = Path(settings.keys) / "acme-telecom.key"
    if state == "missing":
        key_file.unlink()
    elif state == "too_open":
        key_file.chmod(0o644)
    else:
        keys.destroy("acme-telecom")
    partition = drop_batch(tmp_path, settings, f"key-{state}", "2026-11-02T09:00:00+01:00")
    result = run_batch(partition, asset_selection=BRONZE)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "acme-telecom" in failure.message or "acme-telecom" in str(failure.event_specific_data)
    assert "+33" not in str(failure.event_specific_data)
    assert Lakehouse(settings.lakehouse).read(CALLS).height == 0
    assert sorted(
        p.name for p in (Path(settings.landing) / "acme-telecom" / f"key-{state}").iterdir()
    ) == [
        "c1.wav",
        "manifest.csv",
    ]
    if state != "too_open":  # nothing minted a new key
        assert not key_file.exists() and keys.status("acme-telecom") == state


def test_the_scorecard_versions_check_reads_the_tenants_rows_and_catches_a_duplicate(settings):
    """silver.scorecard_versions has no call_uid: a batch's check reads its tenant's rows."""
    from datetime import UTC, datetime

    from orchestration.defs.quality.checks import batch_rows
    from orchestration.lib.resources import SettingsResource
    from transforms.core.contracts import load_contracts
    from transforms.core.lakehouse import conform
    from transforms.core.tables import SCORECARD_VERSIONS
    from transforms.quality.expectations import validate

    def version(tenant: str, v: str) -> dict:
        return {
            "tenant_id": tenant, "scorecard_id": "standard", "scorecard_version": v,
            "name": "Standard", "pass_threshold": 70.0, "criteria_total": 7,
            "is_active": v == "2", "definition_sha256": "ab" * 32, "definition": "{}",
            "recorded_at": datetime(2026, 11, 2, tzinfo=UTC),
        }  # fmt: skip

    lh = Lakehouse(settings.lakehouse)
    rows = [version("acme-telecom", "1"), version("acme-telecom", "2"), version("globex", "1")]
    lh.merge(SCORECARD_VERSIONS, conform(SCORECARD_VERSIONS, rows))
    got = batch_rows(SettingsResource.from_env(os.environ), SCORECARD_VERSIONS, "acme-telecom__b1")
    assert sorted(got["scorecard_version"]) == ["1", "2"]
    contract = load_contracts()["silver.scorecard_versions"]
    assert validate(contract, got).success
    # a version recorded twice (a writer bypassing the MERGE) fails the blocking rule
    broken = validate(contract, pl.concat([got, got.head(1)]))
    assert [r.rule for r in broken.blocking_failures] == ["key_unique"]

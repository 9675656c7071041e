"""The landing sensor turns complete landing folders into partitions and run requests."""

import os
import shutil
from pathlib import Path

import dagster as dg

from orchestration.defs.ingest.sensors import landing_sensor
from orchestration.lib.resources import SettingsResource
from tests.audio_fixtures import tone


def evaluate(instance):
    with dg.build_sensor_context(
        instance=instance, resources={"settings": SettingsResource.from_env(os.environ)}
    ) as context:
        return landing_sensor(context)


def test_sensor_registers_complete_batches_once(ccr_home):
    batch = Path(ccr_home.landing) / "acme-telecom" / "b1"
    batch.mkdir(parents=True)
    (batch / "c1.wav").write_bytes(tone(1.0))
    instance = dg.DagsterInstance.ephemeral()

    assert evaluate(instance).run_requests == []  # no manifest yet: still uploading

    (batch / "manifest.csv").write_text("call_id,file_name,agent_id,started_at\n")
    result = evaluate(instance)
    assert [r.partition_key for r in result.run_requests] == ["acme-telecom__b1"]
    (add,) = result.dynamic_partitions_requests
    assert list(add.partition_keys) == ["acme-telecom__b1"]
    first_key = result.run_requests[0].run_key

    instance.add_dynamic_partitions("call_batches", ["acme-telecom__b1"])
    again = evaluate(instance)
    assert again.dynamic_partitions_requests == []  # already known
    assert again.run_requests[0].run_key == first_key  # same files: Dagster skips the run

    (batch / "c2.wav").write_bytes(tone(1.0, freq=500))
    assert evaluate(instance).run_requests[0].run_key != first_key  # new files: a new run
    shutil.rmtree(batch)
    assert evaluate(instance).run_requests == []


def test_review_csvs_start_a_review_run_and_are_not_call_batches(ccr_home):
    from orchestration.defs.review.sensors import review_landing_sensor

    reviews = Path(ccr_home.landing) / "_reviews" / "acme-telecom"
    reviews.mkdir(parents=True)
    # even a file named like a manifest under _reviews is not a call batch
    (reviews / "manifest.csv").write_text("call_id\n")
    (reviews / "week45.csv").write_text("call_id\n")
    instance = dg.DagsterInstance.ephemeral()
    assert evaluate(instance).run_requests == []
    with dg.build_sensor_context(
        instance=instance, resources={"settings": SettingsResource.from_env(os.environ)}
    ) as context:
        request = review_landing_sensor(context)
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith("reviews:")

"""Erasure in Delta: deleted rows leave no byte in any data file, checkpoint or log entry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.tables import CALLS


def call(i: int, tenant: str) -> dict:
    return {
        "call_uid": f"{i:032x}",
        "tenant_id": tenant,
        "call_id": f"secret-call-{i:04d}",
        "batch_id": "b1",
        "agent_id": f"secret-agent-{i:04d}",
        "team": None,
        "campaign": None,
        "caller_key": f"{i + 7_000_000:064x}",
        "started_at": datetime(2026, 1, 1, tzinfo=UTC),
        "language": None,
        "channel_layout": "mono",
        "audio_uri": f"/audio/{i}.wav",
        "audio_sha256": f"{i:064x}",
        "audio_format": "pcm_s16le",
        "duration_s": 1.0,
        "channels": 1,
        "sample_rate": 8000,
        "file_size_bytes": 1,
        "ingested_at": datetime(2026, 1, 2, tzinfo=UTC),
    }


def everywhere(root: Path, needle: str) -> list[str]:
    """Files holding ``needle`` in their raw bytes or their decoded Parquet values."""
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        decoded = str(pq.read_table(path).to_pylist()) if raw[:4] == b"PAR1" else ""
        if needle.encode() in raw or needle in decoded:
            found.append(str(path.relative_to(root)))
    return found


@pytest.fixture
def lake(tmp_path) -> Lakehouse:
    lh = Lakehouse(str(tmp_path))
    lh.merge(CALLS, conform(CALLS, [call(i, "t1") for i in range(4)]))
    lh.merge(CALLS, conform(CALLS, [call(i, "t2") for i in range(4, 8)]))
    return lh


def test_deleted_and_nulled_values_are_gone_from_every_file_once_history_is_forgotten(
    lake, tmp_path
):
    gone, nulled = call(1, "t1"), call(2, "t1")
    assert everywhere(tmp_path, gone["call_id"]) and everywhere(tmp_path, nulled["caller_key"])
    assert lake.delete_rows(CALLS, "call_uid", [gone["call_uid"]], "t1") == 1
    assert lake.null_columns(CALLS, ["caller_key"], "call_uid", [nulled["call_uid"]], "t1") == 1
    # the old files and the DELETE/UPDATE commits (predicates, statistics) still hold them
    assert everywhere(tmp_path, gone["call_uid"]) and everywhere(tmp_path, nulled["caller_key"])
    assert lake.forget_history(CALLS) >= 2
    for needle in (gone["call_uid"], gone["call_id"], gone["agent_id"], nulled["caller_key"]):
        assert everywhere(tmp_path, needle) == [], needle
    assert lake.read(CALLS).height == 7
    assert lake.read(CALLS)["caller_key"].null_count() == 1
    table = DeltaTable(lake.uri(CALLS))
    assert table.metadata().configuration["delta.logRetentionDuration"] == "interval 30 days"
    assert len(list((tmp_path / "bronze" / "calls" / "_delta_log").glob("*.json"))) <= 2


def test_a_second_run_changes_nothing(lake):
    uid = call(2, "t1")["call_uid"]
    assert lake.null_columns(CALLS, ["caller_key"], "call_uid", [uid]) == 1
    assert lake.null_columns(CALLS, ["caller_key"], "call_uid", [uid]) == 0
    assert lake.delete_rows(CALLS, "call_uid", ["f" * 32]) == 0


def test_a_tenant_partition_goes_with_its_folder(lake, tmp_path):
    assert lake.delete_rows(CALLS, "tenant_id", ["t2"]) == 4
    lake.forget_history(CALLS)
    assert not (tmp_path / "bronze" / "calls" / "tenant_id=t2").exists()
    assert everywhere(tmp_path, call(5, "t2")["call_id"]) == []
    assert set(lake.read(CALLS)["tenant_id"]) == {"t1"}


@pytest.mark.parametrize("value", ["+33639980123", "Jean Dupont", "x' OR '1'='1"])
def test_a_personal_value_never_reaches_a_predicate(lake, value):
    with pytest.raises(ValueError, match="surrogate keys only"):
        lake.delete_rows(CALLS, "call_id", [value])

"""Delta tables on a real S3 server (SeaweedFS on loopback, versioned bucket): MERGE, read,
delete, vacuum and history clean-up, odd names; concurrent commits from two processes; the
credentials never in a message or in ``ccr settings``."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import textwrap
import time

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from orchestration import cli
from tests.unit.core.test_lakehouse_erasure import call
from transforms.core import object_store, storage
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.locks import writer_lock_path
from transforms.core.settings import Settings, SettingsError
from transforms.core.tables import ALL_TABLES as ALL
from transforms.core.tables import CALLS


def objects(uri: str) -> dict[str, bytes]:
    """Every version of every object under ``uri`` (old ones too), key → bytes."""
    bucket, _ = object_store.split(uri)
    out = {}
    for v in object_store.versions(uri):
        if not v.delete_marker:
            buffer = io.BytesIO()
            object_store.download(v, bucket, buffer)
            out[f"{v.key}@{v.version_id}"] = buffer.getvalue()
    return out


def holding(uri: str, needle: str) -> list[str]:
    """Versions whose bytes hold ``needle`` raw or in decoded Parquet values."""
    import pyarrow.parquet as pq

    found = []
    for name, data in objects(uri).items():
        decoded = str(pq.read_table(io.BytesIO(data)).to_pylist()) if data[:4] == b"PAR1" else ""
        if needle.encode() in data or needle in decoded:
            found.append(name)
    return found


def test_merge_read_delete_vacuum_and_forget_history_on_s3(s3_home: Settings):
    lh = Lakehouse(s3_home.lakehouse)
    assert lh.uri(CALLS).startswith("s3://")
    first = lh.merge(CALLS, conform(CALLS, [call(i, "t1") for i in range(4)]))
    assert first["num_target_rows_inserted"] == 4
    again = lh.merge(CALLS, conform(CALLS, [call(i, "t1") for i in range(4)]))
    assert again["num_target_rows_inserted"] == 0  # a MERGE on the key: nothing new
    lh.merge(CALLS, conform(CALLS, [call(i, "t2") for i in range(4, 8)]))
    assert lh.read(CALLS).height == 8
    assert lh.read(CALLS, "t2", columns=["call_id"]).height == 4
    assert lh.read(CALLS, where={"call_id": "secret-call-0001"}).height == 1

    gone, nulled = call(1, "t1"), call(2, "t1")
    assert lh.delete_rows(CALLS, "call_uid", [gone["call_uid"]], "t1") == 1
    assert lh.null_columns(CALLS, ["caller_key"], "call_uid", [nulled["call_uid"]], "t1") == 1
    assert holding(lh.uri(CALLS), gone["call_id"])  # old files and commits still hold it
    assert lh.forget_history(CALLS) >= 2
    # deleted from the table's current objects, but a versioned bucket keeps old versions
    current = {f.rsplit("/", 1)[-1] for f in storage.list_files(lh.uri(CALLS))}
    assert current and holding(lh.uri(CALLS), gone["call_id"])
    assert object_store.purge_noncurrent(s3_home.lakehouse) > 0
    for needle in (gone["call_uid"], gone["call_id"], gone["agent_id"], nulled["caller_key"]):
        assert holding(s3_home.lakehouse, needle) == [], needle
    assert lh.read(CALLS).height == 7
    assert lh.read(CALLS)["caller_key"].null_count() == 1
    # the tenant partition: deleted whole, its prefix empty after the vacuum
    assert lh.delete_rows(CALLS, "tenant_id", ["t2"]) == 4
    lh.forget_history(CALLS)
    assert not [f for f in storage.list_files(lh.uri(CALLS)) if "tenant_id=t2" in f]
    table = DeltaTable(lh.uri(CALLS), storage_options=object_store.delta_options())
    assert table.metadata().configuration["delta.logRetentionDuration"] == "interval 30 days"


def test_odd_unicode_names_round_trip(s3_home: Settings, monkeypatch):
    root = s3_home.lakehouse + "/été n°1 #2"
    lh = Lakehouse(root)
    rows = [call(i, "t1") | {"tenant_id": "tenant-é ü"} for i in range(3)]
    lh.merge(CALLS, conform(CALLS, rows))
    assert lh.read(CALLS, "tenant-é ü").height == 3
    name = storage.join(s3_home.lakehouse, "quarantine_files", "t1", "appel-été n°1 #?%.mp3")
    storage.write_bytes(name, b"bytes")
    assert storage.read_bytes(name) == b"bytes"
    assert [e.name for e in storage.list_entries(name.rsplit("/", 1)[0])] == [
        "appel-été n°1 #?%.mp3"
    ]
    storage.delete_file(name)
    assert storage.entry(name) is None


def test_the_writer_lock_of_an_s3_lakehouse_is_under_ccr_home(s3_home: Settings):
    lock = writer_lock_path(s3_home.lakehouse, s3_home.locks_dir)
    assert lock is not None and str(lock).startswith(f"{s3_home.home}/locks/")
    with Lakehouse.from_settings(s3_home).writing():
        assert lock.exists()


WRITER = textwrap.dedent(
    """
    import sys, time
    from deltalake import write_deltalake
    import pyarrow as pa
    from orchestration.lib.environment import process_settings
    from transforms.core import object_store
    process_settings()  # a process's edge: its object store from its environment
    uri, who, n, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    time.sleep(max(0.0, start - time.time()))  # both writers begin at the same instant
    for i in range(n):
        # no lakehouse lock here: only delta-rs's conditional put keeps the commits apart
        write_deltalake(uri, pa.table({"who": [who], "i": [i]}), mode="append",
                        storage_options=object_store.delta_options())
    """
)


def test_two_processes_committing_at_once_lose_no_commit(s3_home: Settings):
    uri = f"{s3_home.lakehouse}/race"
    options = object_store.delta_options()
    assert options["conditional_put"] == "etag"
    n = 50
    # the table exists first, as Lakehouse.ensure makes it (two creations at once conflict:
    # one fails, "Metadata changed since last commit", rather than losing anything)
    write_deltalake(
        object_store.delta_uri(uri),
        pa.table({"who": ["setup"], "i": [-1]}),
        storage_options=options,
    )
    expected, retries = [], 0
    # Whether two commits race for one version depends on timing: with 50 commits each, 4
    # rounds of 4 did collide on this machine (2 of 4 with 20). A round without a collision
    # proves nothing, so up to three are run.
    for round_ in range(3):
        start = str(time.time() + 8)  # after both interpreters have imported deltalake
        writers = [
            subprocess.Popen([sys.executable, "-c", WRITER, uri, f"{who}{round_}", str(n), start])
            for who in ("a", "b")
        ]
        assert [w.wait(timeout=300) for w in writers] == [0, 0]
        expected += [(f"{who}{round_}", i) for who in ("a", "b") for i in range(n)]
        table = DeltaTable(uri, storage_options=options)
        # a commit that lost the race for a version retried on the next one
        retries = sum(int(h["operationMetrics"].get("num_retries", 0)) for h in table.history())
        if retries:
            break
    rows = table.to_pyarrow_dataset(filesystem=None).to_table().to_pylist()
    assert sorted((r["who"], r["i"]) for r in rows if r["i"] >= 0) == sorted(expected)
    assert table.version() == len(expected)  # every commit its own version, none overwritten
    assert retries >= 1, "the two writers never raced for a version"


ENSURE = textwrap.dedent(
    """
    import sys, time
    from orchestration.lib.environment import process_settings
    from transforms.core.lakehouse import Lakehouse
    from transforms.core.tables import ALL_TABLES
    process_settings()  # a process's edge: its object store from its environment
    root, start = sys.argv[1], float(sys.argv[2])
    time.sleep(max(0.0, start - time.time()))
    for spec in ALL_TABLES:
        Lakehouse(root).ensure(spec)
    """
)


def test_two_hosts_creating_the_tables_at_once_both_go_on(s3_home: Settings):
    """Two processes with locks of their own (two hosts) create every table at the same
    instant: both go on, and every table is the contract's."""
    start = str(time.time() + 8)
    hosts = [
        subprocess.Popen(
            [sys.executable, "-c", ENSURE, s3_home.lakehouse, start],
            env={**os.environ, "CCR_HOME": f"{s3_home.home}/host-{i}"},
        )
        for i in (1, 2)
    ]
    assert [h.wait(timeout=300) for h in hosts] == [0, 0]
    lh = Lakehouse(s3_home.lakehouse)
    for spec in ALL:
        lh.verify(spec)  # the contract's schema
        history = DeltaTable(lh.uri(spec), storage_options=lh._options).history()
        # a creation that lost the race may be committed again on top (seen: one table of 11),
        # with the same schema and properties: nothing but creations
        assert {h["operation"] for h in history} == {"CREATE TABLE"}, spec.name


def test_credentials_are_never_shown(s3_server, monkeypatch, capsys):
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    config = Settings.from_env(os.environ).object_store
    assert s3_server.secret_access_key not in repr(Settings.from_env(os.environ))
    assert s3_server.access_key_id not in repr(config)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert cli.main(["settings"]) == 0
    printed = out.getvalue()
    assert s3_server.secret_access_key not in printed
    assert s3_server.access_key_id not in printed
    assert "CCR_S3_SECRET_ACCESS_KEY" in printed and "(set, hidden)" in printed
    assert object_store.redact(f"x {s3_server.secret_access_key} y") == "x *** y"

    # AWS's SignatureDoesNotMatch body names the key id, and delta-rs quotes the body
    @object_store.redacting
    def refused():
        raise OSError(f"403 <AWSAccessKeyId>{s3_server.access_key_id}</AWSAccessKeyId>")

    with pytest.raises(OSError) as raised:
        refused()
    assert s3_server.access_key_id not in str(raised.value) and "***" in str(raised.value)


@pytest.mark.parametrize("var", ["CCR_HOME", "CCR_WAREHOUSE"])
def test_home_and_warehouse_must_be_local(var, tmp_path):
    env = {"CCR_HOME": str(tmp_path), var: "s3://bucket/bi"}
    with pytest.raises(SettingsError, match=f"{var} must be a local folder"):
        Settings.from_env(env)

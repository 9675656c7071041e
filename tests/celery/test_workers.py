"""call_batch_job on two real Celery workers (Redis broker, loopback) with the real Whisper model.

A month's backfill in small: three call-batch partitions (two tenants, a few sample calls each)
run as one run per partition, two at a time, their steps shared by two workers. The same
partitions run in process in another home give the reference rows. Then a worker's pool process
is killed (SIGKILL) in the middle of a batch, between two Delta commits of its transcription
step, and the batch is re-executed from failure.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import polars as pl
import pytest

from orchestration.defs.ingest.sensors import landing_requests
from orchestration.lib.partitions import call_batches
from orchestration.lib.workers import run_batch, run_batches
from tests.celery.conftest import land_calls, make_dagster_home
from tests.conftest import use_home
from transforms.core.lakehouse import Lakehouse
from transforms.core.locks import writer_lock_path
from transforms.core.settings import Settings
from transforms.core.tables import (
    ALL_TABLES,
    CALL_SCORES,
    CALLS,
    CRITERION_RESULTS,
    PROCESSING_LOG,
    SEGMENTS,
    TRANSCRIPTS,
    TableSpec,
)

pytestmark = pytest.mark.slow

#: Three batches, two calls each: enough for two runs at once and a third that waits for a
#: worker (one worker's pool process transcribes two of them: its model is reused).
BATCHES = {
    ("acme-telecom", "2026-11-02"): ["acme-20261102-0001", "acme-20261102-0002"],
    ("acme-telecom", "2026-11-03"): ["acme-20261103-0004", "acme-20261103-0005"],
    ("globex-energy", "2026-11-02"): ["glx-20261102-0001", "glx-20261102-0002"],
}
CALLS_PER_BATCH = {f"{t}__{b}": len(c) for (t, b), c in BATCHES.items()}
#: Columns that differ between two runs of the same calls: times, the home's paths, the run.
_VARYING = re.compile(r"(_at|_uri|_seconds|real_time_factor|run_id)$")


def _register(settings: Settings) -> list[tuple[str, dict[str, str]]]:
    """Partitions and run tags for what waits in landing (as ``ccr run`` and the sensor do)."""
    instance = dg.DagsterInstance.get()
    plan = landing_requests(instance, settings, retry_now=True)
    instance.add_dynamic_partitions(call_batches.name, plan.new_partitions)
    return [(r.partition_key, dict(r.tags)) for r in plan.requests]


def _messages(instance: dg.DagsterInstance, run_id: str, step_key: str) -> list[str]:
    return [
        e.user_message
        for e in instance.all_logs(run_id)
        if e.step_key == step_key and e.user_message
    ]


def _comparable(lh: Lakehouse, spec: TableSpec) -> pl.DataFrame:
    frame = lh.read(spec, decrypt=True)  # the texts (each write seals with a fresh nonce)
    return frame.select([c for c in frame.columns if not _VARYING.search(c)]).sort(spec.key)


@pytest.fixture(scope="module")
def reference(celery_home, tmp_path_factory) -> Settings:
    """The same batches executed in process (no broker) in a home of their own, with the same
    pseudonym keys (caller keys must match) and the same Whisper threads."""
    celery_settings, _ = celery_home
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, tmp_path_factory.mktemp("in_process_home"))
        mp.setenv("CCR_KEYS", celery_settings.keys)
        mp.delenv("CCR_CELERY_BROKER")
        settings = Settings.from_env(os.environ)
        make_dagster_home()
        for (tenant, batch), calls in BATCHES.items():
            land_calls(settings, tenant, batch, calls)
        from orchestration.definitions import build_definitions

        job = build_definitions().resolve_job_def("call_batch_job")
        instance = dg.DagsterInstance.get()
        for key, tags in _register(settings):
            assert job.execute_in_process(instance=instance, partition_key=key, tags=tags).success
    return settings


@pytest.fixture(scope="module")
def backfill(celery_home) -> dict:
    settings, workers = celery_home
    for (tenant, batch), calls in BATCHES.items():
        land_calls(settings, tenant, batch, calls)
    started = time.perf_counter()
    outcomes = run_batches(_register(settings), parallel=2)
    return {"outcomes": outcomes, "wall_s": time.perf_counter() - started, "workers": workers}


def test_each_batch_is_one_run_whose_steps_ran_on_both_workers(celery_home, backfill):
    outcomes = backfill["outcomes"]
    assert sorted(o.partition_key for o in outcomes) == sorted(CALLS_PER_BATCH)
    assert all(o.success and len(o.run_ids) == 1 for o in outcomes), outcomes
    instance = dg.DagsterInstance.get()
    hosts = Counter()
    for o in outcomes:
        for entry in instance.all_logs(o.run_ids[0]):
            event = entry.dagster_event
            if event is None or event.event_type != dg.DagsterEventType.ENGINE_EVENT:
                continue
            data = event.engine_event_data
            if "Celery worker" in data.metadata:
                hosts[str(data.metadata["Celery worker"].value).split("@")[0]] += 1
    assert set(hosts) == {"w1", "w2"}, hosts


def test_the_workers_write_the_same_rows_as_an_in_process_run(celery_home, backfill, reference):
    settings, _ = celery_home
    ours, theirs = Lakehouse.from_settings(settings), Lakehouse.from_settings(reference)
    assert ours.read(CALLS).height == sum(CALLS_PER_BATCH.values())
    for spec in ALL_TABLES:
        if spec.path == PROCESSING_LOG.path:
            continue
        got, expected = _comparable(ours, spec), _comparable(theirs, spec)
        assert got.columns == expected.columns, spec.path
        assert got.equals(expected), f"{spec.path}: {got.height} rows vs {expected.height}"


def test_each_worker_process_loads_the_model_once(backfill):
    instance = dg.DagsterInstance.get()
    loads, reuses = Counter(), 0
    for o in backfill["outcomes"]:
        for message in _messages(instance, o.run_ids[0], "transcripts"):
            if found := re.fullmatch(r"Whisper model (loaded|reused) in process (\d+)", message):
                if found[1] == "loaded":
                    loads[found[2]] += 1
                else:
                    reuses += 1
    # three transcription steps on two single-process workers: two loads, one reuse at least
    assert loads and max(loads.values()) == 1, loads
    assert len(loads) <= 2 and reuses >= 1 and len(loads) + reuses == len(BATCHES)


def test_the_processing_log_counts_each_step_once(celery_home, backfill):
    settings, _ = celery_home
    lh = Lakehouse(settings.lakehouse)
    run_ids = [o.run_ids[0] for o in backfill["outcomes"]]
    log = lh.read(PROCESSING_LOG).filter(pl.col("run_id").is_in(run_ids))
    assert set(log["status"]) == {"success"}
    assert log.group_by("run_id", "asset_key").len()["len"].max() == 1
    transcribed = log.filter(pl.col("asset_key") == "silver/transcripts")
    assert dict(zip(transcribed["partition_key"], transcribed["rows_out"], strict=True)) == (
        CALLS_PER_BATCH
    )
    # the steps' counts add up to the tables (each step counted in its own worker process)
    for spec in (SEGMENTS, CRITERION_RESULTS, CALL_SCORES):
        logged = log.filter(pl.col("asset_key") == spec.path)["rows_out"].sum()
        assert logged == lh.read(spec).height, spec.path


def test_the_processing_log_says_what_the_in_process_run_says(celery_home, backfill, reference):
    """Same assets, partitions, statuses and counts per step, whichever process ran it."""
    settings, _ = celery_home
    run_ids = [o.run_ids[0] for o in backfill["outcomes"]]
    columns = ["partition_key", "asset_key", "status", "rows_in", "rows_out", "rows_rejected"]
    ours = Lakehouse(settings.lakehouse).read(PROCESSING_LOG)
    ours = ours.filter(pl.col("run_id").is_in(run_ids)).select(columns).sort(columns)
    theirs = Lakehouse(reference.lakehouse).read(PROCESSING_LOG).select(columns).sort(columns)
    assert ours.height == theirs.height == len(BATCHES) * 9
    assert ours.equals(theirs)


def _delta_version(lakehouse: str, spec: TableSpec) -> int:
    """The table's next version: one more than its newest commit file's."""
    commits = (Path(lakehouse) / spec.path / "_delta_log").glob("*.json")
    return max((int(p.stem) for p in commits), default=-1) + 1


def _commit_file(lakehouse: str, spec: TableSpec, versions: int) -> Path:
    """The commit file that commit ``versions`` of ``spec`` writes."""
    return Path(lakehouse) / spec.path / "_delta_log" / f"{versions:020d}.json"


def _wait_for(what: str, found, timeout: float = 300, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while not (value := found()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(every)
    return value


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(celery_home, backfill):
    """The pool process transcribing a batch is killed right after its first Delta commit
    (the segments) and before its last (the transcripts): the run fails, its lost step is
    logged as failed, the re-execution from failure finishes the batch.

    The test holds the lakehouse's writer lock while the step transcribes, so the step waits at
    its first commit; then it lets that commit through, stops the process (SIGSTOP) as soon as
    the commit file is there, checks the transcripts are not committed, and kills it (SIGKILL)."""
    settings, _ = celery_home
    calls = ["glx-20261104-0006", "glx-20261104-0007", "glx-20261104-0008"]
    key = land_calls(settings, "globex-energy", "2026-11-04", calls)
    [(key, tags)] = _register(settings)
    instance = dg.DagsterInstance.get()
    result: list = []
    runner = threading.Thread(target=lambda: result.append(run_batch(instance, key, tags)))
    lock_fd = os.open(writer_lock_path(settings.lakehouse), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        runner.start()
        run_filter = dg.RunsFilter(tags={"dagster/partition": key})
        first = _wait_for("the batch run", lambda: instance.get_runs(run_filter))[0].run_id
        pid = int(
            _wait_for(
                "the transcription step",
                lambda: next(
                    (
                        m.rsplit(" ", 1)[1]
                        for m in _messages(instance, first, "transcripts")
                        if m.startswith("Whisper model")
                    ),
                    None,
                ),
            )
        )
        # Hold the writer lock: the step transcribes, then waits at its first commit.
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        _wait_for(
            "the last call transcribed",
            lambda: any(
                m.startswith(f"transcribed {len(calls)}/{len(calls)}")
                for m in _messages(instance, first, "transcripts")
            ),
        )
        time.sleep(1.0)
        segments, transcripts = (
            _delta_version(settings.lakehouse, s) for s in (SEGMENTS, TRANSCRIPTS)
        )
        next_segments = _commit_file(settings.lakehouse, SEGMENTS, segments)
        fcntl.flock(lock_fd, fcntl.LOCK_UN)  # let the first commit through ...
        _wait_for("the segments commit", next_segments.exists, timeout=60, every=0.0005)
        # ... and freeze the step there: its next commit (the transcripts MERGE: a read, a
        # DataFusion plan, a Parquet write) takes tens of milliseconds, the stop a fraction of one.
        os.kill(pid, signal.SIGSTOP)
        assert _delta_version(settings.lakehouse, TRANSCRIPTS) == transcripts
        os.kill(pid, signal.SIGKILL)
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)
    runner.join(timeout=600)
    [outcome] = result
    assert outcome.success and len(outcome.run_ids) == 2 and outcome.lost_steps == 2
    assert instance.get_run_by_id(first).status == dg.DagsterRunStatus.FAILURE

    lh = Lakehouse(settings.lakehouse)
    for spec in ALL_TABLES:  # no duplicated row anywhere
        frame = lh.read(spec)
        assert frame.select(spec.key).is_duplicated().sum() == 0, spec.path
    uids = lh.read(CALLS).filter(pl.col("batch_id") == "2026-11-04")["call_uid"]
    assert uids.len() == len(calls)
    mine = pl.col("call_uid").is_in(uids.implode())
    assert lh.read(TRANSCRIPTS).filter(mine).height == len(calls)
    assert lh.read(CALL_SCORES).filter(mine).height == len(calls)
    assert lh.read(CRITERION_RESULTS).filter(mine).height == len(calls) * 7
    # no segment lost: each call's segments are numbered 0..n-1 without a gap
    per_call = (
        lh.read(SEGMENTS)
        .filter(mine)
        .group_by("call_uid")
        .agg(n=pl.len(), top=pl.col("segment_index").max())
    )
    assert per_call.height == len(calls) and (per_call["top"] + 1 == per_call["n"]).all()

    log = lh.read(PROCESSING_LOG).filter(pl.col("partition_key") == key)
    failed = log.filter(pl.col("run_id") == first, pl.col("status") == "failure")
    assert sorted(failed["asset_key"]) == ["silver/transcript_segments", "silver/transcripts"]
    assert failed["rows_out"].is_null().all()  # its counts died with its process
    retry = log.filter(pl.col("run_id") == outcome.run_ids[1])
    assert set(retry["status"]) == {"success"}
    assert retry.group_by("asset_key").len()["len"].max() == 1
    row = retry.filter(pl.col("asset_key") == "silver/transcripts").row(0, named=True)
    assert row["rows_out"] == len(calls)
    # the killed attempt committed the segments: the retry finds them there, inserts none
    segs = retry.filter(pl.col("asset_key") == "silver/transcript_segments").row(0, named=True)
    assert segs["rows_in"] == per_call["n"].sum() and segs["rows_out"] == 0


def test_redis_needs_its_password_and_nothing_shows_it(celery_home, redis_url):
    """The workers authenticate; a client without the password is refused; the password is in
    no worker log and on no process's command line (readable by every local user in ``ps``)."""
    import redis

    parts = urlsplit(redis_url)
    assert parts.password
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host=parts.hostname, port=parts.port).ping()
    _, workers = celery_home
    for name in workers.processes:
        assert parts.password not in workers.log(name)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            assert parts.password.encode() not in cmdline.read_bytes()

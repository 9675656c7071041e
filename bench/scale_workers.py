"""Workers half of the scale benchmark: the same calls through ``call_batch_job`` (ingest,
transcribe, score) on 1 and on 2 Celery workers, with a real Redis on loopback.

The sample calls are landed as batches of ``--per-batch`` calls (one partition each, as a
month's backfill would be), and run one run per partition, as many runs at once as there are
workers. Every setting is equal but the worker count: the machine's cores are split between the
workers (1 worker × all cores' threads, 2 workers × half each), so the figure is what a second
worker process adds on the same machine. Each measurement has its own ``CCR_HOME``, instance
and Redis database; worker start-up is not timed, the model loads are (once per worker).

    .venv/bin/python bench/scale_workers.py            # prints a table, then one JSON line
    .venv/bin/python bench/scale_workers.py --calls 4  # a quick look

``measure_workers(calls=...)`` returns the figures (``bench/scale.py`` combines it with the
object-storage half).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.celery.conftest import free_port, land_calls  # noqa: E402

SAMPLES = ROOT / "samples" / "landing"


def sample_calls(limit: int) -> list[tuple[str, str]]:
    """(tenant, call id) of the first ``limit`` good sample calls, tenants interleaved."""
    by_tenant = []
    for tenant in sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()):
        manifest = next((SAMPLES / tenant).iterdir()) / "manifest.csv"
        ids = [r.split(",")[0] for r in manifest.read_text().splitlines()[1:]]
        # the *-0099 files are the deliberately bad samples
        by_tenant.append([(tenant, i) for i in ids if not i.endswith("-0099")])
    mixed = [c for pair in zip(*by_tenant, strict=False) for c in pair]
    return mixed[:limit]


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _redis(folder: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--logfile", str(folder / "redis.log")],
        start_new_session=True,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(200):
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis.from_url(url).ping()
            break
        time.sleep(0.1)
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def _workers(count: int, threads: int, folder: Path) -> Iterator[None]:
    from orchestration.lib.workers import worker_command, worker_env

    started = []
    for i in range(count):
        log = folder / f"w{i + 1}.log"
        process = subprocess.Popen(
            worker_command(f"w{i + 1}"),
            env=worker_env(os.environ, threads=threads),
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((process, log))
    try:
        for process, log in started:
            deadline = time.monotonic() + 120
            while " ready." not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield
    finally:
        for process, _ in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _one(workers: int, calls: list[tuple[str, str]], per_batch: int, work: Path) -> dict:
    """Land, start ``workers`` workers, time every batch run; the figures of that run."""
    import dagster as dg

    from orchestration.defs.ingest.sensors import landing_requests
    from orchestration.lib.partitions import call_batches
    from orchestration.lib.workers import run_batches
    from transforms.core.keys import FileKeyStore
    from transforms.core.lakehouse import Lakehouse
    from transforms.core.settings import Settings
    from transforms.core.tables import CALL_SCORES, TRANSCRIPTS
    from transforms.core.tenants import load_tenants

    home = work / f"home-{workers}"
    threads = max(1, (os.cpu_count() or 1) // workers)
    env = {
        "CCR_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "CCR_KEYS": str(work / "keys"),
        "CCR_LANDING_QUIET_S": "0",
        "CCR_WHISPER_THREADS": str(threads),
        "CCR_WHISPER_WORKERS": "1",
    }
    for var in ("CCR_LANDING", "CCR_LAKEHOUSE", "CCR_WAREHOUSE"):
        os.environ.pop(var, None)
    with _redis(work) as url, _environment({**env, "CCR_CELERY_BROKER": url}):
        settings = Settings.from_env(os.environ)
        (home / "dagster").mkdir(parents=True)
        shutil.copyfile(ROOT / "orchestration" / "dagster.yaml", home / "dagster" / "dagster.yaml")
        keys = FileKeyStore(settings.keys)
        for tenant in load_tenants(settings.tenants_file):
            if keys.status(tenant) == "missing":
                keys.create(tenant)
        by_tenant: dict[str, list[str]] = {}
        for tenant, call_id in calls:
            by_tenant.setdefault(tenant, []).append(call_id)
        for tenant, ids in by_tenant.items():  # one partition per `per_batch` calls of a tenant
            for b, start in enumerate(range(0, len(ids), per_batch)):
                land_calls(settings, tenant, f"bench-{b:03d}", ids[start : start + per_batch])
        instance = dg.DagsterInstance.get()
        plan = landing_requests(instance, settings, retry_now=True)
        instance.add_dynamic_partitions(call_batches.name, plan.new_partitions)
        requests = [(r.partition_key, dict(r.tags)) for r in plan.requests]
        with _workers(workers, threads, work):
            started = time.perf_counter()
            outcomes = run_batches(
                requests, parallel=workers, retries=0, log_path=str(work / "runs.log")
            )
            wall_s = time.perf_counter() - started
        lh = Lakehouse(settings.lakehouse)
        transcripts = lh.read(TRANSCRIPTS)
        return {
            "workers": workers,
            "threads_per_worker": threads,
            "batches": len(requests),
            "runs_ok": sum(o.success for o in outcomes),
            "calls_transcribed": transcripts.height,
            "calls_scored": lh.read(CALL_SCORES).height,
            "audio_s": round(float(transcripts["duration_s"].sum()), 1),
            "wall_s": round(wall_s, 1),
        }


def measure_workers(calls: int = 16, per_batch: int = 2) -> dict:
    """The same ``calls`` sample calls on 1 and on 2 workers; figures as a dict."""
    chosen = sample_calls(calls)
    results = {}
    with tempfile.TemporaryDirectory(prefix="ccr-scale-workers-") as tmp:
        for n in (1, 2):
            # Each measurement in a process of its own: Dagster and Celery keep per-process
            # state (loggers bound to a stream, definitions, broker connections) that a second
            # measurement in the same process must not inherit.
            work = Path(tmp) / f"w{n}"
            work.mkdir()
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--calls", str(calls),
                 "--per-batch", str(per_batch), "--work", str(work)],
                cwd=ROOT, check=True, capture_output=True, text=True,
            )  # fmt: skip
            results[n] = json.loads(done.stdout.strip().splitlines()[-1])
    one, two = results[1], results[2]
    for r in (one, two):
        r["real_time_factor"] = round(r["audio_s"] / r["wall_s"], 2) if r["wall_s"] else None
    return {
        "calls": len(chosen),
        "batches": one["batches"],
        "audio_s": one["audio_s"],
        "wall_s_1_worker": one["wall_s"],
        "wall_s_2_workers": two["wall_s"],
        "real_time_factor_1_worker": one["real_time_factor"],
        "real_time_factor_2_workers": two["real_time_factor"],
        "workers_speedup": round(one["wall_s"] / two["wall_s"], 2) if two["wall_s"] else None,
        "threads_per_worker_1": one["threads_per_worker"],
        "threads_per_worker_2": two["threads_per_worker"],
        "all_ok": all(r["runs_ok"] == r["batches"] for r in (one, two))
        and one["calls_scored"] == two["calls_scored"] == len(chosen),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=16, help="sample calls (at most 16)")
    parser.add_argument("--per-batch", type=int, default=2, help="calls per batch partition")
    parser.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # one measurement, in this process (measure_workers starts it)
        print(json.dumps(_one(args.one, sample_calls(args.calls), args.per_batch, args.work)))
        return
    figures = measure_workers(args.calls, args.per_batch)
    print(
        f"{figures['calls']} calls, {figures['audio_s']} s of audio, {figures['batches']} batches"
    )
    print(f"{'workers':>8} {'threads':>8} {'wall s':>8} {'x real time':>12}")
    for n, suffix in ((1, "1_worker"), (2, "2_workers")):
        print(
            f"{n:>8} {figures[f'threads_per_worker_{n}']:>8} {figures[f'wall_s_{suffix}']:>8} "
            f"{figures[f'real_time_factor_{suffix}']:>12}"
        )
    print(f"workers speed-up: {figures['workers_speedup']}x")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

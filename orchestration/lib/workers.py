"""Call-batch steps on Celery workers (dagster-celery, Redis broker): the executor, the Celery app
the workers run, and running many batches at once with a retry of what a lost worker left.

Set ``CCR_CELERY_BROKER`` (``redis://host:6379/0``) and ``call_batch_job`` gets dagster-celery's
executor: each step (ingest, transcribe, score, the contract checks) becomes a Celery task that
any worker listening on the broker runs, on the Dagster instance the run gives it. Unset, the
job runs as before (in ``ccr``'s process, or Dagster's multiprocess executor). How to start the
workers, on this machine or others: docs/scale-out.md.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import dagster as dg

from orchestration.lib.environment import process_settings
from transforms.core.settings import Settings, SettingsError

#: The Celery queue dagster-celery routes steps to (its default; workers listen on it).
QUEUE = "dagster"
#: Celery settings shared by the run (which sends tasks) and the workers (which take them).
CELERY_CONFIG: dict[str, Any] = {
    # A worker takes one step at a time: a transcription step holds a core for minutes, so a
    # second step prefetched behind it would wait while another worker idles.
    "worker_prefetch_multiplier": 1,
    # Unset on purpose: a pool process lives for many steps, so its Whisper model is loaded once
    # (transforms.transcribe.pool.cached_transcriber). A limit would reload it every N steps.
    "worker_max_tasks_per_child": None,
    "broker_connection_retry_on_startup": True,
    # Results are read within seconds by the run; a day is plenty for a slow run.
    "result_expires": 86_400,
}
#: Re-executions from failure of a batch run that failed (a worker lost mid-step, most often).
RETRIES = 1


def executor_config(settings: Settings) -> dict[str, Any]:
    """The ``celery_executor`` config for the broker and backend in the settings."""
    return {
        "broker": settings.celery_broker,
        "backend": settings.celery_backend,
        "config_source": dict(CELERY_CONFIG),
    }


def require_safe_broker(settings: Settings) -> None:
    """Refuse a broker or backend on another host without a password (``broker_problem``), before
    anything connects to it."""
    problems = settings.broker_problems()
    if problems:
        raise SettingsError("; ".join(problems))


def batch_executor(settings: Settings | None = None) -> dg.ExecutorDefinition | None:
    """dagster-celery's executor when a broker is set; None (the default executor) otherwise.
    Without ``settings``, this process's. A broker on another host without a password is
    refused (``SettingsError``)."""
    settings = settings or process_settings()
    if not settings.celery_broker:
        return None
    require_safe_broker(settings)
    from dagster_celery import celery_executor

    return celery_executor.configured(executor_config(settings), name="celery")


def make_worker_app(settings: Settings | None = None) -> Any:
    """The Celery app a worker runs: the same broker, backend, queue and task as the executor."""
    from dagster._core.execution.retries import RetryMode
    from dagster_celery.executor import CeleryExecutor
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    settings = settings or process_settings()
    if not settings.celery_broker:
        raise RuntimeError("CCR_CELERY_BROKER is not set: a worker needs the broker's URL")
    require_safe_broker(settings)
    config = executor_config(settings)
    executor = CeleryExecutor(
        retries=RetryMode(RetryMode.DISABLED),
        broker=config["broker"],
        backend=config["backend"],
        config_source=config["config_source"],
    )
    app = make_app(executor.app_args())
    create_task(app)
    return app


def worker_command(
    name: str, *, concurrency: int = 1, loglevel: str = "INFO", python: str | None = None
) -> list[str]:
    """The command line of one worker: Celery's prefork pool with ``concurrency`` processes.

    Prefork, not ``solo``: the step runs in a child process, so a child killed mid-step (out of
    memory, SIGKILL) is reported to the run as lost (``WorkerLostError``) and replaced, and the
    run fails and can be retried; with ``solo`` the task would hang unanswered.
    """
    import sys

    return [
        python or sys.executable,
        "-m",
        "celery",
        "-A",
        "orchestration.lib.celery_app",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "--prefetch-multiplier=1",
        "-Q",
        QUEUE,
        "-n",
        f"{name}@%h",
        f"--loglevel={loglevel}",
    ]


def worker_env(base: Mapping[str, str], threads: int = 0) -> dict[str, str]:
    """A worker's environment: one Whisper process per pool process (the worker is the unit
    of parallelism; a nested pool would load a model per step), ``threads`` each."""
    env = dict(base)
    env["CCR_WHISPER_WORKERS"] = "1"
    if threads:
        env["CCR_WHISPER_THREADS"] = str(threads)
    return env


# ---------------------------------------------------------------- runs from this process

_DEFINITIONS: dict[str, dg.Definitions] = {}
_DEFINITIONS_LOCK = threading.Lock()


def call_batch_job() -> dg.JobDefinition:
    """``call_batch_job`` as loaded from the code location, for ``dg.reconstructable``: the
    workers load it again by this function's name. Definitions are built once per process.

    The executor is chosen here, from the settings of this process, not only when
    ``defs/jobs.py`` was first imported (a process that imported it before the broker was set,
    a test session say, still gets Celery)."""
    with _DEFINITIONS_LOCK:
        if "defs" not in _DEFINITIONS:
            from orchestration.definitions import build_definitions

            _DEFINITIONS["defs"] = build_definitions()
    job = _DEFINITIONS["defs"].resolve_job_def("call_batch_job")
    executor = batch_executor()
    return job.with_executor_def(executor) if executor is not None else job


@dataclass
class BatchOutcome:
    partition_key: str
    run_ids: list[str]
    success: bool
    #: processing-log rows written for steps whose process died
    lost_steps: int = 0


def run_batch(
    instance: dg.DagsterInstance,
    partition_key: str,
    tags: Mapping[str, str] | None = None,
    run_config: Mapping[str, Any] | None = None,
    retries: int = RETRIES,
) -> BatchOutcome:
    """One call batch through the job's executor (Celery when set), out of process; a failed run
    is logged (its lost steps as failed) and re-executed from failure up to ``retries`` times.

    Re-execution runs the failed step and those after it; every write is a keyed MERGE and each
    step commits its done-marker table last, so nothing is lost or written twice.
    """
    from orchestration.lib.processing_log import record_lost_steps

    settings = process_settings()
    job = dg.reconstructable(call_batch_job)
    # The partition is a run tag; a re-execution must carry it again (Dagster does not copy it).
    run_tags = {**(tags or {}), "dagster/partition": partition_key}
    result = dg.execute_job(
        job, instance=instance, run_config=dict(run_config or {}), tags=run_tags
    )
    outcome = BatchOutcome(partition_key, [result.run_id], result.success)
    for _ in range(retries):
        if outcome.success:
            break
        outcome.lost_steps += record_lost_steps(instance, outcome.run_ids[-1], settings)
        options = dg.ReexecutionOptions.from_failure(outcome.run_ids[-1], instance)
        result = dg.execute_job(job, instance=instance, tags=run_tags, reexecution_options=options)
        outcome.run_ids.append(result.run_id)
        outcome.success = result.success
    if not outcome.success:
        outcome.lost_steps += record_lost_steps(instance, outcome.run_ids[-1], settings)
    return outcome


def run_batches(
    requests: Iterable[tuple[str, Mapping[str, str]]],
    *,
    parallel: int,
    run_config: Mapping[str, Any] | None = None,
    retries: int = RETRIES,
    log_path: str | None = None,
    dagster_home: str | None = None,
) -> list[BatchOutcome]:
    """Many batches (a month's backfill: one run per partition), ``parallel`` runs at once.

    Each run is orchestrated by a process of a small pool (it mostly waits on the broker; the
    steps run on the workers), which opens the instance itself (``DAGSTER_HOME``). Processes, not
    threads: two ``execute_job`` calls in threads of one process hung on this machine (one run
    started, the other never did). What the runs print goes to ``log_path`` when given; the
    instance is ``dagster_home``'s (default: ``DAGSTER_HOME``).
    """
    import multiprocessing

    work = [
        (key, dict(tags), dict(run_config or {}), retries, dagster_home) for key, tags in requests
    ]
    if not work:
        return []
    with ProcessPoolExecutor(
        max_workers=max(1, min(parallel, len(work))),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_orchestrator,
        initargs=(log_path,),
    ) as pool:
        return list(pool.map(_run_one, work))


def _orchestrator(log_path: str | None) -> None:
    """A pool process's output goes to the run log, not the terminal."""
    if log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)


def _run_one(work: tuple[str, dict[str, str], dict[str, Any], int, str | None]) -> BatchOutcome:
    key, tags, run_config, retries, home = work
    opened = dg.DagsterInstance.from_config(home) if home else dg.DagsterInstance.get()
    with opened as instance:
        return run_batch(instance, key, tags, run_config, retries)

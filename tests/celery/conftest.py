"""Real Celery workers on a real Redis, on loopback, for the call-batch job.

``redis-server`` (Debian's package; ``make system-deps`` installs it) is started on a free
port, bound to 127.0.0.1, with no persistence, under the test's tmp folder, and a password
drawn for the run (``requirepass`` in a 0600 config file, never on a command line other local
users can read in ``ps``, never printed); two workers
(``orchestration.lib.workers.worker_command``, Celery's prefork pool, one pool process each) are
started as subprocesses in sessions of their own, with the test's ``CCR_*`` settings. Everything
started here is killed at the end, by process group id.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orchestration.lib.workers import worker_command, worker_env
from tests.conftest import use_home
from tests.faked_clock import real_clock_env
from transforms.core.settings import REPO_ROOT, Settings

SAMPLES = REPO_ROOT / "samples" / "landing"
#: Seconds a worker may take to connect and report ready (imports Dagster: ~5 s on 2 cores).
READY_S = 90


def redis_server_or_skip() -> str:
    """The server; on CI (``CI`` set) a missing server fails, elsewhere the test is skipped."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("redis-server is not installed: `make system-deps` installs it")
    pytest.skip("redis-server is not installed (apt-get install redis-server); CI is not set")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Kill the process group this fixture started (the worker and its pool processes)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    with contextlib.suppress(ProcessLookupError):  # pool processes a dead worker left
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = redis_server_or_skip()
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    password = secrets.token_urlsafe(24)
    config = folder / "redis.conf"
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"requirepass {password}\n")
    process = subprocess.Popen(
        [server, str(config), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--daemonize", "no",
         "--logfile", str(folder / "redis.log")],
        start_new_session=True,
        env=real_clock_env(),  # under faketime it cannot start (tests/faked_clock.py)
    )  # fmt: skip
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                _stop(process)
                pytest.fail(f"redis-server did not answer on 127.0.0.1:{port}")
            time.sleep(0.1)
    yield url
    _stop(process)


@dataclass
class Workers:
    """Celery workers started for a test module, and their logs."""

    folder: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str) -> None:
        log = (self.folder / f"{name}.log").open("w")
        env = worker_env(os.environ, threads=1)
        self.processes[name] = subprocess.Popen(
            worker_command(name),
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_S
        for name, process in self.processes.items():
            while f"{name}@" not in self.log(name) or " ready." not in self.log(name):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"worker {name} did not start:\n{self.log(name)[-3000:]}")
                time.sleep(0.2)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            _stop(process)


@pytest.fixture(scope="module")
def celery_home(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Workers]]:
    """A fresh home whose call batches run on two Celery workers (one Whisper thread each)."""
    with pytest.MonkeyPatch.context() as mp:
        use_home(mp, tmp_path_factory.mktemp("celery_home"))
        mp.setenv("CCR_CELERY_BROKER", redis_url)
        mp.setenv("CCR_WHISPER_THREADS", "1")
        mp.setenv("CCR_WHISPER_WORKERS", "1")
        make_dagster_home()
        workers = Workers(tmp_path_factory.mktemp("workers"))
        try:
            for name in ("w1", "w2"):
                workers.start(name)
            workers.wait_ready()
            yield Settings.from_env(os.environ), workers
        finally:
            workers.stop()


def make_dagster_home() -> None:
    """``DAGSTER_HOME`` made, with the project's instance settings (as ``ccr`` does)."""
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")


def land_calls(settings: Settings, tenant: str, batch_id: str, call_ids: list[str]) -> str:
    """A landing batch of a few sample calls (their files and manifest rows); its partition key."""
    source = next((SAMPLES / tenant).iterdir())
    lines = (source / "manifest.csv").read_text().splitlines()
    header, rows = lines[0], [r for r in lines[1:] if r.split(",")[0] in call_ids]
    assert len(rows) == len(call_ids), "a call id not in the samples' manifest"
    target = Path(settings.landing) / tenant / batch_id
    target.mkdir(parents=True, exist_ok=True)
    for row in rows:
        name = row.split(",")[1]
        shutil.copyfile(source / name, target / name)
    (target / "manifest.csv").write_text("\n".join([header, *rows]) + "\n")
    return f"{tenant}__{batch_id}"

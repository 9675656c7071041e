"""The Dagster UI behind nginx: real nginx and real webservers on loopback (free ports).

No credentials or a wrong password → 401; the right password → the UI's GraphQL answers; a
read-only user's mutation is refused by the read-only webserver and its REST writes by nginx; an
operator's mutation goes through; a user the running proxy has not loaded yet is read-only. In
network namespaces the test makes (root only), a machine on the network reaches the proxy but
finds the webserver's port closed: it listens on loopback only.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orchestration.lib import ui_proxy
from tests.celery.conftest import free_port

HERE = Path(__file__).parent
#: Seconds a webserver may take to answer (imports Dagster and loads the location: ~10 s here).
READY_S = 90
VERSION = {"query": "{ version }"}
MUTATION = {
    "query": "mutation { reportRunlessAssetEvents(eventParams: {eventType: ASSET_MATERIALIZATION,"
    ' assetKey: {path: ["sample"]}}) { __typename } }'
}


def nginx_or_skip() -> str:
    found = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("nginx is not installed: `make system-deps` installs it")
    pytest.skip("nginx is not installed (apt-get install nginx); CI is not set")


def workspace(folder: Path) -> Path:
    path = folder / "workspace.yaml"
    path.write_text(
        f"load_from:\n  - python_file:\n      relative_path: {HERE / 'ui_location.py'}\n"
        f"      working_directory: {HERE.parent.parent}\n"
    )
    return path


def wait_until(check, what: str, processes: list[subprocess.Popen], seconds: float = READY_S):
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            pytest.fail(f"{what} did not come up in {seconds} s")
        time.sleep(0.3)


class Ui:
    def __init__(self, paths: ui_proxy.Paths, url: str, passwords: dict[str, str]):
        self.paths, self.url, self.passwords = paths, url, passwords

    def post(self, user: str | None, body: dict, password: str | None = None) -> httpx.Response:
        auth = (user, password or self.passwords[user]) if user else None
        with httpx.Client(verify=str(self.paths.cert), timeout=30) as client:
            return client.post(f"{self.url}/graphql", json=body, auth=auth)


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ui]:
    nginx = nginx_or_skip()
    home = tmp_path_factory.mktemp("ui_home")
    paths = ui_proxy.Paths(home / "ui")
    passwords = {"ops": secrets.token_urlsafe(16), "viewer": secrets.token_urlsafe(16)}
    ui_proxy.add_user(paths, "ops", passwords["ops"], "operator")
    ui_proxy.add_user(paths, "viewer", passwords["viewer"], "readonly")
    ui_proxy.ensure_certificate(paths)
    operator, readonly, proxy = free_port(), free_port(), free_port()
    conf = ui_proxy.write_nginx_config(paths, f"127.0.0.1:{proxy}", operator, readonly)
    ws = workspace(home)
    env = {**os.environ, "DAGSTER_HOME": str(home / "dagster")}
    ui_proxy.init_instance(home / "dagster")
    commands = [
        ui_proxy.webserver_command(operator, read_only=False, workspace=ws),
        ui_proxy.webserver_command(readonly, read_only=True, workspace=ws),
        [nginx, *ui_proxy.nginx_command(conf)[1:]],
    ]
    with ui_proxy.started(commands, env) as processes:
        for port in (operator, readonly):
            wait_until(
                lambda port=port: httpx.get(f"http://127.0.0.1:{port}/server_info").is_success,
                f"the webserver on {port}",
                processes,
            )
        url = f"https://127.0.0.1:{proxy}"
        wait_until(lambda: socket.create_connection(("127.0.0.1", proxy), 1), "nginx", processes)
        yield Ui(paths, url, passwords)


def test_the_users_file_and_the_key_are_for_their_owner_only(ui: Ui):
    for path in (ui.paths.users, ui.paths.key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = ui.paths.users.read_text()
    assert all(p not in text for p in ui.passwords.values())
    assert all(line.split(":")[1].startswith("$6$") for line in text.splitlines())


def test_no_credentials_is_401(ui: Ui):
    response = ui.post(None, VERSION)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("user", ["viewer", "ops", "nobody"])
def test_a_wrong_password_is_401(ui: Ui, user: str):
    assert ui.post(user, VERSION, password="not-the-password-at-all").status_code == 401


@pytest.mark.parametrize("user", ["viewer", "ops"])
def test_the_right_password_gets_the_uis_graphql(ui: Ui, user: str):
    response = ui.post(user, VERSION)
    assert response.status_code == 200
    assert response.json()["data"]["version"]


def test_a_read_only_user_cannot_mutate_and_an_operator_can(ui: Ui):
    refused = ui.post("viewer", MUTATION).json()["data"]["reportRunlessAssetEvents"]
    assert refused["__typename"] == "UnauthorizedError"
    done = ui.post("ops", MUTATION).json()["data"]["reportRunlessAssetEvents"]
    assert done["__typename"] == "ReportRunlessAssetEventsSuccess"


def test_rest_writes_are_for_operators_only(ui: Ui):
    with httpx.Client(verify=str(ui.paths.cert), timeout=30) as client:
        url = f"{ui.url}/report_asset_materialization/sample"
        assert client.post(url, auth=("viewer", ui.passwords["viewer"])).status_code == 403
        assert client.post(url, auth=("ops", ui.passwords["ops"])).status_code == 200
        deleted = client.delete(f"{ui.url}/graphql", auth=("ops", ui.passwords["ops"]))
        assert deleted.status_code == 403


def test_a_user_the_proxy_has_not_loaded_yet_is_read_only(ui: Ui):
    """Passwords apply at once (nginx reads the file on every request); a role only once the
    proxy reloads its map: until then the new operator gets the read-only webserver."""
    password = secrets.token_urlsafe(16)
    ui_proxy.add_user(ui.paths, "late", password, "operator")
    ui.passwords["late"] = password
    assert ui.post("late", VERSION).status_code == 200
    result = ui.post("late", MUTATION).json()["data"]["reportRunlessAssetEvents"]
    assert result["__typename"] == "UnauthorizedError"
    assert ui_proxy.reload_proxy(ui.paths)
    deadline = time.monotonic() + 20
    while (
        ui.post("late", MUTATION).json()["data"]["reportRunlessAssetEvents"]["__typename"]
        != "ReportRunlessAssetEventsSuccess"
    ):
        assert time.monotonic() < deadline, "the reloaded proxy kept 'late' read-only"
        time.sleep(0.3)
    assert ui_proxy.remove_user(ui.paths, "late")
    assert ui.post("late", VERSION).status_code == 401


def test_the_webserver_listens_on_loopback_only(ui: Ui):
    """From this machine: the webserver binds 127.0.0.1, not a wildcard address."""
    command = ui_proxy.webserver_command(3000, read_only=True)
    assert command[command.index("-h") + 1] == "127.0.0.1"
    assert ui_proxy.dev_command(3000)[ui_proxy.dev_command(3000).index("-h") + 1] == "127.0.0.1"


# ---------------------------------------------------------------- from another machine


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str, str]]:
    """Two network namespaces joined by a veth pair: a server and a client machine; (server
    namespace, client namespace, server address). Both are removed at the end."""
    if shutil.which("ip") is None:
        if os.environ.get("CI"):
            pytest.fail("the ip command (iproute2) is not installed")
        pytest.skip("the ip command (iproute2) is not installed; CI is not set")
    tag = f"{os.getpid() % 100000}"
    srv, cli = f"ccr-srv-{tag}", f"ccr-cli-{tag}"
    made = _ip("netns", "add", srv)
    if made.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot create a network namespace (needs root): {made.stderr.strip()}")
        pytest.skip(f"cannot create a network namespace (needs root; CI is not set): {made.stderr}")
    try:
        address = "10.213.77.1"
        steps = [
            ("netns", "add", cli),
            ("link", "add", f"ccrs{tag}", "type", "veth", "peer", "name", f"ccrc{tag}"),
            ("link", "set", f"ccrs{tag}", "netns", srv),
            ("link", "set", f"ccrc{tag}", "netns", cli),
            ("-n", srv, "addr", "add", f"{address}/30", "dev", f"ccrs{tag}"),
            ("-n", cli, "addr", "add", "10.213.77.2/30", "dev", f"ccrc{tag}"),
            ("-n", srv, "link", "set", f"ccrs{tag}", "up"),
            ("-n", cli, "link", "set", f"ccrc{tag}", "up"),
            ("-n", srv, "link", "set", "lo", "up"),
            ("-n", cli, "link", "set", "lo", "up"),
        ]
        for step in steps:
            done = _ip(*step)
            assert done.returncode == 0, f"ip {' '.join(step)}: {done.stderr}"
        yield srv, cli, address
    finally:
        _ip("netns", "del", cli)
        _ip("netns", "del", srv)


def test_from_the_network_the_proxy_answers_and_the_webserver_is_closed(namespaces, tmp_path):
    nginx = nginx_or_skip()
    srv, cli, address = namespaces
    paths = ui_proxy.Paths(tmp_path / "ui")
    ui_proxy.add_user(paths, "ops", secrets.token_urlsafe(16), "operator")
    ui_proxy.ensure_certificate(paths)
    web, proxy = 3000, 8443  # a namespace of its own: every port is free
    conf = ui_proxy.write_nginx_config(paths, f"{address}:{proxy}", web, web)
    (tmp_path / "dagster").mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster")}
    inside = ["ip", "netns", "exec", srv]
    webserver = ui_proxy.webserver_command(web, read_only=False, workspace=workspace(tmp_path))
    commands = [[*inside, *webserver], [*inside, nginx, *ui_proxy.nginx_command(conf)[1:]]]
    with ui_proxy.started(commands, env) as processes:
        up = f"import httpx; print(httpx.get('http://127.0.0.1:{web}/server_info').status_code)"
        probe = [*inside, sys.executable, "-c", up]
        wait_until(
            lambda: (
                subprocess.run(probe, capture_output=True, text=True, timeout=30).stdout.strip()
                == "200"
            ),
            "the webserver in the server namespace",
            processes,
        )
        seen = subprocess.run(
            ["ip", "netns", "exec", cli, sys.executable, str(HERE / "probe.py"), address,
             str(web), str(proxy)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert seen.returncode == 0, seen.stderr
        result = json.loads(seen.stdout)
    assert result == {"webserver": "refused", "proxy": "open", "proxy_status": 401}

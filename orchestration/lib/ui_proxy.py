"""The Dagster UI behind authentication: Debian's nginx in front, TLS, users with a role.

``make dev-secure`` (``ccr ui serve``) starts three processes and keeps them in the foreground:

- ``dagster dev`` (webserver and daemon) bound to 127.0.0.1:``CCR_UI_PORT``: the operators' UI;
- ``dagster-webserver --read-only`` on 127.0.0.1:``CCR_UI_PORT + 1``: the read-only users' UI,
  where Dagster itself refuses every mutation (launching, re-executing, wiping, toggling
  schedules and sensors, reporting events), whatever the request looks like;
- nginx on ``CCR_UI_LISTEN`` (TLS), asking every request for a user name and password
  (``auth_basic``, checked against ``$CCR_HOME/ui/users.htpasswd``) and sending it to the
  operators' or the read-only webserver by the user's role.

Why two webservers: a GraphQL query and a GraphQL mutation are both a POST to ``/graphql``, and
nginx cannot read a request body to tell them apart (it has no GraphQL parser; njs or Lua could
read the body, but a document can hide a mutation behind fragments, aliases and operation names).
The role therefore picks the upstream, and the read-only one enforces read-only itself.

Users: ``ccr ui users add|remove|list``. The file holds ``name:hash:role`` lines (nginx reads the
first two fields and ignores the third) with SHA-512 crypt hashes (``$6$``), made by the system's
libcrypt, the same library nginx verifies them with. nginx hashes the password on every request:
SHA-512 crypt with its default 5000 rounds costs about 2 ms here; bcrypt at cost 10 about 54 ms
and yescrypt about 15 ms (measured with libcrypt on this 2-core machine), a cost the UI's polling
would pay on every request. The file is 0600 in a 0700 folder; the TLS key too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import secrets
import signal
import string
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from transforms.core.settings import REPO_ROOT, Settings

ROLES = ("operator", "readonly")
#: A user name nginx and the role map can hold as is (no ':' or space, no shell or map syntax).
USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Shorter passwords are refused: the file may leak, and SHA-512 crypt is fast to try.
MIN_PASSWORD = 12
_SALT_CHARS = "./" + string.digits + string.ascii_letters
_CRYPT_LOCK = threading.Lock()
#: The self-signed certificate's life; ``ccr ui serve`` makes a new one when it has expired.
CERT_DAYS = 365


class UiError(ValueError):
    """What is wrong with the UI's users, certificate or proxy, and what to do."""


@dataclass(frozen=True)
class Paths:
    folder: Path

    @classmethod
    def of(cls, settings: Settings) -> Paths:
        return cls(Path(settings.home) / "ui")

    @property
    def users(self) -> Path:
        return self.folder / "users.htpasswd"

    @property
    def cert(self) -> Path:
        return self.folder / "tls" / "cert.pem"

    @property
    def key(self) -> Path:
        return self.folder / "tls" / "key.pem"

    @property
    def nginx(self) -> Path:
        return self.folder / "nginx"


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def _write_private(path: Path, data: bytes) -> None:
    """Owner-only file, replaced atomically."""
    _private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------- users


def hash_password(password: str) -> str:
    """A SHA-512 crypt hash (``$6$salt$…``) that nginx's ``auth_basic`` accepts."""
    name = ctypes.util.find_library("crypt")
    if name is None:
        raise UiError("libcrypt is not installed (Debian: libcrypt1, which nginx needs too)")
    lib = ctypes.CDLL(name)
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    salt = "$6$" + "".join(secrets.choice(_SALT_CHARS) for _ in range(16))
    with _CRYPT_LOCK:  # crypt() returns a static buffer
        result = lib.crypt(password.encode(), salt.encode())
    hashed = (result or b"").decode()
    if not hashed.startswith("$6$") or ":" in hashed:
        raise UiError("libcrypt could not make a SHA-512 crypt hash")
    return hashed


def read_users(path: Path) -> dict[str, tuple[str, str]]:
    """name -> (hash, role)."""
    if not path.exists():
        return {}
    users = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, hashed, role = [*line.split(":"), "readonly"][:3]
            users[name] = (hashed, role if role in ROLES else "readonly")
    return users


def write_users(paths: Paths, users: dict[str, tuple[str, str]]) -> None:
    lines = [f"{n}:{h}:{r}" for n, (h, r) in sorted(users.items())]
    _write_private(paths.users, ("\n".join(lines) + "\n").encode())
    _write_private(paths.nginx / "roles.map", role_map(users).encode())


def role_map(users: dict[str, tuple[str, str]]) -> str:
    """nginx ``map`` entries: user -> upstream. Anyone not listed is read-only."""
    return "".join(f"{name} {role};\n" for name, (_, role) in sorted(users.items()))


def add_user(paths: Paths, name: str, password: str, role: str) -> None:
    if not USER_RE.match(name):
        raise UiError("a user name is 1-64 letters, digits, '.', '_' or '-', starting with one")
    if role not in ROLES:
        raise UiError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UiError(f"the password is too short: at least {MIN_PASSWORD} characters")
    users = read_users(paths.users)
    users[name] = (hash_password(password), role)
    write_users(paths, users)


def remove_user(paths: Paths, name: str) -> bool:
    users = read_users(paths.users)
    if users.pop(name, None) is None:
        return False
    write_users(paths, users)
    return True


def reload_proxy(paths: Paths) -> bool:
    """Tell a running nginx to re-read its configuration (the role map); True if one ran.
    (The users file itself nginx reads on every request: a new password works at once.)"""
    pid_file = paths.nginx / "nginx.pid"
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGHUP)
    except (OSError, ValueError):
        return False
    return True


# ---------------------------------------------------------------- TLS


def ensure_certificate(paths: Paths, hosts: tuple[str, ...] = ()) -> bool:
    """A self-signed certificate for localhost, 127.0.0.1, this host's name and ``hosts``;
    kept while valid. True if a new one was made. Replace ``cert.pem``/``key.pem`` with a
    certificate of your own CA to stop browsers' warnings (docs/security.md)."""
    import ipaddress
    import socket

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    if paths.cert.exists() and paths.key.exists():
        cert = x509.load_pem_x509_certificate(paths.cert.read_bytes())
        if cert.not_valid_after_utc > datetime.now(UTC) + timedelta(days=1):
            return False
    names = {"localhost", socket.gethostname(), *hosts}
    alt: list[x509.GeneralName] = []
    for n in sorted(names):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    alt.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CallCenterRate UI")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CERT_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        paths.key,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    _write_private(paths.cert, cert.public_bytes(serialization.Encoding.PEM))
    return True


# ---------------------------------------------------------------- nginx and the webservers


def nginx_config(paths: Paths, listen: str, operator_port: int, readonly_port: int) -> str:
    """nginx's whole configuration, every path under ``paths.nginx`` (no root needed)."""
    prefix = paths.nginx
    temp = "\n".join(
        f"  {kind}_temp_path {prefix}/tmp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    proxy = """      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # The webserver never sees the password.
      proxy_set_header Authorization "";
      proxy_read_timeout 3600s;
      proxy_pass http://ccr_$ccr_role;"""
    # As root, nginx would run its workers as nobody, who cannot read the 0600 users file: they
    # stay root then. Run it as the account that owns CCR_HOME instead (docs/security.md).
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""# Written by `ccr ui serve` (orchestration/lib/ui_proxy.py); edits are overwritten.
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
{temp}
  access_log {prefix}/access.log;
  server_tokens off;
  # The user's role picks the webserver; a user missing from the map is read-only.
  map $remote_user $ccr_role {{
    default readonly;
    include {prefix}/roles.map;
  }}
  map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
  upstream ccr_operator {{ server 127.0.0.1:{operator_port}; }}
  upstream ccr_readonly {{ server 127.0.0.1:{readonly_port}; }}
  server {{
    listen {listen} ssl;
    ssl_certificate {paths.cert};
    ssl_certificate_key {paths.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    client_max_body_size 16m;
    auth_basic "CallCenterRate";
    auth_basic_user_file {paths.users};
    add_header X-Frame-Options DENY always;
    # Dagster's REST endpoints that write events: operators only (the read-only webserver
    # refuses them too; two locks).
    location ~ ^/report_asset_ {{
      if ($ccr_role != operator) {{ return 403; }}
{proxy}
    }}
    location / {{
      # Anything but reading and GraphQL (POST) is for operators.
      limit_except GET HEAD POST {{ deny all; }}
{proxy}
    }}
  }}
}}
"""


def write_nginx_config(paths: Paths, listen: str, operator_port: int, readonly_port: int) -> Path:
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        _private_dir(paths.nginx / "tmp" / kind)
    users = read_users(paths.users)
    _write_private(paths.nginx / "roles.map", role_map(users).encode())
    conf = paths.nginx / "nginx.conf"
    _write_private(conf, nginx_config(paths, listen, operator_port, readonly_port).encode())
    return conf


def nginx_command(conf: Path) -> list[str]:
    """nginx in the foreground with its own prefix (no root, no /etc/nginx)."""
    return ["nginx", "-p", str(conf.parent), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"]


def webserver_command(port: int, *, read_only: bool, workspace: Path | None = None) -> list[str]:
    """A Dagster webserver bound to loopback only: nginx is the only way in from outside."""
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port)]
    command += ["-w", str(workspace or REPO_ROOT / "workspace.yaml")]
    return [*command, "--read-only"] if read_only else command


def dev_command(port: int) -> list[str]:
    """``dagster dev`` (webserver and daemon), its webserver on loopback only."""
    bin_dir = Path(sys.executable).parent
    return [str(bin_dir / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(port),
            "-w", str(REPO_ROOT / "workspace.yaml")]  # fmt: skip


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise UiError(f"CCR_UI_LISTEN must be address:port, e.g. 127.0.0.1:8443, not {listen!r}")
    return host.strip("[]"), int(port)


def prepare(settings: Settings) -> tuple[Paths, Path]:
    """Check the users, make the certificate and the nginx configuration; (paths, conf)."""
    paths = Paths.of(settings)
    if not read_users(paths.users):
        raise UiError(
            f"no UI users in {paths.users}: add one first, "
            "`ccr ui users add NAME --role operator` (docs/security.md)"
        )
    host, _ = split_listen(settings.ui_listen)
    ensure_certificate(paths, (host,) if host not in ("0.0.0.0", "::") else ())
    conf = write_nginx_config(paths, settings.ui_listen, settings.ui_port, settings.ui_port + 1)
    return paths, conf


def init_instance(dagster_home: Path) -> None:
    """Create the instance's storage once, before two webservers open it at the same moment (on
    a fresh home both would create the same SQLite tables and one would abort)."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    dagster_home.mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))):
        pass


@contextmanager
def started(commands: list[list[str]], env: dict[str, str]) -> Iterator[list[subprocess.Popen]]:
    """The processes, each in a session of its own; all stopped on the way out."""
    processes: list[subprocess.Popen] = []
    try:
        for command in commands:
            processes.append(subprocess.Popen(command, env=env, start_new_session=True))
        yield processes
    finally:
        for p in processes:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for p in processes:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def serve(settings: Settings, dagster_home: Path) -> int:
    """``ccr ui serve``: the three processes until one ends or Ctrl-C, on the instance in
    ``dagster_home`` (the one ``ccr`` and ``make dev`` share)."""
    import shutil

    if shutil.which("nginx") is None:
        raise UiError("nginx is not installed: apt-get install nginx (make system-deps)")
    _, conf = prepare(settings)
    init_instance(dagster_home)
    env = dict(os.environ) | {"DAGSTER_HOME": str(dagster_home)}
    # dagster-dbt looks for `dbt` on PATH when the code location loads (as `make dev` sets it).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # SIGTERM (systemd, timeout, kill) stops the three processes too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    commands = [
        dev_command(settings.ui_port),
        webserver_command(settings.ui_port + 1, read_only=True),
        nginx_command(conf),
    ]
    print(f"the UI: https://{settings.ui_listen}/ (self-signed certificate: {conf.parent.parent}"
          "/tls/cert.pem); Ctrl-C stops it")  # fmt: skip
    with started(commands, env) as processes:
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(1)
        except KeyboardInterrupt:
            return 0
    return 1

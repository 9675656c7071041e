"""Run inside a network namespace by tests/security/test_ui_proxy.py: what a machine on the
network sees of the UI's ports. Prints one JSON line."""

import json
import socket
import ssl
import sys
import time

host, web_port, proxy_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def connect(port: int) -> str:
    try:
        with socket.create_connection((host, port), timeout=5):
            return "open"
    except ConnectionRefusedError:
        return "refused"
    except OSError as exc:
        return type(exc).__name__


def status_without_credentials() -> int:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # reachability, not the certificate, is tested here
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    with (
        socket.create_connection((host, proxy_port), timeout=5) as raw,
        context.wrap_socket(raw) as tls,
    ):
        tls.sendall(request)
        return int(tls.recv(64).split()[1])


deadline = time.monotonic() + 30
while connect(proxy_port) != "open" and time.monotonic() < deadline:
    time.sleep(0.2)
print(
    json.dumps(
        {
            "webserver": connect(web_port),
            "proxy": connect(proxy_port),
            "proxy_status": status_without_credentials(),
        }
    )
)

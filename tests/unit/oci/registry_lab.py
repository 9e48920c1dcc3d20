"""Fixtures for the push tests: crane built once from the module proxy, a test CA, the real
registry (plain HTTP, or TLS with htpasswd), and a TLS gate in front of it that plays hostile."""

from __future__ import annotations

import base64
import http.client
import http.server
import importlib.util
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from go_tool_cache import build_go_tool

from go_static.core.oci.crane import crane_tool

REPO_ROOT = Path(__file__).resolve().parents[3]
SCRIPT = REPO_ROOT / "build-support" / "registry"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_crane() -> Path:
    """crane from core/oci/crane.py's sources, built with the plugin's Go from the module proxy."""
    return build_go_tool(crane_tool())


def make_certs(directory: Path) -> dict[str, str]:
    """A throwaway CA and a server certificate for 127.0.0.1 (build-support's helper)."""
    path = REPO_ROOT / "build-support" / "private_git_server.py"
    spec = importlib.util.spec_from_file_location("private_git_server", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_certs(directory, "registry.test")


@dataclass(frozen=True)
class Registry:
    port: int
    directory: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def name(self, label: str) -> str:
        """A repository of its own for each test: the tests share one registry."""
        return f"{self.host}/go-static/{label}-{uuid.uuid4().hex[:8]}"


def start_registry(directory: Path, **env: str) -> Registry:
    found = Registry(free_port(), directory)
    result = subprocess.run(
        [str(SCRIPT), "start"],
        env={
            **os.environ,
            "GO_STATIC_REGISTRY_PORT": str(found.port),
            "GO_STATIC_REGISTRY_DIR": str(directory),
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return found


def stop_registry(found: Registry) -> None:
    env = {
        **os.environ,
        "GO_STATIC_REGISTRY_PORT": str(found.port),
        "GO_STATIC_REGISTRY_DIR": str(found.directory),
    }
    stopped = subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, text=True)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr


def require_registry() -> None:
    if not shutil.which("docker-registry"):
        pytest.skip(
            "docker-registry is not installed; these tests push to a real registry. Install "
            "Debian's `docker-registry` (as root: apt-get install -y docker-registry)."
        )


@dataclass
class Gate:
    """How the TLS gate in front of the real registry behaves, and what it saw."""

    registry_port: int
    mode: str = "bearer"  # bearer | basic | none
    user: tuple[str, str] = ("ci", "s3cret")
    token: str = "token-123"
    realm: str = ""  # the realm announced; "" for https://<gate>/token
    location_scheme: str = ""  # "http": upload Locations switch the gate's host:port to http
    lie_about_digests: bool = False
    redirect_loop: bool = False
    drip: bool = False
    stall_put: str = ""  # never answer a PUT whose path ends so, e.g. "/manifests/v1"
    error_body_bytes: int = 0  # answer uploads with 400 and this many bytes of body
    challenge_padding: int = 0  # bytes of extra WWW-Authenticate parameters
    host: str = ""
    ca: str = ""  # the test CA the gate's certificate chains to
    plain_requests: list[tuple[str, str, str]] = field(default_factory=list)
    token_requests: int = 0

    def authorized(self, header: str) -> bool:
        if self.mode == "none":
            return True
        if self.mode == "bearer":
            return header == f"Bearer {self.token}"
        return self.authorized_basic(header)

    def authorized_basic(self, header: str) -> bool:
        return header == f"Basic {base64.b64encode(':'.join(self.user).encode()).decode()}"


class _TlsOrPlainServer(http.server.ThreadingHTTPServer):
    """One port that speaks TLS to clients that start a handshake and plain HTTP to others, so
    the tests see what a client sends in cleartext to a host:port it reached over TLS."""

    daemon_threads = True
    context: ssl.SSLContext

    def get_request(self):
        sock, address = super().get_request()
        sock.settimeout(10)
        first = sock.recv(1, socket.MSG_PEEK)
        if first == b"\x16":
            sock = self.context.wrap_socket(sock, server_side=True)
        return sock, address

    def handle_error(self, request, client_address) -> None:
        pass  # clients that hang up mid-answer are part of what the tests do


def gate_handler(gate: Gate) -> type:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if not isinstance(self.connection, ssl.SSLSocket):
                header = self.headers.get("Authorization", "")
                gate.plain_requests.append((self.command, self.path, header))
            if self.path.startswith("/token"):
                self.issue_token()
            else:
                self.relay()

        def issue_token(self) -> None:
            gate.token_requests += 1
            if gate.authorized_basic(self.headers.get("Authorization", "")):
                self.reply(200, {}, json.dumps({"token": gate.token}).encode())
            else:
                self.reply(401, {}, b'{"details":"bad credentials"}')

        def challenge(self) -> str:
            pad = "".join(f',p{i}="{"x" * 90}"' for i in range(gate.challenge_padding // 96))
            if gate.mode == "basic":
                return f'Basic realm="test"{pad}'
            realm = gate.realm or f"https://{gate.host}/token"
            return f'Bearer realm="{realm}",service="test",scope="repository:x:pull"{pad}'

        def relay(self) -> None:
            if gate.redirect_loop:
                self.reply(307, {"Location": self.path}, b"")
                return
            if gate.drip and self.path == "/v2/":
                self.drip()
                return
            if gate.stall_put and self.command == "PUT" and self.path.endswith(gate.stall_put):
                self.body()
                time.sleep(60)  # the client gives up first; the gate's thread is a daemon
                return
            data = self.body()
            if not gate.authorized(self.headers.get("Authorization", "")):
                body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
                self.reply(401, {"WWW-Authenticate": self.challenge()}, body)
                return
            if gate.error_body_bytes and self.command in ("POST", "PATCH", "PUT"):
                self.huge_error()
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
            headers.pop("Transfer-Encoding", None)
            headers["Content-Length"] = str(len(data))
            upstream = http.client.HTTPConnection("127.0.0.1", gate.registry_port, timeout=30)
            upstream.request(self.command, self.path, body=data, headers=headers)
            response = upstream.getresponse()
            body = response.read()
            extra = {}
            for key, value in response.getheaders():
                if key.lower() == "location":
                    path = "/" + value.split("://", 1)[-1].split("/", 1)[1]
                    value = f"http://{gate.host}{path}" if gate.location_scheme else path
                if key.lower() == "docker-content-digest" and gate.lie_about_digests:
                    value = "sha256:" + "0" * 64
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    extra[key] = value
            self.reply(response.status, extra, body)

        do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        def body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                    if size == 0:
                        return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def drip(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(600):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.5)

        def huge_error(self) -> None:
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(gate.error_body_bytes))
            self.end_headers()
            chunk = b'{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"' + b"x" * 65000
            sent = 0
            while sent < gate.error_body_bytes:
                piece = chunk[: gate.error_body_bytes - sent]
                self.wfile.write(piece)
                sent += len(piece)

        def reply(self, status: int, headers: dict, body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return Handler


@pytest.fixture(scope="session")
def crane() -> str:
    return str(build_crane())


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> dict[str, str]:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def registry(tmp_path_factory) -> Iterator[Registry]:
    """The real registry on a free loopback port, plain HTTP, no auth."""
    require_registry()
    found = start_registry(tmp_path_factory.mktemp("registry"))
    try:
        yield found
    finally:
        stop_registry(found)


@pytest.fixture
def gate(registry, certs) -> Iterator[Gate]:
    """A TLS gate on its own loopback port that asks for auth, then relays to the registry."""
    found = Gate(registry.port, ca=certs["ca"])
    server = _TlsOrPlainServer(("127.0.0.1", 0), gate_handler(found))
    server.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.context.load_cert_chain(certs["cert"], certs["key"])
    found.host = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class TlsRegistry:
    """The real registry behind TLS with htpasswd basic auth, and its one account."""

    host: str
    user: tuple[str, str]
    ca: str


def start_tls_registry(
    directory: Path, certs: dict[str, str], port: int
) -> tuple[TlsRegistry, subprocess.Popen]:
    """Debian's docker-registry on 127.0.0.1:`port`, serving TLS (the test CA's certificate)
    with htpasswd basic auth for one fresh account; stop it with `stop_tls_registry`."""
    if not shutil.which("htpasswd"):
        # tests/run installs it (build-support/debian-packages): a skip would hide this test.
        pytest.fail("htpasswd is not installed (as root: apt-get install -y apache2-utils).")
    user = ("pusher", "helper-secret-" + uuid.uuid4().hex[:8])
    hashed = subprocess.run(
        ["htpasswd", "-nbB", *user], capture_output=True, text=True, check=True
    ).stdout.strip()
    (directory / "htpasswd").write_text(hashed + "\n")
    (directory / "config.yml").write_text(
        f"""version: 0.1
log: {{level: info, formatter: text}}
storage:
  filesystem: {{rootdirectory: {directory}/storage}}
auth:
  htpasswd: {{realm: go-static-test, path: {directory}/htpasswd}}
http:
  addr: 127.0.0.1:{port}
  secret: go-static-loopback-only
  tls: {{certificate: {certs["cert"]}, key: {certs["key"]}}}
"""
    )
    with open(directory / "registry.log", "ab") as log:
        process = subprocess.Popen(
            ["docker-registry", "serve", str(directory / "config.yml")],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    context = ssl.create_default_context(cafile=certs["ca"])
    for _ in range(150):
        try:
            connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
            connection.request("GET", "/v2/")
            if connection.getresponse().status == 401:
                return TlsRegistry(f"127.0.0.1:{port}", user, certs["ca"]), process
        except OSError:
            time.sleep(0.1)
    stop_tls_registry(process)
    pytest.fail((directory / "registry.log").read_text()[-2000:])


def stop_tls_registry(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


def write_credential_helper(directory: Path, user: tuple[str, str], log: Path) -> str:
    """`docker-credential-gostatictest` in `directory` (put it on PATH): logs each call and
    answers `get` with the account; returns the name to put in `credHelpers`."""
    helper = directory / "docker-credential-gostatictest"
    helper.write_text(
        "#!/bin/sh\n"
        f'read -r server; echo "$1 $server" >> {log}\n'
        f'printf \'{{"ServerURL":"%s","Username":"{user[0]}","Secret":"{user[1]}"}}\' "$server"\n'
    )
    helper.chmod(0o755)
    return "gostatictest"


@pytest.fixture(scope="session")
def tls_registry(tmp_path_factory, certs) -> Iterator[TlsRegistry]:
    """The real registry behind TLS with htpasswd basic auth, on a free port."""
    require_registry()
    found, process = start_tls_registry(tmp_path_factory.mktemp("tls-registry"), certs, free_port())
    try:
        yield found
    finally:
        stop_tls_registry(process)

"""A local HTTPS server whose certificate a test CA signed, for the runtime check's TLS tests
(unit and integration tiers). The CA comes from build-support/private_git_server.py."""

from __future__ import annotations

import contextlib
import http.server
import importlib.util
import ssl
import threading
from pathlib import Path
from typing import Iterator

REPO_ROOT = Path(__file__).resolve().parents[2]


def _make_ca(directory: Path) -> dict[str, str]:
    spec = importlib.util.spec_from_file_location(
        "private_git_server", REPO_ROOT / "build-support" / "private_git_server.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_certs(directory, "runtime.test")


@contextlib.contextmanager
def https_server(directory: Path) -> Iterator[tuple[str, str]]:
    """(url, the test CA's PEM) of a server that answers GET with "hello over tls"."""
    certs = _make_ca(directory)

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello over tls")

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs["cert"], certs["key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/", Path(certs["ca"]).read_text()
    finally:
        server.shutdown()

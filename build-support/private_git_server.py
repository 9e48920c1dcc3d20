"""A private Go module host on 127.0.0.1 for integration tests: git over HTTPS behind basic auth.

The go_static plugin runs `go list` / `go build`, and a real user's build may depend on modules that
live on a private git server and need credentials (~/.netrc, a corporate CA, GOPRIVATE). This
fixture is such a server, small enough to start per test, so the tests exercise the real `go` and
the real `git` instead of a fake:

    build-support/private_git_server.py make-repo --root DIR --name greet \\
        --module git.corp.test/greet --tag v1.0.0
    build-support/private_git_server.py serve --root DIR --port 0 --cert-dir CERTS \\
        --user alice:secret [--proxy-port 0] [--anonymous-go-get]

`serve` prints one JSON line on stdout once it accepts connections, then serves until SIGTERM:

    {"port": N, "ca": "CERTS/ca.pem", "url": "https://127.0.0.1:N", "host": "git.corp.test",
     "goproxy_url": "https://127.0.0.1:N/goproxy", "proxy_url": "http://127.0.0.1:P"}

What it serves on https://127.0.0.1:N (certificate for IP:127.0.0.1, DNS:git.corp.test and
DNS:localhost, signed by a throwaway CA made with the openssl CLI; its path is "ca"):
- git smart HTTP, read-only (`git-upload-pack`), through `git http-backend` run as a CGI, for the
  bare repositories DIR/<name>.git;
- Go's `?go-get=1` discovery: <meta name="go-import" content="git.corp.test/<name> git
  https://git.corp.test/<name>.git">;
- the GOPROXY protocol under /goproxy (`<module>/@v/list`, `.info`, `.mod`, `.zip`), generated
  from the same repositories' semver tags, for tests that set GOPROXY=<goproxy_url>.
Everything answers 401 with `WWW-Authenticate: Basic` unless the request carries one of the --user
credentials (--anonymous-go-get exempts only the discovery page, like some real forges).

`git.corp.test` does not resolve, and Go's discovery always fetches https://git.corp.test/... on
port 443. With --proxy-port the server also runs a plain-HTTP CONNECT proxy that tunnels
git.corp.test:<any port> to the TLS port, so a test sets HTTPS_PROXY=<proxy_url> and both `go` and
`git` (libcurl) reach "git.corp.test" with no /etc/hosts entry and no root. The proxy refuses every
other host, so public modules need NO_PROXY or GOPROXY=off. Without the proxy, tests can use a
module path with a VCS suffix (git.corp.test/greet.git, which Go hands straight to git) plus git's
`url.<base>.insteadOf` and `http.curloptResolve`, or the GOPROXY route.

A test typically runs `serve` as a subprocess, reads the JSON line, writes a throwaway HOME the way
a user would have it, runs `go`, and sends SIGTERM at teardown. Verified with go1.27.3, git 2.39:

    via the CONNECT proxy (module path git.corp.test/greet, fetched with git):
        HOME/.netrc      machine git.corp.test login alice password secret   (read by go AND git)
        HOME/.gitconfig  [http] sslCAInfo = <ca>          (or GIT_SSL_CAINFO=<ca>)
        env              HOME, GOPRIVATE=git.corp.test, HTTPS_PROXY=<proxy_url>, SSL_CERT_FILE=<ca>
    via GOPROXY (no git, no proxy):
        HOME/.netrc      machine 127.0.0.1:<port> login alice password secret  (port required)
        env              HOME (or NETRC), GOPROXY=<goproxy_url>, GONOSUMDB=git.corp.test,
                         SSL_CERT_FILE=<ca>; not GOPRIVATE, which would bypass GOPROXY

Standard library only; Python 3.9+.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import html
import io
import json
import os
import re
import secrets
import select
import signal
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_HOST = "git.corp.test"
DEFAULT_GREETING = "hello from private greet"
REALM = "private-git-server"

# Generous for a laptop under load, short enough that a wedged client fails a test instead of
# hanging it.
DEFAULT_TIMEOUT = 60.0
# A negotiation request for a fixture repository is a few KiB; this only stops a runaway client.
DEFAULT_MAX_BODY = 16 * 1024 * 1024
_MAX_CGI_HEADER = 64 * 1024
_COPY_CHUNK = 64 * 1024

_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
# Go accepts only canonical semver tags as module versions (no "v1.0", no build metadata).
_SEMVER_RE = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")


# --------------------------------------------------------------------------------------------
# Certificates


def make_certs(cert_dir: Path, host: str = DEFAULT_HOST) -> Dict[str, str]:
    """Creates ca.pem (+ ca.key) and server.pem/server.key for 127.0.0.1, `host` and localhost.

    Existing files are kept, so several servers (or a restarted one) can share one CA that the
    test already wrote into a .gitconfig.
    """
    cert_dir = Path(cert_dir).resolve()
    cert_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "ca": cert_dir / "ca.pem",
        "ca_key": cert_dir / "ca.key",
        "cert": cert_dir / "server.pem",
        "key": cert_dir / "server.key",
    }
    if not all(p.exists() for p in paths.values()):
        # EC keys: generating RSA keys is what makes openssl slow on a busy CI box.
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE"]
        ca_ext += ["-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        _run_openssl(
            ["req", "-x509", *newkey, "-keyout", paths["ca_key"], "-out", paths["ca"]]
            + ["-days", "3650", "-subj", "/CN=private-git-server test CA", *ca_ext],
            cert_dir,
        )
        csr = cert_dir / "server.csr"
        _run_openssl(
            ["req", "-new", *newkey, "-keyout", paths["key"], "-out", csr, "-subj", f"/CN={host}"],
            cert_dir,
        )
        # Go ignores the CN and checks only SANs; curl does the same when SANs are present.
        ext = cert_dir / "server.ext"
        ext.write_text(
            f"subjectAltName=IP:127.0.0.1,DNS:{host},DNS:localhost\n"
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
        )
        # Go rejects negative serials; a random one stays unique if a test regenerates the leaf.
        serial = "0x" + secrets.token_hex(16).lstrip("0")
        _run_openssl(
            ["x509", "-req", "-in", csr, "-CA", paths["ca"], "-CAkey", paths["ca_key"]]
            + ["-set_serial", serial, "-days", "825", "-extfile", ext, "-out", paths["cert"]],
            cert_dir,
        )
        csr.unlink()
        ext.unlink()
    return {k: str(v) for k, v in paths.items()}


def _run_openssl(args: List[object], cwd: Path) -> None:
    proc = subprocess.run(
        ["openssl", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {proc.stderr.strip()}")


# --------------------------------------------------------------------------------------------
# Repositories


def _git_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    # Neither the tester's ~/.gitconfig (signing, hooks, default branch) nor the test's HOME
    # (insteadOf rules pointing back at this server) may change what a fixture repo contains or
    # how it is served.
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
    }
    env.update(extra or {})
    return env


def _git(args: List[str], env: Optional[Mapping[str, str]] = None, **kwargs) -> str:
    proc = subprocess.run(
        ["git", *args], env=_git_env(env), capture_output=True, timeout=DEFAULT_TIMEOUT, **kwargs
    )
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"git {' '.join(args)} failed: {err}")
    return proc.stdout.decode(errors="replace")


def greet_files(module: str, greeting: str = DEFAULT_GREETING) -> Dict[str, str]:
    return {
        "go.mod": f"module {module}\n\ngo 1.21\n",
        "greet.go": (
            "// Package greet is a fixture module served by build-support/private_git_server.py.\n"
            "package greet\n\n"
            f"func Hello() string {{ return {json.dumps(greeting)} }}\n"
        ),
    }


def make_repo(
    root: Path,
    name: str,
    module: str,
    tag: str,
    files: Optional[Mapping[str, str]] = None,
    greeting: str = DEFAULT_GREETING,
) -> Dict[str, str]:
    """Commits `files` (default: a go.mod and greet.go) as the whole tree of ROOT/<name>.git's
    `main` branch and tags the commit `tag`.

    Calling it again with another tag adds a commit on top, so a test can publish v1.1.0 later.
    Author, committer and dates are fixed (the n-th commit is dated n days after 2024-01-01), so
    the same calls always give the same commit hashes and go.sum lines.
    """
    if not _NAME_RE.match(name) or name.endswith(".git"):
        raise ValueError(f"bad repository name {name!r} (give it without .git)")
    if not _SEMVER_RE.match(tag):
        raise ValueError(f"{tag!r} is not canonical semver (like v1.2.3), so Go would ignore it")
    repo = Path(root).resolve() / f"{name}.git"
    if not repo.exists():
        repo.parent.mkdir(parents=True, exist_ok=True)
        _git(["init", "--bare", "--quiet", str(repo)])
        _git(["--git-dir", str(repo), "symbolic-ref", "HEAD", "refs/heads/main"])
        # Lets `go get <module>@<commit hash>` fetch an untagged commit over protocol v0 too.
        _git(["--git-dir", str(repo), "config", "uploadpack.allowReachableSHA1InWant", "true"])
    if _git(["--git-dir", str(repo), "tag", "--list", tag]).strip():
        raise ValueError(f"{repo} already has tag {tag}")
    n = int(_git(["--git-dir", str(repo), "rev-list", "--count", "--all"]))
    date = (datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=n)).isoformat()
    ident = {
        "GIT_AUTHOR_NAME": "Fixture Author",
        "GIT_AUTHOR_EMAIL": "author@corp.test",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": "Fixture Committer",
        "GIT_COMMITTER_EMAIL": "committer@corp.test",
        "GIT_COMMITTER_DATE": date,
    }
    with tempfile.TemporaryDirectory(prefix="private-git-worktree-") as work:
        if files is None:
            files = greet_files(module, greeting)
        for rel, content in files.items():
            dest = Path(work, rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(content)
        # A throwaway index: the bare repository keeps no working state between calls.
        env = {
            "GIT_DIR": str(repo),
            "GIT_WORK_TREE": work,
            "GIT_INDEX_FILE": f"{work}.index",
            **ident,
        }
        try:
            _git(["add", "--all", "."], env=env, cwd=work)
            _git(["commit", "--quiet", "--no-verify", "-m", f"{module} {tag}"], env=env, cwd=work)
        finally:
            Path(f"{work}.index").unlink(missing_ok=True)
    _git(["--git-dir", str(repo), "tag", tag, "HEAD"])
    commit = _git(["--git-dir", str(repo), "rev-parse", "HEAD"]).strip()
    return {"repo": str(repo), "module": module, "tag": tag, "commit": commit}


# --------------------------------------------------------------------------------------------
# Server


class _Config:
    def __init__(
        self,
        root: Path,
        users: Mapping[str, str],
        host: str,
        timeout: float,
        max_body: int,
        anonymous_go_get: bool,
    ) -> None:
        self.root = Path(root).resolve()
        self.users = dict(users)
        self.host = host
        self.timeout = timeout
        self.max_body = max_body
        self.anonymous_go_get = anonymous_go_get
        backend = Path(_git(["--exec-path"]).strip(), "git-http-backend")
        if not os.access(backend, os.X_OK):
            raise RuntimeError(f"{backend} is missing; install git's http-backend")
        self.backend = str(backend)

    def repo_dir(self, rel: str) -> Optional[Path]:
        """Maps 'team/greet' or 'team/greet.git' to ROOT/team/greet.git if that is a repository."""
        parts = rel.strip("/").split("/")
        if not rel.strip("/") or not all(_NAME_RE.match(p) for p in parts):
            return None
        if parts[-1].endswith(".git"):
            parts[-1] = parts[-1][: -len(".git")]
        path = self.root.joinpath(*parts[:-1], parts[-1] + ".git")
        return path if (path / "HEAD").is_file() and (path / "objects").is_dir() else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        addr: Tuple[str, int],
        handler: type,
        config: _Config,
        context: Optional[ssl.SSLContext] = None,
    ) -> None:
        super().__init__(addr, handler)
        self.config = config
        self.context = context

    def get_request(self):
        sock, addr = super().get_request()
        if self.context is not None:
            # The handshake runs in the handler thread (see _GitHandler.setup), so a client that
            # stalls mid-handshake cannot block accept().
            sock = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address) -> None:
        # Clients that reject the test CA or hang up mid-request are part of what the tests
        # provoke; one line each keeps the log readable.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ssl.SSLError, ConnectionError, socket.timeout, TimeoutError)):
            _log(f"{client_address[0]}:{client_address[1]}: {type(exc).__name__}: {exc}")
        else:
            super().handle_error(request, client_address)


def _log(msg: str) -> None:
    # One write per line: handler threads log concurrently.
    sys.stderr.write(f"[private-git-server] {msg}\n")
    sys.stderr.flush()


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _GitHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "private-git-server/1"
    server: _Server

    def setup(self) -> None:
        self.timeout = self.server.config.timeout
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()

    def log_message(self, format: str, *args) -> None:
        _log(f"{self.address_string()} {format % args}")

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        config = self.server.config
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = parse_qs(url.query)
        try:
            if ".." in path.split("/"):
                raise _BadRequest(400, "bad path")
            go_get = self.command == "GET" and query.get("go-get") == ["1"]
            user = self._authenticate()
            if user is None and not (go_get and config.anonymous_go_get):
                self._reply(
                    401, "authentication required\n", {"WWW-Authenticate": f'Basic realm="{REALM}"'}
                )
                return
            if go_get:
                self._go_get(path)
            elif path == "/goproxy" or path.startswith("/goproxy/"):
                self._goproxy(path[len("/goproxy") :])
            else:
                self._git_http_backend(path, url.query, user or "")
        except _BadRequest as e:
            self._reply(e.status, f"{e}\n")
        except (RuntimeError, subprocess.SubprocessError) as e:
            _log(f"{self.command} {self.path}: {e}")
            self._reply(500, "internal error, see the server log\n")

    def _authenticate(self) -> Optional[str]:
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        expected = self.server.config.users.get(user)
        if not sep or expected is None:
            return None
        return user if hmac.compare_digest(password.encode(), expected.encode()) else None

    def _reply(
        self,
        status: int,
        body: str,
        headers: Optional[Mapping[str, str]] = None,
        content_type: str = "text/plain; charset=utf-8",
    ) -> None:
        self._reply_bytes(status, body.encode(), content_type, headers)

    def _reply_bytes(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status >= 400:
            # The request body (if any) is unread; closing is simpler than draining it.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    # -- go-get discovery ----------------------------------------------------------------------

    def _go_get(self, path: str) -> None:
        config = self.server.config
        parts = [p for p in path.split("/") if p]
        # The repository is the longest prefix that exists, so packages below the module root
        # (git.corp.test/greet/sub?go-get=1) get the module's tag, as Go requires.
        for i in range(len(parts), 0, -1):
            rel = "/".join(parts[:i])
            if config.repo_dir(rel) is not None:
                prefix = f"{config.host}/{rel}"
                content = f"{prefix} git https://{config.host}/{rel.removesuffix('.git')}.git"
                page = (
                    "<!DOCTYPE html>\n<html><head>\n"
                    f'<meta name="go-import" content="{html.escape(content)}">\n'
                    f"</head><body>go get {html.escape(prefix)}</body></html>\n"
                )
                self._reply(200, page, content_type="text/html; charset=utf-8")
                return
        raise _BadRequest(404, f"no repository for {path}")

    # -- GOPROXY protocol ------------------------------------------------------------------------

    def _goproxy(self, path: str) -> None:
        if self.command != "GET":
            raise _BadRequest(405, "GET only")
        m = re.match(r"^/(?P<module>.+?)/@v/(?P<file>[^/]+)$", path)
        if not m:
            raise _BadRequest(404, "not found")  # includes @latest: optional in the protocol
        module = _unescape_module_path(m.group("module"))
        config = self.server.config
        if not module.startswith(config.host + "/"):
            raise _BadRequest(404, f"{module}: not served here")
        repo = config.repo_dir(module[len(config.host) + 1 :])
        if repo is None:
            raise _BadRequest(404, f"{module}: no such module")
        git_dir = ["--git-dir", str(repo)]
        tags = [t for t in _git(git_dir + ["tag", "--list"]).split() if _SEMVER_RE.match(t)]
        file = m.group("file")
        if file == "list":
            self._reply(200, "".join(t + "\n" for t in tags))
            return
        version, _, ext = file.rpartition(".")
        if version not in tags:
            raise _BadRequest(404, f"{module}@{version}: unknown revision")
        if ext == "info":
            when = _git(git_dir + ["log", "-1", "--format=%cI", version]).strip()
            body = json.dumps({"Version": version, "Time": when}) + "\n"
            self._reply(200, body, content_type="application/json")
        elif ext == "mod":
            try:
                gomod = _git(git_dir + ["show", f"{version}:go.mod"])
            except RuntimeError:
                gomod = f"module {module}\n"  # what Go synthesizes for a module without go.mod
            self._reply(200, gomod)
        elif ext == "zip":
            data = _module_zip(repo, module, version, config.timeout)
            self._reply_bytes(200, data, "application/zip")
        else:
            raise _BadRequest(404, "not found")

    # -- git smart HTTP ------------------------------------------------------------------------

    def _git_http_backend(self, path: str, query: str, user: str) -> None:
        config = self.server.config
        # Only fetches: with REMOTE_USER set, http-backend would accept pushes too.
        if self.command == "GET" and query == "service=git-upload-pack":
            repo_path = path.removesuffix("/info/refs")
        elif self.command == "POST":
            repo_path = path.removesuffix("/git-upload-pack")
        else:
            repo_path = path
        if repo_path == path:
            status = 403 if "receive-pack" in path + query else 404
            raise _BadRequest(status, "only read-only smart HTTP is served")
        if config.repo_dir(repo_path) is None:
            raise _BadRequest(404, f"no repository {repo_path}")
        body = self._read_body() if self.command == "POST" else b""

        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_PROJECT_ROOT": str(config.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": self.request_version,
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            # The body is de-chunked by now, so the CGI always gets an exact length.
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": self.client_address[0],
            "AUTH_TYPE": "Basic",
        }
        # http-backend inflates gzip bodies itself, and Git-Protocol selects protocol v2.
        for header in ("Content-Encoding", "Git-Protocol"):
            if header in self.headers:
                env["HTTP_" + header.upper().replace("-", "_")] = self.headers[header]
        self._run_cgi([config.backend], env, body)

    def _read_body(self) -> bytes:
        limit = self.server.config.max_body
        encoding = self.headers.get("Transfer-Encoding", "").strip().lower()
        if encoding and encoding != "chunked":
            raise _BadRequest(501, f"Transfer-Encoding {encoding} not supported")
        if not encoding:
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                raise _BadRequest(400, "bad Content-Length") from None
            if length < 0 or length > limit:
                raise _BadRequest(413, f"body over {limit} bytes")
            return self.rfile.read(length)
        # git sends chunked POSTs when the negotiation outgrows http.postBuffer.
        chunks: List[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "bad chunk header") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > limit:
                raise _BadRequest(413, f"body over {limit} bytes")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(16)

    def _run_cgi(self, argv: List[str], env: Mapping[str, str], body: bytes) -> None:
        config = self.server.config
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=config.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        killer = threading.Timer(config.timeout, proc.kill)
        killer.daemon = True
        killer.start()

        def feed() -> None:
            try:
                proc.stdin.write(body)
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass

        def drain_stderr() -> None:
            for line in proc.stderr:
                _log(f"git-http-backend: {line.decode(errors='replace').rstrip()}")

        helpers = [threading.Thread(target=f, daemon=True) for f in (feed, drain_stderr)]
        for t in helpers:
            t.start()
        try:
            status, reason, headers = self._read_cgi_headers(proc.stdout)
            if status is None:
                proc.kill()
                self._reply(502, "git http-backend produced no response\n")
                return
            self.send_response(status, reason)
            for k, v in headers:
                self.send_header(k, v)
            # Stream the pack instead of buffering it: memory stays at one chunk per request.
            chunked = not any(k.lower() == "content-length" for k, _ in headers)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while True:
                data = proc.stdout.read1(_COPY_CHUNK)
                if not data:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            killer.cancel()
            proc.stdout.close()
            rc = proc.wait()
            for t in helpers:
                t.join(timeout=5)
            if rc != 0:
                _log(f"git http-backend exited {rc}" + (" (killed: timeout?)" if rc < 0 else ""))

    @staticmethod
    def _read_cgi_headers(stdout) -> Tuple[Optional[int], str, List[Tuple[str, str]]]:
        status, reason, headers, size = 200, "OK", [], 0
        while True:
            line = stdout.readline(_MAX_CGI_HEADER)
            size += len(line)
            if not line or size > _MAX_CGI_HEADER:
                return None, "", []
            line = line.rstrip(b"\r\n").decode("latin-1")
            if not line:
                return status, reason, headers
            name, _, value = line.partition(":")
            value = value.strip()
            if name.lower() == "status":
                code, _, reason = value.partition(" ")
                status = int(code)
            else:
                headers.append((name, value))


def _module_zip(repo: Path, module: str, version: str, timeout: float) -> bytes:
    """The module zip Go would build from the tag, for a fixture-sized repository.

    Only regular files, no directory entries: go.sum's h1: hash covers every name in the zip, so
    `git archive --format=zip` (which adds directory entries) would hash differently from what
    `go` computes when it fetches the same tag over git. Go's other exclusions (vendor/, nested
    modules, size limits) are not reproduced.
    """
    tar = subprocess.run(
        ["git", "--git-dir", str(repo), "archive", "--format=tar", version],
        env=_git_env(),
        capture_output=True,
        check=True,
        timeout=timeout,
    ).stdout
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        with tarfile.open(fileobj=io.BytesIO(tar)) as src:
            for member in src:
                if member.isfile():
                    name = f"{module}@{version}/{member.name}"
                    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    dst.writestr(info, src.extractfile(member).read())
    return out.getvalue()


def _unescape_module_path(escaped: str) -> str:
    # The GOPROXY protocol writes each upper-case letter as '!' + its lower-case form.
    return re.sub(r"!([a-z])", lambda m: m.group(1).upper(), escaped)


class _ConnectProxyHandler(BaseHTTPRequestHandler):
    """Tunnels CONNECT <host>:<port> for the fixture's made-up host to the TLS port.

    This is how a client that needs https://git.corp.test (port 443, real name in the TLS SNI and
    certificate check) reaches the server with no DNS entry: HTTPS_PROXY=http://127.0.0.1:<P>.
    """

    protocol_version = "HTTP/1.1"
    server_version = "private-git-server-proxy/1"
    # Unbuffered, so bytes a client sends right after the CONNECT headers are not stranded in a
    # read buffer that the tunnel never sees.
    rbufsize = 0
    server: "_ProxyServer"

    def setup(self) -> None:
        self.timeout = self.server.config.timeout
        super().setup()

    def log_message(self, format: str, *args) -> None:
        _log(f"proxy {self.address_string()} {format % args}")

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        if host.strip("[]").lower() != self.server.config.host or not port.isdigit():
            self.send_error(403, f"this proxy only tunnels to {self.server.config.host}")
            return
        try:
            upstream = socket.create_connection(
                ("127.0.0.1", self.server.tls_port), timeout=self.server.config.timeout
            )
        except OSError as e:
            self.send_error(502, f"cannot reach the git server: {e}")
            return
        with upstream:
            self.send_response(200, "Connection established")
            self.end_headers()
            self.close_connection = True
            _pipe(self.connection, upstream, self.server.config.timeout)

    def _not_a_tunnel(self) -> None:
        self.send_error(405, "CONNECT only")

    do_GET = do_POST = do_HEAD = do_PUT = _not_a_tunnel


class _ProxyServer(_Server):
    tls_port = 0


def _pipe(a: socket.socket, b: socket.socket, idle_timeout: float) -> None:
    socks = [a, b]
    while True:
        readable, _, _ = select.select(socks, [], [], idle_timeout)
        if not readable:
            return
        for s in readable:
            try:
                data = s.recv(_COPY_CHUNK)
            except OSError:
                return
            if not data:
                return
            (b if s is a else a).sendall(data)


class PrivateGitServer:
    """The server in-process: `with PrivateGitServer(root, cert_dir, {"alice": "secret"}) as s:`."""

    def __init__(
        self,
        root: Path,
        cert_dir: Path,
        users: Mapping[str, str],
        port: int = 0,
        host: str = DEFAULT_HOST,
        proxy_port: Optional[int] = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = DEFAULT_MAX_BODY,
        anonymous_go_get: bool = False,
    ) -> None:
        if not users:
            raise ValueError("at least one user:password is required")
        self.config = _Config(root, users, host, timeout, max_body, anonymous_go_get)
        self.certs = make_certs(Path(cert_dir), host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certs["cert"], self.certs["key"])
        self._https = _Server(("127.0.0.1", port), _GitHandler, self.config, context)
        self._proxy: Optional[_ProxyServer] = None
        if proxy_port is not None:
            self._proxy = _ProxyServer(("127.0.0.1", proxy_port), _ConnectProxyHandler, self.config)
            self._proxy.tls_port = self.port
        self._threads: List[threading.Thread] = []

    @property
    def port(self) -> int:
        return self._https.server_address[1]

    @property
    def info(self) -> Dict[str, object]:
        url = f"https://127.0.0.1:{self.port}"
        info: Dict[str, object] = {
            "port": self.port,
            "ca": self.certs["ca"],
            "url": url,
            "host": self.config.host,
            "goproxy_url": f"{url}/goproxy",
        }
        if self._proxy is not None:
            info["proxy_port"] = self._proxy.server_address[1]
            info["proxy_url"] = f"http://127.0.0.1:{info['proxy_port']}"
        return info

    def start(self) -> "PrivateGitServer":
        for srv in filter(None, (self._https, self._proxy)):
            t = threading.Thread(target=srv.serve_forever, args=(0.2,), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        for srv in filter(None, (self._https, self._proxy)):
            if self._threads:
                srv.shutdown()
            srv.server_close()
        self._threads.clear()

    def __enter__(self) -> "PrivateGitServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# CLI


def _parse_users(specs: Iterable[str], files: Iterable[str]) -> Dict[str, str]:
    lines = list(specs)
    for f in files:
        lines += [
            ln.strip()
            for ln in Path(f).read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")
        ]
    users = {}
    for spec in lines:
        user, sep, password = spec.partition(":")
        if not sep or not user:
            raise SystemExit(f"bad credential {user!r}...: want user:password")
        users[user] = password
    return users


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)

    serve = sub.add_parser("serve", help="serve ROOT/*.git until SIGTERM")
    serve.add_argument("--root", required=True, type=Path, help="holds the bare <name>.git repos")
    serve.add_argument("--port", type=int, default=0, help="HTTPS port on 127.0.0.1 (0: any free)")
    serve.add_argument(
        "--cert-dir",
        required=True,
        type=Path,
        help="where the CA and server certificate are (created if missing)",
    )
    serve.add_argument("--user", action="append", default=[], metavar="USER:PASSWORD")
    serve.add_argument(
        "--user-file", action="append", default=[], metavar="FILE", help="USER:PASSWORD lines"
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help="made-up hostname in module paths")
    serve.add_argument(
        "--proxy-port",
        type=int,
        default=None,
        help="also run an HTTP CONNECT proxy for --host on this port (0: any)",
    )
    serve.add_argument(
        "--anonymous-go-get", action="store_true", help="answer ?go-get=1 without credentials"
    )
    serve.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="per-request socket and CGI timeout, seconds",
    )
    serve.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, help="bytes")

    certs = sub.add_parser("make-certs", help="only create the CA and server certificate")
    certs.add_argument("--cert-dir", required=True, type=Path)
    certs.add_argument("--host", default=DEFAULT_HOST)

    repo = sub.add_parser("make-repo", help="create ROOT/NAME.git (or add a commit) and tag it")
    repo.add_argument("--root", required=True, type=Path)
    repo.add_argument("--name", required=True, help="repository name, without .git")
    repo.add_argument("--module", required=True, help="module path for go.mod")
    repo.add_argument("--tag", required=True, help="semver tag, e.g. v1.0.0")
    repo.add_argument("--greeting", default=DEFAULT_GREETING, help="what greet.Hello() returns")

    args = parser.parse_args(argv)
    if args.cmd == "make-certs":
        print(json.dumps(make_certs(args.cert_dir, args.host)), flush=True)
        return 0
    if args.cmd == "make-repo":
        made = make_repo(args.root, args.name, args.module, args.tag, greeting=args.greeting)
        print(json.dumps(made), flush=True)
        return 0

    server = PrivateGitServer(
        root=args.root,
        cert_dir=args.cert_dir,
        users=_parse_users(args.user, args.user_file),
        port=args.port,
        host=args.host,
        proxy_port=args.proxy_port,
        timeout=args.timeout,
        max_body=args.max_body,
        anonymous_go_get=args.anonymous_go_get,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with server:
        print(json.dumps(server.info), flush=True)
        while not stop.wait(1):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

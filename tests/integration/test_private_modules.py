"""Tier 3: a module from a private git server, built the way a user's `go` would fetch it.

build-support/private_git_server.py serves git.corp.test/greet over HTTPS with basic auth (a CA
made by the test, `git http-backend`, go's `?go-get=1` discovery), reached through its CONNECT
proxy so the name needs no DNS. The user's machine has what a developer's has: credentials in
~/.netrc (read by go and by git), the company CA in ~/.gitconfig and SSL_CERT_FILE, GOPRIVATE
and HTTPS_PROXY in the environment. Nothing is configured in pants.toml: `[go-static].env_vars`
passes those by default.

Each test uses a fresh module cache and a fresh local store, so the module is really fetched and
the store can be searched for the password afterwards: it must be in no cache key or result.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from pants_harness import REPO_ROOT, build_info, go, pants_in, write_pants_toml

SERVER = REPO_ROOT / "build-support" / "private_git_server.py"
MODULE = "git.corp.test/greet"
SHARED_CACHES = Path.home() / ".cache" / "pants" / "named_caches"
MAIN = (
    'package main\n\nimport (\n\t"fmt"\n\n\t"git.corp.test/greet"\n)\n\n'
    "func main() { fmt.Println(greet.Hello()) }\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server, its CA, and the password (random per run, so a search for it means something)."""
    base = tmp_path_factory.mktemp("private-git")
    password = f"pw-{uuid.uuid4().hex}"
    subprocess.run(
        [sys.executable, str(SERVER), "make-repo", "--root", str(base / "repos")]
        + ["--name", "greet", "--module", MODULE, "--tag", "v1.0.0"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "serve", "--root", str(base / "repos"), "--port", "0"]
        + ["--cert-dir", str(base / "certs"), "--user", f"alice:{password}", "--proxy-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        info = json.loads(proc.stdout.readline())
        yield {**info, "password": password, "base": base}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def user_env(server: dict, home: Path, netrc: bool = True) -> dict[str, str]:
    """A developer's machine: ~/.netrc and ~/.gitconfig, and the network settings."""
    home.mkdir(parents=True, exist_ok=True)
    if netrc:
        (home / ".netrc").write_text(
            f"machine git.corp.test login alice password {server['password']}\n"
        )
        (home / ".netrc").chmod(0o600)
    (home / ".gitconfig").write_text(f"[http]\n\tsslCAInfo = {server['ca']}\n")
    return {
        "HOME": str(home),
        "GOPRIVATE": "git.corp.test",
        "HTTPS_PROXY": server["proxy_url"],
        "NO_PROXY": "proxy.golang.org,sum.golang.org",
        "SSL_CERT_FILE": server["ca"],
        # Beats ~/.gitconfig's sslCAInfo, so set it: CI machines often export their own.
        "GIT_SSL_CAINFO": server["ca"],
    }


@pytest.fixture
def repo(server, tmp_path: Path):
    """A consumer repo, its go.sum written by plain `go mod tidy` through the same server."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "go.mod").write_text(
        f"module example.com/consumer\n\ngo 1.21\n\nrequire {MODULE} v1.0.0\n"
    )
    (root / "main.go").write_text(MAIN)
    env = user_env(server, tmp_path / "plain-home")
    go("mod", "tidy", cwd=root, GOMODCACHE=str(tmp_path / "plain-modcache"), **env)
    (root / "BUILD").write_text(
        'go_static_binary(name="app")\ngo_static_sources(name="sources")\n'
        'go_static_mod(name="mod")\n'
        'go_static_smoke_test(name="smoke", binary=":app", '
        'expected_stdout="hello from private greet\\n")\n'
    )
    write_pants_toml(root)
    # A fresh module cache (the fetch must really happen) and store (searched afterwards); the
    # compiled std and the toolchains are shared with the other tests.
    named = tmp_path / "named_caches"
    named.mkdir()
    for cache in ("go_static_gocache", "go_static_toolchains", "go_static_zig"):
        (SHARED_CACHES / cache).mkdir(parents=True, exist_ok=True)
        (named / cache).symlink_to(SHARED_CACHES / cache)
    yield root, tmp_path
    shutil.rmtree(root / "dist", ignore_errors=True)


def pants(root: Path, tmp: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    caches = (f"--named-caches-dir={tmp / 'named_caches'}", f"--local-store-dir={tmp / 'store'}")
    return pants_in(root, *caches, *args, env=env)


def holds(directory: Path, secret: bytes) -> list[str]:
    """The files under `directory` whose bytes contain `secret`."""
    return [str(p) for p in directory.rglob("*") if p.is_file() and secret in p.read_bytes()]


def test_a_private_module_builds_with_the_users_own_credentials(server, repo) -> None:
    root, tmp = repo
    env = user_env(server, tmp / "home")
    result = pants(root, tmp, env, "package", "test", "::")
    assert result.returncode == 0, result.stderr[-6000:]
    report = json.loads((root / "dist" / "app.static-report.json").read_text())
    assert report["verdict"] == "pass" and report["linkage"] == "static"
    passed = {s["name"]: s["value"] for s in report["go_env"]["passed"]}
    assert passed["GOPRIVATE"] == "git.corp.test" and passed["HOME"] == str(tmp / "home")
    # The same build info as plain `go build` with the mode's flags, in the same checkout.
    plain = tmp / "plain-app"
    go(
        *("build", "-trimpath", "-buildvcs=false", "-mod=readonly", "-tags=netgo,osusergo"),
        *("-o", str(plain), "."),
        cwd=root,
        CGO_ENABLED="0",
        GOWORK="off",
        GOMODCACHE=str(tmp / "plain-modcache"),
        **env,
    )
    assert build_info(root / "dist" / "app") == build_info(plain)
    secret = server["password"].encode()
    assert secret not in result.stdout.encode() + result.stderr.encode()
    # Not in any process key or result in the store, nor in Pants' logs or dist/.
    assert holds(tmp / "store", secret) == []
    assert holds(root, secret) == []


def test_a_missing_credential_names_the_module_and_where_go_looks(server, repo) -> None:
    root, tmp = repo
    env = user_env(server, tmp / "home-without-netrc", netrc=False)
    result = pants(root, tmp, env, "package", "::")
    assert result.returncode != 0
    assert "//:app" in result.stderr and MODULE in result.stderr
    assert f"Fix: {MODULE} is private, and its server refused the request" in result.stderr
    assert f"`go list` runs with HOME={tmp / 'home-without-netrc'} (from environment)" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not (root / "dist" / "app").exists()


def test_credentials_in_a_url_are_refused_and_never_shown(server, repo) -> None:
    root, tmp = repo
    env = user_env(server, tmp / "home")
    env["GOPROXY"] = f"https://alice:{server['password']}@127.0.0.1:{server['port']}/goproxy"
    result = pants(root, tmp, env, "package", "::")
    assert result.returncode != 0
    assert "GOPROXY (from environment) holds a URL with credentials" in result.stderr
    assert server["password"] not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr

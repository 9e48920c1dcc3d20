"""Which of the user's Go settings reach `go`, and where each came from. Pants-free.

Network settings (proxies, private modules, certificates) pass through from the environment and
from the `go env -w` file, in Go's own precedence: environment, then the file, then go's default.
Settings that would change *what* is built (GOFLAGS, CGO_ENABLED, CC, GOOS, ...) never pass: the
resolved mode decides those, and the report lists what was ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Mapping

from go_static.core.errors import GoStaticError, Problem

DEFAULT_PASSTHROUGH = (
    "GOPROXY",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOSUMDB",
    "GOINSECURE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    # Private modules, the way a user's go reads them: GOAUTH (netrc by default) and $NETRC or
    # $HOME/.netrc for go; $HOME/.netrc, $HOME/.gitconfig (credential helpers, insteadOf, CAs)
    # and SSH for git. Only where the secrets are, never the secrets, reaches a process key.
    "GOAUTH",
    "NETRC",
    "HOME",
    "GIT_SSL_CAINFO",
    "GIT_SSH_COMMAND",
    "SSH_AUTH_SOCK",
)
# `scheme://user[:password]@host`: a credential inside a URL-valued setting.
_URL_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@\s,|]+@")
# Settings the mode or the sandbox owns. Passing them through would silently override the mode.
MODE_OWNED = (
    "GOFLAGS",
    "CGO_ENABLED",
    "CC",
    "CXX",
    "GOOS",
    "GOARCH",
    "CGO_LDFLAGS",
    "GOTOOLCHAIN",
    "GOROOT",
    "GOENV",
    "GOWORK",
    "GOCACHE",
    "GOMODCACHE",
    "GOPATH",
    "GOEXPERIMENT",
)


class GoEnvError(GoStaticError):
    """`[go-static].env_vars` names a setting the mode owns."""

    code = "go-env"


@dataclass(frozen=True)
class GoSetting:
    """One Go setting and where its value came from."""

    name: str
    value: str
    source: str  # "environment", "pants.toml", "go env file <path>"


@dataclass(frozen=True)
class GoEnv:
    """The settings passed to `go`, and the host settings deliberately not passed."""

    passed: tuple[GoSetting, ...]
    ignored: tuple[GoSetting, ...]

    def value(self, name: str, default: str = "") -> str:
        return next((s.value for s in self.passed if s.name == name), default)

    def source(self, name: str) -> str:
        return next((s.source for s in self.passed if s.name == name), "go's default")

    def as_dict(self) -> dict[str, Any]:
        """The report's `go_env`: what was passed and what was ignored, each with its source."""
        return {
            kind: [{"name": s.name, "value": s.value, "source": s.source} for s in settings]
            for kind, settings in (("passed", self.passed), ("ignored", self.ignored))
        }


def go_env_file_path(host_env: Mapping[str, str]) -> str | None:
    """Where `go env -w` writes, as Go computes it (GOENV, else os.UserConfigDir()/go/env)."""
    if host_env.get("GOENV"):
        return None if host_env["GOENV"] == "off" else host_env["GOENV"]
    config = host_env.get("XDG_CONFIG_HOME") or (
        os.path.join(host_env["HOME"], ".config") if host_env.get("HOME") else None
    )
    return os.path.join(config, "go", "env") if config else None


def parse_go_env_file(text: str) -> dict[str, str]:
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            settings[name.strip()] = value.strip()
    return settings


def check_passthrough(entries: tuple[str, ...]) -> None:
    owned = [e.split("=", 1)[0] for e in entries if e.split("=", 1)[0] in MODE_OWNED]
    if owned:
        raise GoEnvError(
            Problem(
                f"[go-static].env_vars names {', '.join(owned)}, which go_static_binary decides "
                "itself.",
                "the resolved mode (tags, cgo, C compiler, link flags) must be what gets built; "
                "a host value would silently override it.",
                "remove them from [go-static].env_vars and declare the intent on the target "
                "(libc, static_pie, build_tags, ldflags).",
            ).render()
        )


def check_no_credentials(settings: tuple[GoSetting, ...]) -> None:
    """Refuse a setting whose value holds a URL with credentials, naming it but never its value:
    it would be in every download step's cache key (and a remote cache's action)."""
    found = [s for s in settings if _URL_CREDENTIALS.search(s.value)]
    if not found:
        return
    names = ", ".join(f"{s.name} (from {s.source})" for s in found)
    raise GoEnvError(
        Problem(
            f"{names} holds a URL with credentials (user:password@ or token@).",
            "Every go process's environment is part of its cache key, which Pants stores and a "
            "remote cache shares, so the secret would leave this machine.",
            "put the credentials where go and git read them by themselves: $HOME/.netrc "
            "(`machine <host[:port]> login <user> password <token>`, which go sends to a GOPROXY "
            "over https) or a git credential helper; for an HTTP proxy that needs a password, "
            "one that authenticates without it in its URL.",
        ).render()
    )


def resolve_go_env(
    entries: tuple[str, ...],
    host_env: Mapping[str, str],
    go_env_file: str | None,
    go_env_file_text: str,
) -> GoEnv:
    """Apply `[go-static].env_vars` entries (`NAME` or `NAME=value`) over the go env file."""
    check_passthrough(entries)
    file_settings = parse_go_env_file(go_env_file_text)
    file_source = f"go env file {go_env_file}"
    passed: dict[str, GoSetting] = {}
    for entry in entries:
        if "=" in entry:
            name, value = entry.split("=", 1)
            passed[name] = GoSetting(name, value, "pants.toml [go-static].env_vars")
        elif entry in host_env:
            passed[entry] = GoSetting(entry, host_env[entry], "environment")
        elif entry in file_settings:
            passed[entry] = GoSetting(entry, file_settings[entry], file_source)
    check_no_credentials(tuple(passed.values()))
    ignored = [
        GoSetting(n, host_env[n], "environment")
        for n in MODE_OWNED
        if n in host_env and n != "GOENV"
    ]
    ignored += [GoSetting(n, v, file_source) for n, v in file_settings.items() if n not in passed]
    return GoEnv(passed=tuple(passed.values()), ignored=tuple(ignored))

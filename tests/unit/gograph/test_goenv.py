"""Tier 1: which Go settings pass through to `go`, and from where (no Pants)."""

from __future__ import annotations

import pytest

from go_static.core.gograph.goenv import (
    DEFAULT_PASSTHROUGH,
    GoEnv,
    GoEnvError,
    GoSetting,
    go_env_file_path,
    parse_go_env_file,
    resolve_go_env,
)
from go_static.core.gograph.gomod import diagnose


def test_go_env_file_path_follows_go() -> None:
    assert go_env_file_path({"GOENV": "/x/env", "HOME": "/h"}) == "/x/env"
    assert go_env_file_path({"GOENV": "off", "HOME": "/h"}) is None
    assert go_env_file_path({"XDG_CONFIG_HOME": "/c", "HOME": "/h"}) == "/c/go/env"
    assert go_env_file_path({"HOME": "/h"}) == "/h/.config/go/env"
    assert go_env_file_path({}) is None


def test_precedence_is_option_value_then_environment_then_file() -> None:
    env = resolve_go_env(
        (*DEFAULT_PASSTHROUGH, "GOINSECURE=corp.example"),
        {"GOPROXY": "https://env.example", "GOFLAGS": "-mod=mod", "CC": "clang"},
        "/h/.config/go/env",
        "GOPROXY=https://file.example\n"
        "GOPRIVATE=corp.example\n"
        "# comment\n"
        "CGO_ENABLED=1\n"
        "GOAMD64=v3\n",
    )
    assert {s.name: s.value for s in env.passed} == {
        "GOPROXY": "https://env.example",
        "GOPRIVATE": "corp.example",
        "GOINSECURE": "corp.example",
    }
    assert env.source("GOPRIVATE") == "go env file /h/.config/go/env"
    assert env.source("GOINSECURE") == "pants.toml [go-static].env_vars"
    assert env.source("GOSUMDB") == "go's default"
    ignored = {(s.name, s.source) for s in env.ignored}
    assert ignored == {
        ("GOFLAGS", "environment"),
        ("CC", "environment"),
        ("CGO_ENABLED", "go env file /h/.config/go/env"),
        ("GOAMD64", "go env file /h/.config/go/env"),
    }  # the file's GOPROXY isn't "ignored": the environment's value shadows it, as in go


@pytest.mark.parametrize("entry", ["GOFLAGS", "CGO_ENABLED=0", "CC", "GOOS=darwin", "GOARCH"])
def test_mode_owned_settings_are_refused(entry: str) -> None:
    with pytest.raises(GoEnvError, match="which go_static_binary decides itself"):
        resolve_go_env((entry,), {}, None, "")


def test_parse_go_env_file_skips_noise() -> None:
    assert parse_go_env_file("\n# c\nA=1\nB = two=2\nbogus\n") == {"A": "1", "B": "two=2"}


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "missing go.sum entry for module providing package github.com/x/y (imported by m); to "
            "add:",
            "go.sum has no entry for github.com/x/y; run `go mod tidy` in mod",
        ),
        (
            "go: github.com/x/y@v1.0.0: missing go.sum entry for go.mod file; to add it:\n"
            "\tgo mod download github.com/x/y",
            "go.sum has no entry for github.com/x/y; run `go mod tidy` in mod",
        ),
        (
            "verifying github.com/x/y@v1.2.3: checksum mismatch\n"
            "\tdownloaded: h1:a\n"
            "\tgo.sum:     h1:b",
            "go.sum's hash for github.com/x/y@v1.2.3 differs",
        ),
        (
            'Get "https://p.example/github.com/x/@v/list": dial tcp: lookup p.example: no such '
            "host",
            "module proxy could not be reached: GOPROXY=https://p.example (from environment)",
        ),
    ],
)
def test_diagnose(text: str, expected: str) -> None:
    go_env = GoEnv(passed=(GoSetting("GOPROXY", "https://p.example", "environment"),), ignored=())
    assert expected in diagnose(text, "mod", go_env)


def test_diagnose_says_nothing_about_other_errors() -> None:
    assert diagnose("main.go:3:1: syntax error", "mod", GoEnv((), ())) is None


HOME = GoEnv(passed=(GoSetting("HOME", "/home/ci", "environment"),), ignored=())


# What go1.27 and git 2.39 print against a private git server (build-support/private_git_server.py).
@pytest.mark.parametrize(
    "text,expected",
    [
        (
            'main.go:6:2: unrecognized import path "git.corp.test/greet": reading '
            "https://git.corp.test/greet?go-get=1: 401 Unauthorized\n\tserver response: "
            "authentication required",
            "git.corp.test/greet is private, and its server refused the request",
        ),
        (
            "main.go:6:2: reading git.corp.test/greet/go.mod at revision v1.0.0: git ls-remote -q "
            "--end-of-options https://git.corp.test/greet.git in /x: exit status 128:\n\tfatal: "
            "could not read Username for 'https://git.corp.test': terminal prompts disabled",
            "`go list` runs with HOME=/home/ci (from environment)",
        ),
        (
            "main.go:6:2: git.corp.test/greet@v1.0.0: reading https://127.0.0.1:38295/goproxy/"
            "git.corp.test/greet/@v/v1.0.0.zip: 401 Unauthorized",
            "for a GOPROXY the machine is its host:port",
        ),
        (
            "main.go:6:2: git.corp.test/greet@v1.0.0: reading https://proxy.golang.org/"
            "git.corp.test/greet/@v/v1.0.0.zip: 404 Not Found",
            "Set GOPRIVATE=git.corp.test",
        ),
        (
            "go: git.corp.test/greet@v1.0.0: verifying module: git.corp.test/greet@v1.0.0: Get "
            '"https://sum.golang.org/lookup/git.corp.test/greet@v1.0.0": dial tcp: no such host',
            "public module proxy or checksum database about git.corp.test/greet",
        ),
        (
            'main.go:6:2: unrecognized import path "git.corp.test/greet": https fetch: Get '
            '"https://git.corp.test/greet?go-get=1": tls: failed to verify certificate: x509: '
            "certificate signed by unknown authority",
            "TLS certificate is not trusted",
        ),
        (
            "fatal: unable to access 'https://git.corp.test/greet.git/': server certificate "
            "verification failed. CAfile: none CRLfile: none",
            "GIT_SSL_CAINFO",
        ),
    ],
)
def test_private_module_failures_name_the_module_and_the_setting(text: str, expected: str) -> None:
    assert expected in diagnose(text, "mod", HOME)


def test_credentials_in_a_passed_url_are_refused_without_showing_them() -> None:
    entries = ("GOPROXY", "HTTPS_PROXY")
    host = {"GOPROXY": "https://alice:s3cret@proxy.corp/go", "HTTPS_PROXY": "http://xq7tkn@px:3128"}
    with pytest.raises(GoEnvError) as caught:
        resolve_go_env(entries, host, None, "")
    message = str(caught.value)
    assert "GOPROXY (from environment), HTTPS_PROXY (from environment)" in message
    assert "s3cret" not in message and "xq7tkn" not in message and "$HOME/.netrc" in message
    # The same settings without credentials pass.
    clean = {"GOPROXY": "https://proxy.corp/go", "HTTPS_PROXY": "http://px:3128"}
    assert {s.name for s in resolve_go_env(entries, clean, None, "").passed} == set(entries)

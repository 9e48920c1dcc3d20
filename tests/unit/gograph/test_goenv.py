"""Tier 1: which Go settings pass through to `go`, and from where (no Pants)."""

from __future__ import annotations

import pytest

from go_static.core.gograph.goenv import (
    DEFAULT_PASSTHROUGH,
    GoEnvError,
    go_env_file_path,
    parse_go_env_file,
    resolve_go_env,
)
from go_static.core.gograph.gomod import diagnose, local_replacements


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


def test_local_replacements() -> None:
    go_mod = (
        "module x\n"
        "\n"
        "replace example.com/a => ../a\n"
        "replace example.com/b v1.0.0 => ./b // why\n"
        "replace example.com/c => example.com/d v1.2.0\n"
        "replace (\n"
        "\texample.com/e => ../../e\n"
        "\texample.com/f v1 => example.com/g v2\n"
        "\texample.com/h => .\n"
        "\texample.com/i => /opt/src/i\n"
        ")\n"
    )
    assert local_replacements(go_mod) == ("../a", "./b", "../../e", ".", "/opt/src/i")


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
    assert expected in diagnose(text, "mod", "https://p.example", "environment")


def test_diagnose_says_nothing_about_other_errors() -> None:
    assert diagnose("main.go:3:1: syntax error", "mod", "", "go's default") is None

"""Tier 3: x_defs stamping with real Pants, git and Go, on a generated repo committed to git.

Unstamped, a commit that touches no input leaves the build's flags, cache key and bytes alone;
with `--go-static-stamp` the binary prints `git describe` and the report says so; a name that
matches no variable fails the post-link check instead of shipping a silently unstamped binary.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from pathlib import Path

import pytest

from pants_harness import build_info, git, go, pants_in, write_pants_toml

MAIN = """package main

import "fmt"

var version = "dev"
var channel = "none"

func main() { fmt.Println(version, channel) }
"""


def pants(root: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    result = pants_in(root, "--stats-log", *args, env={"RELEASE_CHANNEL": "beta"}, timeout=900)
    assert (result.returncode == 0) == ok, result.stderr[-4000:]
    return result


def write_build(root: Path, symbol: str = "main.version") -> None:
    (root / "BUILD").write_text(
        "go_static_binary(name='app', x_defs={"
        f"'{symbol}': '{{git_describe}}', 'main.channel': '{{env:RELEASE_CHANNEL}}'}})\n"
        "go_static_sources(name='sources')\ngo_static_mod(name='mod')\n"
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stamp") / "repo"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/stamp\n\ngo 1.21\n")
    # A fresh comment per session: the first build below must really run, not come from the cache.
    (root / "main.go").write_text(MAIN + f"\n// {uuid.uuid4()}\n")
    write_pants_toml(root)
    write_build(root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    git(root, "tag", "v1.2.3")
    return root


def binary(root: Path) -> tuple[str, str]:
    path = root / "dist" / "app"
    out = subprocess.run([str(path)], capture_output=True, text=True, check=True).stdout.strip()
    return out, hashlib.sha256(path.read_bytes()).hexdigest()


def test_unstamped_builds_ignore_the_commit_and_stamped_ones_carry_it(repo: Path) -> None:
    built = pants(repo, "package", ":app")
    assert "Building //:app" in built.stderr
    out, first = binary(repo)
    assert out == "dev none"  # placeholders left out: the defaults in the source
    (repo / "NOTES.md").write_text("not an input\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second")
    again = pants(repo, "package", ":app")
    # Same flags, same key: the build came from the cache, not from a new `go build`.
    assert "Building //:app" not in again.stderr
    assert binary(repo) == (out, first)

    pants(repo, "--go-static-stamp", "package", ":app")
    out, stamped = binary(repo)
    assert out == "v1.2.3-1-g" + out.split("-g", 1)[1].split()[0] + " beta"
    assert stamped != first
    report = json.loads((repo / "dist" / "app.static-report.json").read_text())
    by_symbol = {x["symbol"]: x for x in report["x_defs"]}
    assert by_symbol["main.version"]["value"].startswith("v1.2.3-1-g")
    assert by_symbol["main.version"]["template"] == "{git_describe}"
    assert by_symbol["main.channel"]["value"] == "beta"
    assert all(x["applied"] and x["in_binary"] for x in by_symbol.values())


def test_stamped_build_info_is_what_plain_go_build_records(repo: Path) -> None:
    plain = repo.parent / "plain-app"

    def plain_build_info() -> list[str]:
        # Plain go in the same checkout, with the same flags (-ldflags aside: -trimpath keeps
        # them out of build info).
        go(
            *("build", "-trimpath", "-buildvcs=true", "-mod=readonly", "-tags=netgo,osusergo"),
            *("-o", str(plain), "."),
            cwd=repo,
            CGO_ENABLED="0",
            GOWORK="off",
        )
        return build_info(plain)

    pants(repo, "--go-static-stamp", "package", ":app")
    ours = build_info(repo / "dist" / "app")
    assert ours == plain_build_info()
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert f"\tbuild\tvcs.revision={head}" in ours
    assert "\tbuild\tvcs.modified=true" in ours  # dist/ is untracked
    # One commit past the v1.2.3 tag: go's pseudo-version, dirty.
    main_module = next(line for line in ours if line.startswith("\tmod\t"))
    version = main_module.split("\t")[3]
    assert version.startswith("v1.2.4-0.") and version.endswith("+dirty")
    report = json.loads((repo / "dist" / "app.static-report.json").read_text())
    assert report["vcs"]["revision"] == head and report["vcs"]["modified"] == "true"

    # A new tag on the same commit changes no input file, but it changes the version go records.
    git(repo, "tag", "v1.3.0")
    again = pants(repo, "--go-static-stamp", "package", ":app")
    assert "Building //:app" in again.stderr
    assert "\tmod\texample.com/stamp\tv1.3.0+dirty\t" in build_info(repo / "dist" / "app")
    assert build_info(repo / "dist" / "app") == plain_build_info()

    # Unstamped, nothing of the checkout is recorded.
    pants(repo, "package", ":app")
    assert not any("vcs" in line for line in build_info(repo / "dist" / "app"))


def test_a_name_that_matches_no_variable_fails_the_check(repo: Path) -> None:
    write_build(repo, symbol="main.verison")
    try:
        failed = pants(repo, "--go-static-stamp", "package", ":app", ok=False)
    finally:
        write_build(repo)
    assert "x-def-not-set" in failed.stderr and "main.verison" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_a_bad_placeholder_fails_before_the_compile_naming_the_field(repo: Path) -> None:
    (repo / "BUILD").write_text(
        "go_static_binary(name='app', x_defs={'main.version': '{git_sha}', 'version': 'x'})\n"
        "go_static_sources(name='sources')\ngo_static_mod(name='mod')\n"
    )
    try:
        failed = pants(repo, "package", ":app", ok=False)
    finally:
        write_build(repo)
    assert "{git_sha}" in failed.stderr and "'version'" in failed.stderr
    assert "x_defs" in failed.stderr and "Traceback" not in failed.stderr


# Issue 28: this tag once reached the linker as -X main.version=v1.2 -linkmode external
# -X main.admin=true. Git accepts it as a ref name.
HOSTILE_TAG = "v1.2\"'-linkmode'\"external\"'-X'\"main.admin=true"
MAIN_WITH_ADMIN = MAIN.replace(
    'var channel = "none"', 'var channel = "none"\nvar admin = "false"'
).replace("fmt.Println(version, channel)", "fmt.Println(version, channel, admin)")


@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "repo"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/stamp\n\ngo 1.21\n")
    (root / "main.go").write_text(MAIN_WITH_ADMIN + f"\n// {uuid.uuid4()}\n")
    write_pants_toml(root)
    write_build(root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    return root


def test_a_hostile_tag_fails_with_stamp_naming_the_tag(hostile_repo: Path) -> None:
    git(hostile_repo, "tag", HOSTILE_TAG)
    try:
        failed = pants_in(
            hostile_repo,
            *("--go-static-stamp", "package", ":app"),
            env={"RELEASE_CHANNEL": "beta"},
            timeout=900,
        )
    finally:
        git(hostile_repo, "tag", "-d", HOSTILE_TAG)
    assert failed.returncode != 0
    err = failed.stderr
    assert "//:app: x_defs['main.version'] = '{git_describe}' is stamped with a value" in err
    assert "the tag `git describe --tags` gave ({git_describe})" in err
    assert "v1.2" in err and "inject its own linker flags" in err and "Fix: " in err
    assert "main.channel" not in err  # the clean env value is not blamed
    assert "Traceback" not in err
    assert not (hostile_repo / "dist" / "app").exists()  # nothing was linked


def test_env_values_are_quoted_into_one_x_or_refused_naming_the_variable(
    hostile_repo: Path,
) -> None:
    git(hostile_repo, "tag", "v2.0.0")
    # One kind of quote and spaces: go can carry it as one argument, so it is quoted, and the
    # words that look like flags stay inside main.channel.
    spaced = "beta 2 -X main.admin=true 'x'"
    ok = pants_in(
        hostile_repo,
        *("--go-static-stamp", "package", ":app"),
        env={"RELEASE_CHANNEL": spaced},
        timeout=900,
    )
    assert ok.returncode == 0, ok.stderr[-4000:]
    path = hostile_repo / "dist" / "app"
    out = subprocess.run([str(path)], capture_output=True, text=True, check=True).stdout.strip()
    assert out == f"v2.0.0 {spaced} false"
    # Both quote kinds: no quoting carries it, so the build stops and names the variable.
    failed = pants_in(
        hostile_repo,
        *("--go-static-stamp", "package", ":app"),
        env={"RELEASE_CHANNEL": "beta\"'-X'\"main.admin=true"},
        timeout=900,
    )
    assert failed.returncode != 0
    assert "x_defs['main.channel'] = '{env:RELEASE_CHANNEL}' is stamped" in failed.stderr
    assert "the environment variable RELEASE_CHANNEL ({env:RELEASE_CHANNEL})" in failed.stderr
    assert "Traceback" not in failed.stderr

"""Tier 3: repos laid out the way `go build` reads them, built with real Pants and compared with
plain `go build` of the same code.

One generated monorepo, committed to git: a go.work that ties `app`, `lib` and `tools` together
(app imports lib with no require or replace), a `default.pgo` beside a hot main package, a
command from a required module (Go 1.24 `tool` line: golang.org/x/example/hello from the module
proxy), and a target whose package graph can't be read. Each binary must:

- build, pass the post-link check and run alone in an empty root;
- carry the build info plain `go build` gives with the same flags (`go version -m`, the `-pgo`
  setting included, Go's own -pgo=auto left to find default.pgo);

and each edit must select exactly the binaries whose build reads it, the broken target included
(conservatively), without stopping the selection of the others.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from pants_harness import build_info, git, go, pants_in, write_pants_toml

HELLO = "golang.org/x/example/hello"
HELLO_VERSION = "v0.0.0-20250915201037-7f05d217867b"
HELLO_SUM = (
    f"{HELLO} {HELLO_VERSION} h1:+gZE2jOdiscYByu0606Uw8Ldir2Cecd39Vq/3IEasRA=\n"
    f"{HELLO} {HELLO_VERSION}/go.mod h1:UhUKOXx5fMcLZxwL20DUrWWBBoRYG9Jvc8FiwZhRHCI=\n"
)
# A CPU profile of this program is the hot binary's default.pgo.
PROFILED = """package main

import (
\t"fmt"
\t"os"
\t"runtime/pprof"
)

func fib(n int) int {
\tif n < 2 {
\t\treturn n
\t}
\treturn fib(n-1) + fib(n-2)
}

func main() {
\tf, _ := os.Create(os.Args[1])
\tpprof.StartCPUProfile(f)
\ts := 0
\tfor i := 0; i < 20; i++ {
\t\ts += fib(28)
\t}
\tpprof.StopCPUProfile()
\tfmt.Println(s)
}
"""
HOT = """package main

import "fmt"

func fib(n int) int {
\tif n < 2 {
\t\treturn n
\t}
\treturn fib(n-1) + fib(n-2)
}

func main() { fmt.Println("hot", fib(20)) }
"""
FILES = {
    "go.work": "go 1.24\n\nuse (\n\t./app\n\t./lib\n\t./tools\n)\n",
    "app/go.mod": "module example.com/wsapp\n\ngo 1.24\n",
    "app/cmd/hello/main.go": (
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/wslib/greet"\n)\n\n'
        "func main() { fmt.Println(greet.Hello()) }\n"
    ),
    "app/cmd/hot/main.go": HOT,
    "app/cmd/broken/main.go": (
        'package main\n\nimport "example.com/nowhere/pkg"\n\nfunc main() { pkg.Run() }\n'
    ),
    "app/BUILD": "\n".join(
        [
            'go_static_binary(name="hello", main="./cmd/hello")',
            'go_static_binary(name="hot", main="./cmd/hot")',
            'go_static_binary(name="hot-nopgo", main="./cmd/hot", pgo="off")',
            'go_static_binary(name="broken", main="./cmd/broken")',
            'go_static_smoke_test(name="hello-smoke", binary=":hello", '
            'expected_stdout="hello from the workspace lib\\n")',
            'go_static_smoke_test(name="hot-smoke", binary=":hot", expected_stdout="hot 6765\\n")',
        ]
    )
    + "\n",
    "lib/go.mod": "module example.com/wslib\n\ngo 1.24\n",
    "lib/greet/greet.go": (
        'package greet\n\nfunc Hello() string { return "hello from the workspace lib" }\n'
    ),
    "lib/greet/README.md": "Not a build input.\n",
    "tools/go.mod": (
        f"module example.com/tools\n\ngo 1.24\n\ntool {HELLO}\n\n"
        f"require {HELLO} {HELLO_VERSION} // indirect\n"
    ),
    "tools/go.sum": HELLO_SUM,
    "tools/BUILD": (
        'go_static_smoke_test(name="hello-tool-smoke", binary=":hello", args=["-g", "Hi", "ci"], '
        'expected_stdout="Hi, ci!\\n")\n'
    ),
}
SELECTED = ("go_static_binary", "go_static_smoke_test")
EVERY_BINARY = {
    "app:hello",
    "app:hello-smoke",
    "app:hot",
    "app:hot-smoke",
    "app:hot-nopgo",
    "app:broken",
    "tools:hello",
    "tools:hello-tool-smoke",
}


def pants(root: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    result = pants_in(root, *args)
    assert (result.returncode == 0) == ok, result.stderr[-6000:]
    return result


@pytest.fixture(scope="module")
def repo():
    root = Path(tempfile.mkdtemp(prefix="go-static-layouts-"))
    for path, content in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    profiler = root.parent / f"{root.name}-profiler"
    profiler.mkdir()
    (profiler / "main.go").write_text(PROFILED)
    go("run", "main.go", str(root / "app/cmd/hot/default.pgo"), cwd=profiler, GOWORK="off")
    shutil.rmtree(profiler)
    write_pants_toml(root, **{"go-static": {"tailor_tools": True}})
    git(root, "init", "-q")
    pants(root, "tailor", "::")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a go.work monorepo")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_tailor_owns_the_workspace_and_proposes_the_tool(repo: Path) -> None:
    assert "go_static_workspace" in (repo / "BUILD").read_text()
    tools = (repo / "tools" / "BUILD").read_text()
    assert f'go_static_binary(\n    name="hello",\n    main="{HELLO}",\n)' in tools
    assert "default.pgo" not in (repo / "app/cmd/hot/BUILD").read_text()  # the default owns it


def test_each_binary_builds_runs_alone_and_matches_plain_go_build(repo: Path) -> None:
    pants(repo, "package", "app:hello", "app:hot", "app:hot-nopgo", "tools:hello")
    pants(repo, "test", "::")  # the smoke tests: each binary alone in an empty root
    explained = {
        e["target"]: e
        for e in json.loads(
            pants(
                repo,
                "go-static-explain",
                "--go-static-explain-json",
                "app:hello",
                "app:hot",
                "app:hot-nopgo",
                "tools:hello",
            ).stdout
        )
    }
    plain_dir = repo.parent / f"{repo.name}-plain"
    plain_dir.mkdir(exist_ok=True)
    for target, output in [
        ("app:hello", "app/hello"),
        ("app:hot", "app/hot"),
        ("app:hot-nopgo", "app/hot-nopgo"),
        ("tools:hello", "tools/hello"),
    ]:
        item = explained[target]
        report = json.loads((repo / "dist" / f"{output}.static-report.json").read_text())
        assert report["verdict"] == "pass" and report["linkage"] == "static", target
        assert report["go_work"] == "go.work", target
        # Plain go, in the real checkout, with GOWORK=auto and Go's default -pgo=auto: only the
        # mode's flags and environment, not the plugin's explicit -pgo.
        argv = [a for a in item["go_build"][1:] if not a.startswith("-pgo=")]
        argv[argv.index("-o") + 1] = str(plain_dir / target.replace(":", "-"))
        env = {e["setting"]: e["value"] for e in item["env"] if e["setting"] in ("CGO_ENABLED",)}
        if target == "app:hot-nopgo":
            argv.insert(1, "-pgo=off")
        go(*argv, cwd=repo / item["module"], GOWORK="", **env)
        plain = build_info(plain_dir / target.replace(":", "-"))
        ours = build_info(repo / "dist" / output)
        assert ours == plain, (target, ours, plain)
    hot = build_info(repo / "dist/app/hot")
    assert "\tbuild\t-pgo=default.pgo" in hot
    assert not any("-pgo" in line for line in build_info(repo / "dist/app/hot-nopgo"))
    assert f"\tmod\t{HELLO}\t{HELLO_VERSION}\t" in "\n".join(build_info(repo / "dist/tools/hello"))
    hot_report = json.loads((repo / "dist/app/hot.static-report.json").read_text())
    assert hot_report["pgo"] == "default.pgo"
    assert {d["setting"]: d["value"] for d in hot_report["decisions"]}["-pgo"] == (
        "app/cmd/hot/default.pgo"
    )
    sbom = json.loads((repo / "dist/app/hello.cdx.json").read_text())
    props = {p["name"]: p["value"] for p in sbom["metadata"]["component"]["properties"]}
    assert props["go-static:go:workspace"] == "go.work"


def selected(repo: Path) -> set[str]:
    out = pants(
        repo,
        "--changed-since=HEAD",
        "--changed-dependents=transitive",
        "peek",
        "--exclude-defaults",
    ).stdout
    return {t["address"] for t in json.loads(out) if t["target_type"] in SELECTED}


@pytest.mark.parametrize(
    "edited,expected",
    [
        # The broken target can't be read, so any edit in its workspace selects it.
        ("lib/greet/greet.go", {"app:hello", "app:hello-smoke", "app:broken"}),
        # hot-nopgo reads main.go, not the profile, but Pants selects by owning target, and one
        # go_static_sources owns both.
        ("app/cmd/hot/default.pgo", {"app:hot", "app:hot-smoke", "app:hot-nopgo", "app:broken"}),
        # Every workspace module's go.mod and go.sum is read by every build in the workspace:
        # the build list spans them all.
        ("go.work", EVERY_BINARY),
        ("tools/go.sum", EVERY_BINARY),
        ("lib/greet/README.md", set()),
    ],
)
def test_an_edit_selects_exactly_its_dependents(repo: Path, edited: str, expected: set) -> None:
    with open(repo / edited, "ab") as f:
        f.write(b"\n" if not edited.endswith(".go") else b"\n// edited\n")
    try:
        assert selected(repo) == expected
    finally:
        git(repo, "checkout", "--", edited)


def test_the_broken_target_fails_when_built_and_names_the_package(repo: Path) -> None:
    result = pants(repo, "package", "app:broken", ok=False)
    assert "app:broken" in result.stderr and "example.com/nowhere/pkg" in result.stderr
    assert not (repo / "dist" / "app" / "broken").exists()

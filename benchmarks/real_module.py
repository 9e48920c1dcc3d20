"""Benchmark: one go_static_binary of a large real module, cold, against plain `go build`.

The module is golang-migrate v4.20.1 (github.com/golang-migrate/migrate/v4), fetched from the Go
module proxy with the venv's Go SDK and copied into a throwaway Pants repo that uses this
checkout's plugin and venv. Its one target:

    go_static_binary(name="migrate", main="./cmd/migrate", build_tags=["postgres", "file"])

with the go_static_sources/go_static_mod targets `pants tailor ::` writes (tailor's
go_static_binary for the deprecated `cli/` main is left out: one binary, one closure).

Then, --runs times, interleaved:

- Pants: `package //:migrate` with no pantsd, an empty store and empty named caches, except zig's
  (as in benchmarks/monorepo) and the module cache: its named cache `go_static_gomodcache` is a
  link to a module cache filled once up front, so Pants downloads nothing;
- plain `go build -tags ...` of ./cmd/migrate with the flags and environment the plugin resolves
  (checked against `pants go-static-explain`), an empty GOCACHE and the same warm module cache.

It prints each run, where Pants' time went (the workunit account of benchmarks/monorepo), the
median of the paired ratios Pants/go build, and how many packages the prebuild compiled.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monorepo import (
    VENV,
    WARM_LINKS,
    account,
    assert_cold,
    assert_filled,
    go_build,
    link_zig_cache,
    load,
    make_pants_repo,
    median,
    paired,
    pants,
    pants_cold,
    precompiled_packages,
    startup,
    stop_pantsd,
    warm_zig,
)
from plain_build import GO, HOST_GOARCH

# isort: split
# plain_build put pants-plugins on sys.path.
from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import BuildMode, resolve
from go_static.core.mode.intent import Intent
from go_static.core.names import PURE_GO_RESOLVER_TAGS, REPRODUCIBLE_FLAGS

MODULE, VERSION = "github.com/golang-migrate/migrate/v4", "v4.20.1"
MAIN, TAGS = "./cmd/migrate", ("postgres", "file")
TARGET = "//:migrate"
GOMOD_LINK = "go_static_gomodcache"


def go_env(gomodcache: Path, home: Path, **extra: str) -> dict[str, str]:
    """A `go` environment with nothing from the host's Go settings but the network."""
    return {
        "PATH": f"{GO.parent}:/usr/bin:/bin",
        "HOME": str(home),
        "GOTOOLCHAIN": "local",
        "GOENV": "off",
        "GOWORK": "off",
        "GOFLAGS": "-modcacherw",  # so the throwaway module caches can be deleted
        "GOMODCACHE": str(gomodcache),
        "GOCACHE": str(home / "gocache"),
        "LC_ALL": "C",
        **{k: v for k, v in os.environ.items() if k in ("GOPROXY", "GONOSUMDB", "GOPRIVATE")},
        **extra,
    }


def go(cwd: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(GO), *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"go {' '.join(args)} failed in {cwd}:\n{result.stderr[-3000:]}")
    return result.stdout


def rmtree(path: Path) -> None:
    """Delete a tree that may hold Go's read-only module cache directories."""

    def writable(func, p, _exc):  # noqa: ANN001
        os.chmod(os.path.dirname(p), stat.S_IRWXU)
        if os.path.isdir(p) and not os.path.islink(p):
            os.chmod(p, stat.S_IRWXU)
        func(p)

    if path.exists():
        shutil.rmtree(path, onerror=writable)


def fetch(work: Path) -> Path:
    """`go mod download -json MODULE@VERSION` into a module cache of its own: the source Dir."""
    env = go_env(work / "src-mod", work / "src-home")
    info = json.loads(go(work, env, "mod", "download", "-json", f"{MODULE}@{VERSION}"))
    return Path(info["Dir"])


def make_repo(source: Path, root: Path) -> None:
    """The module's source, writable, as a Pants repo with the one go_static_binary target."""
    shutil.copytree(source, root)
    for d, dirs, files in os.walk(root):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    tags = ", ".join(f'"{t}"' for t in TAGS)
    (root / "BUILD").write_text(
        f'go_static_binary(name="migrate", main="{MAIN}", build_tags=[{tags}])\n'
    )
    make_pants_repo(root)


def fill_module_cache(root: Path, gomodcache: Path, home: Path) -> tuple[int, int]:
    """Download what the plugin's `go list -deps ./...` needs (with the target's tags and with
    tailor's), then prove the cache complete: the same lists with GOPROXY=off, no errors allowed.
    Returns the main package's closure under the target's tags: (packages, std and third-party
    ones)."""
    listed = (("-tags=" + ",".join(plugin_tags()),), ("-tags=" + ",".join(PURE_GO_RESOLVER_TAGS),))
    online = go_env(gomodcache, home, CGO_ENABLED="1")
    for tags in listed:
        go(root, online, "list", "-e", "-deps", "-mod=readonly", *tags, "./...")
    offline = {**online, "GOPROXY": "off"}
    for tags in listed:
        go(root, offline, "list", "-deps", "-mod=readonly", *tags, "./...")
    closure = go(
        root,
        offline,
        "list",
        "-deps",
        "-mod=readonly",
        *listed[0],
        "-f",
        "{{if .Module}}{{.Module.Path}}{{else}}std{{end}}",
        MAIN,
    ).splitlines()
    return len(closure), sum(1 for m in closure if m != MODULE)


def plugin_tags() -> tuple[str, ...]:
    return tuple(dict.fromkeys((*PURE_GO_RESOLVER_TAGS, *TAGS)))


def loop_mode() -> BuildMode:
    """The mode go_static_binary resolves for the target: libc="auto", cgo-free closure."""
    facts = GraphFacts(main_package=f"{MODULE}/cmd/migrate")
    intent = Intent(address=TARGET, build_tags=TAGS, goarch=HOST_GOARCH, host_goarch=HOST_GOARCH)
    return resolve(intent, facts)


def check_against_explain(root: Path, caches: Path, mode: BuildMode) -> list[str]:
    """The plugin's own `go build` argv for the target (go-static-explain): the loop must use the
    same flags and mode environment, or the comparison is off."""
    _, out = pants_output(root, caches, "go-static-explain", "--go-static-explain-json", TARGET)
    (item,) = json.loads(out)
    argv = item["go_build"]
    flags = argv[2 : argv.index("-o")]  # after "go build"
    ours = list(go_build_flags(mode))
    env = {e["setting"]: e["value"] for e in item["env"] if e["setting"] in mode.go_env()}
    if flags != ours or env != mode.go_env():
        sys.exit(
            f"the plugin builds {TARGET} with {flags} and {env},\n"
            f"the loop would use {ours} and {mode.go_env()}"
        )
    return argv


def go_build_flags(mode: BuildMode) -> tuple[str, ...]:
    """The flags plain_build.go_build_argv gives `go build` (monorepo.go_build's -mod flag)."""
    return (*REPRODUCIBLE_FLAGS, "-mod=readonly", *mode.go_build_flags(), *mode.pgo_flags(""))


def pants_output(root: Path, caches: Path, *args: str) -> tuple[float, str]:
    """Like monorepo.pants, but returning stdout."""
    env = {**os.environ, "NO_SCIE_WARNING": "1", "PANTS_VENV": str(VENV)}
    argv = [
        str(VENV / "bin" / "pants"),
        "--no-pantsd",
        f"--named-caches-dir={caches / 'named'}",
        f"--local-store-dir={caches / 'store'}",
        *args,
    ]
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"pants {' '.join(args)} failed in {root}:\n{result.stderr[-3000:]}")
    return time.perf_counter() - start, result.stdout


def link_module_cache(caches: Path, gomodcache: Path) -> None:
    named = caches / "named"
    named.mkdir(parents=True, exist_ok=True)
    (named / GOMOD_LINK).symlink_to(gomodcache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved cold runs (default 3)")
    parser.add_argument(
        "--gomodcache",
        type=Path,
        help="keep the shared module cache here (filled if need be; about 2 GB) instead of a "
        "throwaway one",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="go-static-real-module-"))
    print(f"load average at start: {load()} ({os.cpu_count()} cores)", flush=True)
    root = work / "repo"
    gomodcache = args.gomodcache.resolve() if args.gomodcache else work / "gomod"
    try:
        warm_zig()
        make_repo(fetch(work), root)
        rmtree(work / "src-mod")
        closure, outside = fill_module_cache(root, gomodcache, work / "home")
        print(
            f"{MODULE}@{VERSION}: {TARGET} builds {MAIN} with tags {','.join(plugin_tags())}; "
            f"its closure is {closure} packages, {outside} of them std or third-party",
            flush=True,
        )
        # tailor's targets, and the plugin's argv, on throwaway caches (module cache linked).
        setup = work / "setup"
        link_zig_cache(setup)
        link_module_cache(setup, gomodcache)
        pants(root, setup, "--no-pantsd", "--tailor-ignore-paths=['cli/BUILD']", "tailor", "::")
        builds = sorted(str(p.relative_to(root)) for p in root.rglob("BUILD"))
        print(f"BUILD files after tailor: {len(builds)}", flush=True)
        mode = loop_mode()
        argv = check_against_explain(root, setup, mode)
        print(f"the plugin's go build (go-static-explain): {' '.join(argv)}", flush=True)
        rmtree(setup)
        rows: dict[str, list[float]] = {"startup": [], "pants": [], "go_build": []}
        prebuilt: list[list[int]] = []
        loads = []
        for run in range(args.runs):
            caches = work / f"run{run}"
            loads.append(load())
            rows["startup"].append(startup(root, caches / "startup"))
            link_zig_cache(caches / "pants")
            link_module_cache(caches / "pants", gomodcache)
            elapsed, units = pants_cold(
                root, caches / "pants", TARGET, allowed=(*WARM_LINKS, GOMOD_LINK)
            )
            rows["pants"].append(elapsed)
            prebuilt.append(precompiled_packages(units))
            loop = caches / "loop"
            loop.mkdir()
            (loop / "gomod").symlink_to(gomodcache)
            assert_cold(loop / "gocache", loop / "out")
            start = time.perf_counter()
            go_build(root, loop, mode, [MAIN], str(loop / "out" / "migrate"), {"GOPROXY": "off"})
            rows["go_build"].append(time.perf_counter() - start)
            assert_filled(loop / "gocache")
            p, q, s = rows["pants"][-1], rows["go_build"][-1], rows["startup"][-1]
            print(
                f"\nrun {run + 1}/{args.runs} (load before: {loads[-1]}): start-up {s:.1f} s, "
                f"Pants {p:.1f} s, go build {q:.1f} s; Pants/go build {p / q:.2f}x; prebuild "
                f"compiled {prebuilt[-1]} packages",
                flush=True,
            )
            print(account(units, p), flush=True)
            rmtree(caches)
        stop_pantsd(root)
        net = [p - s for p, s in zip(rows["pants"], rows["startup"])]
        ratio, net_ratio = paired(rows["pants"], rows["go_build"]), paired(net, rows["go_build"])
        print(f"\nmedian of {args.runs} run(s) (seconds), and the median of the paired ratios:")
        print(f"{'':26}{'median':>8}   runs")
        for name, xs in (*rows.items(), ("Pants minus start-up", net)):
            print(f"{name:26}{median(xs):8.1f}   {', '.join(f'{x:.1f}' for x in xs)}")
        verdict = "met" if ratio <= 1.3 else "NOT met"
        print(f"Pants / go build           {ratio:.2f}x (goal <= 1.3x: {verdict})")
        print(f"Pants minus start-up / go  {net_ratio:.2f}x")
        print(
            f"prebuild packages per run: {prebuilt}; the closure's std and third-party: {outside}"
        )
        print(f"load before each run: {loads}")
    finally:
        stop_pantsd(root)
        rmtree(work)
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()

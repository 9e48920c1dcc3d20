"""Benchmark: go_static_binary on a generated monorepo vs a shell loop of plain `go build`.

Generates ~20 binaries over shared packages (some with cgo, built with musl via zig cc) in a
throwaway Pants repo that uses this checkout's plugin and venv, then prints median wall times for
a cold build, a warm no-op and a one-leaf edit, for Pants and for the plain loop, and their ratios.

"Cold" empties Go's build and module caches and Pants' caches (and stops pantsd); zig's cache
stays warm on both sides, since zig compiles musl once per machine, not per build.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("PANTS_VENV", REPO_ROOT / ".pants-venv"))
SITE = next((VENV / "lib").glob("python3.*/site-packages"))
GO = SITE / "go" / "bin" / "go"
ZIG = SITE / "ziglang" / "zig"
ZIG_CACHE = Path.home() / ".cache" / "pants" / "named_caches" / "go_static_zig"
N_APPS, N_SHARED, CGO_EVERY = 20, 5, 4
TAGS = "netgo,osusergo"


def generate(root: Path) -> None:
    (root / "go.mod").write_text("module example.com/bench\n\ngo 1.26\n")
    for i in range(N_SHARED):
        pkg = root / "pkg" / f"shared{i}"
        pkg.mkdir(parents=True)
        funcs = "\n".join(f"func F{j}(x int) int {{ return x*{j + 1} + {i} }}" for j in range(40))
        (pkg / "shared.go").write_text(
            f"package shared{i}\n"
            "\n"
            'import "strings"\n'
            "\n"
            f'var Name = strings.ToUpper("s{i}")\n'
            "\n"
            f"{funcs}\n"
        )
    cgo = root / "pkg" / "ccalc"
    cgo.mkdir(parents=True)
    (cgo / "ccalc.go").write_text(
        'package ccalc\n\n// static int mul(int a, int b) { return a * b; }\nimport "C"\n\n'
        "func Mul(a, b int) int { return int(C.mul(C.int(a), C.int(b))) }\n"
    )
    build = []
    for i in range(N_APPS):
        leaf = root / "pkg" / f"leaf{i}"
        leaf.mkdir(parents=True)
        (leaf / "leaf.go").write_text(f"package leaf{i}\n\nfunc Value() int {{ return {i} }}\n")
        uses_cgo = i % CGO_EVERY == 0
        imports = (
            [f'"example.com/bench/pkg/leaf{i}"', '"fmt"', '"net/http"']
            + [f'"example.com/bench/pkg/shared{s}"' for s in range(N_SHARED)]
            + (['"example.com/bench/pkg/ccalc"'] if uses_cgo else [])
        )
        calls = " + ".join(f"shared{s}.F{i % 40}(leaf{i}.Value())" for s in range(N_SHARED))
        extra = " + ccalc.Mul(2, 3)" if uses_cgo else ""
        app = root / "cmd" / f"app{i}"
        app.mkdir(parents=True)
        (app / "main.go").write_text(
            "package main\n\nimport (\n\t" + "\n\t".join(imports) + "\n)\n\n"
            f"func main() {{ _ = http.StatusOK; fmt.Println({calls}{extra}) }}\n"
        )
        build.append(f'go_static_binary(name="app{i}", main="./cmd/app{i}")')
    (root / "BUILD").write_text("\n".join(build) + "\n")
    (root / "pants.toml").write_text(
        '[GLOBAL]\npants_version = "2.17.1"\nbackend_packages = ["go_static"]\n'
        f'pythonpath = ["{REPO_ROOT / "pants-plugins"}"]\n\n[anonymous-telemetry]\nenabled = '
        "false\n"
    )
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)


def pants(root: Path, caches: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "NO_SCIE_WARNING": "1", "PANTS_VENV": str(VENV)}
    argv = [
        str(VENV / "bin" / "pants"),
        f"--named-caches-dir={caches / 'named'}",
        f"--local-store-dir={caches / 'store'}",
        *args,
    ]
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"pants failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stderr


def link_zig_cache(caches: Path) -> None:
    named = caches / "named"
    named.mkdir(parents=True, exist_ok=True)
    if ZIG_CACHE.exists() and not (named / "go_static_zig").exists():
        (named / "go_static_zig").symlink_to(ZIG_CACHE)


def plain_loop(root: Path, caches: Path) -> float:
    """The same builds as a shell loop would run them: one `go build` per binary, in order."""
    env = {
        "PATH": f"{GO.parent}:/usr/bin:/bin",
        "HOME": str(caches),
        "GOTOOLCHAIN": "local",
        "GOENV": "off",
        "GOWORK": "off",
        "GOFLAGS": "",
        "GOCACHE": str(caches / "gocache"),
        "GOMODCACHE": str(caches / "gomod"),
        "ZIG_GLOBAL_CACHE_DIR": str(ZIG_CACHE),
        "ZIG_LOCAL_CACHE_DIR": str(ZIG_CACHE),
        "LC_ALL": "C",
    }
    start = time.perf_counter()
    for i in range(N_APPS):
        cgo = i % CGO_EVERY == 0
        mode = (
            (
                {"CGO_ENABLED": "1", "CC": f"{ZIG} cc -target x86_64-linux-musl"},
                "-linkmode=external -extldflags=-static",
            )
            if cgo
            else ({"CGO_ENABLED": "0"}, "-linkmode=internal")
        )
        subprocess.run(
            [
                str(GO),
                "build",
                "-trimpath",
                "-buildvcs=false",
                "-mod=readonly",
                f"-tags={TAGS}",
                f"-ldflags={mode[1]}",
                "-o",
                str(root / "plain-out" / f"app{i}"),
                f"./cmd/app{i}",
            ],
            cwd=root,
            env={**env, **mode[0]},
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=3, help="repetitions per measurement (default 3)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="go-static-bench-"))
    root = work / "repo"
    root.mkdir()
    generate(root)
    print(f"generated {N_APPS} go_static_binary targets ({N_APPS // CGO_EVERY} with cgo) in {root}")
    edit_target = root / "pkg" / "leaf7" / "leaf.go"
    results: dict[str, list[float]] = {
        k: []
        for k in (
            "pants_startup",
            "pants_cold",
            "pants_noop",
            "pants_edit",
            "plain_cold",
            "plain_noop",
            "plain_edit",
        )
    }
    rebuilt = []
    for run in range(args.runs):
        caches = work / f"caches{run}"
        link_zig_cache(caches)
        # Pants' own fixed start-up (a fresh pantsd, no build), measured on throwaway caches.
        subprocess.run(["pkill", "-f", f"pantsd.*{root}"], capture_output=True)
        results["pants_startup"].append(pants(root, work / f"startup{run}", "--version")[0])
        # Cold: fresh caches and no pantsd; then warm runs reuse the pantsd this one starts.
        subprocess.run(["pkill", "-f", f"pantsd.*{root}"], capture_output=True)
        results["pants_cold"].append(pants(root, caches, "package", "::")[0])
        results["pants_noop"].append(pants(root, caches, "package", "::")[0])
        edit_target.write_text(edit_target.read_text() + f"\nvar Edit{run} = {run}\n")
        elapsed, log = pants(root, caches, "package", "::")
        results["pants_edit"].append(elapsed)
        rebuilt.append(sorted(set(re.findall(r"Completed: Building (\S+)", log))))
        plain_caches = work / f"plain{run}"
        plain_caches.mkdir()
        results["plain_cold"].append(plain_loop(root, plain_caches))
        results["plain_noop"].append(plain_loop(root, plain_caches))
        edit_target.write_text(edit_target.read_text() + f"\nvar PlainEdit{run} = {run}\n")
        results["plain_edit"].append(plain_loop(root, plain_caches))
    subprocess.run(["pkill", "-f", f"pantsd.*{root}"], capture_output=True)
    print(f"\nmedian of {args.runs} runs (seconds):")
    print(f"{'':22}{'pants':>10}{'plain loop':>12}{'ratio':>8}")
    for what in ("cold", "noop", "edit"):
        p, q = median(results[f"pants_{what}"]), median(results[f"plain_{what}"])
        label = {
            "cold": "cold package ::",
            "noop": "warm no-op (pantsd)",
            "edit": "edit one leaf package",
        }[what]
        print(f"{label:22}{p:10.2f}{q:12.2f}{p / q:8.2f}x")
    startup = median(results["pants_startup"])
    cold_build = median([c - startup for c in results["pants_cold"]])
    plain_cold = median(results["plain_cold"])
    print(
        f"{'cold, minus start-up':22}{cold_build:10.2f}{plain_cold:12.2f}"
        f"{cold_build / plain_cold:8.2f}x   (Pants' fixed start-up: {startup:.2f} s)"
    )
    print(f"\nrebuilt after editing pkg/leaf7 (Pants): {rebuilt[0]}")
    print(f"all runs: { {k: [round(v, 2) for v in vs] for k, vs in results.items()} }")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

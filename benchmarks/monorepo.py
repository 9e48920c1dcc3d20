"""Benchmark: go_static_binary on a generated monorepo vs plain `go build`.

Generates N binaries over shared packages (a quarter with cgo, built with musl via zig cc) in a
throwaway Pants repo that uses this checkout's plugin and venv. Three modes:

- default: median wall times of a cold build, a warm no-op and a one-leaf edit, for Pants and
  for a shell loop of plain `go build`, and their ratios;
- `--remote-cache`: a cold build in checkout A that writes to a local BuildGrid, then the same
  repo copied to another path (checkout B) and built there from the cache, with nothing local;
- `--scaling [20,50,100]`: cold builds at several sizes, Pants against the plain loop and against
  one `go build -o DIR/` per distinct mode (what a Makefile would do), and the cost per added
  target.

"Cold" empties Go's build and module caches and Pants' caches (and stops pantsd); zig's cache
stays warm on every side, since zig compiles musl once per machine, not per build. Pants runs
from the venv directly, so no time goes to the venv bootstrap. Start-up is timed apart.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import groupby
from pathlib import Path

from plain_build import GO, NAMED, ZIG, go_build_argv, mode_env, plugin_mode

# isort: split
# plain_build put pants-plugins on sys.path.
from go_static.core.mode.build_mode import BuildMode

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("PANTS_VENV", REPO_ROOT / ".pants-venv"))
ZIG_CACHE = NAMED / "go_static_zig"
REMOTE_CACHE = REPO_ROOT / "build-support" / "remote-cache"
N_APPS, N_SHARED, CGO_EVERY = 20, 5, 4
# The two modes the plugin resolves for these targets (libc="auto", resolver="go"), from
# go_static.core.mode.build_mode itself. A Makefile keys one `go build` on each.
PURE_GO, CGO_MUSL = plugin_mode(cgo=False), plugin_mode(cgo=True)
COUNTERS = (
    "remote_cache_requests",
    "remote_cache_requests_cached",
    "remote_cache_requests_uncached",
    "remote_cache_read_errors",
    "remote_cache_write_successes",
    "remote_cache_write_errors",
    "local_execution_requests",
)


def uses_cgo(i: int) -> bool:
    return i % CGO_EVERY == 0


def app_mode(i: int) -> BuildMode:
    return CGO_MUSL if uses_cgo(i) else PURE_GO


def generate(root: Path, n_apps: int) -> None:
    root.mkdir(parents=True)
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
    for i in range(n_apps):
        leaf = root / "pkg" / f"leaf{i}"
        leaf.mkdir(parents=True)
        (leaf / "leaf.go").write_text(f"package leaf{i}\n\nfunc Value() int {{ return {i} }}\n")
        imports = (
            [f'"example.com/bench/pkg/leaf{i}"', '"fmt"', '"net/http"']
            + [f'"example.com/bench/pkg/shared{s}"' for s in range(N_SHARED)]
            + (['"example.com/bench/pkg/ccalc"'] if uses_cgo(i) else [])
        )
        calls = " + ".join(f"shared{s}.F{i % 40}(leaf{i}.Value())" for s in range(N_SHARED))
        extra = " + ccalc.Mul(2, 3)" if uses_cgo(i) else ""
        app = root / "cmd" / f"app{i}"
        app.mkdir(parents=True)
        (app / "main.go").write_text(
            "package main\n\nimport (\n\t" + "\n\t".join(imports) + "\n)\n\n"
            f"func main() {{ _ = http.StatusOK; fmt.Println({calls}{extra}) }}\n"
        )
        build.append(f'go_static_binary(name="app{i}", main="./cmd/app{i}")')
    # The targets `pants tailor ::` would write: each package directory's sources and the
    # module's go.mod/go.sum need an owner, or the binaries fail with `unowned-input`.
    for package_dir in sorted({p.parent for p in root.glob("*/*/*.go")}):
        (package_dir / "BUILD").write_text('go_static_sources(name="sources")\n')
    build.append('go_static_mod(name="mod")')
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
        sys.exit(f"pants failed in {root}:\n{result.stderr[-3000:]}")
    return elapsed, result.stderr


def startup(root: Path, caches: Path, *args: str) -> float:
    """Pants' fixed start-up with no pantsd: load the plugin, parse BUILD files, list targets."""
    return pants(root, caches, "--no-pantsd", *args, "list", "::")[0]


def stop_pantsd(root: Path) -> None:
    """Stop the pantsd that serves `root` (by the pid it recorded), if one runs."""
    for pid_file in root.glob(".pids/*/pantsd/pid"):
        try:
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            continue
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # it exited just now
                pass


def link_zig_cache(caches: Path) -> None:
    """Keep zig's cache warm in a cold run: the cache, and the toolchains named cache too. zig
    keys its musl and compiler_rt builds by where zig is installed, and the plugin runs zig
    from its copy in go_static_toolchains: a fresh copy elsewhere would rebuild musl (26-45 s).
    Both are content-addressed, so sharing them leaves every Go and Pants cache cold."""
    named = caches / "named"
    named.mkdir(parents=True, exist_ok=True)
    for name in ("go_static_zig", "go_static_toolchains"):
        if (NAMED / name).exists() and not (named / name).exists():
            (named / name).symlink_to(NAMED / name)


def go_build(root: Path, caches: Path, mode: BuildMode, packages: list[str], out: str) -> None:
    """One plain `go build` with the flags and environment the plugin uses for `mode`."""
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
        **mode_env(mode),
    }
    argv = go_build_argv(mode, out, *packages, mod_flag="-mod=readonly")
    subprocess.run(argv, cwd=root, env=env, check=True, capture_output=True)


# The loops write their binaries beside their caches, so a cold run never finds old ones: `go
# build -o FILE` skips the link when FILE is already the binary it would link, even with an
# empty GOCACHE.


def plain_loop(root: Path, caches: Path, n_apps: int) -> float:
    """The same builds as a shell loop would run them: one `go build` per binary, in order."""
    start = time.perf_counter()
    for i in range(n_apps):
        out = str(caches / "out" / f"app{i}")
        go_build(root, caches, app_mode(i), [f"./cmd/app{i}"], out)
    return time.perf_counter() - start


def per_mode(root: Path, caches: Path, n_apps: int) -> tuple[float, int]:
    """What a Makefile would do: one `go build -o DIR/ pkg...` per distinct mode, in turn."""
    apps = sorted(range(n_apps), key=uses_cgo)
    groups = [list(g) for _, g in groupby(apps, key=uses_cgo)]
    start = time.perf_counter()
    for group in groups:
        out = str(caches / "out") + "/"
        go_build(root, caches, app_mode(group[0]), [f"./cmd/app{i}" for i in group], out)
    return time.perf_counter() - start, len(groups)


def warm_zig() -> None:
    """zig caches musl and compiler_rt per zig install path; make sure that cache holds them for
    this venv's zig (the loops) and the plugin's copies of it (Pants) before anything is timed,
    a no-op when it does. On a machine where Pants never ran zig there is no copy yet: the first
    timed Pants build then pays for musl once."""
    zigs = [ZIG, *sorted((NAMED / "go_static_toolchains").glob("cc-zig-*/zig"))]
    with tempfile.TemporaryDirectory(prefix="go-static-zig-") as tmp:
        (Path(tmp) / "t.c").write_text("int main(void) { return 0; }\n")
        env = {**os.environ, "ZIG_GLOBAL_CACHE_DIR": str(ZIG_CACHE)}
        env["ZIG_LOCAL_CACHE_DIR"] = str(ZIG_CACHE)
        for zig in zigs:
            argv = [str(zig), "cc", "-target", "x86_64-linux-musl", "-O2", "-g0", "-static"]
            subprocess.run([*argv, "t.c", "-o", "t"], cwd=tmp, env=env, check=True)


def counters(stderr: str) -> dict[str, int]:
    """Pants' --stats-log counters: `  name: N` lines after `Counters:`."""
    tail = stderr.split("Counters:", 1)[-1]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+([a-z_]+): (\d+)$", tail, re.M)}


def load() -> str:
    """The 1, 5 and 15 minute load averages: how shared the machine was."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def bench_default(work: Path, n_apps: int, runs: int) -> None:
    root = work / "repo"
    generate(root, n_apps)
    print(f"generated {n_apps} go_static_binary targets ({len(cgo_apps(n_apps))} with cgo)")
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
    try:
        for run in range(runs):
            caches = work / f"caches{run}"
            link_zig_cache(caches)
            # Pants' own fixed start-up (a fresh pantsd, no build), measured on throwaway caches.
            stop_pantsd(root)
            results["pants_startup"].append(pants(root, work / f"startup{run}", "--version")[0])
            # Cold: fresh caches and no pantsd; then warm runs reuse the pantsd this one starts.
            stop_pantsd(root)
            results["pants_cold"].append(pants(root, caches, "package", "::")[0])
            results["pants_noop"].append(pants(root, caches, "package", "::")[0])
            edit_target.write_text(edit_target.read_text() + f"\nvar Edit{run} = {run}\n")
            elapsed, log = pants(root, caches, "package", "::")
            results["pants_edit"].append(elapsed)
            rebuilt.append(sorted(set(re.findall(r"Completed: Building (\S+)", log))))
            plain_caches = work / f"plain{run}"
            plain_caches.mkdir()
            results["plain_cold"].append(plain_loop(root, plain_caches, n_apps))
            results["plain_noop"].append(plain_loop(root, plain_caches, n_apps))
            edit_target.write_text(edit_target.read_text() + f"\nvar PlainEdit{run} = {run}\n")
            results["plain_edit"].append(plain_loop(root, plain_caches, n_apps))
    finally:
        stop_pantsd(root)
    print(f"\nmedian of {runs} runs (seconds):")
    print(f"{'':22}{'pants':>10}{'plain loop':>12}{'ratio':>8}")
    for what in ("cold", "noop", "edit"):
        p, q = median(results[f"pants_{what}"]), median(results[f"plain_{what}"])
        label = {
            "cold": "cold package ::",
            "noop": "warm no-op (pantsd)",
            "edit": "edit one leaf package",
        }[what]
        print(f"{label:22}{p:10.2f}{q:12.2f}{p / q:8.2f}x")
    start = median(results["pants_startup"])
    cold_build = median([c - start for c in results["pants_cold"]])
    plain_cold = median(results["plain_cold"])
    print(
        f"{'cold, minus start-up':22}{cold_build:10.2f}{plain_cold:12.2f}"
        f"{cold_build / plain_cold:8.2f}x   (Pants' fixed start-up: {start:.2f} s)"
    )
    print(f"\nrebuilt after editing pkg/leaf7 (Pants): {rebuilt[0]}")
    print(f"all runs: { {k: [round(v, 2) for v in vs] for k, vs in results.items()} }")


def cgo_apps(n_apps: int) -> list[int]:
    return [i for i in range(n_apps) if uses_cgo(i)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remote_flags(address: str, write: bool) -> tuple[str, ...]:
    return (
        "--remote-cache-read",
        f"--remote-cache-write={write}",
        f"--remote-store-address={address}",
        "--remote-instance-name=",
    )


def same_outputs(a: Path, b: Path) -> tuple[int, list[str]]:
    """How many files under dist/ in A, and the names that differ in B (or are missing)."""
    names = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
    differ = [
        n for n in names if not (b / n).is_file() or (b / n).read_bytes() != (a / n).read_bytes()
    ]
    extra = [
        str(p.relative_to(b))
        for p in b.rglob("*")
        if p.is_file() and not (a / p.relative_to(b)).exists()
    ]
    return len(names), differ + extra


def bench_remote_cache(work: Path, n_apps: int, runs: int) -> None:
    """Checkout A builds cold and writes to BuildGrid; checkout B, a copy at another path with an
    empty local store, empty named caches and no pantsd, reads. A fresh BuildGrid per run."""
    print(
        f"\nremote cache: {n_apps} go_static_binary targets ({len(cgo_apps(n_apps))} with cgo), "
        f"{runs} run(s), BuildGrid on 127.0.0.1"
    )
    rows: dict[str, list[float]] = {k: [] for k in ("a", "b", "a_start", "b_start")}
    stats_a: list[dict[str, int]] = []
    stats_b: list[dict[str, int]] = []
    started_in_b, identical = [], []
    read_errors: list[str] = []
    for run in range(runs):
        state = work / f"buildgrid{run}"
        start = subprocess.run(
            [str(REMOTE_CACHE), "start", "--dir", str(state), "--port", str(free_port())],
            capture_output=True,
            text=True,
        )
        if start.returncode != 0:
            sys.exit(f"build-support/remote-cache start failed:\n{start.stderr[-3000:]}")
        address = start.stdout.strip()
        try:
            a_root = work / f"rc{run}" / "a" / "repo"
            generate(a_root, n_apps)
            a_caches = work / f"rc{run}" / "a-caches"
            link_zig_cache(a_caches)  # zig's cache warm, as in every cold run here
            flags = ("--no-pantsd", "--stats-log")
            elapsed, log = pants(
                a_root, a_caches, *flags, *remote_flags(address, True), "package", "::"
            )
            rows["a"].append(elapsed)
            stats_a.append(counters(log))
            b_root = work / f"rc{run}" / "elsewhere" / "deeper" / "checkout-b"
            shutil.copytree(
                a_root,
                b_root,
                symlinks=True,
                ignore=shutil.ignore_patterns(".pants.d", ".pids", "dist"),
            )
            b_caches = work / f"rc{run}" / "b-caches"  # nothing: not even zig's cache
            elapsed, log = pants(
                b_root, b_caches, *flags, *remote_flags(address, False), "package", "::"
            )
            rows["b"].append(elapsed)
            stats_b.append(counters(log))
            started_in_b.append(len(re.findall(r"Starting: (Building|Precompile)", log)))
            read_errors += re.findall(r"Failed to read from remote cache.*", log)
            identical.append(same_outputs(a_root / "dist", b_root / "dist"))
            # Start-up on throwaway caches, with the same remote flags, after both builds.
            rows["a_start"].append(
                startup(a_root, work / f"rc{run}" / "a-start", *remote_flags(address, True))
            )
            rows["b_start"].append(
                startup(b_root, work / f"rc{run}" / "b-start", *remote_flags(address, False))
            )
        finally:
            subprocess.run(
                [str(REMOTE_CACHE), "stop", "--dir", str(state)], capture_output=True, text=True
            )
        print(
            f"  run {run}: A {rows['a'][-1]:.1f} s, B {rows['b'][-1]:.1f} s, start-up "
            f"{rows['a_start'][-1]:.1f}/{rows['b_start'][-1]:.1f} s; load {load()}",
            flush=True,
        )
        shutil.rmtree(work / f"rc{run}", ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)
    a, b = median(rows["a"]), median(rows["b"])
    a_net = median([x - s for x, s in zip(rows["a"], rows["a_start"])])
    b_net = median([x - s for x, s in zip(rows["b"], rows["b_start"])])
    print(f"\nmedian of {runs} run(s) (seconds):")
    print(f"{'':34}{'A cold':>9}{'B cache':>9}{'B/A':>7}")
    print(f"{'package :: (raw)':34}{a:9.2f}{b:9.2f}{b / a:7.2f}")
    print(
        f"{'Pants start-up (no pantsd, list)':34}"
        f"{median(rows['a_start']):9.2f}{median(rows['b_start']):9.2f}"
    )
    print(f"{'package ::, minus start-up':34}{a_net:9.2f}{b_net:9.2f}{b_net / a_net:7.2f}")
    print(f"target: B/A <= 0.2 without start-up: {'met' if b_net / a_net <= 0.2 else 'NOT met'}")
    for name, stats in (("A", stats_a), ("B", stats_b)):
        shown = ", ".join(f"{k}={stats[-1].get(k, 0)}" for k in COUNTERS if k in stats[-1])
        print(f"counters {name} (last run): {shown}")
    hits = [
        f"{x.get('remote_cache_requests_cached', 0)}/{x.get('remote_cache_requests', 0)}"
        for x in stats_b
    ]
    print(f"B's remote cache hits per run (cached/requests): {hits}")
    print(f"go build / prebuild started in B per run: {started_in_b}")
    for line in dict.fromkeys(read_errors):
        print(f"B: {line[:300]}")
    for run, (count, differ) in enumerate(identical):
        verdict = "byte-identical" if not differ else f"DIFFER: {differ[:5]}"
        print(f"run {run}: A's and B's dist/ ({count} files: binaries and reports) {verdict}")
    print(
        "A and B share this checkout's venv (the generated repos use it), but the plugin's keys "
        "hold no venv\npath: tests/integration/test_remote_cache.py gets the same hits with a "
        "separate venv."
    )
    print(f"all runs: { {k: [round(v, 2) for v in vs] for k, vs in rows.items()} }")


def bench_scaling(work: Path, sizes: list[int], runs: int) -> None:
    """Cold builds at several sizes: Pants, the plain loop, and one `go build` per mode."""
    print(f"\nscaling: cold builds at {sizes} targets (a quarter with cgo), {runs} run(s) each")
    cols = ("startup", "pants", "loop", "per_mode")
    table: dict[int, dict[str, list[float]]] = {}
    n_modes = 0
    for n in sizes:
        root = work / f"scale{n}" / "repo"
        generate(root, n)
        res: dict[str, list[float]] = {k: [] for k in cols}
        for run in range(runs):
            caches = work / f"scale{n}" / f"run{run}"
            res["startup"].append(startup(root, caches / "startup"))
            link_zig_cache(caches / "pants")
            res["pants"].append(pants(root, caches / "pants", "--no-pantsd", "package", "::")[0])
            (caches / "loop").mkdir()
            res["loop"].append(plain_loop(root, caches / "loop", n))
            (caches / "per-mode").mkdir()
            elapsed, n_modes = per_mode(root, caches / "per-mode", n)
            res["per_mode"].append(elapsed)
            shutil.rmtree(caches, ignore_errors=True)
        shutil.rmtree(work / f"scale{n}", ignore_errors=True)
        table[n] = res
        runs_seen = {k: [round(v, 1) for v in vs] for k, vs in res.items()}
        print(f"  {n} targets: {runs_seen}; load {load()}", flush=True)
    med = {n: {k: median(v) for k, v in r.items()} for n, r in table.items()}
    for n in sizes:
        med[n]["net"] = med[n]["pants"] - med[n]["startup"]
    what = f"median of {runs} runs" if runs > 1 else "one run"
    print(f"\ncold builds, {what} (seconds); {n_modes} distinct modes (pure Go, cgo musl):")
    header = ("targets", "Pants", "minus start-up", "go build loop", "go build per mode")
    print(f"{header[0]:>8}{header[1]:>9}{header[2]:>16}{header[3]:>15}{header[4]:>19}")
    for n in sizes:
        m = med[n]
        print(f"{n:8}{m['pants']:9.1f}{m['net']:16.1f}{m['loop']:15.1f}{m['per_mode']:19.1f}")
    print("cost per added target (slope, seconds):")
    for lo, hi in zip(sizes, sizes[1:]):
        d = hi - lo
        slope = {k: (med[hi][k] - med[lo][k]) / d for k in ("pants", "net", "loop", "per_mode")}
        print(
            f"{f'{lo}->{hi}':>8}{slope['pants']:9.2f}{slope['net']:16.2f}"
            f"{slope['loop']:15.2f}{slope['per_mode']:19.2f}"
        )
    startups = ", ".join(f"{n}: {med[n]['startup']:.1f}" for n in sizes)
    print(f"Pants' start-up (no pantsd, list ::), by size: {startups}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help="repetitions per measurement (default 3; 1 with --scaling)",
    )
    parser.add_argument(
        "--apps", type=int, default=N_APPS, help=f"targets (default {N_APPS}; not --scaling)"
    )
    parser.add_argument(
        "--remote-cache",
        action="store_true",
        help="checkout A cold with remote writes, then checkout B at another path from the cache",
    )
    parser.add_argument(
        "--scaling",
        nargs="?",
        const="20,50,100",
        metavar="N,N,...",
        help="cold builds at these sizes (default 20,50,100): Pants, the plain loop, one go build "
        "per mode",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.scaling.split(",")] if args.scaling else []
    if args.apps < 8 and not (args.remote_cache or sizes):
        parser.error("--apps must be at least 8 (the edit touches pkg/leaf7)")
    work = Path(tempfile.mkdtemp(prefix="go-static-bench-"))
    print(f"load average at start: {load()} ({os.cpu_count()} cores)", flush=True)
    try:
        warm_zig()
        if not (args.remote_cache or sizes):
            bench_default(work, args.apps, args.runs or 3)
        if args.remote_cache:
            bench_remote_cache(work, args.apps, args.runs or 3)
        if sizes:
            bench_scaling(work, sizes, args.runs or 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()

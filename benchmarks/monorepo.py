"""Benchmark: go_static_binary on a generated monorepo vs plain `go build`.

Generates N binaries over shared packages (a quarter with cgo, built with musl via zig cc) in a
throwaway Pants repo that uses this checkout's plugin and venv. Three modes:

- default: median wall times of a cold build, a warm no-op and a one-leaf edit, for Pants and
  for a shell loop of plain `go build`, and their ratios;
- `--remote-cache`: a cold build in checkout A that writes to a local BuildGrid, then the same
  repo copied to another path (checkout B) and built there from the cache, with nothing local;
- `--scaling [20,100,300]`: cold builds at several sizes, Pants against the plain loop and
  against one `go build -o DIR/` per distinct mode (what a Makefile would do), interleaved run by
  run; the median of the paired ratios, the cost per added target, where each cold Pants build's
  time went (from Pants' workunit log: per process kind, per rule, the process timeline), and
  pantsd warm after it (the no-op against the warm loop, and pantsd's memory);
- `--remote-execution`: cold builds locally and on build-support/remote-exec's two workers,
  interleaved, with the process time per action on each side.

"Cold" empties Go's build and module caches and Pants' caches (and stops pantsd); zig's cache
stays warm on every side, since zig compiles musl once per machine, not per build. Pants runs
from the venv directly, so no time goes to the venv bootstrap. Start-up is timed apart.
"""

from __future__ import annotations

import argparse
import json
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
# The named caches a cold run keeps warm (see link_zig_cache).
WARM_LINKS = ("go_static_zig", "go_static_toolchains")
REMOTE_CACHE = REPO_ROOT / "build-support" / "remote-cache"
REMOTE_EXEC = REPO_ROOT / "build-support" / "remote-exec"
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
    make_pants_repo(root)


def make_pants_repo(root: Path) -> None:
    """Make `root` a Pants repo (a git one) that uses this checkout's plugin."""
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
        # From the first error on, if there is one: a long run's tail is all "Wrote dist/...".
        err = result.stderr
        err = err[err.find("[ERROR]") :] if "[ERROR]" in err else err
        raise PantsFailed(f"pants failed (exit {result.returncode}) in {root}:\n{err[-3000:]}")
    return elapsed, result.stderr


class PantsFailed(SystemExit):
    """A failed Pants run: exits like sys.exit, unless a benchmark leaves that run out."""


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
    for name in WARM_LINKS:
        if (NAMED / name).exists() and not (named / name).exists():
            (named / name).symlink_to(NAMED / name)


def pantsd_pid(root: Path) -> int | None:
    """The pid of a live pantsd serving `root`, if any."""
    for pid_file in root.glob(".pids/*/pantsd/pid"):
        try:
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            continue
        return pid
    return None


def pantsd_memory(root: Path) -> dict[str, int]:
    """pantsd's resident set now (VmRSS) and at its peak (VmHWM), and now split into anonymous
    memory (RssAnon: its heap) and file pages (RssFile: mostly the store's LMDB files it maps,
    which the kernel can drop), in KiB."""
    pid = pantsd_pid(root)
    if pid is None:
        sys.exit(f"no pantsd runs for {root}")
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        k: int(v)
        for k, v in re.findall(r"^(VmRSS|VmHWM|RssAnon|RssFile):\s+(\d+) kB", status, re.M)
    }


def assert_cold(*empty: Path, named: Path | None = None, allowed: tuple[str, ...] = ()) -> None:
    """Exit unless every dir in `empty` is absent or empty and `named` (Pants' named caches) holds
    only symlinks named in `allowed`: a cold run must find nothing of an earlier one."""
    for d in empty:
        if d.exists() and any(d.iterdir()):
            sys.exit(f"not a cold run: {d} is not empty")
    if named is not None and named.exists():
        extra = [p.name for p in named.iterdir() if p.name not in allowed or not p.is_symlink()]
        if extra:
            sys.exit(f"not a cold run: {named} holds {extra}")


def assert_filled(d: Path) -> None:
    """Exit if a cold run left `d` empty: then it wasn't the cache that build used."""
    if not d.is_dir() or not any(d.iterdir()):
        sys.exit(f"{d} is empty after the build: the build used another cache")


def pants_cold(
    root: Path, caches: Path, *targets: str, allowed: tuple[str, ...] = WARM_LINKS
) -> tuple[float, list[dict]]:
    """`package` with no pantsd, an empty store and empty named caches (but for the `allowed`
    links, which the caller made), logging every workunit. Returns the time and the workunits."""
    assert_cold(caches / "store", named=caches / "named", allowed=allowed)
    if pantsd_pid(root) is not None:
        sys.exit(f"a pantsd still serves {root}")
    logdir = caches / "workunits"
    logdir.mkdir(parents=True)
    elapsed, _ = pants(root, caches, "--no-pantsd", *workunit_flags(logdir), "package", *targets)
    assert_filled(caches / "named" / "go_static_gocache")
    return elapsed, read_workunits(logdir)


def go_build(
    root: Path,
    caches: Path,
    mode: BuildMode,
    packages: list[str],
    out: str,
    extra_env: dict[str, str] | None = None,
) -> None:
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
        **(extra_env or {}),
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


def loop_cold(root: Path, caches: Path, n_apps: int) -> float:
    """plain_loop from an empty GOCACHE, GOMODCACHE and output dir."""
    assert_cold(caches / "gocache", caches / "gomod", caches / "out")
    elapsed = plain_loop(root, caches, n_apps)
    assert_filled(caches / "gocache")
    return elapsed


def per_mode_cold(root: Path, caches: Path, n_apps: int) -> tuple[float, int]:
    """per_mode from an empty GOCACHE, GOMODCACHE and output dir."""
    assert_cold(caches / "gocache", caches / "gomod", caches / "out")
    result = per_mode(root, caches, n_apps)
    assert_filled(caches / "gocache")
    return result


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


# --- Where a cold Pants build's time goes: Pants' workunit log --------------------------------

# Process descriptions, grouped into kinds by their leading words.
PROCESS_KINDS = (
    ("go build, one per binary", r"Building "),
    ("prebuild (Precompile N std/3rd-party)", r"Precompile "),
    ("go list -deps ./...", r"go list "),
    ("toolchain link (Provide ...)", r"Provide "),
    ("SBOM: read the C versions", r"Read the C versions"),
    ("C compiler probe", r"Probe C compiler|Find \S+ for "),
    ("Go SDK fingerprint + metadata", r"Fingerprint the Go SDK|Read Go SDK metadata"),
    ("Pants' binary search", r"Searching for|Test binary"),
    ("go env file", r"Read the go env file"),
)
PRECOMPILE = re.compile(r"Precompile (\d+) std and third-party packages")


def remote_exec(*args: str) -> str:
    """Run build-support/remote-exec; its stdout."""
    done = subprocess.run([str(REMOTE_EXEC), *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"build-support/remote-exec {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def bench_remote_execution(work: Path, n_apps: int, runs: int) -> None:
    """The same repo built cold locally and cold on build-support/remote-exec (two workers, one
    action each), interleaved, then by a second client from the remote cache. Equally cold: an
    empty local store, Go caches and module cache on both sides; zig warm on both (locally the
    machine's zig cache, on the workers from an untimed first build). Before each remote run the
    executor restarts with an empty CAS and the workers' Go and module caches emptied, and the
    run doesn't read the action cache."""
    print(
        f"\nremote execution: {n_apps} go_static_binary targets ({len(cgo_apps(n_apps))} with "
        f"cgo), {runs} run(s), BuildGrid + 2 workers on 127.0.0.1, {os.cpu_count()} cores"
    )
    # Under a dir others may search: PostgreSQL runs as its own user.
    state = Path(tempfile.mkdtemp(prefix="go-static-bench-remote-exec-", dir="/var/tmp"))
    state.chmod(0o755)
    where = ("--dir", str(state), "--port", str(free_port()), "--pg-port", str(free_port()))
    root = work / "re" / "repo"
    generate(root, n_apps)
    pants(root, work / "re-tailor", "--no-pantsd", "tailor", "::")
    rows: dict[str, list[float]] = {"local": [], "remote": []}
    per_action: dict[str, list[float]] = {"local": [], "remote": []}
    actions: dict[str, list[int]] = {"local": [], "remote": []}
    try:
        remote_exec("start", "--workers", "2", *where)
        flags = remote_exec("flags", *where).split()
        warm = pants(root, work / "re-warm", "--no-pantsd", *flags, "package", "::")
        print(f"  untimed first remote build (zig compiles musl on each worker): {warm[0]:.1f} s")
        for run in range(runs):
            caches = work / f"re-local{run}"
            link_zig_cache(caches)
            elapsed, stderr = pants(root, caches, "--no-pantsd", "--stats-log", "package", "::")
            stats = counters(stderr)
            rows["local"].append(elapsed)
            actions["local"].append(stats["local_execution_requests"])
            per_action["local"].append(
                stats["local_process_total_time_run_ms"] / max(1, stats["local_execution_requests"])
            )
            remote_exec("stop", *where)
            for stale in (
                *state.glob("cas"),
                *state.glob("blobs"),
                *state.glob("worker-*/named-caches/go_static_gocache"),
                *state.glob("worker-*/named-caches/go_static_gomodcache"),
            ):
                subprocess.run(["chmod", "-R", "u+w", str(stale)], check=False)
                shutil.rmtree(stale, ignore_errors=True)
            remote_exec("start", "--workers", "2", *where)
            elapsed, stderr = pants(
                root,
                work / f"re-remote{run}",
                "--no-pantsd",
                "--stats-log",
                *flags,
                "--no-remote-cache-read",
                "package",
                "::",
            )
            stats = counters(stderr)
            if stats.get("local_execution_requests"):
                sys.exit(f"{stats['local_execution_requests']} processes ran locally")
            rows["remote"].append(elapsed)
            actions["remote"].append(stats["remote_execution_requests"])
            per_action["remote"].append(
                stats["remote_process_total_time_run_ms"]
                / max(1, stats["remote_execution_requests"])
            )
            print(
                f"  run {run + 1}: local {rows['local'][-1]:.1f} s ({actions['local'][-1]} "
                f"processes), remote {elapsed:.1f} s ({actions['remote'][-1]} actions), "
                f"load {load()}",
                flush=True,
            )
        # A second client after the last remote run: its own empty store, every action a hit.
        second, stderr = pants(
            root, work / "re-second", "--no-pantsd", "--stats-log", *flags, "package", "::"
        )
        second_stats = counters(stderr)
    finally:
        remote_exec("stop", *where)
        shutil.rmtree(state, ignore_errors=True)
    local, remote = median(rows["local"]), median(rows["remote"])
    print(f"  cold package ::   local {local:.1f} s, remote {remote:.1f} s (median of {runs})")
    print(f"  remote / local    {paired(rows['remote'], rows['local']):.2f}x (median of pairs)")
    n_remote = median([float(a) for a in actions["remote"]])
    print(
        f"  per action        local {median(per_action['local']):.0f} ms, remote "
        f"{median(per_action['remote']):.0f} ms (process time / processes, medians)"
    )
    print(
        f"  second client     {second:.1f} s from the remote cache, empty local store "
        f"({second_stats.get('remote_cache_requests_cached', 0)} hits, "
        f"{second_stats.get('remote_execution_requests', 0)} actions run: go list is never cached)"
    )
    print(
        f"  wall overhead     {(remote - local) / n_remote * 1000:.0f} ms per remote action "
        f"({n_remote:.0f} actions; 2 workers x 1 slot against local parallelism)"
    )


def workunit_flags(logdir: Path) -> tuple[str, ...]:
    """Pants 2.17's workunit logger: every completed workunit (trace level: the engine's own rules
    too) written as JSON to `logdir` when the run ends."""
    return (
        "--backend-packages=+['pants.backend.experimental.tools.workunit_logger']",
        "--workunit-logger-enabled",
        f"--workunit-logger-logdir={logdir}",
        "--streaming-workunits-level=trace",
    )


def read_workunits(logdir: Path) -> list[dict]:
    """The one run's workunits, each with absolute `start` and `end` seconds added."""
    (log,) = logdir.glob("*.json")
    units = json.loads(log.read_text())
    for u in units:
        u["start"] = u["start_secs"] + u["start_nanos"] / 1e9
        u["end"] = u["start"] + u.get("duration_secs", 0) + u.get("duration_nanos", 0) / 1e9
    return units


def process_kind(description: str) -> str:
    for kind, prefix in PROCESS_KINDS:
        if re.match(prefix, description):
            return kind
    return re.split(r"[0-9/(:]", description, maxsplit=1)[0].strip() or "?"


def union_length(intervals: list[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for s, e in sorted(intervals):
        if e > reach:
            total += e - max(s, reach)
            reach = e
    return total


def max_concurrency(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def precompiled_packages(units: list[dict]) -> list[int]:
    """N of each prebuild process ("Precompile N std and third-party packages for ...")."""
    return [
        int(m.group(1))
        for u in units
        if u["name"] == "run_local_process" and (m := PRECOMPILE.match(u.get("description", "")))
    ]


def account(units: list[dict], elapsed: float, top: int = 8) -> str:
    """Time per process kind and per rule, and the process timeline, of one Pants run.

    A process is a `process` workunit: a `local_cache_read`, then `acquire_command_runner_slot`
    (waiting for one of Pants' local process slots, one per core by default), then
    `run_local_process` (the sandbox: `setup_sandbox` materializes the inputs, then the process
    runs and its outputs are captured into the store), then a `local_cache_write`."""
    by_id = {u["span_id"]: u for u in units}
    children: dict[str, list[dict]] = {}
    for u in units:
        children.setdefault(u.get("parent_id"), []).append(u)
    t0, t1 = min(u["start"] for u in units), max(u["end"] for u in units)
    runs = [u for u in units if u["name"] == "run_local_process"]
    kinds: dict[str, dict[str, float]] = {}

    def row(description: str) -> dict[str, float]:
        return kinds.setdefault(
            process_kind(description), dict.fromkeys(("n", "run", "sandbox", "wait", "cache"), 0.0)
        )

    for u in runs:
        r = row(u.get("description", ""))
        r["n"] += 1
        r["run"] += u["end"] - u["start"]
        r["sandbox"] += sum(
            c["end"] - c["start"]
            for c in children.get(u["span_id"], ())
            if c["name"] == "setup_sandbox"
        )
    for u in units:
        if u["name"] in ("acquire_command_runner_slot", "local_cache_read", "local_cache_write"):
            parent = by_id.get(u.get("parent_id"))
            if not parent or parent["name"] != "process":
                continue
            r = row(parent.get("description", "").removeprefix("Scheduling: "))
            r["wait" if u["name"] == "acquire_command_runner_slot" else "cache"] += (
                u["end"] - u["start"]
            )
    lines = [
        f"    {'process kind':38}{'n':>5}{'run s':>9}{'sandbox s':>11}{'slot wait s':>13}"
        f"{'cache r/w s':>13}"
    ]
    total = dict.fromkeys(("n", "run", "sandbox", "wait", "cache"), 0.0)
    for kind, r in sorted(kinds.items(), key=lambda kv: -kv[1]["run"]):
        lines.append(
            f"    {kind[:37]:38}{r['n']:5.0f}{r['run']:9.1f}{r['sandbox']:11.2f}{r['wait']:13.1f}"
            f"{r['cache']:13.2f}"
        )
        for k in total:
            total[k] += r[k]
    lines.append(
        f"    {'all processes':38}{total['n']:5.0f}{total['run']:9.1f}{total['sandbox']:11.2f}"
        f"{total['wait']:13.1f}{total['cache']:13.2f}"
    )
    # Rules: self time is a rule's span not covered by any child workunit. It includes waiting
    # for a memoized Get that another rule started (e.g. every binary's wait for the prebuild).
    rules: dict[str, list[float]] = {}
    for u in units:
        if "." not in u["name"]:
            continue
        s, e = u["start"], u["end"]
        covered = union_length(
            [
                (max(c["start"], s), min(c["end"], e))
                for c in children.get(u["span_id"], ())
                if c["end"] > s and c["start"] < e
            ]
        )
        acc = rules.setdefault(u["name"].rsplit(".", 1)[-1], [0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += e - s - covered
        acc[2] += e - s
    lines.append(
        f"    {'rule (top by self time; waits included)':38}{'n':>5}{'self s':>9}{'span s':>11}"
    )
    for name, (n, own, span) in sorted(rules.items(), key=lambda kv: -kv[1][1])[:top]:
        lines.append(f"    {name[:37]:38}{n:5}{own:9.1f}{span:11.1f}")
    engine: dict[str, list[float]] = {}
    for u in units:
        if u["name"] in ("digest_file", "snapshot", "scandir"):
            acc = engine.setdefault(u["name"], [0, 0.0])
            acc[0] += 1
            acc[1] += u["end"] - u["start"]
    if engine:
        lines.append(
            "    engine file work: "
            + ", ".join(f"{k} {n:.0f}x {d:.1f} s" for k, (n, d) in sorted(engine.items()))
        )
    # The timeline: how much of the wall time any process ran, and how many at once.
    spans = [(u["start"], u["end"]) for u in runs]
    busy = union_length(spans)
    first = min(s for s, _ in spans) - t0 if spans else 0.0
    lines.append(
        f"    wall {elapsed:.1f} s: {elapsed - (t1 - t0):.1f} s before/after the engine's "
        f"workunits (start-up), {t1 - t0:.1f} s of workunits; the first process started at "
        f"+{first:.1f} s"
    )
    lines.append(
        f"    processes ran {total['run']:.1f} s in all, within {busy:.1f} s of wall time "
        f"(mean {total['run'] / busy if busy else 0:.2f} at once, max {max_concurrency(spans)}); "
        f"no process ran for {t1 - t0 - busy:.1f} s of the workunits' span"
    )
    longest = sorted(runs, key=lambda u: u["start"] - u["end"])[:4]
    lines.append(
        "    longest processes: "
        + "; ".join(
            f"{u.get('description', '?')[:60]} {u['end'] - u['start']:.1f} s" for u in longest
        )
    )
    lines.append("    " + critical_chain(runs, t0, t1))
    return "\n".join(lines)


def critical_chain(runs: list[dict], t0: float, t1: float) -> str:
    """An approximate critical path: from the process that ended last, step back each time to
    the process that ended last before this one started (what it most likely waited for)."""
    if not runs:
        return "critical chain: no processes"
    ordered = sorted(runs, key=lambda u: u["end"])
    chain = [ordered[-1]]
    while True:
        start = chain[-1]["start"]
        before = [u for u in ordered if u["end"] <= start + 1e-3 and u is not chain[-1]]
        if not before:
            break
        chain.append(before[-1])
    chain.reverse()
    per_kind: dict[str, list[float]] = {}
    for u in chain:
        acc = per_kind.setdefault(process_kind(u.get("description", "")), [0, 0.0])
        acc[0] += 1
        acc[1] += u["end"] - u["start"]
    in_processes = sum(d for _, d in per_kind.values())
    gaps = (chain[-1]["end"] - chain[0]["start"]) - in_processes
    shown = ", ".join(f"{k} {n:.0f}x {d:.1f} s" for k, (n, d) in per_kind.items())
    return (
        f"critical chain (approx.): {chain[0]['start'] - t0:.1f} s before its first process, "
        f"{len(chain)} processes ({shown}), {gaps:.1f} s between them, "
        f"{t1 - chain[-1]['end']:.1f} s after the last"
    )


def paired(xs: list[float], ys: list[float]) -> float:
    """The median of the ratios x/y of the same runs: a noisy stretch hits both alike."""
    return median([x / y for x, y in zip(xs, ys)])


def pantsd_warm(
    root: Path, pants_caches: Path, loop_caches: Path, n_apps: int, runs: int
) -> dict[str, list[float]]:
    """With the caches a cold run filled: one `package ::` that starts pantsd (every process from
    the store), then warm no-ops interleaved with the warm loop, then pantsd's memory."""
    res: dict[str, list[float]] = {"first": [pants(root, pants_caches, "package", "::")[0]]}
    res["noop"], res["loop_noop"] = [], []
    for _ in range(runs):
        res["noop"].append(pants(root, pants_caches, "package", "::")[0])
        res["loop_noop"].append(plain_loop(root, loop_caches, n_apps))
    mem = pantsd_memory(root)
    stop_pantsd(root)
    for key, name in (("rss", "VmRSS"), ("hwm", "VmHWM"), ("anon", "RssAnon"), ("file", "RssFile")):
        res[f"{key}_mib"] = [mem[name] / 1024]
    return res


def bench_scaling(work: Path, sizes: list[int], runs: list[int]) -> None:
    """Cold builds at several sizes, interleaved per run: Pants, the plain loop, one `go build`
    per mode; the median of each and of the paired ratios, where Pants' time went, and pantsd
    warm (no-op time and memory)."""
    print(
        f"\nscaling: cold builds at {sizes} targets (a quarter with cgo), runs per size {runs}.\n"
        "Before each cold run: Pants' store and named caches empty (but the zig and toolchains "
        "links)\nand no pantsd; the loop's and per-mode's GOCACHE, GOMODCACHE and output dir "
        "empty. Checked,\nand each side's GOCACHE checked filled after its run."
    )
    cols = ("startup", "pants", "loop", "per_mode")
    table: dict[int, dict[str, list[float]]] = {}
    warm: dict[int, dict[str, list[float]]] = {}
    loads: dict[int, list[str]] = {}
    n_modes = 0
    for n, n_runs in zip(sizes, runs):
        root = work / f"scale{n}" / "repo"
        generate(root, n)
        res: dict[str, list[float]] = {k: [] for k in cols}
        loads[n] = []
        for run in range(n_runs):
            caches = work / f"scale{n}" / f"run{run}"
            before = load()
            try:
                s = startup(root, caches / "startup")
                link_zig_cache(caches / "pants")
                p, units = pants_cold(root, caches / "pants", "::")
                q = loop_cold(root, caches / "loop", n)
                m, n_modes = per_mode_cold(root, caches / "per-mode", n)
            except PantsFailed as e:
                # Another job on a shared machine may kill it: report, leave the run out.
                print(f"\n{n} targets, run {run + 1}/{n_runs} FAILED, left out: {e}", flush=True)
                stop_pantsd(root)
                shutil.rmtree(caches, ignore_errors=True)
                continue
            loads[n].append(before)
            for k, v in (("startup", s), ("pants", p), ("loop", q), ("per_mode", m)):
                res[k].append(v)
            print(
                f"\n{n} targets, run {run + 1}/{n_runs} (load before: {before}): start-up "
                f"{s:.1f} s, Pants {p:.1f} s, loop {q:.1f} s, per mode {m:.1f} s; Pants/loop "
                f"{p / q:.2f}x, Pants/per-mode {p / m:.2f}x",
                flush=True,
            )
            print(account(units, p), flush=True)
            last = caches
            if run < n_runs - 1:
                shutil.rmtree(caches, ignore_errors=True)
        if not res["pants"]:
            sys.exit(f"every run at {n} targets failed")
        print(f"\n{n} targets, pantsd warm (load before: {load()}):", flush=True)
        try:
            warm[n] = pantsd_warm(root, last / "pants", last / "loop", n, max(n_runs, 3))
        except PantsFailed as e:
            print(f"  FAILED, left out: {e}", flush=True)
            stop_pantsd(root)
        if n in warm:
            w = warm[n]
            print(
                f"  first run, pantsd starting, every process from the store: "
                f"{w['first'][0]:.1f} s; warm no-op {', '.join(f'{x:.2f}' for x in w['noop'])} "
                f"s, loop warm {', '.join(f'{x:.2f}' for x in w['loop_noop'])} s; pantsd VmRSS "
                f"{w['rss_mib'][0]:.0f} MiB (anonymous {w['anon_mib'][0]:.0f}, file "
                f"{w['file_mib'][0]:.0f}), VmHWM {w['hwm_mib'][0]:.0f} MiB",
                flush=True,
            )
        shutil.rmtree(work / f"scale{n}", ignore_errors=True)
        table[n] = res
    med = {n: {k: median(v) for k, v in r.items()} for n, r in table.items()}
    for n in sizes:
        net = [p - s for p, s in zip(table[n]["pants"], table[n]["startup"])]
        med[n]["net"] = median(net)
        table[n]["net"] = net
    print(
        f"\ncold builds (seconds): the median of each side's runs, and the median of the paired "
        f"ratios\n(each run's Pants over the loop and the per-mode build of the same run); "
        f"{n_modes} modes (pure Go, cgo musl):"
    )
    print(
        f"{'targets':>8}{'runs':>5}{'start-up':>9}{'Pants':>8}{'net':>8}{'loop':>8}{'per mode':>9}"
        f"{'Pants/loop':>12}{'Pants/per-mode':>16}{'net/loop':>10}"
    )
    for n in sizes:
        m, r = med[n], table[n]
        print(
            f"{n:8}{len(r['pants']):5}{m['startup']:9.1f}{m['pants']:8.1f}{m['net']:8.1f}"
            f"{m['loop']:8.1f}{m['per_mode']:9.1f}{paired(r['pants'], r['loop']):11.2f}x"
            f"{paired(r['pants'], r['per_mode']):15.2f}x{paired(r['net'], r['loop']):9.2f}x"
        )
    print("(net: Pants minus its start-up, `pants --no-pantsd list ::` on throwaway caches)")
    print("cost per added target (slope of the medians, seconds):")
    print(f"{'':>13}{'Pants':>8}{'net':>8}{'loop':>8}{'per mode':>9}")
    steps = list(zip(sizes, sizes[1:])) + ([(sizes[0], sizes[-1])] if len(sizes) > 2 else [])
    for lo, hi in steps:
        d = hi - lo
        slope = {k: (med[hi][k] - med[lo][k]) / d for k in ("pants", "net", "loop", "per_mode")}
        print(
            f"{f'{lo}->{hi}':>13}{slope['pants']:8.3f}{slope['net']:8.3f}{slope['loop']:8.3f}"
            f"{slope['per_mode']:9.3f}"
        )
    print("pantsd warm (seconds; memory of the pantsd process after the warm runs):")
    print(
        f"{'targets':>8}{'first run':>10}{'no-op':>8}{'loop no-op':>11}{'no-op/loop':>12}"
        f"{'VmRSS MiB':>11}{'anon':>6}{'file':>6}{'VmHWM MiB':>11}"
    )
    for n in sorted(warm):
        w = warm[n]
        print(
            f"{n:8}{w['first'][0]:10.1f}{median(w['noop']):8.2f}{median(w['loop_noop']):11.2f}"
            f"{paired(w['noop'], w['loop_noop']):11.2f}x{w['rss_mib'][0]:11.0f}"
            f"{w['anon_mib'][0]:6.0f}{w['file_mib'][0]:6.0f}{w['hwm_mib'][0]:11.0f}"
        )
    print("(goal: warm no-op <= 0.3x the loop)")
    for n in sizes:
        shown = {k: [round(v, 1) for v in vs] for k, vs in table[n].items()}
        print(f"all runs, {n} targets: {shown}; load before each: {loads[n]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        default=None,
        metavar="N[,N,...]",
        help="repetitions per measurement (default 3); with --scaling, one N for every size or "
        "one per size",
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
        "--remote-execution",
        action="store_true",
        help="cold builds locally and on build-support/remote-exec (two workers), interleaved",
    )
    parser.add_argument(
        "--scaling",
        nargs="?",
        const="20,100,300",
        metavar="N,N,...",
        help="cold builds at these sizes (default 20,100,300): Pants, the plain loop, one go "
        "build per mode, interleaved; where Pants' time went; pantsd warm",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.scaling.split(",")] if args.scaling else []
    runs = [int(r) for r in args.runs.split(",")] if args.runs else [3]
    if sizes and len(runs) == 1:
        runs *= len(sizes)
    if len(runs) != (len(sizes) if sizes else 1):
        parser.error("--runs: one N, or with --scaling one N per size")
    remote = args.remote_cache or args.remote_execution
    if args.apps < 8 and not (remote or sizes):
        parser.error("--apps must be at least 8 (the edit touches pkg/leaf7)")
    work = Path(tempfile.mkdtemp(prefix="go-static-bench-"))
    print(f"load average at start: {load()} ({os.cpu_count()} cores)", flush=True)
    try:
        warm_zig()
        if not (remote or sizes):
            bench_default(work, args.apps, runs[0])
        if args.remote_execution:
            bench_remote_execution(work, args.apps, runs[0])
        if args.remote_cache:
            bench_remote_cache(work, args.apps, runs[0])
        if sizes:
            bench_scaling(work, sizes, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()

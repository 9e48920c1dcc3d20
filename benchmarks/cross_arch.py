"""Cross-arch static builds, and what running a binary alone in an empty root costs.

Run `benchmarks/cross_arch [--warm-runs N] [--cold] [--smoke-runs N]`.

Builds: a small cgo program (musl through `zig cc -target <arch>-linux-musl`, the mode's flags:
-trimpath, netgo,osusergo, -linkmode=external -extldflags=-static) for amd64 and arm64, and the
pure-Go one for riscv64 too. Timed as the plugin's builds happen:
  warm     GOCACHE and zig's cache warm, main.go edited: compile one package and link
  cold-go  zig's cache warm, GOCACHE empty: std and runtime/cgo compiled for the arch
  cold     (--cold) both empty: zig compiles musl and compiler_rt for the target first
Caches default to the plugin's Pants named caches (as `./pants package ::` leaves them).

Smoke runs: a pure-Go hello alone in bubblewrap's empty root (what go_static_smoke_test runs),
native and under qemu-user, against running it bare. Targets: < 0.5 s native, < 2 s under qemu.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from plain_build import GO, go_build_argv, mode_env, named_cache, plugin_mode

# isort: split
# plain_build put pants-plugins on sys.path.
from go_static.core.arches import ARCHES
from go_static.core.smoke import SmokeRun

MAIN = (
    'package main\n\nimport "fmt"\n\nvar edit = 0\n\n'
    'func main() { fmt.Println("hello", add(2, 3), edit) }\n'
)
CGO = (
    'package main\n\n// static int add2(int a, int b) { return a + b; }\nimport "C"\n\n'
    "func add(a, b int) int { return int(C.add2(C.int(a), C.int(b))) }\n"
)
NOCGO = "package main\n\nfunc add(a, b int) int { return a + b }\n"


def build(src: Path, out: Path, goarch: str, cgo: bool, gocache: str, zigcache: str) -> float:
    """One plain `go build` with the flags and environment the plugin resolves (libc="auto")."""
    mode = plugin_mode(goarch, cgo)
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(src), "GOROOT": str(GO.parent.parent),
        "GOTOOLCHAIN": "local", "GOFLAGS": "", "GOENV": "off", "GOPROXY": "off",
        "GOCACHE": gocache, "GOPATH": str(src / ".gopath"), "ZIG_GLOBAL_CACHE_DIR": zigcache,
        "ZIG_LOCAL_CACHE_DIR": zigcache, **mode_env(mode),
    }  # fmt: skip
    argv = go_build_argv(mode, str(out), ".")
    start = time.perf_counter()
    subprocess.run(argv, cwd=src, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def median_of(runs: list[float]) -> str:
    return f"{statistics.median(runs):8.2f} s" if runs else "       –"


def bench_builds(args: argparse.Namespace, tmp: Path) -> None:
    gocache = named_cache("go_static_gocache", tmp / "gocache")
    zigcache = named_cache("go_static_zig", tmp / "zig")
    print(f"{'build':34}{'warm':>11}{'cold-go':>11}{'cold':>11}")
    for goarch, cgo in (
        ("amd64", True),
        ("arm64", True),
        ("amd64", False),
        ("arm64", False),
        ("riscv64", False),
    ):
        src = tmp / f"src-{goarch}-{cgo}"
        src.mkdir()
        (src / "go.mod").write_text("module example.com/bench\n\ngo 1.21\n")
        (src / "main.go").write_text(MAIN)
        (src / "add.go").write_text(CGO if cgo else NOCGO)
        out = src / "bin"
        build(src, out, goarch, cgo, gocache, zigcache)  # fill the caches first
        warm = []
        for i in range(args.warm_runs):
            (src / "main.go").write_text(MAIN.replace("edit = 0", f"edit = {i + 1}"))
            warm.append(build(src, out, goarch, cgo, gocache, zigcache))
        cold_go = [build(src, out, goarch, cgo, tempfile.mkdtemp(dir=tmp), zigcache)]
        cold = (
            [build(src, out, goarch, cgo, tempfile.mkdtemp(dir=tmp), tempfile.mkdtemp(dir=tmp))]
            if args.cold and cgo
            else []
        )
        label = f"{goarch} {'cgo, musl via zig' if cgo else 'pure Go'}"
        print(f"{label:34}{median_of(warm)}{median_of(cold_go)}{median_of(cold)}")


def timed(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_smoke(args: argparse.Namespace, tmp: Path) -> None:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        print("\nsmoke runs: skipped, no bwrap (apt-get install bubblewrap)")
        return
    print(
        f"\nsmoke runs, median of {args.smoke_runs}: {'bare':>10}{'empty root':>12}{'overhead':>10}"
    )
    for goarch in ("amd64", "arm64", "riscv64"):
        src = tmp / f"src-{goarch}-False"
        binary = tmp / f"hello-{goarch}"
        shutil.copy(src / "bin", binary)
        qemu = None if goarch == "amd64" else f"/usr/bin/{ARCHES[goarch].qemu}"
        bare = [qemu, str(binary)] if qemu else [str(binary)]
        run = SmokeRun("bench", str(binary), goarch, bwrap, qemu)
        # Without the wrapper's `3>file`: fd 3 goes to a temp file, as in the test.
        status = tmp / f"status-{goarch}"
        argv = ["bash", "-c", f'"$@" 3>{status}', "smoke", *run.bwrap_argv()]
        b, s = timed(bare, args.smoke_runs), timed(argv, args.smoke_runs)
        label = goarch + (" (qemu-user)" if qemu else " (native)")
        print(f"  {label:34}{b:9.3f} s{s:10.3f} s{s - b:9.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--smoke-runs", type=int, default=15)
    parser.add_argument(
        "--cold", action="store_true", help="also time a build with an empty zig cache (minutes)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="go-static-cross-") as tmp:
        bench_builds(args, Path(tmp))
        bench_smoke(args, Path(tmp))


if __name__ == "__main__":
    main()

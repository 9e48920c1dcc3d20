"""How long the licence scan adds per binary, cold and warm.

Run `benchmarks/licenses`. It does what rules/licenses.py does, outside Pants, so the scan's own
cost is not lost in the noise of a build:
  tool     `go build` of the pinned licensecheck main, with an empty GOCACHE and GOMODCACHE:
           once per machine (Pants keeps it as a cached process)
  cold     the binary's one licensecheck process over all its modules, first scan after the
           download, as on a first `pants check`
  warm     the same process again (files in the OS cache): what a changed go.sum costs; an
           unchanged module set is a Pants process-cache hit and runs nothing
  per-module  one process per module instead (the design rules/licenses.py does not use:
           licensecheck compiles its licence set on every start)
Binaries: the repo's samples (their modules from src/go/go.mod) and one with go-ethereum's
module (a large tree), each module downloaded from the Go module proxy into a temp GOMODCACHE.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from plain_build import GO

# isort: split
# plain_build put pants-plugins on sys.path.
from go_static.core.gograph.modcache import ModuleVersion
from go_static.core.licenses.policy import parse_scan
from go_static.core.licenses.tool import licensecheck_tool

BINARIES = {
    "three sample modules (generated)": (
        "github.com/google/uuid@v1.6.0",
        "github.com/DataDog/zstd@v1.5.7",
        "github.com/mattn/go-sqlite3@v1.14.53",
    ),
    "src/go/cmd/idgen:idgen": ("github.com/google/uuid@v1.6.0",),
    "src/go/cmd/zstd:zstd-musl": ("github.com/DataDog/zstd@v1.5.7",),
    "src/go/cmd/sqlite:sqlite-musl": ("github.com/mattn/go-sqlite3@v1.14.53",),
    "go-ethereum + x/text (generated)": (
        "github.com/ethereum/go-ethereum@v1.17.10",
        "golang.org/x/text@v0.21.0",
    ),
}


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GOMODCACHE": str(home / "mod"),
        "GOCACHE": str(home / "cache"),
        "GOFLAGS": "-modcacherw -mod=mod",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }


def _cache_dir(home: Path, module: str) -> Path:
    return home / "mod" / ModuleVersion.parse(module).source_dir


def build_tool(home: Path) -> tuple[Path, float]:
    tool = licensecheck_tool()
    work = home / "tool"
    work.mkdir()
    for name, text in tool.source_files().items():
        (work / name).write_text(text)
    start = time.perf_counter()
    subprocess.run([str(GO), *tool.build_argv()], cwd=work, env=_env(home), check=True)
    return work / tool.binary, time.perf_counter() - start


def scan(tool: Path, dirs: list[Path], per_module: bool) -> float:
    """The binary's scan: one process (as the rule runs it) or one per module (for comparison);
    every module must come out with a licence, as these all have one."""
    start = time.perf_counter()
    for batch in [[d] for d in dirs] if per_module else [dirs]:
        out = subprocess.run([str(tool), *map(str, batch)], capture_output=True, check=True)
        found = parse_scan(out.stdout)
        assert all(found[str(d)].expression for d in batch), found
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs per binary (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="go-static-licenses-") as tmp:
        home = Path(tmp)
        tool, build = build_tool(home)
        print(f"licensecheck build, cold (once per machine): {build:.1f} s")
        print(f"{'binary':<36} {'modules':>7} {'cold ms':>8} {'warm ms':>8} {'per-module ms':>13}")
        for binary, modules in BINARIES.items():
            subprocess.run(
                [str(GO), "mod", "download", *modules], env=_env(home), check=True, cwd=home
            )
            dirs = [_cache_dir(home, m) for m in modules]
            cold = scan(tool, dirs, per_module=False)
            warm = statistics.median(scan(tool, dirs, False) for _ in range(args.runs))
            apart = statistics.median(scan(tool, dirs, True) for _ in range(args.runs))
            print(
                f"{binary:<36} {len(modules):>7} {cold * 1000:>8.0f} {warm * 1000:>8.0f}"
                f" {apart * 1000:>13.0f}"
            )


if __name__ == "__main__":
    main()

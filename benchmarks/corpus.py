"""Benchmark: the corpus of real Go programs, each built cold by go_static_binary against plain
`go build` with the same flags.

The programs are tests/fixtures/corpus (what CI's `corpus` tier builds) and, with --large,
tests/fixtures/corpus-large: one small module per program, whose go.mod requires it (a Go 1.24
`tool` line) and whose BUILD holds its go_static_binary and version smoke test. Each is copied
into a throwaway Pants repo that uses this checkout's plugin and venv. Then, --runs times per
program, interleaved:

- Pants: `package //:<name>` with no pantsd, an empty store and empty named caches, except
  zig's (as in benchmarks/monorepo) and the module cache, linked to one filled up front;
- plain `go build` with exactly the argv and mode environment `go-static-explain` prints for the
  target (CC with zig's absolute path), an empty GOCACHE and the same module cache.

explain runs first, untimed: its `go list` downloads every module the build reads.

For each program it prints the medians and the median of the paired ratios, whether the two
binaries' build info (`go version -m`) is the same, and what the smoke test (the program's
version command, alone in an empty root) said. The last lines are a Markdown table.

    benchmarks/corpus.py [--runs N] [--large] [--only NAME ...] [--gomodcache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monorepo import (
    VENV,
    WARM_LINKS,
    PantsFailed,
    assert_cold,
    link_zig_cache,
    load,
    make_pants_repo,
    median,
    paired,
    pants_cold,
    warm_zig,
)
from plain_build import GO, ZIG
from real_module import GOMOD_LINK, link_module_cache, pants_output, rmtree

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"


def programs(large: bool, only: list[str]) -> list[Path]:
    dirs = [FIXTURES / "corpus", *([FIXTURES / "corpus-large"] if large else [])]
    found = sorted((p for d in dirs for p in d.iterdir() if (p / "BUILD").is_file()), key=str)
    return [p for p in found if not only or p.name in only]


def make_repo(fixture: Path, root: Path) -> None:
    shutil.copytree(fixture, root)
    make_pants_repo(root)


def explained(root: Path, caches: Path, target: str) -> dict:
    _, out = pants_output(root, caches, "go-static-explain", "--go-static-explain-json", target)
    (item,) = json.loads(out)
    return item


def plain_env(item: dict, gocache: Path, gomodcache: Path, home: Path) -> dict[str, str]:
    """The mode's environment from explain (CC made absolute), and throwaway Go caches."""
    mode = {
        e["setting"]: e["value"]
        for e in item["env"]
        if e["setting"] in ("CGO_ENABLED", "GOOS", "GOARCH", "CGO_CFLAGS", "CC")
    }
    if mode.get("CC", "").startswith("zig "):
        mode["CC"] = f"{ZIG} {mode['CC'][len('zig ') :]}"
    return {
        "PATH": f"{GO.parent}:/usr/bin:/bin",
        "HOME": str(home),
        "GOTOOLCHAIN": "local",
        "GOENV": "off",
        "GOWORK": "off",
        "GOFLAGS": "",
        "GOPROXY": "off",
        "GOCACHE": str(gocache),
        "GOMODCACHE": str(gomodcache),
        "ZIG_GLOBAL_CACHE_DIR": str(Path.home() / ".cache/pants/named_caches/go_static_zig"),
        "ZIG_LOCAL_CACHE_DIR": str(Path.home() / ".cache/pants/named_caches/go_static_zig"),
        "LC_ALL": "C",
        **mode,
    }


def build_info(binary: Path) -> list[str]:
    out = subprocess.run(
        [str(GO), "version", "-m", str(binary)], capture_output=True, text=True, check=True
    ).stdout
    return out.splitlines()[1:]


def bench(fixture: Path, work: Path, gomodcache: Path, runs: int) -> dict:
    name = fixture.name
    root = work / name / "repo"
    make_repo(fixture, root)
    target = f"//:{name}"
    # explain's `go list` fills the module cache (nothing is timed), and gives the plugin's argv.
    setup = work / name / "setup"
    link_zig_cache(setup)
    link_module_cache(setup, gomodcache)
    item = explained(root, setup, target)
    rmtree(setup)
    argv = item["go_build"][1:]
    rows: dict[str, list[float]] = {"pants": [], "go_build": []}
    same, smoke = True, ""
    for run in range(runs):
        caches = work / name / f"run{run}"
        link_zig_cache(caches / "pants")
        link_module_cache(caches / "pants", gomodcache)
        elapsed, _ = pants_cold(root, caches / "pants", target, allowed=(*WARM_LINKS, GOMOD_LINK))
        rows["pants"].append(elapsed)
        loop = caches / "loop"
        assert_cold(loop / "gocache", loop / "out")
        (loop / "out").mkdir(parents=True)
        out = loop / "out" / name
        plain = list(argv)
        plain[plain.index("-o") + 1] = str(out)
        env = plain_env(item, loop / "gocache", gomodcache, loop)
        start = time.perf_counter()
        result = subprocess.run([str(GO), *plain], cwd=root, env=env, capture_output=True)
        rows["go_build"].append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"plain go build of {name} failed:\n{result.stderr.decode()[-3000:]}")
        ours = root / "dist" / name
        same = same and build_info(ours) == build_info(out)
        if run == runs - 1:
            tested = subprocess.run(
                [str(VENV / "bin" / "pants"), "--no-pantsd"]
                + [f"--named-caches-dir={caches / 'pants' / 'named'}"]
                + [f"--local-store-dir={caches / 'pants' / 'store'}", "test", f"//:{name}-version"],
                cwd=root,
                capture_output=True,
                text=True,
                env={**os.environ, "NO_SCIE_WARNING": "1"},
            )
            smoke = "runs, prints its version" if tested.returncode == 0 else "FAILED"
        rmtree(caches)
    report = json.loads((root / "dist" / f"{name}.static-report.json").read_text())
    return {
        "name": name,
        "main": item["main"],
        "cgo": "yes" if report["cgo_enabled"] else "no",
        "libc": report["libc"],
        "size": report["size"],
        "linkage": report["linkage"],
        "pants": median(rows["pants"]),
        "go_build": median(rows["go_build"]),
        "ratio": paired(rows["pants"], rows["go_build"]),
        "runs": rows,
        "build_info": "same" if same else "DIFFERENT",
        "empty_root": smoke,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="interleaved cold runs (default 1)")
    parser.add_argument("--large", action="store_true", help="tests/fixtures/corpus-large too")
    parser.add_argument("--only", nargs="*", default=[], help="these programs only")
    parser.add_argument(
        "--gomodcache", type=Path, help="keep the shared module cache here (else throwaway)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="go-static-corpus-"))
    gomodcache = args.gomodcache.resolve() if args.gomodcache else work / "gomod"
    gomodcache.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {load()} ({os.cpu_count()} cores)", flush=True)
    results = []
    try:
        warm_zig()
        for fixture in programs(args.large, args.only):
            try:
                row = bench(fixture, work, gomodcache, args.runs)
            except PantsFailed as e:
                print(f"{fixture.name}: {e}", flush=True)
                continue
            results.append(row)
            runs = ", ".join(
                f"{p:.1f}/{g:.1f}" for p, g in zip(row["runs"]["pants"], row["runs"]["go_build"])
            )
            print(
                f"{row['name']}: Pants {row['pants']:.1f} s, go build {row['go_build']:.1f} s "
                f"({row['ratio']:.2f}x; runs Pants/go: {runs}); build info {row['build_info']}; "
                f"{row['empty_root']}; load {load()}",
                flush=True,
            )
            rmtree(work / fixture.name)
    finally:
        if not args.gomodcache:
            rmtree(gomodcache)
        rmtree(work)
    print(
        "\n| program | cgo | libc | size | Pants (s) | go build (s) | Pants/go | build info | "
        "empty root |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} (`{r['main']}`) | {r['cgo']} | {r['libc']} | "
            f"{r['size'] / 2**20:.1f} MiB | {r['pants']:.1f} | {r['go_build']:.1f} | "
            f"{r['ratio']:.2f}x | {r['build_info']} | {r['empty_root']} |"
        )
    if results:
        ratios = [r["ratio"] for r in results]
        print(f"\nmedian Pants/go build over {len(results)} programs: {median(ratios):.2f}x")
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()

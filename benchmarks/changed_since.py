"""Benchmark: what `--changed-since` costs on a generated monorepo after a one-leaf edit.

Generates N binaries (benchmarks/monorepo.py's generator), runs `pants tailor ::` and commits,
builds everything once, then edits one leaf package and times, with pantsd warm (median of
--runs each):

- the selection alone: `--changed-since=HEAD --changed-dependents=transitive list`, against
  `list ::` (Pants' floor for reading the BUILD files);
- `--changed-since=HEAD --changed-dependents=transitive package` (builds the one binary the
  edit reaches) against `package ::` (every binary, all but one from the cache).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from monorepo import generate, link_zig_cache, pants, stop_pantsd

CHANGED = ("--changed-since=HEAD", "--changed-dependents=transitive")


def timed(root: Path, caches: Path, runs: int, *args: str) -> list[float]:
    return [pants(root, caches, *args)[0] for _ in range(runs)]


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=100, help="binaries to generate")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="go-static-changed-bench-") as tmp:
        root, caches = Path(tmp) / "repo", Path(tmp) / "caches"
        generate(root, args.apps)
        link_zig_cache(caches)
        try:
            pants(root, caches, "tailor", "::")
            git(root, "add", "-A")
            git(root, "commit", "-qm", "generated")
            start = time.perf_counter()
            pants(root, caches, "package", "::")
            print(f"{args.apps} binaries, first full build: {time.perf_counter() - start:.1f} s")
            with open(root / "pkg" / "leaf0" / "leaf.go", "a") as f:
                f.write("\n// edited\n")
            results = {
                "list ::": timed(root, caches, args.runs, "list", "::"),
                "changed-since list": timed(root, caches, args.runs, *CHANGED, "list"),
                "package :: (1 edit)": timed(root, caches, args.runs, "package", "::"),
                "changed-since package": timed(root, caches, args.runs, *CHANGED, "package"),
            }
        finally:
            stop_pantsd(root)
    for name, times in results.items():
        shown = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:24} median {statistics.median(times):6.2f} s  ({shown})")
    ratio = statistics.median(results["changed-since list"]) / statistics.median(results["list ::"])
    print(f"selection / list :: = {ratio:.2f}x")


if __name__ == "__main__":
    main()

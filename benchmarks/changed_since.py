"""Benchmark: what `--changed-since` costs on a generated monorepo after a one-leaf edit.

Generates N binaries (benchmarks/monorepo.py's generator), runs `pants tailor ::` and commits,
builds everything once with Pants and once with the plain `go build` loop (both warm after
that), then times, with pantsd warm, the median of --runs of each:

- the selection alone: `--changed-since=HEAD --changed-dependents=transitive list`, against
  `list ::` (Pants' floor for reading the BUILD files);
- the build after a fresh one-leaf edit (a new comment in pkg/leaf0, so one binary relinks each
  time): `--changed-since=HEAD --changed-dependents=transitive package`, against `package ::`
  (every binary, all but one from the cache) and against the plain `go build` loop over every
  binary (warm GOCACHE), which is what a repo without Pants runs.

The runs are interleaved, so a noisy stretch of the machine hits every command alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from monorepo import generate, link_zig_cache, load, pants, plain_loop, stop_pantsd

CHANGED = ("--changed-since=HEAD", "--changed-dependents=transitive")


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


class Edits:
    """Fresh one-leaf edits: each call appends a new comment, so the leaf's hash changes."""

    def __init__(self, root: Path) -> None:
        self.leaf, self.count = root / "pkg" / "leaf0" / "leaf.go", 0

    def __call__(self) -> None:
        self.count += 1
        with open(self.leaf, "a") as f:
            f.write(f"\n// edit {self.count}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=100, help="binaries to generate")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command")
    args = parser.parse_args()
    results: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        results.setdefault(name, []).append(seconds)

    with tempfile.TemporaryDirectory(prefix="go-static-changed-bench-") as tmp:
        root, caches, loop_caches = Path(tmp) / "repo", Path(tmp) / "caches", Path(tmp) / "loop"
        generate(root, args.apps)
        link_zig_cache(caches)
        try:
            pants(root, caches, "tailor", "::")
            git(root, "add", "-A")
            git(root, "commit", "-qm", "generated")
            start = time.perf_counter()
            pants(root, caches, "package", "::")
            print(f"{args.apps} binaries, first Pants build: {time.perf_counter() - start:.1f} s")
            loop = plain_loop(root, loop_caches, args.apps)
            print(f"{args.apps} binaries, first go build loop: {loop:.1f} s")
            edit = Edits(root)
            edit()
            for _ in range(args.runs):
                record("list ::", pants(root, caches, "list", "::")[0])
                record("changed-since list", pants(root, caches, *CHANGED, "list")[0])
                edit()
                record("changed-since package", pants(root, caches, *CHANGED, "package")[0])
                edit()
                record("package ::", pants(root, caches, "package", "::")[0])
                edit()
                record("go build loop", plain_loop(root, loop_caches, args.apps))
        finally:
            stop_pantsd(root)
    print(f"load average at the end: {load()}  ({os.cpu_count()} cores)")
    for name, times in results.items():
        shown = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:24} median {statistics.median(times):6.2f} s  ({shown})")
    med = {name: statistics.median(times) for name, times in results.items()}
    print(f"selection / list ::            = {med['changed-since list'] / med['list ::']:.2f}x")
    print(
        f"changed-since package / :: all = {med['changed-since package'] / med['package ::']:.2f}x"
    )
    loop = med["go build loop"]
    print(f"changed-since package / loop   = {med['changed-since package'] / loop:.2f}x")


if __name__ == "__main__":
    main()

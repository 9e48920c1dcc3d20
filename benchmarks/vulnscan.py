"""Benchmark: what the vulnerability scan (`[go-static].vulnerabilities`) adds to `pants check`.

Generates a repo of --binaries programs that each call golang.org/x/text/language.Parse with
x/text v0.3.5 (one finding each, GO-2021-0113), then times `pants check ::` (no pantsd, the
machine's named caches, so Go's build cache and module cache are warm):

- first use: a fresh Pants store, gate on: every build, both tool builds (govulncheck and
  x/vulndb's indexdb, from a warm Go build cache), the DB download and index, every scan;
- cold: after an edit to every main.go (new binaries, so new builds and, gate on, new scans),
  gate off against gate on; the difference over --binaries is the cold scan per binary;
- warm: nothing changed, gate off against gate on (every scan a cache hit).

Also times govulncheck itself on one binary, outside Pants (median of --runs), against the DB
indexed the same way. Runs are interleaved, so a noisy stretch hits both sides alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".pants-venv"
GO = VENV / "lib" / "python3.9" / "site-packages" / "go" / "bin" / "go"
sys.path[:0] = [str(REPO / "pants-plugins"), str(REPO)]

# isort: split
from go_static.core.review.vulns_tools import (  # noqa: E402
    DEFAULT_VULNDB_VERSION,
    VULNDB_MODULE,
    VULNDB_OSV_DIR,
    govulncheck_tool,
    indexdb_tool,
)
from tests.unit.oci.go_tool_cache import build_go_tool  # noqa: E402

MAIN = """package main

import (
\t"fmt"
\t"os"

\t"golang.org/x/text/language"
)

const edit = "%s"

func main() {
\ttag, err := language.Parse(os.Args[len(os.Args)-1])
\tfmt.Println(edit, tag, err)
}
"""


def go(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    return subprocess.run(
        [str(GO), *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


def generate(root: Path, binaries: int) -> None:
    (root / "go.mod").write_text(
        "module example.com/bench\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.5\n"
    )
    for i in range(binaries):
        cmd = root / "cmd" / f"app{i}"
        cmd.mkdir(parents=True)
        (cmd / "main.go").write_text(MAIN % "0")
        (cmd / "BUILD").write_text("go_static_binary(name='app')\ngo_static_sources(name='src')\n")
    go("mod", "tidy", cwd=root)
    (root / "BUILD").write_text("go_static_mod(name='mod')\n")
    (root / "pants.toml").write_text(
        '[GLOBAL]\npants_version = "2.17.1"\nbackend_packages = ["go_static"]\n'
        f'pythonpath = ["{REPO / "pants-plugins"}"]\n[anonymous-telemetry]\nenabled = false\n'
    )


def edit(root: Path, tag: str) -> None:
    for main in root.glob("cmd/*/main.go"):
        main.write_text(MAIN % tag)


def check(root: Path, store: Path, gate: str) -> float:
    argv = [
        str(VENV / "bin" / "pants"),
        "--no-pantsd",
        f"--local-store-dir={store}",
        f"--go-static-vulnerabilities={gate}",
        "check",
        "::",
    ]
    env = {**os.environ, "NO_SCIE_WARNING": "1"}
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"`pants check ::` ({gate}) failed:\n{result.stderr[-3000:]}")
    if gate == "warn" and "GO-2021-0113" not in result.stdout + result.stderr:
        sys.exit(f"the scan found nothing:\n{result.stdout[-2000:]}")
    return elapsed


def direct_scan(root: Path, runs: int) -> float:
    """govulncheck alone on one binary, against the same DB, median seconds."""
    scanner, indexdb = build_go_tool(govulncheck_tool()), build_go_tool(indexdb_tool())
    found = go("mod", "download", "-json", f"{VULNDB_MODULE}@{DEFAULT_VULNDB_VERSION}", cwd=root)
    source = Path(next(v for k, v in _pairs(found) if k == "Dir"))
    db, binary = root / ".vulndb", root / ".app0"
    subprocess.run(
        [str(indexdb), "-vulns", str(source / VULNDB_OSV_DIR), "-out", str(db)], check=True
    )
    go("build", "-o", str(binary), "./cmd/app0", cwd=root)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [str(scanner), "-mode=binary", "-db", f"file://{db}", "-format", "json", str(binary)],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pairs(go_json: str):
    import json

    return json.loads(go_json).items()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binaries", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vulnscan-") as tmp:
        root, store = Path(tmp) / "repo", Path(tmp) / "store"
        root.mkdir()
        generate(root, args.binaries)
        first = check(root, store, "warn")
        cold = {"off": [], "warn": []}
        warm = {"off": [], "warn": []}
        for run in range(args.runs):
            for gate in ("off", "warn"):
                edit(root, f"{run}-{gate}")
                cold[gate].append(check(root, store, gate))
                warm[gate].append(check(root, store, gate))
        scan = direct_scan(root, args.runs * 3)
    med = {k: statistics.median(v) for k, v in cold.items()}
    wmed = {k: statistics.median(v) for k, v in warm.items()}
    n = args.binaries
    print(f"binaries: {n}, runs: {args.runs}")
    print(f"first use (fresh store, gate on): {first:.1f} s")
    print(f"cold check, gate off: {med['off']:.1f} s; on: {med['warn']:.1f} s")
    print(f"  scan added per binary, cold: {(med['warn'] - med['off']) / n:.2f} s")
    print(f"warm check, gate off: {wmed['off']:.1f} s; on: {wmed['warn']:.1f} s")
    print(f"  scan added per binary, warm: {(wmed['warn'] - wmed['off']) / n:.2f} s")
    print(f"govulncheck alone on one binary: {scan * 1000:.0f} ms")


if __name__ == "__main__":
    main()

"""Benchmark: what signing and attesting add to a warm `pants publish` of the sample images.

In this checkout, with pantsd warm and the images already built and pushed (one untimed publish
of each variant first, which also builds cosign), times `./pants publish` of src/go:cgocalc-oci
(cgocalc, amd64 and arm64) and tests/fixtures/signing:signed (sqlite on amd64, cgocalc on arm64)
to build-support/registry on 127.0.0.1:5000, --runs of each variant, interleaved:

- off: `[go-static].sign = "off"`: the push alone (every blob already there; tags checked);
- key, new key: `sign = "key"` offline (`sign_transparency_log = false`) with a key made for the
  run, so nothing in the registry is by it: one signature and three attestations per image;
- key, republish: the same key again, so every step is found by `cosign verify` and skipped.

Prints the medians and the ratios to `off`. Keys and their password are throwaway.
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

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "pants-plugins"))
sys.path.insert(0, str(REPO_ROOT / "tests" / "unit" / "oci"))

from go_tool_cache import build_go_tool  # noqa: E402

from go_static.core.oci.cosign import cosign_tool  # noqa: E402

TARGETS = ("src/go:cgocalc-oci", "tests/fixtures/signing:signed")
PASSWORD = "benchmark"


def pants(*args: str) -> float:
    env = {**os.environ, "NO_SCIE_WARNING": "1", "COSIGN_PASSWORD": PASSWORD}
    start = time.perf_counter()
    result = subprocess.run(
        [str(REPO_ROOT / "pants"), "--build-ignore=[]", *args, "publish", *TARGETS],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"pants publish failed:\n{result.stderr[-3000:]}")
    return elapsed


def new_key(cosign: Path, directory: Path) -> Path:
    directory.mkdir(parents=True)
    subprocess.run(
        [str(cosign), "generate-key-pair"],
        cwd=directory,
        env={"COSIGN_PASSWORD": PASSWORD, "HOME": str(directory)},
        check=True,
        capture_output=True,
    )
    return directory / "cosign.key"


def signing(key: Path) -> list[str]:
    return [
        "--go-static-sign=key",
        f"--go-static-signing-key={key}",
        "--no-go-static-sign-transparency-log",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([str(REPO_ROOT / "build-support" / "registry"), "start"], check=True)
    cosign = build_go_tool(cosign_tool())
    with tempfile.TemporaryDirectory(prefix="go-static-bench-sign-") as scratch:
        work = Path(scratch)
        same = new_key(cosign, work / "same")
        # Untimed: builds, pushes, builds cosign, and signs with the republish key once.
        pants()
        pants(*signing(same))
        times: dict[str, list[float]] = {"off": [], "key, new key": [], "key, republish": []}
        for run in range(args.runs):
            times["off"].append(pants())
            times["key, new key"].append(pants(*signing(new_key(cosign, work / f"run{run}"))))
            times["key, republish"].append(pants(*signing(same)))
    base = statistics.median(times["off"])
    print(f"warm `pants publish` of {', '.join(TARGETS)} ({args.runs} runs each, interleaved)")
    for name, values in times.items():
        middle = statistics.median(values)
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {name:16} median {middle:6.2f} s  ({middle / base:.2f}x off)  runs: {runs}")


if __name__ == "__main__":
    main()

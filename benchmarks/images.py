"""Benchmark: image time from a built binary, daemon-free `go_static_image` against `docker_image`.

On a generated repo (benchmarks/monorepo.py's generator with two binaries, app0 with cgo, musl
through zig, and app1 pure Go; `pants tailor ::` adds the source targets), times:

- the image alone, warm: pantsd warm and the binary cached, with a new label in the image
  target's BUILD before every run, so only the image is rebuilt. A `go_static_image` of app1
  (ca_roots=False, so it holds what the docker image does: the binary, plus its SBOM) against a
  `docker_image` of the same binary (FROM scratch, COPY, LABEL, ENTRYPOINT) built by Pants'
  docker backend and a Docker daemon, and against the go_static_image with nothing changed
  (Pants' floor for a warm `package`). Each image target has a BUILD of its own, edited just
  before its command. --runs of each, interleaved; the ratio is docker / daemon-free.
- a multi-arch `go_static_image` (app0 for amd64 and arm64, cgo), cold and then warm: cold is
  fresh Pants caches and no pantsd (zig's cache warm, see monorepo.link_zig_cache), which builds
  both binaries; warm is the same command again with nothing changed. --cold-runs of each.

A first build of every target, before anything is timed, fills zig's cache for both arches
through the plugin's own zig copy. The docker half needs a daemon: `build-support/dockerd start`
runs first, and if it fails that half is skipped with the reason. The docker images built here
are removed at the end; the daemon is left running.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from monorepo import (
    REPO_ROOT,
    generate,
    link_zig_cache,
    load,
    median,
    pants,
    stop_pantsd,
    uses_cgo,
)

APPS = 2
DOCKER_BACKENDS = '["go_static", "go_static.docker", "pants.backend.docker"]'


def toml_sections(text: str, names: set[str]) -> str:
    """The named tables of a TOML file (headers, keys and arrays; comments dropped)."""
    kept, keep = [], False
    for line in text.splitlines():
        header = re.fullmatch(r"\[([\w.-]+)\]\s*", line)
        if header:
            keep = header.group(1) in names
            kept.append("")
        if keep and not line.lstrip().startswith("#"):
            kept.append(line)
    return "\n".join(kept) + "\n"


def enable_docker(root: Path) -> None:
    """The docker backend needs Pants' pex tool, which ./pants's bootstrap builds into this
    checkout's .pants-tools/, and a Python interpreter constraint: take both from pants.toml."""
    toml = root / "pants.toml"
    text = toml.read_text().replace('["go_static"]', DOCKER_BACKENDS)
    ours = (REPO_ROOT / "pants.toml").read_text()
    extra = toml_sections(ours, {"pex-cli", "python"}).replace("%(buildroot)s", str(REPO_ROOT))
    toml.write_text(text + extra)


def start_dockerd() -> str | None:
    """None when a daemon answers, else why the docker half is skipped."""
    try:
        result = subprocess.run(
            [str(REPO_ROOT / "build-support" / "dockerd"), "start"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"build-support/dockerd start failed: {e}"
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip().splitlines()
        return f"build-support/dockerd start failed: {said[-1] if said else result.returncode}"
    return None


def pure_app() -> int:
    return next(i for i in range(APPS) if not uses_cgo(i))


def write_oci_build(root: Path, run: int) -> None:
    """The daemon-free image of the pure-Go binary, labelled with this run's number."""
    oci = root / "images" / "oci"
    oci.mkdir(parents=True, exist_ok=True)
    (oci / "BUILD").write_text(
        f'go_static_image(name="img", binaries=["//:app{pure_app()}"], ca_roots=False, '
        f'labels={{"run": "{run}"}})\n'
    )


def write_docker_build(root: Path, run: int, repository: str) -> None:
    """The docker_image of the same binary, labelled with this run's number."""
    docker = root / "images" / "docker"
    docker.mkdir(parents=True, exist_ok=True)
    # A binary at the build root is in the docker build context as `app<i>`.
    instructions = [
        "FROM scratch",
        f"COPY app{pure_app()} /app",
        f"LABEL run={run}",
        'ENTRYPOINT ["/app"]',
    ]
    (docker / "BUILD").write_text(
        f'docker_image(name="img", dependencies=["//:app{pure_app()}"], '
        f'repository="{repository}", instructions={json.dumps(instructions)})\n'
    )


def add_multi_arch(root: Path) -> str:
    """A cgo binary (a pure-Go one if none was generated) for amd64 and arm64, in one image."""
    app = next((i for i in range(APPS) if uses_cgo(i)), 0)
    with open(root / "BUILD", "a") as f:
        for arch in ("amd64", "arm64"):
            f.write(
                f'go_static_binary(name="multi-{arch}", main="./cmd/app{app}", goarch="{arch}")\n'
            )
        f.write('go_static_image(name="multi", binaries=[":multi-amd64", ":multi-arm64"])\n')
    return f"app{app} ({'cgo, musl via zig' if uses_cgo(app) else 'pure Go'})"


def image_digest(stderr: str) -> str:
    """The digest go_static_image logs for the image (or index) it wrote."""
    found = re.findall(r"(sha256:[0-9a-f]{64}) \(\d+ platform", stderr)
    return found[-1] if found else "?"


def docker_image_id(root: Path) -> str | None:
    info = root / "dist" / "images.docker" / "img.docker-info.json"
    try:
        return json.loads(info.read_text()).get("image_id")
    except (OSError, ValueError):
        return None


def remove_images(repository: str, ids: set[str]) -> None:
    """Remove the images this run built: the tag, and every earlier run's (now untagged) image."""
    listed = subprocess.run(
        ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", repository],
        capture_output=True,
        text=True,
    ).stdout.split()
    doomed = sorted(set(listed) | ids)
    if doomed:
        subprocess.run(["docker", "image", "rm", "--force", *doomed], capture_output=True)
    print(f"removed {len(doomed)} docker image reference(s) of {repository}")


def show(name: str, times: list[float]) -> None:
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"  {name:34} median {median(times):6.2f} s  ({runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed image runs per target")
    parser.add_argument("--cold-runs", type=int, default=2, help="cold multi-arch runs")
    args = parser.parse_args()
    print(f"load average at start: {load()} ({os.cpu_count()} cores)", flush=True)
    skip_docker = start_dockerd()
    repository = None if skip_docker else f"go-static-bench-{secrets.token_hex(4)}/app"
    if skip_docker:
        print(f"skipping docker_image: {skip_docker}")
    results: dict[str, list[float]] = {}
    digests: list[str] = []
    docker_ids: set[str] = set()

    def record(name: str, seconds: float) -> None:
        results.setdefault(name, []).append(seconds)

    work = Path(tempfile.mkdtemp(prefix="go-static-images-bench-"))
    root, caches = work / "repo", work / "caches"
    try:
        generate(root, APPS)
        if repository:
            enable_docker(root)
        multi = add_multi_arch(root)
        write_oci_build(root, 0)
        if repository:
            write_docker_build(root, 0, repository)
        link_zig_cache(caches)
        pants(root, caches, "tailor", "::")  # go_static_sources/go_static_mod own every file
        targets = ["images/oci:img", "//:multi"] + (["images/docker:img"] if repository else [])
        start = time.perf_counter()
        pants(root, caches, "package", *targets)
        if repository and (image_id := docker_image_id(root)):
            docker_ids.add(image_id)
        print(f"first build of every target (untimed below): {time.perf_counter() - start:.1f} s")
        print(
            f"timing {args.runs} image runs of each target, then {args.cold_runs} multi-arch "
            "cold runs",
            flush=True,
        )

        for run in range(1, args.runs + 1):
            # Each edit is to its own target's BUILD, just before its command: any BUILD edit in
            # the Go module changes the module's snapshot, so each pays for that once.
            write_oci_build(root, run)
            record("go_static_image", pants(root, caches, "package", "images/oci:img")[0])
            # Nothing changed since: before the docker edit, which would change the snapshot.
            record("floor", pants(root, caches, "package", "images/oci:img")[0])
            if repository:
                write_docker_build(root, run, repository)
                record("docker_image", pants(root, caches, "package", "images/docker:img")[0])
                if image_id := docker_image_id(root):
                    docker_ids.add(image_id)

        for run in range(args.cold_runs):
            cold = work / f"cold{run}"
            link_zig_cache(cold)
            stop_pantsd(root)
            elapsed, log = pants(root, cold, "package", "//:multi")
            record("multi-arch cold", elapsed)
            digests.append(image_digest(log))
            elapsed, log = pants(root, cold, "package", "//:multi")
            record("multi-arch warm", elapsed)
            digests.append(image_digest(log))
            shutil.rmtree(cold, ignore_errors=True)
            cold_s, warm_s = results["multi-arch cold"][-1], results["multi-arch warm"][-1]
            print(
                f"  multi-arch run {run}: cold {cold_s:.1f} s, warm {warm_s:.2f} s; load {load()}"
            )
    finally:
        stop_pantsd(root)
        if repository:
            remove_images(repository, docker_ids)
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nimage of a cached binary (app{pure_app()}, pure Go), pantsd warm, a new label each "
        f"run, {args.runs} runs each, interleaved:"
    )
    show("go_static_image (daemon-free)", results["go_static_image"])
    if "docker_image" in results:
        show("docker_image (Pants + dockerd)", results["docker_image"])
        ratio = median(results["docker_image"]) / median(results["go_static_image"])
        print(f"  docker_image / go_static_image = {ratio:.2f}x")
    show("go_static_image unchanged (floor)", results["floor"])
    print(f"\nmulti-arch go_static_image of {multi}, amd64 + arm64, {args.cold_runs} cold run(s):")
    show("cold (fresh Pants caches, no pantsd)", results["multi-arch cold"])
    show("warm (same command again)", results["multi-arch warm"])
    verdict = "the same" if len(set(digests)) == 1 else "DIFFERENT"
    print(f"  index digest {verdict} in every run: {', '.join(sorted(set(digests)))}")
    print(f"\nload average at the end: {load()}")


if __name__ == "__main__":
    main()

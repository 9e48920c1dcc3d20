"""Push an OCI image layout to a registry: `python -m go_static.core.oci.cli LAYOUT NAME -t TAG`.

What `pants publish` runs for a go_static_image, and usable alone in CI (stdlib only). Blobs go
first, then manifests and the index by digest, and the tags last, so a failed push leaves no tag
pointing at a half-pushed image. Credentials come from `auths` in $DOCKER_CONFIG/config.json
(`docker login` writes them). Exit status: 0 pushed, 1 the registry refused or can't be reached.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from go_static.core.errors import GoStaticError
from go_static.core.oci.push import docker_config_credentials, push_layout, read_layout


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m go_static.core.oci.cli",
        description="Push an OCI image layout (a go_static_image's output) to a registry.",
    )
    parser.add_argument("layout", type=Path, help="the OCI image layout directory")
    parser.add_argument("name", help="where to push: registry/repository, e.g. ghcr.io/org/app")
    parser.add_argument("-t", "--tag", action="append", default=[], help="a tag to point at it")
    parser.add_argument("--subject", default="", help="who errors name (e.g. a target address)")
    parser.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        help="a registry to reach over plain HTTP (loopback registries always are)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    subject = args.subject or args.name
    try:
        result = push_layout(
            read_layout(args.layout),
            args.name,
            args.tag,
            subject=subject,
            credentials=docker_config_credentials(subject=subject),
            insecure_registries=args.insecure_registry,
        )
    except GoStaticError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    sent = f"{result.blobs_uploaded} blob(s), {result.bytes_uploaded:,} bytes"
    print(f"pushed {result.pinned} ({sent}; {result.blobs_skipped} already there)")
    for tag in result.tags:
        print(f"  tagged {result.registry}/{result.repository}:{tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

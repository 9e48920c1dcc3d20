"""Push an OCI image layout with crane: `python -m go_static.core.oci.cli --crane PATH LAYOUT NAME`.

What `pants publish` runs for a go_static_image (which builds crane and passes its path), and
usable alone in CI with a crane built from go_static.core.oci.crane. Everything the image holds
is pushed under its digest first and the tags last, so a failed push leaves no tag pointing at a
half-pushed image. Credentials are docker's: `auths`, `credHelpers` and `credsStore` in
$DOCKER_CONFIG/config.json. Exit status: 0 pushed, 1 the registry refused or can't be reached.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from go_static.core.errors import GoStaticError
from go_static.core.oci.push import DEFAULT_DEADLINE, push_layout


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m go_static.core.oci.cli",
        description="Push an OCI image layout (a go_static_image's output) to a registry.",
    )
    parser.add_argument("layout", type=Path, help="the OCI image layout directory")
    parser.add_argument("name", help="where to push: registry/repository, e.g. ghcr.io/org/app")
    parser.add_argument("-t", "--tag", action="append", default=[], help="a tag to point at it")
    parser.add_argument("--crane", required=True, help="the crane binary to push with")
    parser.add_argument("--subject", default="", help="who errors name (e.g. a target address)")
    parser.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        help="a registry to reach over plain HTTP, credentials included",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_DEADLINE,
        help=f"seconds the whole push may take (default {DEFAULT_DEADLINE})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    subject = args.subject or args.name
    try:
        result = push_layout(
            args.layout,
            args.name,
            args.tag,
            crane=args.crane,
            subject=subject,
            insecure_registries=args.insecure_registry,
            deadline=args.timeout,
        )
    except GoStaticError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    sent = f"{result.blobs_sent} blob(s) sent; {result.blobs_existing} already there"
    sent = "already in the registry: nothing sent" if result.image_existed else sent
    print(f"pushed {result.pinned} ({sent})")
    for tag in result.tags:
        state = "moved" if tag in result.moved else "already named it"
        print(f"  {result.registry}/{result.repository}:{tag}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

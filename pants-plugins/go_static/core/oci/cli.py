"""Push an OCI image layout with crane: `python -m go_static.core.oci.cli --crane PATH LAYOUT NAME`.

What `pants publish` runs for a go_static_image (which builds crane and passes its path), and
usable alone in CI with a crane built from go_static.core.oci.crane. Everything the image holds
is pushed under its digest first and the tags last, so a failed push leaves no tag pointing at a
half-pushed image. Credentials are docker's: `auths`, `credHelpers` and `credsStore` in
$DOCKER_CONFIG/config.json. With `--sign key|keyless --cosign PATH`, the pushed digest is then
signed and each `--attest TYPE=FILE` attested (go_static.core.oci.sign); the options and the key
are checked before the push. Exit status: 0 pushed (and signed), 1 the registry refused or can't
be reached, or a signing step failed (the tags stay as pushed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from go_static.core.errors import GoStaticError
from go_static.core.oci.push import DEFAULT_DEADLINE, plain_http_credentials, push_layout
from go_static.core.oci.sign import (
    SIGN_MODES,
    Attestation,
    SigningError,
    SignSettings,
    key_file_problems,
    settings_problems,
    sign_image,
)


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
    signing = parser.add_argument_group("signing (after the push; the tags stay as pushed)")
    signing.add_argument("--sign", choices=SIGN_MODES, default="off", help="how to sign")
    signing.add_argument("--cosign", default="", help="the cosign binary to sign with")
    signing.add_argument("--key", default="", help="key mode: a key file, env://VAR or KMS URI")
    signing.add_argument("--fulcio-url", default="", help="keyless: a private Fulcio")
    signing.add_argument("--rekor-url", default="", help="keyless: a private Rekor")
    signing.add_argument(
        "--no-tlog", action="store_true", help="key mode: sign offline, no transparency log"
    )
    signing.add_argument(
        "--attest",
        action="append",
        default=[],
        metavar="TYPE=FILE",
        help="a predicate to attest, e.g. slsaprovenance1=image.intoto.json (repeatable)",
    )
    return parser


def _settings(args: argparse.Namespace) -> SignSettings:
    return SignSettings(
        mode=args.sign,
        key=args.key,
        fulcio_url=args.fulcio_url,
        rekor_url=args.rekor_url,
        transparency_log=not args.no_tlog,
    )


def _attestations(args: argparse.Namespace) -> list[Attestation]:
    found = []
    for item in args.attest:
        kind, sep, path = item.partition("=")
        if not sep or not kind or not path:
            raise SystemExit(f"--attest wants TYPE=FILE, got {item!r}")
        found.append(Attestation(kind, Path(path)))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    subject = args.subject or args.name
    settings = _settings(args)
    problems = settings_problems(settings)
    if settings.mode == "key" and not problems:
        # Before the push: a missing key found after it would leave an unsigned image tagged.
        problems = key_file_problems(settings.key, Path.cwd(), os.environ)
    if settings.enabled and not args.cosign:
        raise SystemExit("--sign needs --cosign")
    if problems:
        print(f"{SigningError.__name__}: {SigningError(subject, problems)}", file=sys.stderr)
        return 1
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
    if not settings.enabled:
        return 0
    try:
        signed = sign_image(
            args.cosign,
            settings,
            result.pinned,
            _attestations(args),
            subject=subject,
            http=plain_http_credentials(result.registry, args.insecure_registry),
            deadline=args.timeout,
        )
    except SigningError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    for step in signed.done:
        print(f"  {step}: done")
    for step in signed.skipped:
        print(f"  {step}: already in the registry, by this key")
    return 0


if __name__ == "__main__":
    sys.exit(main())

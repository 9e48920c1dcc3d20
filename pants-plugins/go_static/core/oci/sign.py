"""Sign and attest a pushed image with cosign (go_static.core.oci.cosign), after the push.

Pants-free.

The pusher has already moved the tags when this runs, so a failed step never touches them: it
says which step failed and that the tags stay as pushed. Each step is checked first against what
the registry already holds (`cosign verify` with the same key, or `verify-attestation` with the
same payload), because ECDSA signatures differ on every run and cosign v3's bundles are added
beside the old ones, never replaced: without the check each republish would add one more.

cosign v3's default format is kept: a Sigstore bundle stored as an OCI 1.1 referrer, or, on a
registry without the referrers API (Debian's docker-registry), under the `sha256-<digest>`
referrers tag that cosign, Kyverno and policy-controller all look up. docs/signing.md says why.

The key's password is COSIGN_PASSWORD in cosign's environment; it never enters an argv, a message
or a cache key. cosign's words are scrubbed and quoted on one line.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import urlsplit

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.oci.push_problems import quote

SIGN_MODES = ("off", "key", "keyless")
# The key forms cosign's --key understands beside a file path.
KMS_SCHEMES = ("awskms://", "gcpkms://", "azurekms://", "hashivault://", "k8s://")
ENV_SCHEME = "env://"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PASSWORD_ENV = "COSIGN_PASSWORD"
# The environment variables cosign reads for the keyless OIDC token and KMS access, passed
# through from the caller's: CI ambient tokens (GitHub Actions' request URL/token, GitLab's and
# Buildkite's SIGSTORE_ID_TOKEN) and the KMS clients' credentials.
SIGN_ENV = (
    PASSWORD_ENV,
    "SIGSTORE_ID_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "BUILDKITE_AGENT_ACCESS_TOKEN",
    "BUILDKITE_AGENT_ENDPOINT",
    "AWS_REGION",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "KUBECONFIG",
)
# What one cosign call may print that is read: any error line fits.
OUTPUT_CAP = 64 * 1024
# `<output>.sbom/`: each platform's SBOM beside the image layout, which publish attests.
SBOMS_SUFFIX = ".sbom"
PROVENANCE_TYPE = "slsaprovenance1"
SIGNATURE_CLAIM = "https://sigstore.dev/cosign/sign/v1"
SBOM_TYPE = "cyclonedx"


class SigningError(GoStaticError):
    """Signing or attesting a pushed image failed; the tags stay where the push left them."""

    code = "sign"

    def __init__(self, subject: str, problems: Sequence[Problem]) -> None:
        self.subject, self.problems = subject, tuple(problems)
        super().__init__(render_problems(subject, self.problems))


@dataclass(frozen=True)
class SignSettings:
    """How `pants publish` signs: the mode, the key, the keyless endpoints and the log."""

    mode: str = "off"
    key: str = ""  # a file path, env://VAR or a KMS URI: key mode only
    fulcio_url: str = ""  # keyless: "" is cosign's public-good signing config
    rekor_url: str = ""
    transparency_log: bool = True  # false: sign offline (no Rekor upload), key mode only

    @property
    def enabled(self) -> bool:
        return self.mode != "off"


def settings_problems(settings: SignSettings, where: str = "[go-static]") -> list[Problem]:
    """Every problem with the sign options, found before anything is pushed."""
    problems: list[Problem] = []
    if settings.mode not in SIGN_MODES:
        problems.append(
            Problem(
                f"{where}.sign is {settings.mode!r}.",
                "`pants publish` can't tell how to sign the image.",
                f"Set {where}.sign to one of {', '.join(map(repr, SIGN_MODES))}.",
            )
        )
        return problems
    if settings.mode == "key":
        problems.extend(key_problems(settings.key, where))
    elif settings.key:
        problems.append(
            Problem(
                f"{where}.signing_key is set but {where}.sign is {settings.mode!r}.",
                "The key would be ignored, so the image would not be signed the way you meant.",
                f'Set {where}.sign = "key", or remove {where}.signing_key.',
            )
        )
    for option, url in (
        ("sign_fulcio_url", settings.fulcio_url),
        ("sign_rekor_url", settings.rekor_url),
    ):
        if url and not _https_url(url):
            problems.append(
                Problem(
                    f"{where}.{option} is not an https URL with a host and no credentials.",
                    "cosign sends the signing request there; a plain or credential-bearing URL "
                    "would leak the OIDC token or the signature's certificate request.",
                    f'Set {where}.{option} to e.g. "https://fulcio.example.com", or leave it '
                    "empty for sigstore's public instance.",
                )
            )
    if settings.mode == "keyless" and not settings.transparency_log:
        problems.append(
            Problem(
                f'{where}.sign_transparency_log is false with {where}.sign = "keyless".',
                "A keyless signature's short-lived certificate is only trustworthy with its "
                "transparency log entry; without it no verifier accepts it.",
                f'Set {where}.sign_transparency_log = true, or sign = "key" for offline signing.',
            )
        )
    return problems


def _https_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def key_problems(key: str, where: str = "[go-static]") -> list[Problem]:
    """What is wrong with `signing_key`'s form: a file path, env://VAR or a KMS URI."""
    if not key:
        return [
            Problem(
                f'{where}.sign is "key" but {where}.signing_key is empty.',
                "cosign needs the private key to sign with.",
                f'Set {where}.signing_key to a cosign key file (e.g. "cosign.key"), '
                f'"env://VAR" naming a variable that holds the key, or a KMS URI '
                f"({', '.join(KMS_SCHEMES)}); the password goes in {PASSWORD_ENV}.",
            )
        ]
    if key.startswith("-----BEGIN"):
        return [_inline_key(where)]
    if any(ch in key for ch in "\n\r\0") or key.startswith("-"):
        return [
            Problem(
                f"{where}.signing_key is not a key reference (it has a control character or "
                "starts with '-').",
                "cosign would read it as something else than a key.",
                f"Set {where}.signing_key to a key file path, env://VAR or a KMS URI; put the "
                "key itself in a variable and name it with env://VAR.",
            )
        ]
    if key.startswith(ENV_SCHEME):
        name = key[len(ENV_SCHEME) :]
        if ENV_NAME.fullmatch(name):
            return []
        return [
            Problem(
                f"{where}.signing_key names env://{name!r}, not an environment variable name.",
                "cosign reads the key from the variable it names.",
                f'Set {where}.signing_key = "env://COSIGN_PRIVATE_KEY" (letters, digits, _).',
            )
        ]
    if "://" in key:
        if key.startswith(KMS_SCHEMES) and len(key.split("://", 1)[1]) > 0:
            return []
        scheme = key.split("://", 1)[0]
        return [
            Problem(
                f"{where}.signing_key uses the scheme {scheme!r}, which cosign doesn't know.",
                "cosign would fail to load the key only after the push.",
                f"Use a file path, env://VAR, or one of {', '.join(KMS_SCHEMES)}.",
            )
        ]
    return []


def _inline_key(where: str) -> Problem:
    return Problem(
        f"{where}.signing_key holds a key itself, not a reference to one.",
        "A key in pants.toml or a flag ends up in shell history, logs and version control.",
        f'Put the key in an environment variable and set {where}.signing_key = "env://VAR".',
    )


def key_file_problems(key: str, base: Path, environ: Mapping[str, str]) -> list[Problem]:
    """A file or env:// key that isn't there, checked where cosign will run (before the push)."""
    if key.startswith(ENV_SCHEME):
        name = key[len(ENV_SCHEME) :]
        if environ.get(name):
            return []
        return [
            Problem(
                f"[go-static].signing_key names env://{name}, which is not set or empty.",
                "cosign reads the private key from that variable.",
                f"Export {name} with the PEM of the cosign private key before `pants publish`.",
            )
        ]
    if "://" in key:
        return []
    path = Path(key) if os.path.isabs(key) else base / key
    if path.is_file():
        return []
    return [
        Problem(
            f"[go-static].signing_key names {key!r}, which is not a file.",
            "cosign signs with the private key in that file.",
            "Make a key pair with `cosign generate-key-pair` and point signing_key at "
            "cosign.key (relative to the build root), or use env://VAR or a KMS URI.",
        )
    ]


# --- cosign's command lines ---------------------------------------------------------------------


def _registry_flags(http: bool) -> list[str]:
    return ["--allow-http-registry", "--allow-insecure-registry"] if http else []


def signing_flags(settings: SignSettings) -> list[str]:
    """The flags `cosign sign` and `cosign attest` share for this mode (no secrets)."""
    flags = ["--yes"]
    if settings.mode == "key":
        flags += ["--key", settings.key]
        if not settings.transparency_log:
            # cosign v3 reads the public-good signing config (with Rekor) unless told not to;
            # both flags are needed to sign with no network beyond the registry.
            flags += ["--use-signing-config=false", "--tlog-upload=false"]
    elif settings.mode == "keyless":
        if settings.fulcio_url or settings.rekor_url:
            # Private instances: the URLs replace the public-good signing config.
            flags.append("--use-signing-config=false")
            flags += ["--fulcio-url", settings.fulcio_url] if settings.fulcio_url else []
            flags += ["--rekor-url", settings.rekor_url] if settings.rekor_url else []
    return flags


def sign_argv(cosign: str, settings: SignSettings, image: str, http: bool = False) -> list[str]:
    """`cosign sign` of `image` (registry/repo@sha256:...)."""
    return [cosign, "sign", *signing_flags(settings), *_registry_flags(http), image]


def attest_argv(
    cosign: str,
    settings: SignSettings,
    image: str,
    predicate_type: str,
    predicate: str,
    http: bool = False,
) -> list[str]:
    """`cosign attest --type T --predicate FILE` of `image`."""
    return [
        cosign,
        "attest",
        *signing_flags(settings),
        *_registry_flags(http),
        "--type",
        predicate_type,
        "--predicate",
        predicate,
        image,
    ]


def verify_argv(
    cosign: str,
    public_key: str,
    image: str,
    predicate_type: str = "",
    transparency_log: bool = True,
    http: bool = False,
) -> list[str]:
    """`cosign verify` (or `verify-attestation --type T`) of `image` with `public_key`."""
    command = ["verify-attestation", "--type", predicate_type] if predicate_type else ["verify"]
    offline = [] if transparency_log else ["--insecure-ignore-tlog"]
    return [cosign, *command, "--key", public_key, *offline, *_registry_flags(http), image]


# --- running them --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attestation:
    """One predicate to attest: its cosign type and the file holding it."""

    predicate_type: str
    path: Path


@dataclass(frozen=True)
class SignResult:
    """What signing did: the steps run and the steps skipped (already in the registry)."""

    done: tuple[str, ...]
    skipped: tuple[str, ...]


class _Cosign:
    def __init__(self, cosign: str, environ: Mapping[str, str], deadline: float) -> None:
        self.cosign, self.environ = cosign, dict(environ)
        self.end = time.monotonic() + deadline

    def run(self, argv: Sequence[str]) -> tuple[int, str, str]:
        left = self.end - time.monotonic()
        if left <= 0:
            return 124, "", "the publish timeout ran out before this step"
        try:
            done = subprocess.run(
                list(argv),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=self.environ,
                timeout=left,
            )
        except subprocess.TimeoutExpired:
            return 124, "", "the publish timeout ran out during this step"
        except OSError as error:
            return 127, "", f"can't run cosign: {error.strerror}"
        out = done.stdout[:OUTPUT_CAP].decode("utf-8", "replace")
        err = done.stderr[-OUTPUT_CAP:].decode("utf-8", "replace")
        return done.returncode, out, err


def sign_image(
    cosign: str,
    settings: SignSettings,
    image: str,
    attestations: Sequence[Attestation] = (),
    *,
    subject: str,
    http: bool = False,
    environ: Mapping[str, str] | None = None,
    deadline: float = 600,
) -> SignResult:
    """Sign `image` (pinned by digest) and attest each predicate; skip what is already there.

    Every step runs even when one fails, so one SigningError reports every failure at once.
    """
    env = dict(os.environ if environ is None else environ)
    runner = _Cosign(cosign, env, deadline)
    done: list[str] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="go-static-sign-") as scratch:
        attestations, problems = _predicates(attestations, image, Path(scratch))
        public = _public_key(runner, settings, Path(scratch))
        steps: list[tuple[str, list[str], list[str] | None, Path | None]] = []
        check = (
            verify_argv(cosign, public, image, "", settings.transparency_log, http)
            if public
            else None
        )
        steps.append(("cosign sign", sign_argv(cosign, settings, image, http), check, None))
        for attestation in attestations:
            kind = attestation.predicate_type
            check = (
                verify_argv(cosign, public, image, kind, settings.transparency_log, http)
                if public
                else None
            )
            argv = attest_argv(cosign, settings, image, kind, str(attestation.path), http)
            steps.append((f"cosign attest --type {kind}", argv, check, attestation.path))
        for step, argv, check, predicate in steps:
            if check is not None and _already_there(runner, check, predicate):
                skipped.append(step)
                continue
            code, _, err = runner.run(argv)
            if code == 0:
                done.append(step)
            else:
                problems.append(_step_problem(step, image, err, settings))
    if problems:
        raise SigningError(subject, problems)
    return SignResult(tuple(done), tuple(skipped))


def _predicates(
    attestations: Sequence[Attestation], image: str, scratch: Path
) -> tuple[list[Attestation], list[Problem]]:
    """Each attestation's predicate file: a whole in-toto Statement (the image's
    `<output>.intoto.json`) gives its predicate, once its subject is the pushed digest."""
    digest = image.rpartition("@")[2]
    found: list[Attestation] = []
    problems: list[Problem] = []
    for index, attestation in enumerate(attestations):
        try:
            document = json.loads(attestation.path.read_bytes())
        except (OSError, ValueError) as error:
            problems.append(
                Problem(
                    f"the {attestation.predicate_type} predicate {attestation.path.name} can't "
                    f"be read as JSON ({type(error).__name__}).",
                    "cosign would attest nothing, or something else than the image's record.",
                    "Package the image again (`pants package`), then publish.",
                )
            )
            continue
        if not (isinstance(document, dict) and "predicateType" in document):
            found.append(attestation)
            continue
        subjects = [
            f"{algorithm}:{value}"
            for subject in document.get("subject", [])
            for algorithm, value in subject.get("digest", {}).items()
        ]
        if digest not in subjects:
            problems.append(
                Problem(
                    f"{attestation.path.name} is the provenance of "
                    f"{', '.join(subjects) or 'nothing'}, not of the pushed {digest}.",
                    "An attestation must describe the image it is attached to.",
                    "Package and publish in one run (`pants publish` packages first).",
                )
            )
            continue
        predicate = scratch / f"predicate-{index}.json"
        predicate.write_text(json.dumps(document["predicate"], sort_keys=True))
        found.append(Attestation(attestation.predicate_type, predicate))
    return found, problems


def _public_key(runner: _Cosign, settings: SignSettings, scratch: Path) -> str:
    """The public half of the signing key, for the check before each step ("" for keyless)."""
    if settings.mode != "key":
        # A keyless identity can't be checked without the CI's expected issuer and subject;
        # a second keyless signature is a new certificate and a new log entry anyway.
        return ""
    out = scratch / "cosign.pub"
    code, _, _ = runner.run(
        [runner.cosign, "public-key", "--key", settings.key, "--outfile", str(out)]
    )
    return str(out) if code == 0 and out.is_file() else ""


def _already_there(runner: _Cosign, check: list[str], predicate: Path | None) -> bool:
    """Whether the registry holds a valid signature (or this exact predicate) by this key."""
    code, out, _ = runner.run(check)
    if code != 0:
        return False
    if predicate is None:
        # cosign v3's `verify` passes on any bundle by the key, attestations included: only a
        # claim of the signature's own type means the image is signed.
        try:
            claims = json.loads(out)
        except ValueError:
            return False
        return isinstance(claims, list) and any(
            isinstance(c, dict) and c.get("critical", {}).get("type") == SIGNATURE_CLAIM
            for c in claims
        )
    try:
        wanted = json.loads(predicate.read_text())
    except (OSError, ValueError):
        return False
    for line in out.splitlines():
        try:
            envelope = json.loads(line)
            payload = json.loads(_b64(envelope["payload"]))
        except (ValueError, KeyError, TypeError):
            continue
        if payload.get("predicate") == wanted:
            return True
    return False


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _step_problem(step: str, image: str, stderr: str, settings: SignSettings) -> Problem:
    said = quote(stderr) or "no error output"
    fix = (
        f"Check the key ({PASSWORD_ENV} set for an encrypted key, KMS credentials in the "
        "environment) and the registry's write access, then run `pants publish` again: it "
        "signs the same digest and skips what is already there."
        if settings.mode == "key"
        else "Run in CI with an OIDC token (GitHub Actions `id-token: write`, GitLab "
        "`id_tokens: SIGSTORE_ID_TOKEN`, Buildkite's OIDC plugin), then `pants publish` again."
    )
    return Problem(
        f"{step} of {image} failed: {said}",
        "The image is pushed and its tags stay as the push left them, but it is not signed "
        "and attested, so a policy that requires signatures will refuse it.",
        fix,
    )

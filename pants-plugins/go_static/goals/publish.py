"""`pants publish` for go_static_image: push the packaged image layout to its registry.

The push runs as an interactive process (never cached, so every `publish` really pushes):
go_static.core.oci.cli on the interpreter running Pants, which checks the layout, pushes it with
crane (built from the Go module proxy once, go_static.rules.crane) and reports which tags moved.
No daemon and no registry client to install.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.goals.publish import (
    PublishFieldSet,
    PublishOutputData,
    PublishPackages,
    PublishProcesses,
    PublishRequest,
)
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import Digest, DigestEntries, MergeDigests
from pants.engine.process import InteractiveProcess
from pants.engine.rules import Get, MultiGet, collect_rules, rule

import go_static
from go_static.core.errors import Problem
from go_static.core.oci.push import RegistryPushError
from go_static.core.oci.reference import split_registry
from go_static.core.oci.sign import (
    PROVENANCE_TYPE,
    SBOM_TYPE,
    SBOMS_SUFFIX,
    SIGN_ENV,
    SigningError,
    SignSettings,
    settings_problems,
)
from go_static.core.provenance.statement import PROVENANCE_SUFFIX
from go_static.rules.cosign import Cosign
from go_static.rules.crane import Crane
from go_static.subsystems.crane import PublishSubsystem
from go_static.subsystems.go_static import GoStaticSubsystem
from go_static.target_types.image import (
    GoStaticImageBinariesField,
    GoStaticImageRepositoryField,
    GoStaticImageSkipPushField,
    GoStaticImageTagsField,
)

# What the pusher reads from the caller's environment: where `docker login` keeps credentials,
# PATH for the credential helpers (docker-credential-<name>) it names, and the proxy and CA
# settings an HTTPS registry may need.
PUSH_ENV = (
    "HOME",
    "PATH",
    "DOCKER_CONFIG",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
# The directory holding the go_static package (pants-plugins/ or site-packages/), so the process
# imports the same plugin code Pants loaded.
PLUGIN_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(go_static.__file__)))


class PublishGoStaticImageRequest(PublishRequest):
    """A packaged go_static_image to push."""


@dataclass(frozen=True)
class GoStaticImagePublishFieldSet(PublishFieldSet):
    """A go_static_image as `publish` sees it."""

    publish_request_type = PublishGoStaticImageRequest
    required_fields = (GoStaticImageBinariesField,)

    repository: GoStaticImageRepositoryField
    image_tags: GoStaticImageTagsField
    skip_push: GoStaticImageSkipPushField

    @property
    def name(self) -> str:
        return self.repository.name_for(self.address)

    def get_output_data(self) -> PublishOutputData:
        return PublishOutputData(
            {"publisher": "go_static", "repository": self.name, **super().get_output_data()}
        )


def _no_registry_problem(name: str) -> Problem:
    return Problem(
        f'repository "{name}" names no registry, so `pants publish` has nowhere to push it.',
        "Without a registry host Docker would push to Docker Hub; go_static doesn't guess.",
        f'Set repository="registry.example.com/{name}" (a loopback registry such as '
        f'"localhost:5000/{name}" may answer over plain HTTP), or skip_push=True.',
    )


@rule(desc="Push go_static_image")
async def push_go_static_image(
    request: PublishGoStaticImageRequest,
    options: PublishSubsystem,
    go_static: GoStaticSubsystem,
    build_root: BuildRoot,
) -> PublishProcesses:
    field_set = request.field_set
    name = field_set.name
    tags = tuple(field_set.image_tags.value or ())
    names = tuple(f"{name}:{tag}" for tag in tags) or (name,)
    if field_set.skip_push.value:
        reason = f"(by `{field_set.skip_push.alias}` on {field_set.address})"
        return PublishProcesses([PublishPackages(names=names, description=reason)])
    registry, _ = split_registry(name)
    if not registry:
        raise RegistryPushError(str(field_set.address), [_no_registry_problem(name)])
    (package,) = request.packages
    layout = package.artifacts[0].relpath
    assert layout is not None, "package_go_static_image always names its layout"
    settings = _sign_settings(go_static, build_root.path, str(field_set.address))
    env_names = PUSH_ENV + (SIGN_ENV + _env_key(settings.key) if settings.enabled else ())
    env, crane = await MultiGet(Get(EnvironmentVars, EnvironmentVarsRequest(env_names)), Get(Crane))
    tools = [package.digest, crane.digest]
    sign_args: list[str] = []
    if settings.enabled:
        cosign, entries = await MultiGet(Get(Cosign), Get(DigestEntries, Digest, package.digest))
        tools.append(cosign.digest)
        sign_args = _sign_argv(settings, cosign.path, layout, [e.path for e in entries])
    input_digest = await Get(Digest, MergeDigests(tools))
    argv = [
        sys.executable,
        "-m",
        "go_static.core.oci.cli",
        layout,
        name,
        "--crane",
        crane.path,
        *(arg for tag in tags for arg in ("--tag", tag)),
        *(arg for host in options.insecure_registries for arg in ("--insecure-registry", host)),
        "--timeout",
        str(options.timeout),
        "--subject",
        str(field_set.address),
        *sign_args,
    ]
    process = InteractiveProcess(
        argv,
        env={**env, "PYTHONPATH": PLUGIN_ROOT, "PYTHONDONTWRITEBYTECODE": "1"},
        input_digest=input_digest,
    )
    return PublishProcesses([PublishPackages(names=names, process=process, description=registry)])


def _sign_settings(go_static: GoStaticSubsystem, build_root: str, address: str) -> SignSettings:
    """The sign options, checked before anything is built or pushed (the pusher checks them
    again when run alone)."""
    settings = SignSettings(
        mode=go_static.sign,
        key=_key_from_build_root(go_static.signing_key, build_root),
        fulcio_url=go_static.sign_fulcio_url,
        rekor_url=go_static.sign_rekor_url,
        transparency_log=go_static.sign_transparency_log,
    )
    problems = settings_problems(settings)
    if problems:
        raise SigningError(address, problems)
    return settings


def _key_from_build_root(key: str, build_root: str) -> str:
    """A key file named relative to the build root, made absolute: the push runs elsewhere."""
    if not key or "://" in key or os.path.isabs(key) or key.startswith("-"):
        return key
    return os.path.join(build_root, key)


def _env_key(key: str) -> tuple[str, ...]:
    """The variable an env://VAR key names, for cosign to read."""
    name = key[len("env://") :] if key.startswith("env://") else ""
    return (name,) if name.isidentifier() else ()


def _sign_argv(settings: SignSettings, cosign: str, layout: str, paths: list[str]) -> list[str]:
    """The signing flags for the pusher (the options are checked there, before the push)."""
    argv = ["--sign", settings.mode, "--cosign", cosign, "--key", settings.key]
    argv += ["--fulcio-url", settings.fulcio_url, "--rekor-url", settings.rekor_url]
    argv += [] if settings.transparency_log else ["--no-tlog"]
    provenance = layout + PROVENANCE_SUFFIX
    if provenance in paths:
        argv += ["--attest", f"{PROVENANCE_TYPE}={provenance}"]
    sboms = sorted(p for p in paths if p.startswith(layout + SBOMS_SUFFIX + "/"))
    argv += [arg for path in sboms for arg in ("--attest", f"{SBOM_TYPE}={path}")]
    return argv


def rules():
    return (*collect_rules(), *GoStaticImagePublishFieldSet.rules())

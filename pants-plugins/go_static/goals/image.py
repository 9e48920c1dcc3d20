"""`pants package` for go_static_image: an OCI image layout and tarball, with no daemon.

`pants check` runs the image's runtime check (core/review/runtime.py) without writing anything.
"""

from __future__ import annotations

import json
import logging
import posixpath
from dataclasses import dataclass

from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.addresses import Addresses, UnparsedAddressInputs
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Targets
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.mode.cpu_level import oci_variant
from go_static.core.mode.toolchains import GoSdk
from go_static.core.names import AUTO
from go_static.core.oci.annotations import (
    SOURCE,
    SOURCE_DATE_EPOCH,
    Provenance,
    created,
    created_problems,
    source_problems,
)
from go_static.core.oci.ca_roots import CA_ROOTS_ANNOTATION, CaRoots, certifi_ca_roots
from go_static.core.oci.image import Image, ImageConfig, build_image
from go_static.core.oci.layer import FileEntry, Layer, build_layer
from go_static.core.oci.layout import image_or_index, layout_files, tarball
from go_static.core.oci.passwd import passwd_layer, user_problems
from go_static.core.oci.reference import references_for
from go_static.core.oci.sign import SBOMS_SUFFIX
from go_static.core.provenance.image import image_statement
from go_static.core.provenance.statement import PROVENANCE_SUFFIX, statement_json
from go_static.core.review.runtime import (
    ImageFiles,
    RuntimeCheckError,
    RuntimeFinding,
    RuntimeNeeds,
    runtime_findings,
)
from go_static.rules.build import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.rules.plan import GoStaticBinaryFieldSet
from go_static.rules.provenance import Provenance as BinaryProvenance
from go_static.rules.provenance import ProvenanceRequest
from go_static.rules.runtime import BinaryRuntimeNeeds, RuntimeNeedsRequest
from go_static.rules.stamp import GitCheckout, GitCheckoutRequest
from go_static.subsystems.go_static import GoStaticSubsystem
from go_static.target_types.binary import GoStaticMainField
from go_static.target_types.image import (
    GoStaticImageAnnotationsField,
    GoStaticImageArgsField,
    GoStaticImageBinariesField,
    GoStaticImageCaRootsField,
    GoStaticImageEntrypointField,
    GoStaticImageEnvField,
    GoStaticImageLabelsField,
    GoStaticImageOutputPathField,
    GoStaticImageRepositoryField,
    GoStaticImageSourceField,
    GoStaticImageTagsField,
    GoStaticImageUserField,
)

APP_DIR, SBOM_DIR = "/app", "/sbom"
logger = logging.getLogger(__name__)


class GoStaticImageError(GoStaticError):
    """A go_static_image's binaries field names something it can't put into an image."""

    code = "image"


@dataclass(frozen=True)
class GoStaticImageFieldSet(PackageFieldSet):
    """A go_static_image as `package` sees it."""

    required_fields = (GoStaticImageBinariesField,)

    binaries: GoStaticImageBinariesField
    ca_roots: GoStaticImageCaRootsField
    entrypoint: GoStaticImageEntrypointField
    args: GoStaticImageArgsField
    user: GoStaticImageUserField
    env: GoStaticImageEnvField
    labels: GoStaticImageLabelsField
    annotations: GoStaticImageAnnotationsField
    source: GoStaticImageSourceField
    repository: GoStaticImageRepositoryField
    image_tags: GoStaticImageTagsField
    output_path: GoStaticImageOutputPathField


def _binary_problems(targets: Targets, platforms: list[str]) -> list[Problem]:
    problems = [
        Problem(
            f"binaries names {t.address}, which is a {t.alias}, not a go_static_binary.",
            "An image holds checked static binaries only.",
            "List go_static_binary targets (one per goarch) in binaries.",
        )
        for t in targets
        if not t.has_field(GoStaticMainField)
    ]
    twice = sorted({a for a in platforms if platforms.count(a) > 1})
    if twice:
        problems.append(
            Problem(
                f"binaries has more than one binary for goarch {', '.join(twice)}.",
                "An image index has one manifest per platform (goarch, and CPU level variant).",
                "Keep one binary per goarch (or per goamd64/goarm64 level), or make one "
                "go_static_image per program.",
            )
        )
    return problems


@dataclass(frozen=True)
class AppLayerRequest:
    """The layer of one checked binary: the binary at /app and its SBOM under /sbom."""

    binary: Digest
    report: Digest  # the report and the SBOM beside it
    subject: str


@dataclass(frozen=True)
class AppLayer:
    """One binary's layer, gzip'd once and memoized by the binary's digest, so changing only
    the image's config (labels, env, tags) doesn't compress the binary again."""

    layer: Layer


@rule(desc="Write a go_static binary's image layer", level=LogLevel.DEBUG)
async def app_layer(request: AppLayerRequest) -> AppLayer:
    binary, sboms = await MultiGet(
        Get(DigestContents, Digest, request.binary), Get(DigestContents, Digest, request.report)
    )
    name = posixpath.basename(binary[0].path)
    entries = [FileEntry(f"{APP_DIR}/{name}", binary[0].content, 0o755)]
    entries += [
        FileEntry(f"{SBOM_DIR}/{posixpath.basename(fc.path)}", fc.content, 0o644)
        for fc in sboms
        if fc.path.endswith(".cdx.json")
    ]
    return AppLayer(build_layer(entries, subject=request.subject))


async def image_binaries(
    field_set: GoStaticImageFieldSet, sdk: GoSdk
) -> tuple[list[GoStaticBinaryFieldSet], list[str]]:
    """The go_static_binary targets `binaries` names and their goarches, one per platform."""
    address = str(field_set.address)
    addresses = await Get(
        Addresses,
        UnparsedAddressInputs(
            field_set.binaries.value or (),
            owning_address=field_set.address,
            description_of_origin=f"the `binaries` field of {address}",
        ),
    )
    targets = await Get(Targets, Addresses, addresses)
    binaries = [GoStaticBinaryFieldSet.create(t) for t in targets if t.has_field(GoStaticMainField)]
    goarches = [b.goarch.value or sdk.goarch for b in binaries]
    # One arch at two CPU levels is two platforms (amd64 and amd64/v3), as ko builds them.
    platforms = [
        "/".join(filter(None, (a, oci_variant(a, b.goamd64.value or b.goarm64.value))))
        for a, b in zip(goarches, binaries)
    ]
    problems = _binary_problems(targets, platforms)
    if problems:
        raise GoStaticImageError(render_problems(address, problems))
    return binaries, goarches


async def _provenance(field_set: GoStaticImageFieldSet, stamp: bool) -> Provenance:
    """The standard annotations' values: the source field, stamping, SOURCE_DATE_EPOCH."""
    env = await Get(EnvironmentVars, EnvironmentVarsRequest((SOURCE_DATE_EPOCH,)))
    epoch = (env.get(SOURCE_DATE_EPOCH) or "").strip()
    source = field_set.source.value or ""
    given = (field_set.annotations.value or {}).get(SOURCE, "")
    problems = [
        *(source_problems(source, "source") if source else []),
        *(source_problems(given, f"annotations[{SOURCE!r}]") if given else []),
        *(created_problems(epoch) if epoch else []),
    ]
    if problems:
        raise GoStaticImageError(render_problems(str(field_set.address), problems))
    if not stamp:
        return Provenance(source=source, created=created(epoch, ""))
    # A checkout git can't describe leaves these out, as it leaves unstamped builds.
    checkout = await Get(GitCheckout, GitCheckoutRequest())
    return Provenance(
        source=source,
        revision=checkout.commit,
        version=checkout.describe,
        created=created(epoch, checkout.commit_time),
    )


@dataclass(frozen=True)
class BaseLayers:
    """The layers under every platform's binary: the CA roots and the passwd files, if any."""

    ca_roots: CaRoots | None
    passwd: Layer | None = None
    passwd_text: str = ""  # the /etc/passwd the passwd layer holds

    @property
    def layers(self) -> list[Layer]:
        # CA roots at the bottom: the same blob in every image, as a base image's would be.
        return [layer for layer in (self.ca_roots and self.ca_roots.layer, self.passwd) if layer]


def base_layers(field_set: GoStaticImageFieldSet) -> BaseLayers:
    """The base layers the fields ask for; a user that can't go into /etc/passwd fails."""
    user = field_set.user.value or ""
    problems = user_problems(user)
    if problems:
        raise GoStaticImageError(render_problems(str(field_set.address), problems))
    ca_roots = certifi_ca_roots() if field_set.ca_roots.value else None
    passwd = passwd_layer(user)
    return BaseLayers(ca_roots, *passwd) if passwd else BaseLayers(ca_roots)


def _platform_image(
    field_set: GoStaticImageFieldSet,
    output_path: str,
    app: AppLayer,
    goarch: str,
    base: BaseLayers,
    provenance: Provenance,
    variant: str = "",
) -> Image:
    """One platform's image: the app layer over the base layers, configured by the fields."""
    name = posixpath.basename(output_path)
    config = ImageConfig(
        architecture=goarch,
        entrypoint=tuple(field_set.entrypoint.value or (f"{APP_DIR}/{name}",)),
        cmd=tuple(field_set.args.value or ()),
        env=tuple(f"{k}={v}" for k, v in sorted((field_set.env.value or {}).items())),
        labels=dict(field_set.labels.value or {}),
        user=field_set.user.value or "",
        variant=variant,
    )
    sbom_names = [p for p in app.layer.paths if p.startswith(SBOM_DIR)]
    annotations = {**provenance.annotations(), **(field_set.annotations.value or {})}
    if sbom_names:
        annotations["dev.go-static.sbom"] = sbom_names[0]
    if base.ca_roots:
        annotations[CA_ROOTS_ANNOTATION] = base.ca_roots.source
    return build_image(config, [*base.layers, app.layer], annotations)


def runtime_check(
    field_set: GoStaticImageFieldSet,
    binaries: list[GoStaticBinaryFieldSet],
    needs: list[RuntimeNeeds],
    base: BaseLayers,
) -> list[RuntimeFinding]:
    """What each binary would miss at run time in the image (`package` and `check` share it)."""
    # Each platform's image is the base layers plus its own binary and SBOM, which the binary
    # doesn't read: the base layers' files are what it finds.
    files = ImageFiles(
        frozenset(path for layer in base.layers for path in layer.paths),
        passwd=base.passwd_text,
        user=field_set.user.value or "",
        env=frozenset(field_set.env.value or {}),
    )
    findings = []
    for binary, binary_needs in zip(binaries, needs):
        findings += runtime_findings(
            str(binary.address), binary_needs, files, binary.tzdata.value or AUTO
        )
    return findings


def raise_or_warn(address: str, findings: list[RuntimeFinding]) -> None:
    """Log each warning; raise RuntimeCheckError with every blocking finding, if any."""
    for finding in findings:
        if not finding.blocking:
            logger.warning(f"{address} ({finding.code}): " + finding.problem.render())
    blocking = [f for f in findings if f.blocking]
    if blocking:
        raise RuntimeCheckError(address, blocking)


async def _attestable(
    field_set: GoStaticImageFieldSet,
    repository: str,
    index_digest: str,
    binaries: list[GoStaticBinaryFieldSet],
    goarches: list[str],
    built: tuple[GoStaticCheckedBuild, ...],
    subsystem: GoStaticSubsystem,
    out: str,
) -> list[FileContent]:
    """What `pants publish` attests, beside the layout: the image's SLSA provenance
    (`<out>.intoto.json`) and each platform's SBOM (`<out>.sbom/`, the bytes in its layer)."""
    address = str(field_set.address)
    binary_provenance = await MultiGet(
        Get(BinaryProvenance, ProvenanceRequest(b, r)) for b, r in zip(binaries, built)
    )
    statement = image_statement(
        repository=repository,
        index_digest=index_digest,
        external_parameters={
            "target": address,
            "binaries": [str(b.address) for b in binaries],
            "repository": repository,
            "tags": list(field_set.image_tags.value or ()),
        },
        binaries=[(a, json.loads(p.content)) for a, p in zip(goarches, binary_provenance)],
        builder_id=subsystem.provenance_builder_id,
    )
    # Beside the layout for `pants publish` to attest: the image's provenance, and each
    # platform's SBOM (the same bytes as in its layer).
    sboms = [
        FileContent(
            f"{out}{SBOMS_SUFFIX}/{posixpath.basename(r.check.sbom.path)}", r.check.sbom.content
        )
        for r in built
        if r.check.sbom is not None
    ]
    return [FileContent(f"{out}{PROVENANCE_SUFFIX}", statement_json(statement).encode()), *sboms]


async def _checked_binaries(
    field_set: GoStaticImageFieldSet, binaries: list[GoStaticBinaryFieldSet], base: BaseLayers
) -> tuple[tuple[GoStaticCheckedBuild, ...], tuple[AppLayer, ...]]:
    """The image's binaries, built, each past its post-link check and the image's runtime check."""
    address = str(field_set.address)
    built = await MultiGet(
        Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(b)) for b in binaries
    )
    for result in built:
        # A binary that fails its check never reaches an image.
        result.check.raise_on_failure()
    app_layers = await MultiGet(
        Get(AppLayer, AppLayerRequest(r.build.digest, r.check.report, address)) for r in built
    )
    needs = await MultiGet(
        # The tags are the build's, which the post-link check confirmed from build info.
        Get(BinaryRuntimeNeeds, RuntimeNeedsRequest(r.build.digest, r.mode.tags))
        for r in built
    )
    raise_or_warn(address, runtime_check(field_set, binaries, [n.needs for n in needs], base))
    return built, app_layers


@rule(desc="Package go_static_image", level=LogLevel.DEBUG)
async def package_go_static_image(
    field_set: GoStaticImageFieldSet, sdk: GoSdk, subsystem: GoStaticSubsystem
) -> BuiltPackage:
    address = str(field_set.address)
    repository = field_set.repository.name_for(field_set.address)
    # Bad names and tags fail before anything is built.
    references = references_for(
        [repository], list(field_set.image_tags.value or ()), subject=address
    )
    base = base_layers(field_set)
    provenance = await _provenance(field_set, subsystem.stamp)
    binaries, goarches = await image_binaries(field_set, sdk)
    built, app_layers = await _checked_binaries(field_set, binaries, base)
    images = [
        _platform_image(
            field_set,
            result.build.output_path,
            app,
            goarch,
            base,
            provenance,
            oci_variant(goarch, b.goamd64.value or b.goarm64.value) or "",
        )
        for result, app, goarch, b in zip(built, app_layers, goarches, binaries)
    ]
    top = image_or_index(
        images, {**provenance.annotations(), **(field_set.annotations.value or {})}
    )
    files = layout_files(top, references=references)
    host = next((i for i, a in zip(images, goarches) if a == sdk.goarch), images[0])
    archive = tarball(files, docker_image=host, references=references)
    out = field_set.output_path.value_or_default(file_ending="oci")
    extras = await _attestable(
        field_set, repository, top.descriptor.digest, binaries, goarches, built, subsystem, out
    )
    digest = await Get(
        Digest,
        CreateDigest(
            [
                *(FileContent(f"{out}/{path}", data) for path, data in sorted(files.items())),
                FileContent(f"{out}.tar", archive),
                *extras,
            ]
        ),
    )
    digest_line = f"  {top.descriptor.digest} ({len(images)} platform(s)); tarball: {out}.tar"
    return BuiltPackage(digest, (BuiltPackageArtifact(out, extra_log_lines=(digest_line,)),))


# `pants check` for go_static_image: the same runtime check, without writing anything, so CI's
# `pants check ::` finds an image whose binary would miss its CA roots or time zones.


class GoStaticImageCheckRequest(CheckRequest):
    field_set_type = GoStaticImageFieldSet
    tool_name = "go-static-image"


@dataclass(frozen=True)
class ImageCheckOutcomeRequest:
    """Run the runtime check of one image, keeping its failure as data."""

    field_set: GoStaticImageFieldSet


@dataclass(frozen=True)
class ImageCheckOutcome:
    """One image's check: the line for a pass, or every problem (empty `failure` for a pass)."""

    passed_line: str
    failure: str


@rule(desc="Check one go_static_image", level=LogLevel.DEBUG)
async def image_check_outcome(request: ImageCheckOutcomeRequest, sdk: GoSdk) -> ImageCheckOutcome:
    field_set = request.field_set
    address = str(field_set.address)
    try:
        base = base_layers(field_set)
        binaries, _ = await image_binaries(field_set, sdk)
        built = await MultiGet(
            Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(b)) for b in binaries
        )
    except GoStaticError as e:
        return ImageCheckOutcome("", str(e))
    # A binary that fails its own check is reported by go-static's check; its needs still count.
    needs = await MultiGet(
        Get(BinaryRuntimeNeeds, RuntimeNeedsRequest(r.build.digest, r.mode.tags)) for r in built
    )
    findings = runtime_check(field_set, binaries, [n.needs for n in needs], base)
    blocking = [f.problem for f in findings if f.blocking]
    if blocking:
        codes = ", ".join(dict.fromkeys(f.code for f in findings if f.blocking))
        return ImageCheckOutcome("", f"[{codes}] " + render_problems(address, blocking))
    warnings = [f.problem.render(f"{address} ({f.code})") for f in findings]
    return ImageCheckOutcome("\n".join([f"✓ {address}: runtime check passed", *warnings]), "")


@rule(desc="Check go_static_image targets", level=LogLevel.DEBUG)
async def check_go_static_images(request: GoStaticImageCheckRequest) -> CheckResults:
    outcomes = await MultiGet(
        Get(ImageCheckOutcome, ImageCheckOutcomeRequest(fs)) for fs in request.field_sets
    )
    passed = [o.passed_line for o in outcomes if not o.failure]
    failed = [o.failure for o in outcomes if o.failure]
    result = CheckResult(
        exit_code=1 if failed else 0,
        stdout="\n".join(passed) + "\n" if passed else "",
        stderr="\n\n".join(failed) + "\n" if failed else "",
    )
    return CheckResults([result], checker_name="go-static-image")


def rules():
    return (
        *collect_rules(),
        UnionRule(PackageFieldSet, GoStaticImageFieldSet),
        UnionRule(CheckRequest, GoStaticImageCheckRequest),
    )

"""`pants package` for go_static_image: an OCI image layout and tarball, with no daemon."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.addresses import Addresses, UnparsedAddressInputs
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Targets
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.mode.toolchains import GoSdk
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
from go_static.core.oci.reference import references_for
from go_static.core.oci.sign import SBOMS_SUFFIX
from go_static.core.provenance.image import image_statement
from go_static.core.provenance.statement import PROVENANCE_SUFFIX, statement_json
from go_static.rules.build import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.rules.plan import GoStaticBinaryFieldSet
from go_static.rules.provenance import Provenance as BinaryProvenance
from go_static.rules.provenance import ProvenanceRequest
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


def _binary_problems(targets: Targets, goarches: list[str]) -> list[Problem]:
    problems = [
        Problem(
            f"binaries names {t.address}, which is a {t.alias}, not a go_static_binary.",
            "An image holds checked static binaries only.",
            "List go_static_binary targets (one per goarch) in binaries.",
        )
        for t in targets
        if not t.has_field(GoStaticMainField)
    ]
    twice = sorted({a for a in goarches if goarches.count(a) > 1})
    if twice:
        problems.append(
            Problem(
                f"binaries has more than one binary for goarch {', '.join(twice)}.",
                "An image index has one manifest per platform.",
                "Keep one binary per goarch, or make one go_static_image per program.",
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


async def _binaries(
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
    problems = _binary_problems(targets, goarches)
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


def _platform_image(
    field_set: GoStaticImageFieldSet,
    output_path: str,
    app: AppLayer,
    goarch: str,
    ca_roots: CaRoots | None,
    provenance: Provenance,
) -> Image:
    """One platform's image: the app layer over the CA roots, configured by the fields."""
    name = posixpath.basename(output_path)
    config = ImageConfig(
        architecture=goarch,
        entrypoint=tuple(field_set.entrypoint.value or (f"{APP_DIR}/{name}",)),
        cmd=tuple(field_set.args.value or ()),
        env=tuple(f"{k}={v}" for k, v in sorted((field_set.env.value or {}).items())),
        labels=dict(field_set.labels.value or {}),
        user=field_set.user.value or "",
    )
    sbom_names = [p for p in app.layer.paths if p.startswith(SBOM_DIR)]
    annotations = {**provenance.annotations(), **(field_set.annotations.value or {})}
    if sbom_names:
        annotations["dev.go-static.sbom"] = sbom_names[0]
    layers = [app.layer]
    if ca_roots:
        # Bottom layer: the same blob in every image, as a base image's would be.
        layers.insert(0, ca_roots.layer)
        annotations[CA_ROOTS_ANNOTATION] = ca_roots.source
    return build_image(config, layers, annotations)


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
    provenance = await _provenance(field_set, subsystem.stamp)
    binaries, goarches = await _binaries(field_set, sdk)
    built = await MultiGet(
        Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(b)) for b in binaries
    )
    for result in built:
        # A binary that fails its check never reaches an image.
        result.check.raise_on_failure()
    app_layers = await MultiGet(
        Get(AppLayer, AppLayerRequest(r.build.digest, r.check.report, address)) for r in built
    )
    ca_roots = certifi_ca_roots() if field_set.ca_roots.value else None
    images = [
        _platform_image(field_set, result.build.output_path, app, goarch, ca_roots, provenance)
        for result, app, goarch in zip(built, app_layers, goarches)
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


def rules():
    return (*collect_rules(), UnionRule(PackageFieldSet, GoStaticImageFieldSet))

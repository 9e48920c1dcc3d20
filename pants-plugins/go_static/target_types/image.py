"""The `go_static_image` target: an OCI image FROM scratch holding checked go_static binaries."""

from __future__ import annotations

from pants.core.goals.package import OutputPathField
from pants.engine.addresses import Address
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    BoolField,
    DictStringToStringField,
    StringField,
    StringSequenceField,
    Target,
)
from pants.util.strutil import help_text

NONROOT = "65532:65532"


class GoStaticImageBinariesField(StringSequenceField):
    alias = "binaries"
    required = True
    help = help_text(
        """
        The go_static_binary targets the image holds: one per goarch, e.g.
        `[":server@goarch=amd64", ":server@goarch=arm64"]`.

        One binary gives a single-platform image; several give an image index with one manifest
        per platform, so `docker pull` picks the host's. Each binary must pass its post-link
        check first, and its SBOM goes into the image beside it.

        A binary's `goamd64`/`goarm64` level is its platform's OCI variant (`linux/amd64/v3`,
        `linux/arm64/v8.2`), so one arch at two levels is two platforms of one index.
        """
    )


class GoStaticImageCaRootsField(BoolField):
    alias = "ca_roots"
    default = True
    help = help_text(
        """
        Put Mozilla's CA roots at /etc/ssl/certs/ca-certificates.crt, so TLS clients work in a
        scratch image.

        The roots come from the certifi release pinned beside Pants, in a layer of their own that
        every image shares (as ko's and distroless' base layer). Set `False` for an image that
        holds only the binary and its SBOM, e.g. when the program embeds its roots with
        `golang.org/x/crypto/x509roots/fallback` or makes no TLS connections.
        """
    )


class GoStaticImageEntrypointField(StringSequenceField):
    alias = "entrypoint"
    help = help_text(
        """
        The image's entrypoint. Default: the binary, `/app/<binary file name>` (as ko's
        `/ko-app/<name>`).
        """
    )


class GoStaticImageArgsField(StringSequenceField):
    alias = "args"
    default = ()
    help = "Arguments after the entrypoint (the image config's `Cmd`)."


class GoStaticImageUserField(StringField):
    alias = "user"
    default = NONROOT
    help = help_text(
        """
        The user the container runs as. Default `65532:65532`, the nonroot user of ko and
        distroless.

        Numeric ids (`uid` or `uid:gid`) need no file. A name (`app`, `app:staff`, `1000:web`)
        puts /etc/passwd and /etc/group, holding root and that user (id 65532 for a name), in a
        layer of their own, so the container runtime and Go's os/user find it. Anything else is
        refused before anything is built.
        """
    )


class GoStaticImageEnvField(DictStringToStringField):
    alias = "env"
    help = 'Environment variables set in the image config, e.g. `{"GODEBUG": "http2client=0"}`.'


class GoStaticImageLabelsField(DictStringToStringField):
    alias = "labels"
    help = "Labels in the image config."


class GoStaticImageAnnotationsField(DictStringToStringField):
    alias = "annotations"
    help = help_text(
        """
        OCI annotations on the manifests and index, e.g.
        `{"org.opencontainers.image.source": "https://example.com/repo"}`.
        """
    )


class GoStaticImageSourceField(StringField):
    alias = "source"
    help = help_text(
        """
        The https URL of the repository the image is built from, e.g.
        `https://github.com/org/repo`: the `org.opencontainers.image.source` annotation.

        Set on the index and every manifest, next to `.revision`, `.version` and `.created`
        when stamping gives them (see docs/images.md). Checked before anything is built: an
        https URL with a host, and no user name or token (annotations are public).
        """
    )


class GoStaticImageRepositoryField(StringField):
    alias = "repository"
    help = help_text(
        """
        The image's name, e.g. `registry.example.com/team/server`. Default: the target's name.

        Checked against the OCI reference grammar before anything is built. `pants publish`
        pushes to the registry it names (HTTPS, or plain HTTP for a loopback address such as
        `localhost:5000`), and refuses a name without a registry rather than guess Docker Hub.
        """
    )

    def name_for(self, address: Address) -> str:
        """The image's name: the field's value, or the target's name when unset."""
        return self.value or address.target_name


class GoStaticImageTagsField(StringSequenceField):
    alias = "image_tags"
    default = ("latest",)
    help = "The tags the image layout and tarball carry for `repository`."


class GoStaticImageSkipPushField(BoolField):
    alias = "skip_push"
    default = False
    help = help_text(
        """
        Leave this image out of `pants publish`.

        For images that are only packaged, e.g. loaded into a local daemon with `docker load`.
        `pants publish` lists it as skipped.
        """
    )


class GoStaticImageOutputPathField(OutputPathField):
    help = help_text(
        """
        Where under dist/ the OCI image layout (a directory) is written; the tarball is beside
        it, with `.tar` appended. Default: `<dir.dotted>/<name>.oci`.
        """
    )


class GoStaticImageTarget(Target):
    alias = "go_static_image"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        GoStaticImageBinariesField,
        GoStaticImageCaRootsField,
        GoStaticImageEntrypointField,
        GoStaticImageArgsField,
        GoStaticImageUserField,
        GoStaticImageEnvField,
        GoStaticImageLabelsField,
        GoStaticImageAnnotationsField,
        GoStaticImageSourceField,
        GoStaticImageRepositoryField,
        GoStaticImageTagsField,
        GoStaticImageSkipPushField,
        GoStaticImageOutputPathField,
    )
    help = help_text(
        """
        A reproducible OCI image FROM scratch, written with no Docker daemon and no Dockerfile:
        checked go_static binaries, one per platform, their SBOMs and CA roots.

        `pants package` writes an OCI image layout and a tarball that `docker load`, `podman load`
        and `skopeo` accept; `pants publish` pushes it to the registry named in `repository`.
        Layers have fixed order, times, owners and modes, so the same commit gives the same
        image digest on any machine.
        """
    )

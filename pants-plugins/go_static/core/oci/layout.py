"""The files an image is delivered as: an OCI image layout, and one tarball that every loader reads.

Pants-free, stdlib only. Both come back as `{relative path: bytes}` or bytes, for the caller to
write (or turn into a Pants digest); nothing here touches the disk or a daemon.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence, Union

from go_static.core.oci.descriptor import Blob, canonical_json
from go_static.core.oci.image import INDEX_MEDIA_TYPE, Image, Index, build_index
from go_static.core.oci.layer import FileEntry, checked_entries, deterministic_tar
from go_static.core.oci.reference import ImageReference

LAYOUT_MARKER = {"imageLayoutVersion": "1.0.0"}
# skopeo (`oci:DIR:TAG`) and the OCI spec find an image by its tag in this annotation...
REF_NAME = "org.opencontainers.image.ref.name"
# ...and containerd, so `docker load` with the containerd store, by its full name in this one.
CONTAINERD_NAME = "io.containerd.image.name"
DOCKER_MANIFEST = "manifest.json"

Top = Union[Image, Index]


def image_or_index(images: Sequence[Image], annotations: Mapping[str, str] | None = None) -> Top:
    """What a layout's index.json points at: the image itself, or an index of several.

    One platform gets no index: its digest is then its manifest's, as with ko or `docker build`,
    and every tool reads a plain manifest. Several platforms need the nested image index: the
    layout's index.json has one entry per tag, and a tag must name all the platforms at once.
    """
    if not images:
        raise ValueError("an image layout needs at least one image")
    return images[0] if len(images) == 1 else build_index(images, annotations)


def blob_path(blob: Blob) -> str:
    return f"blobs/sha256/{blob.hex}"


def layout_files(top: Top, *, references: Sequence[ImageReference] = ()) -> dict[str, bytes]:
    """The OCI image layout of `top`: oci-layout, index.json (one entry per reference) and every
    blob, once. Sorted by path."""
    files = {
        "oci-layout": canonical_json(LAYOUT_MARKER),
        "index.json": canonical_json(layout_index(top, references)),
        **{blob_path(blob): blob.data for blob in top.blobs()},
    }
    return dict(sorted(files.items()))


def layout_index(top: Top, references: Sequence[ImageReference]) -> dict[str, Any]:
    """index.json: the top descriptor once per reference, each annotated with its tag and name."""
    names = sorted({(ref.tag, ref.fully_qualified) for ref in references})
    descriptors = [
        top.annotated({REF_NAME: tag, CONTAINERD_NAME: name}) for tag, name in names
    ] or [top.descriptor]
    return {
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": [descriptor.to_json() for descriptor in descriptors],
    }


def tarball(
    files: Mapping[str, bytes],
    *,
    docker_image: Image | None = None,
    references: Sequence[ImageReference] = (),
) -> bytes:
    """A deterministic tar of the layout, plus Docker's manifest.json for `docker_image`.

    That is what `docker save` writes since Docker 25: loaders that know OCI layouts read
    index.json (all platforms), `docker load` on a classic store reads manifest.json. The classic
    store holds one platform per tag, so manifest.json lists the one image the caller picks
    (e.g. the host's), tagged with every reference.
    """
    contents = dict(files)
    if docker_image is not None:
        manifest = docker_manifest(docker_image, references, files)
        contents[DOCKER_MANIFEST] = canonical_json([manifest])
    entries = [FileEntry(f"/{path}", data, 0o644) for path, data in contents.items()]
    return deterministic_tar(checked_entries(entries))


def docker_manifest(
    image: Image, references: Sequence[ImageReference], files: Mapping[str, bytes]
) -> dict[str, Any]:
    """The one entry of a Docker archive's manifest.json, pointing at the layout's blobs."""
    missing = [blob.digest for blob in image.blobs() if blob_path(blob) not in files]
    if missing:
        raise ValueError(f"the layout lacks blobs of the docker image: {missing}")
    return {
        "Config": blob_path(image.config),
        "RepoTags": sorted({str(ref) for ref in references}),
        "Layers": [blob_path(layer.blob) for layer in image.layers],
    }

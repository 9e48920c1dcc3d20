"""The CA roots layer: certifi's bundle, at the path Go reads first, in fixed bytes."""

from __future__ import annotations

import gzip
import importlib.metadata
import io
import tarfile
from pathlib import Path

import certifi

from go_static.core.oci.ca_roots import CA_BUNDLE_PATH, certifi_ca_roots


def test_the_layer_holds_certifis_bundle_read_only_at_gos_first_path() -> None:
    roots = certifi_ca_roots()
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(roots.layer.blob.data))) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert list(members) == ["etc", "etc/ssl", "etc/ssl/certs", CA_BUNDLE_PATH[1:]]
        bundle = members[CA_BUNDLE_PATH[1:]]
        assert (bundle.mode, bundle.uid, bundle.gid, bundle.mtime) == (0o444, 0, 0, 0)
        assert tar.extractfile(bundle).read() == Path(certifi.where()).read_bytes()
    assert roots.source == f"certifi {importlib.metadata.version('certifi')}"

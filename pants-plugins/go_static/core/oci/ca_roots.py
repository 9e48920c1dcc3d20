"""The CA roots layer: Mozilla's root certificates from the pinned certifi, where Go looks first.

Pants-free. A scratch image has no /etc/ssl, so a Go program that dials TLS fails with
"x509: certificate signed by unknown authority" unless the roots are built in or put in the
image. ko and distroless put them in a base layer; this is that layer. It is its own layer, and
its bytes depend only on certifi's version, so every image of a repo shares one blob and a
registry stores and serves it once.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from dataclasses import dataclass
from functools import lru_cache

from go_static.core.oci.layer import FileEntry, Layer, build_layer

# The first file crypto/x509 reads on Linux (root_linux.go), and the one Debian and distroless
# ship, so OpenSSL-based tools in a derived image find it too.
CA_BUNDLE_PATH = "/etc/ssl/certs/ca-certificates.crt"
CA_ROOTS_ANNOTATION = "dev.go-static.ca-roots"


@dataclass(frozen=True)
class CaRoots:
    """The CA bundle layer, and where its certificates came from (e.g. `certifi 2026.10.19`)."""

    layer: Layer
    source: str


@lru_cache(maxsize=1)
def certifi_ca_roots() -> CaRoots:
    """The layer holding certifi's cacert.pem at CA_BUNDLE_PATH, read-only for everyone."""
    pem = importlib.resources.files("certifi").joinpath("cacert.pem").read_bytes()
    layer = build_layer([FileEntry(CA_BUNDLE_PATH, pem, 0o444)], subject="certifi")
    return CaRoots(layer, f"certifi {importlib.metadata.version('certifi')}")

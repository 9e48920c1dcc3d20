"""sigstore's cosign, which signs and attests published images. Pants-free.

Built from the Go module proxy with the plugin's Go SDK like crane (go_static.core.gotool), from
cosign's own main package. The plugin ships no go.sum for it: its few hundred modules are each
checked against the checksum database, exactly as `go install ...cosign@version` would.
"""

from __future__ import annotations

from go_static.core.gotool import GoTool

# The newest cosign v3 on the module proxy: the default of `[go-static-cosign].version`.
DEFAULT_COSIGN_VERSION = "v3.1.3"
COSIGN_MODULE = "github.com/sigstore/cosign/v3"
BINARY = "cosign"


def cosign_tool(version: str = DEFAULT_COSIGN_VERSION) -> GoTool:
    """cosign's own command at `version`, reporting that version in `cosign version`."""
    return GoTool(
        binary=BINARY,
        module=COSIGN_MODULE,
        package=f"{COSIGN_MODULE}/cmd/cosign",
        version=version,
        default_version=DEFAULT_COSIGN_VERSION,
        option="[go-static-cosign].version",
        purpose="`pants publish` signs and attests go_static_image with cosign",
        # cosign reads its version from release-utils, as its own release builds set it.
        version_symbol="sigs.k8s.io/release-utils/version.gitVersion",
    )

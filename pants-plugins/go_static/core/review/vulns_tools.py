"""The vulnerability scan's pinned Go tools: govulncheck, and x/vulndb's own index generator.
Pants-free.

Both are built like crane (go_static.core.gotool): from the Go module proxy with the plugin's Go
SDK. The DB is a snapshot of golang.org/x/vulndb (a module version, so the proxy and the checksum
database vouch for it): its `data/osv` entries, indexed by vulndb's `cmd/indexdb` at that same
version into the layout `govulncheck -db file://` reads.
"""

from __future__ import annotations

import re

from go_static.core.gotool import GoTool

# golang.org/x/vuln's newest tag on proxy.golang.org: [go-static-govulncheck].version's default.
DEFAULT_GOVULNCHECK_VERSION = "v1.10.0"
VULN_MODULE = "golang.org/x/vuln"
# The snapshot of the DB: the default of [go-static].vulndb.
DEFAULT_VULNDB_VERSION = "v0.0.0-20261105234957-e22db6528018"
VULNDB_MODULE = "golang.org/x/vulndb"
# Where a snapshot's OSV entries sit inside its module.
VULNDB_OSV_DIR = "data/osv"
# A pseudo-version (what x/vulndb publishes: it has no tags): the time it names is the DB's age.
PSEUDO_VERSION_RE = re.compile(r"v0\.0\.0-(\d{14})-([0-9a-f]{12})")


def govulncheck_tool(version: str = DEFAULT_GOVULNCHECK_VERSION) -> GoTool:
    """govulncheck at `version`, its own main package."""
    return GoTool(
        binary="govulncheck",
        module=VULN_MODULE,
        package=f"{VULN_MODULE}/cmd/govulncheck",
        version=version,
        default_version=DEFAULT_GOVULNCHECK_VERSION,
        option="[go-static-govulncheck].version",
        purpose="`pants check` scans every go_static_binary with govulncheck",
    )


def indexdb_tool(vulndb_version: str = DEFAULT_VULNDB_VERSION) -> GoTool:
    """x/vulndb's `indexdb` at the snapshot's own version, so the index matches its entries."""
    return GoTool(
        binary="vulndb-indexdb",
        module=VULNDB_MODULE,
        package=f"{VULNDB_MODULE}/cmd/indexdb",
        version=vulndb_version,
        default_version=DEFAULT_VULNDB_VERSION,
        option="[go-static].vulndb",
        purpose="the vulnerability DB is indexed by golang.org/x/vulndb's cmd/indexdb",
    )

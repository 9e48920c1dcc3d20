"""Rules: the vulnerability gate. govulncheck (binary mode) on each built go_static_binary,
against a pinned, offline DB (go_static.core.review.vulns), for `pants check` and the report.

Three cached processes: the DB (a golang.org/x/vulndb snapshot downloaded through the plugin's
module download step and indexed by x/vulndb's own `cmd/indexdb`, keyed by the snapshot's
version), the tools' builds (go_static.rules.go_tools), and the scan itself, keyed by the
binary's digest, the DB's digest and govulncheck's version. The scan has no network.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from pants.engine.fs import (
    EMPTY_DIGEST,
    Digest,
    DigestSubset,
    MergeDigests,
    PathGlobs,
    RemovePrefix,
)
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.errors import Problem
from go_static.core.gograph.modcache import ModuleVersion
from go_static.core.review.vulns import (
    Finding,
    VulnConfigError,
    VulnScanError,
    VulnSettings,
    parse_govulncheck,
    vuln_settings,
)
from go_static.core.review.vulns_tools import (
    VULNDB_MODULE,
    VULNDB_OSV_DIR,
    govulncheck_tool,
    indexdb_tool,
)
from go_static.rules.go_tools import BuiltGoTool, GoToolRequest, pinned_request
from go_static.rules.modcache import ModuleSource, ModuleSourceRequest
from go_static.subsystems.go_static import GoStaticSubsystem
from go_static.subsystems.govulncheck import GovulncheckSubsystem

_DB_DIR = "go-static-vulndb"
# govulncheck reads only file:// here; a proxy that answers nothing turns any other attempt to
# reach the network into an error instead of a silent download.
_OFFLINE_ENV = {
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "GOPROXY": "off",
    "GOTOOLCHAIN": "local",
}
_STDERR_TAIL = 2000


@dataclass(frozen=True)
class VulnDb:
    """The DB in govulncheck's layout (`digest`, mounted at `path` in a scan), and its name."""

    digest: Digest
    path: str
    label: str


@dataclass(frozen=True)
class Govulncheck(BuiltGoTool):
    """The govulncheck binary, at `path` inside `digest`."""


@dataclass(frozen=True)
class VulnScanRequest:
    """Scan the binary at `path` inside `binary` (its digest holds exactly it)."""

    address: str
    binary: Digest
    path: str


@dataclass(frozen=True)
class VulnScan:
    """The symbol-level findings in one binary, and the DB they were found with."""

    findings: tuple[Finding, ...]
    db: str


@dataclass(frozen=True)
class Today:
    """The UTC date of this run, against which exceptions expire."""

    date: datetime.date


@rule(desc="Read today's date", level=LogLevel.DEBUG)
async def today() -> Today:
    # A process, per session: a rule's result outlives the day in a long-running pantsd.
    result = await Get(
        FallibleProcessResult,
        Process(
            ("/bin/date", "-u", "+%Y-%m-%d"),
            description="Read today's date",
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    try:
        return Today(datetime.date.fromisoformat(result.stdout.decode().strip()))
    except ValueError:
        return Today(datetime.datetime.now(datetime.timezone.utc).date())


@rule(desc="Read the vulnerability gate's settings")
async def go_static_vuln_settings(subsystem: GoStaticSubsystem) -> VulnSettings:
    return vuln_settings(
        subsystem.vulnerabilities, subsystem.vulnerability_exceptions, subsystem.vulndb
    )


@rule(desc="Build govulncheck from the Go module proxy", level=LogLevel.DEBUG)
async def build_govulncheck(subsystem: GovulncheckSubsystem) -> Govulncheck:
    request = pinned_request(
        govulncheck_tool,
        subsystem.version,
        "[go-static-govulncheck].version",
        "`pants check` scans each binary with govulncheck",
    )
    built = await Get(BuiltGoTool, GoToolRequest, request)
    return Govulncheck(built.digest, built.path, built.version)


def _scan_failure(what: str, result: FallibleProcessResult, fix: str) -> VulnScanError:
    stderr = result.stderr.decode(errors="replace").strip()[-_STDERR_TAIL:]
    problem = Problem(
        f"{what} failed (exit {result.exit_code}):\n{stderr}",
        "Without it no binary can be checked for known vulnerabilities, and none is "
        "reported clean unchecked.",
        fix,
    )
    return VulnScanError(problem.render())


async def _snapshot_db(settings: VulnSettings) -> VulnDb:
    version = ModuleVersion(VULNDB_MODULE, settings.vulndb)
    # No go.sum lines: the snapshot is checked against the checksum database.
    source, indexdb = await MultiGet(
        Get(ModuleSource, ModuleSourceRequest(version, ())),
        Get(BuiltGoTool, GoToolRequest(indexdb_tool(settings.vulndb))),
    )
    osv = await Get(
        Digest,
        DigestSubset(source.digest, PathGlobs([f"{version.source_dir}/{VULNDB_OSV_DIR}/*.json"])),
    )
    osv = await Get(Digest, RemovePrefix(osv, version.source_dir))
    result = await Get(
        FallibleProcessResult,
        Process(
            (indexdb.path, "-vulns", VULNDB_OSV_DIR, "-out", _DB_DIR),
            description=f"Index the vulnerability DB {settings.db_label}",
            input_digest=await Get(Digest, MergeDigests([osv, indexdb.digest])),
            output_directories=(_DB_DIR,),
            env=_OFFLINE_ENV,
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        raise _scan_failure(
            f"Indexing {settings.db_label}",
            result,
            "Check that [go-static].vulndb names a golang.org/x/vulndb version that has "
            f"{VULNDB_OSV_DIR}.",
        )
    # govulncheck reads the plain JSON; the .gz copies are for serving the DB over HTTP.
    db = await Get(
        Digest, DigestSubset(result.output_digest, PathGlobs([f"{_DB_DIR}/**", "!**/*.gz"]))
    )
    return VulnDb(await Get(Digest, RemovePrefix(db, _DB_DIR)), _DB_DIR, settings.db_label)


async def _local_db(settings: VulnSettings) -> VulnDb:
    path = settings.vulndb.removeprefix("file://")
    # Read afresh each run (the directory may be re-synced); the digest, not the path, keys scans.
    result = await Get(
        FallibleProcessResult,
        Process(
            ("/bin/cp", "-RL", "--", f"{path}/.", _DB_DIR),
            description=f"Copy the vulnerability DB {settings.vulndb}",
            output_directories=(_DB_DIR,),
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    listing = await Get(
        Digest, DigestSubset(result.output_digest, PathGlobs([f"{_DB_DIR}/index/db.json"]))
    )
    if result.exit_code != 0 or listing == EMPTY_DIGEST:
        raise VulnConfigError(
            Problem(
                f"[go-static].vulndb = {settings.vulndb} is not a readable directory with "
                "index/db.json.",
                "govulncheck reads a DB in the layout `-db file://` expects: index/db.json, "
                "index/modules.json, index/vulns.json and ID/<id>.json.",
                "Point it at such a directory, or at a golang.org/x/vulndb version.",
            ).render()
        )
    db = await Get(Digest, RemovePrefix(result.output_digest, _DB_DIR))
    return VulnDb(db, _DB_DIR, settings.db_label)


@rule(desc="Prepare the vulnerability DB", level=LogLevel.DEBUG)
async def go_static_vulndb(settings: VulnSettings) -> VulnDb:
    return await (_snapshot_db(settings) if settings.is_snapshot else _local_db(settings))


@rule(desc="Scan a go_static_binary for known vulnerabilities", level=LogLevel.DEBUG)
async def scan_binary(request: VulnScanRequest) -> VulnScan:
    db, scanner = await MultiGet(Get(VulnDb), Get(Govulncheck))
    inputs = await Get(Digest, MergeDigests([request.binary, scanner.digest]))
    result = await Get(
        FallibleProcessResult,
        Process(
            (
                "/bin/sh",
                "-c",
                # -db wants an absolute URL, which exists only inside the sandbox.
                'exec "./$1" -mode=binary -db "file://$(pwd -P)/$2" -format json "./$3"',
                "govulncheck",
                scanner.path,
                db.path,
                request.path,
            ),
            description=f"Scan {request.address} with govulncheck {scanner.version}",
            input_digest=inputs,
            # Materialized once, not per scan: the DB is thousands of files.
            immutable_input_digests=FrozenDict({db.path: db.digest}),
            env={**_OFFLINE_ENV, "HOME": "/nonexistent"},
            level=LogLevel.DEBUG,
        ),
    )
    fix = (
        "Check that the binary is a Go binary, and that [go-static-govulncheck].version and "
        "[go-static].vulndb match."
    )
    if result.exit_code != 0:
        raise _scan_failure(f"govulncheck on {request.address}", result, fix)
    try:
        findings = parse_govulncheck(result.stdout.decode(errors="replace"))
    except VulnScanError as e:
        raise VulnScanError(
            Problem(f"govulncheck's output for {request.address}: {e}.", "", fix).render()
        ) from None
    return VulnScan(findings, db.label)


def rules():
    return (*collect_rules(), *GovulncheckSubsystem.rules())

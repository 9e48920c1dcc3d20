"""Rules: the SLSA provenance of one checked binary, `<output_path>.intoto.json`.

Everything in it is already known by the time the binary passed its check: the mode and its
decisions (the plan), the build info, the SBOM's C components and the verdict (the check), the
toolchains' identities (the toolchain rules). This rule gathers them for
`go_static.core.provenance`, which writes the document.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.platform import Platform
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.version import VERSION as PANTS_VERSION

from go_static.core.mode.toolchains import CCompiler, GoSdk
from go_static.core.names import ZIG
from go_static.core.provenance.statement import (
    PROVENANCE_SUFFIX,
    RunDetails,
    Toolchain,
    Verdict,
    invocation_id,
    statement,
    statement_json,
)
from go_static.rules.build import GoStaticCheckedBuild
from go_static.rules.plan import GoStaticBinaryFieldSet, compiler_request
from go_static.rules.toolchain import (
    GO_IDENTITY_IN_GOROOT,
    CCompilerRequest,
    ToolchainDownloads,
)
from go_static.subsystems.go_static import GoStaticSubsystem
from go_static.subsystems.toolchains import GoSdkDownload, ZigDownload

# What invocation_id reads: the CI systems whose run URL names the build's logs.
CI_ENV_VARS = (
    "GITHUB_ACTIONS",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITLAB_CI",
    "CI_JOB_URL",
    "BUILDKITE",
    "BUILDKITE_BUILD_URL",
    "BUILDKITE_JOB_ID",
)
# The [go-static] options that shape the intent besides the target's fields.
_INTENT_OPTIONS = ("musl_cc", "glibc_cc", "glibc_cross_cc", "stamp")


@dataclass(frozen=True)
class ProvenanceRequest:
    """One checked binary, and when this run began and finished it (None: not recorded)."""

    field_set: GoStaticBinaryFieldSet
    checked: GoStaticCheckedBuild
    started: datetime | None = None
    finished: datetime | None = None


@dataclass(frozen=True)
class Provenance:
    """The provenance document, at `<output_path>.intoto.json`."""

    path: str
    content: bytes


def _jsonable(value: Any) -> Any:
    if isinstance(value, (FrozenDict, dict)):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def external_parameters(
    field_set: GoStaticBinaryFieldSet, subsystem: GoStaticSubsystem
) -> dict[str, Any]:
    """The target's address, its intent fields as the BUILD file gives them, and the options."""
    fields = {
        getattr(field_set, f.name).alias: _jsonable(getattr(field_set, f.name).value)
        for f in dataclasses.fields(field_set)
        if f.name != "address"
    }
    options = {name: _jsonable(getattr(subsystem, name)) for name in _INTENT_OPTIONS}
    return {"target": str(field_set.address), "fields": fields, "options": {"go-static": options}}


def _toolchains(
    sdk: GoSdk,
    cc: CCompiler | None,
    downloads: ToolchainDownloads,
    urls: tuple[str, str],
) -> list[Toolchain]:
    """The Go SDK and the C compiler, each by its archive when downloaded, else a fingerprint."""
    go_url, zig_url = urls
    go = Toolchain(
        "go",
        sdk.version,
        sdk.fingerprint,
        archive_url=go_url if downloads.enabled else "",
        fingerprint_of=f"sha256 of the output of `{GO_IDENTITY_IN_GOROOT}` in its GOROOT",
    )
    if cc is None:
        return [go]
    zig = cc.kind == ZIG
    what = (
        "sha256 of the output of `zig version && sha256sum < zig`"
        if zig
        else "sha256 of its --version and -dumpmachine output and the sha256 of its libc.a"
    )
    compiler = Toolchain(
        ZIG if zig else os.path.basename(cc.path),
        cc.version,
        cc.fingerprint,
        archive_url=zig_url if zig and downloads.enabled else "",
        fingerprint_of=what,
    )
    return [go, compiler]


@rule(desc="Write a go_static_binary's provenance", level=LogLevel.DEBUG)
async def go_static_provenance(
    request: ProvenanceRequest,
    subsystem: GoStaticSubsystem,
    sdk: GoSdk,
    downloads: ToolchainDownloads,
    go_download: GoSdkDownload,
    zig_download: ZigDownload,
    platform: Platform,
) -> Provenance:
    checked, check = request.checked, request.checked.check
    mode = checked.mode
    # A binary passes the check only with build info (`not-go` otherwise): never None here.
    assert check.build_info is not None, f"{check.output_path} passed without build info"
    cc_request = compiler_request(mode, sdk.goarch)
    cc = await Get(CCompiler, CCompilerRequest, cc_request) if cc_request else None
    urls = (
        (
            go_download.get_request(platform).download_file_request.url,
            zig_download.get_request(platform).download_file_request.url,
        )
        if downloads.enabled
        else ("", "")
    )
    invocation = None
    if request.started is not None:
        env = await Get(EnvironmentVars, EnvironmentVarsRequest(CI_ENV_VARS))
        invocation = invocation_id(env)
    sbom = check.sbom
    document = statement(
        binary_name=os.path.basename(check.output_path),
        binary_sha256=check.sha256,
        external_parameters=external_parameters(request.field_set, subsystem),
        mode=mode,
        build_info=check.build_info,
        toolchains=_toolchains(sdk, cc, downloads, urls),
        c_components=sbom.c_components if sbom else (),
        verdict=Verdict(
            check.passed,
            check.summary,
            check.violation_codes,
            os.path.basename(check.report_path),
            hashlib.sha256(check.report_json).hexdigest(),
        ),
        run=RunDetails(
            subsystem.provenance_builder_id,
            (("pants", PANTS_VERSION),),
            request.started,
            request.finished,
            invocation,
        ),
        sbom=(os.path.basename(sbom.path), hashlib.sha256(sbom.content).hexdigest())
        if sbom
        else None,
    )
    path = check.output_path + PROVENANCE_SUFFIX
    return Provenance(path, statement_json(document).encode())


def rules():
    return collect_rules()

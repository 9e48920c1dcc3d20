"""The SLSA provenance v1 of one static Go binary, as an in-toto Statement v1. Pants-free.

`<output>.intoto.json` beside the binary says who built it (runDetails.builder), from what
(resolvedDependencies: the source commit, every Go module with its go.sum hash, the toolchains,
the static C), how (buildDefinition: the target's declared fields, the resolved mode) and what
the post-link check said (a byproduct). The data comes from where it already lives: the frozen
BuildMode and its Decisions, the binary's build info, the SBOM's C components, the check's
verdict; nothing here re-derives them.

Deterministic: the same inputs give byte-identical JSON (sorted keys, fixed separators, sorted
lists). The only per-run values (startedOn, finishedOn, invocationId) are left out when the
caller passes none. docs/provenance.md documents the choices (buildType, digest names).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from go_static.core.checker.buildinfo import GoBuildInfo, GoModule
from go_static.core.mode.build_mode import BuildMode
from go_static.core.names import REPRODUCIBLE_FLAGS, STAMPED_FLAGS
from go_static.core.sbom.bom import golang_purl, h1_sha256, module_identity
from go_static.core.sbom.components import CComponent

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
# This plugin's build type: a stable URI (the .invalid TLD resolves nowhere, by RFC 2606); its
# meaning, the shape of external and internal parameters, is docs/provenance.md's. A change to
# that shape gets a new version, /v2.
BUILD_TYPE = "https://go-static.invalid/go_static_binary/v1"
DEFAULT_BUILDER_ID = "https://go-static.invalid/builder/local/v1"
PROVENANCE_SUFFIX = ".intoto.json"
# in-toto's DigestSet names: dirHash is Go's `h1:` directory hash in hex (digest_set.md v1.1).
DIRHASH, GIT_COMMIT = "dirHash", "gitCommit"
# A toolchain found on this machine is named by a sha256 over its version and binaries, not of
# one file: a name of its own, so no verifier mistakes it for an archive's sha256.
FINGERPRINT = "goStaticFingerprint"
_INVOCATION = re.compile(r"^[\x21-\x7e]{1,512}$")  # printable ASCII without spaces


@dataclass(frozen=True)
class Toolchain:
    """A toolchain the build ran: by its archive's sha256 when downloaded, else a fingerprint."""

    name: str  # "go", "zig", or the C compiler's name ("gcc", "musl-gcc")
    version: str
    sha256: str
    archive_url: str = ""  # where the pinned archive came from; "" for this machine's copy
    fingerprint_of: str = ""  # what the fingerprint hashes, when there is no archive

    def descriptor(self) -> dict[str, Any]:
        annotations = {"version": self.version} if self.version else {}
        if self.archive_url:
            return {
                "name": self.name,
                "uri": self.archive_url,
                "digest": {"sha256": self.sha256},
                **({"annotations": annotations} if annotations else {}),
            }
        annotations["fingerprintOf"] = self.fingerprint_of
        return {"name": self.name, "digest": {FINGERPRINT: self.sha256}, "annotations": annotations}


@dataclass(frozen=True)
class Verdict:
    """What the post-link check said, and the report file that says it in full."""

    passed: bool
    summary: str
    violation_codes: tuple[str, ...]
    report_name: str
    report_sha256: str


@dataclass(frozen=True)
class RunDetails:
    """Who ran the build, and the per-run values (None: left out, for a reproducible predicate)."""

    builder_id: str
    builder_version: tuple[tuple[str, str], ...] = ()
    started: datetime | None = None
    finished: datetime | None = None
    invocation_id: str | None = None


def rfc3339(moment: datetime) -> str:
    """UTC, whole seconds, `Z`: the form SLSA's examples and cosign use."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def invocation_id(env: Mapping[str, str]) -> str | None:
    """The CI run this build is part of, as the URL of its logs; None outside a known CI.

    GitHub Actions as slsa-github-generator names it, GitLab's job URL, Buildkite's job. The
    values are the environment's: one that isn't a plain printable word is left out."""
    if env.get("GITHUB_ACTIONS") == "true" and env.get("GITHUB_RUN_ID"):
        value = (
            f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env.get('GITHUB_REPOSITORY')}"
            f"/actions/runs/{env['GITHUB_RUN_ID']}/attempts/{env.get('GITHUB_RUN_ATTEMPT', '1')}"
        )
    elif env.get("GITLAB_CI") == "true" and env.get("CI_JOB_URL"):
        value = env["CI_JOB_URL"]
    elif env.get("BUILDKITE") == "true" and env.get("BUILDKITE_BUILD_URL"):
        value = f"{env['BUILDKITE_BUILD_URL']}#{env.get('BUILDKITE_JOB_ID', '')}"
    else:
        return None
    return value if _INVOCATION.match(value) else None


def module_descriptor(dep: GoModule) -> dict[str, Any]:
    """One Go module: its purl, and its go.sum `h1:` hash as a dirHash (hex) and as written."""
    path, version = module_identity(dep)
    used = dep.effective
    descriptor: dict[str, Any] = {"name": path}
    if version:
        descriptor["uri"] = golang_purl(path, version).to_string()
    digest = h1_sha256(used.sum) if version else None
    if digest:
        descriptor["digest"] = {DIRHASH: digest}
    annotations = {"go.sum": used.sum} if used.sum else {}
    if dep.replaced_by is not None:
        target = f"{used.path} {used.version}".strip()
        annotations["replace"] = f"{dep.path} {dep.version} => {target}"
    if not version:
        annotations["local"] = "a local directory replaces it: its code has no version or sum"
    if annotations:
        descriptor["annotations"] = annotations
    return descriptor


def c_descriptor(c: CComponent) -> dict[str, Any]:
    """One C library linked in statically: its purl (by version), where the version was read."""
    annotations = {"kind": f"bundled by {c.bundled_by}" if c.bundled_by else "libc"}
    if c.version:
        annotations["version"] = c.version
    else:
        annotations["version"] = "unknown: no file gave it"
    if c.source:
        annotations["versionSource"] = c.source
    if c.release:
        annotations["release"] = c.release
    descriptor: dict[str, Any] = {"name": c.name, "annotations": annotations}
    if c.purl:
        descriptor["uri"] = c.purl
    else:
        # A ResourceDescriptor needs a uri, digest or content: the name as a purl-like tag.
        descriptor["uri"] = f"pkg:generic/{c.name}" + (f"@{c.version}" if c.version else "")
    return descriptor


def internal_parameters(mode: BuildMode) -> dict[str, Any]:
    """The resolved mode: every setting go build got, and the Decisions that chose them."""
    return {
        "goos": mode.goos,
        "goarch": mode.goarch,
        "cgoEnabled": mode.cgo_enabled,
        "libc": mode.libc,
        "cCompiler": mode.c_compiler,
        "cTarget": mode.c_target,
        "tags": list(mode.tags),
        "linkmode": mode.linkmode,
        "extldflags": list(mode.extldflags),
        "buildmode": mode.buildmode,
        "ldflags": list(mode.ldflags),
        "goBuildFlags": [
            *(STAMPED_FLAGS if mode.vcs else REPRODUCIBLE_FLAGS),
            *mode.go_build_flags(),
        ],
        "env": mode.go_env(),
        "pgo": mode.pgo,
        "resolver": mode.resolver,
        "staticPie": mode.static_pie,
        "allowDlopen": mode.allow_dlopen,
        "scenario": mode.scenario,
        "fips": mode.fips_module,
        "cpuLevel": dict([mode.cpu_level]) if mode.cpu_level else {},
        "xDefs": [
            {"symbol": x.symbol, "value": x.value, "template": x.template, "applied": x.applied}
            for x in mode.x_defs
        ],
        "decisions": [d.as_dict() for d in mode.decisions],
    }


def resolved_dependencies(
    mode: BuildMode,
    build_info: GoBuildInfo,
    toolchains: Iterable[Toolchain],
    c_components: Iterable[CComponent],
) -> list[dict[str, Any]]:
    """The source commit (only when stamping read it), the toolchains, the modules, the C."""
    out: list[dict[str, Any]] = []
    if mode.vcs is not None and mode.vcs.revision:
        out.append(
            {
                "name": "source",
                "digest": {GIT_COMMIT: mode.vcs.revision},
                "annotations": {"modified": "true" if mode.vcs.modified else "false"},
            }
        )
    out += [t.descriptor() for t in sorted(toolchains, key=lambda t: t.name)]
    modules = sorted(build_info.modules, key=lambda m: m.path)
    out += [module_descriptor(m) for m in modules]
    out += [c_descriptor(c) for c in sorted(c_components, key=lambda c: (c.bundled_by, c.name))]
    return out


def _run_details(run: RunDetails, byproducts: list[dict[str, Any]]) -> dict[str, Any]:
    builder: dict[str, Any] = {"id": run.builder_id}
    if run.builder_version:
        builder["version"] = dict(run.builder_version)
    metadata: dict[str, Any] = {}
    if run.invocation_id:
        metadata["invocationId"] = run.invocation_id
    if run.started is not None:
        metadata["startedOn"] = rfc3339(run.started)
    if run.finished is not None:
        metadata["finishedOn"] = rfc3339(run.finished)
    details: dict[str, Any] = {"builder": builder, "byproducts": byproducts}
    if metadata:
        details["metadata"] = metadata
    return details


def verdict_byproduct(verdict: Verdict) -> dict[str, Any]:
    """The post-link check's verdict, with the digest of the report that gives its evidence."""
    return {
        "name": verdict.report_name,
        "digest": {"sha256": verdict.report_sha256},
        "mediaType": "application/json",
        "annotations": {
            "postLinkCheck": "passed" if verdict.passed else "failed",
            "summary": verdict.summary,
            "violations": list(verdict.violation_codes),
        },
    }


def statement(
    *,
    binary_name: str,
    binary_sha256: str,
    external_parameters: Mapping[str, Any],
    mode: BuildMode,
    build_info: GoBuildInfo,
    toolchains: Iterable[Toolchain],
    c_components: Iterable[CComponent],
    verdict: Verdict,
    run: RunDetails,
    sbom: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The in-toto Statement v1 with the SLSA provenance v1 predicate for one binary.

    `sbom` is the (file name, sha256) of the CycloneDX SBOM written beside it, a byproduct."""
    byproducts = [verdict_byproduct(verdict)]
    if sbom is not None:
        name, digest = sbom
        byproducts.append(
            {
                "name": name,
                "digest": {"sha256": digest},
                "mediaType": "application/vnd.cyclonedx+json",
            }
        )
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": binary_name, "digest": {"sha256": binary_sha256.lower()}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": dict(external_parameters),
                "internalParameters": internal_parameters(mode),
                "resolvedDependencies": resolved_dependencies(
                    mode, build_info, toolchains, c_components
                ),
            },
            "runDetails": _run_details(run, byproducts),
        },
    }


def statement_json(document: Mapping[str, Any]) -> str:
    """Canonical bytes: sorted keys, fixed separators, UTF-8 kept, one trailing newline."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"

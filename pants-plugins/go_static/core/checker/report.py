"""The per-binary report, `<output>.static-report.json`: one schema for the rule and the CLI.

Pants-free. The go_static_binary rule and `python -m go_static.check --json` both call
`binary_report`. Keys that only a build knows (target, scenario, decisions, ...) come from a
`BuildContext`; the CLI has none, so they are null or empty there. docs/post-link-check.md
documents every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from go_static.core.checker.elf import ElfFacts
from go_static.core.checker.expectation import Verdict, Violation
from go_static.core.errors import Problem

SCHEMA = "go-static-binary-report/1"
REPORT_SUFFIX = ".static-report.json"


@dataclass(frozen=True)
class BuildContext:
    """What the build knew about one binary, already JSON-ready."""

    target: str
    scenario: int
    libc: str  # the mode's libc; the ELF's is `libc_detected`
    linkmode: str
    cgo_packages: tuple[str, ...]
    max_size: int | None
    # The -ldflags go build was given (build info omits them under -trimpath).
    go_build_ldflags: tuple[str, ...]
    go_env: Mapping[str, Any]
    decisions: tuple[Mapping[str, str], ...]
    # The x_defs entries: symbol, value, template, and whether -X set them (stamping).
    x_defs: tuple[Mapping[str, Any], ...] = ()
    sbom: str | None = None  # the CycloneDX SBOM beside the binary (file name), once it passed
    go_work: str | None = None  # the go.work the build used (repo path)


def violation_dict(v: Violation) -> dict[str, str]:
    return {"code": v.code, "evidence": v.evidence, "why": v.why, "fix": v.fix}


def binary_report(
    verdict: Verdict, output: str | None, build: BuildContext | None = None
) -> dict[str, Any]:
    """The JSON-ready report of one checked binary."""
    facts: ElfFacts = verdict.facts
    bi = facts.build_info
    return {
        "schema": SCHEMA,
        "target": build.target if build else None,
        "output": output,
        "sha256": facts.sha256,
        "size": facts.size,
        "summary": verdict.summary_line(),
        "elf_type": facts.elf_type,
        "machine": facts.machine,
        "goos": bi.get("GOOS") if bi else None,
        "goarch": bi.get("GOARCH") if bi else None,
        "go_version": bi.go_version if bi else None,
        "scenario": build.scenario if build else None,
        "libc": build.libc if build else None,
        "libc_detected": facts.libc_detected,
        "libc_evidence": facts.libc_evidence,
        "cgo_enabled": bi.cgo_enabled if bi else None,
        "cgo_packages": list(build.cgo_packages) if build else [],
        "build_tags": list(bi.tags) if bi else [],
        "buildmode": bi.buildmode if bi else None,
        "buildinfo_ldflags": bi.ldflags if bi else None,
        "go_build_ldflags": list(build.go_build_ldflags) if build else None,
        "linkmode": build.linkmode if build else None,
        "linkage": facts.linkage,
        "static_pie": facts.static_pie,
        "interpreter": facts.interpreter,
        "needed": list(facts.needed),
        "stripped": facts.stripped,
        "host_path_count": facts.host_path_count,
        "host_paths": list(facts.host_paths),
        "link_warnings": [
            {"symbol": w.symbol, "class": w.kind, "line": w.line} for w in verdict.link_warnings
        ],
        "dlopen_referenced": verdict.dlopen_referenced,
        "dlopen_evidence": facts.dlopen_evidence or None,
        "nss_evidence": facts.nss_evidence or None,
        "max_size": build.max_size if build else None,
        "verdict": verdict.status,
        "violations": [violation_dict(v) for v in verdict.violations],
        "notes": list(verdict.notes),
        "decisions": [dict(d) for d in build.decisions] if build else [],
        "go_env": dict(build.go_env) if build else None,
        "sbom": build.sbom if build else None,
        "go_work": build.go_work if build else None,
        "pgo": bi.get("-pgo") if bi else None,
        # From build info, which the check has compared with the fips and goamd64/goarm64 fields.
        "fips": bi.fips_module if bi else None,
        "cpu_level": bi.cpu_level if bi else None,
        "vcs": {k[4:] or "system": v for k, v in bi.settings if k.startswith("vcs")} if bi else {},
        "x_defs": [
            {**x, "in_binary": x["applied"] and x["value"] not in facts.missing_strings}
            for x in (build.x_defs if build else ())
        ],
    }


def failure_message(address: str, output_path: str, violations: tuple[Violation, ...]) -> str:
    """The build failure for a binary that broke the rules: each violation's evidence, why, fix."""
    n = len(violations)
    lines = [
        f"{address}: the post-link static check failed for {output_path} ({n} "
        f"violation{'s' if n != 1 else ''}):"
    ]
    for v in violations:
        problem = Problem(f"{v.code}: {v.evidence}", f"{v.why}.", f"{v.fix}.")
        lines.append("  - " + problem.render(indent="    "))
    lines.append(
        "A binary that fails this check is not written to dist/, run, or put in an image. Run "
        "`python -m go_static.check <binary>` to check any binary by hand."
    )
    return "\n".join(lines)

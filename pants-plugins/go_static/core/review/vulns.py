"""The vulnerability gate's settings and verdict: `[go-static].vulnerabilities`, per-ID
exceptions, the DB snapshot option, and govulncheck's findings as `Problem`s. Pants-free.

Every string here comes from pants.toml, the environment or govulncheck's output, so each is
validated before use: an exception names one GO- id, a reason and a real date; a finding's
module and versions must look like a module path and versions before they reach a `go get` line.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urlsplit

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.review.vulns_tools import (
    DEFAULT_VULNDB_VERSION,
    PSEUDO_VERSION_RE,
    VULNDB_MODULE,
)
from go_static.core.vulnerability import Finding

FAIL, WARN, OFF = "fail", "warn", "off"
MODES = (FAIL, WARN, OFF)
EXCEPTIONS_OPTION = "[go-static].vulnerability_exceptions"
VULNDB_OPTION = "[go-static].vulndb"
# The stable codes `pants check` and the report carry (docs/reference.md).
CODE_FINDING = "vuln-finding"
CODE_EXPIRED = "vuln-exception-expired"
CODE_CONFIG = "vuln-config"

GO_ID_RE = re.compile(r"GO-\d{4}-\d{4,}")
_EXCEPTION_RE = re.compile(
    r"(?P<id>GO-\d{4}-\d{4,})\s*:\s*(?P<reason>.+?)\s+until\s+(?P<date>\d{4}-\d{2}-\d{2})"
)
# A module path as `go get` takes it: no spaces, no shell metacharacters, no leading dash.
_MODULE_RE = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9._~/]*")
_VERSION_RE = re.compile(r"v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+incompatible)?")
# A finding's fields are shown in full; anything longer is not a real id or version.
_MAX_FIELD = 300


class VulnConfigError(GoStaticError):
    """`[go-static]`'s vulnerability options are malformed."""

    code = "vuln-config"


@dataclass(frozen=True)
class VulnException:
    """One accepted vulnerability: its GO- id, why, and the last day it is accepted."""

    id: str
    reason: str
    until: datetime.date

    def expired(self, today: datetime.date) -> bool:
        return today > self.until


@dataclass(frozen=True)
class VulnSettings:
    """The gate: its mode, the exceptions, and the DB snapshot to scan against."""

    mode: str = OFF
    exceptions: tuple[VulnException, ...] = ()
    # A golang.org/x/vulndb pseudo-version, or a file:/// URL of a DB already in govulncheck's
    # layout (a mirror synced to disk).
    vulndb: str = DEFAULT_VULNDB_VERSION

    @property
    def enabled(self) -> bool:
        return self.mode != OFF

    @property
    def db_label(self) -> str:
        """The DB as the report, the SBOM and messages name it."""
        return f"{VULNDB_MODULE} {self.vulndb}" if self.is_snapshot else self.vulndb

    @property
    def is_snapshot(self) -> bool:
        return PSEUDO_VERSION_RE.fullmatch(self.vulndb) is not None


def parse_exceptions(entries: Iterable[str]) -> tuple[tuple[VulnException, ...], list[Problem]]:
    """`GO-YYYY-NNNN: reason until YYYY-MM-DD` entries, and a Problem for each malformed one."""
    parsed: list[VulnException] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    example = '"GO-2021-0113: only parses our own config until 2027-01-31"'
    for entry in entries:
        match = _EXCEPTION_RE.fullmatch(entry.strip())
        shown = entry.strip()[:_MAX_FIELD]
        if not match:
            problems.append(
                Problem(
                    f"{shown!r} is not `GO-YYYY-NNNN: reason until YYYY-MM-DD`.",
                    "An exception must say which vulnerability, why it is accepted, and until "
                    "when, so it is reviewed again rather than forgotten.",
                    f"Write it as {example}.",
                )
            )
            continue
        try:
            until = datetime.date.fromisoformat(match["date"])
        except ValueError:
            problems.append(
                Problem(
                    f"{shown!r}: {match['date']} is not a date.",
                    "The exception expires on that date.",
                    "Give a real date, YYYY-MM-DD.",
                )
            )
            continue
        if match["id"] in seen:
            problems.append(
                Problem(
                    f"{match['id']} has more than one exception.",
                    "Two entries for one id leave it unclear which reason and date apply.",
                    "Keep one entry for it.",
                )
            )
            continue
        seen.add(match["id"])
        parsed.append(VulnException(match["id"], match["reason"].strip(), until))
    return tuple(parsed), problems


def check_vulndb(vulndb: str) -> list[Problem]:
    """Problems with `[go-static].vulndb`: a snapshot version, or a local DB directory."""
    if PSEUDO_VERSION_RE.fullmatch(vulndb):
        return []
    url = urlsplit(vulndb)
    if (
        url.scheme == "file"
        and not url.netloc
        and url.path.startswith("/")
        and not (
            url.query or url.fragment or ".." in url.path.split("/") or not url.path.isprintable()
        )
    ):
        return []
    return [
        Problem(
            f"{VULNDB_OPTION} = {vulndb[:_MAX_FIELD]!r} is neither a golang.org/x/vulndb "
            "pseudo-version nor a file:/// URL of a local vulnerability DB directory.",
            "The scan is offline and reproducible: its DB is either that module version (the "
            "module proxy and checksum database vouch for its bytes, and the version is the "
            "cache key), or a directory on this machine in the layout `govulncheck -db` reads.",
            "Set it to a version from `go list -m -json golang.org/x/vulndb@latest` (e.g. the "
            f"default, {DEFAULT_VULNDB_VERSION}), or to file:///path/to/db. To fetch the "
            "snapshot from a mirror, set GOPROXY in [go-static].env_vars.",
        )
    ]


def vuln_settings(mode: str, exceptions: Iterable[str], vulndb: str) -> VulnSettings:
    """The options, validated; every malformed one reported at once."""
    parsed, problems = parse_exceptions(exceptions)
    if mode not in MODES:
        problems.append(
            Problem(
                f"[go-static].vulnerabilities = {mode[:_MAX_FIELD]!r} is not one of "
                f"{', '.join(MODES)}.",
                "It says what a known vulnerability in a binary does to `pants check`.",
                'Set it to "fail", "warn" or "off".',
            )
        )
    problems += check_vulndb(vulndb)
    if problems:
        raise VulnConfigError(render_problems("[go-static]", problems))
    return VulnSettings(mode, parsed, vulndb)


class VulnScanError(GoStaticError):
    """The vulnerability DB could not be prepared, or govulncheck could not scan a binary (or
    its output is not the JSON stream it documents)."""

    code = "vuln-scan"


def _field(value: object) -> str:
    text = value if isinstance(value, str) else ""
    return text if len(text) <= _MAX_FIELD and text.isprintable() else ""


def parse_govulncheck(stream: str) -> tuple[Finding, ...]:
    """Symbol-level findings from `govulncheck -format json` (one per id and module).

    binary mode reports a finding at symbol level only when the binary contains a vulnerable
    symbol; module- and package-level findings (imported but not called) are not reported.
    """
    decoder = json.JSONDecoder()
    summaries: dict[str, tuple[str, tuple[str, ...]]] = {}
    found: dict[tuple[str, str], Finding] = {}
    position, text = 0, stream.strip()
    while position < len(text):
        try:
            message, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as e:
            raise VulnScanError(f"not govulncheck's JSON at offset {position}: {e.msg}") from None
        position = end
        while position < len(text) and text[position].isspace():
            position += 1
        if not isinstance(message, dict):
            raise VulnScanError("a JSON value that is not an object")
        osv = message.get("osv")
        if isinstance(osv, dict) and GO_ID_RE.fullmatch(_field(osv.get("id"))):
            aliases = osv.get("aliases") if isinstance(osv.get("aliases"), list) else []
            summaries[osv["id"]] = (
                _field(osv.get("summary")),
                tuple(a for a in map(_field, aliases) if a),
            )
        finding = message.get("finding")
        if not isinstance(finding, dict):
            continue
        trace = finding.get("trace")
        if not isinstance(trace, list) or not trace or not isinstance(trace[0], dict):
            continue
        frame = trace[0]
        symbol = _field(frame.get("function"))
        if not symbol:
            continue  # module or package level: the binary holds no vulnerable symbol
        vuln_id, module = _field(finding.get("osv")), _field(frame.get("module"))
        version, fixed = _field(frame.get("version")), _field(finding.get("fixed_version"))
        if not GO_ID_RE.fullmatch(vuln_id) or not _MODULE_RE.fullmatch(module):
            raise VulnScanError(f"a finding without a GO- id and module: {finding!r:.200}")
        if fixed and not _VERSION_RE.fullmatch(fixed):
            raise VulnScanError(f"{vuln_id}: fixed version {fixed!r} is not a version")
        receiver = _field(frame.get("receiver"))
        package = _field(frame.get("package"))
        name = f"{receiver.lstrip('*')}.{symbol}" if receiver else symbol
        key = (vuln_id, module)
        if key not in found:
            found[key] = Finding(vuln_id, module, version, fixed, f"{package}.{name}")
    return tuple(
        Finding(f.id, f.module, f.found, f.fixed, f.symbol, *summaries.get(f.id, ("", ())))
        for f in sorted(found.values(), key=lambda f: (f.module, f.id))
    )


@dataclass(frozen=True)
class Verdict:
    """What the gate decides for one binary: blocking problems, warnings, and the ids excepted."""

    blocking: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    excepted: tuple[str, ...]
    codes: tuple[str, ...]


def finding_problem(finding: Finding, db_version: str) -> Problem:
    """One finding, worded for the user: id, module, versions, and the `go get` that fixes it."""
    title = f" ({finding.summary})" if finding.summary else ""
    fixed = finding.fixed or "none yet"
    fix = (
        f"`{finding.go_get}` in the module that requires it, then `go mod tidy`; or, if the "
        f"vulnerable code is unreachable in your use, add "
        f'"{finding.id}: <reason> until <YYYY-MM-DD>" to {EXCEPTIONS_OPTION}.'
        if finding.fixed
        else f"No fixed version exists: drop {finding.module}, or add "
        f'"{finding.id}: <reason> until <YYYY-MM-DD>" to {EXCEPTIONS_OPTION}.'
    )
    return Problem(
        f"links {finding.module} {finding.found}, which has {finding.id}{title}; fixed in {fixed}.",
        f"The binary contains {finding.symbol}, a vulnerable symbol, and a static binary "
        "cannot be patched underneath.",
        fix,
        details=(("DB", db_version),),
    )


def judge(findings: Iterable[Finding], settings: VulnSettings, today: datetime.date) -> Verdict:
    """Apply the mode and exceptions to one binary's findings."""
    exceptions = {e.id: e for e in settings.exceptions}
    blocking: list[Problem] = []
    warnings: list[Problem] = []
    excepted: list[str] = []
    codes: list[str] = []
    for finding in findings:
        exception = exceptions.get(finding.id)
        if exception and not exception.expired(today):
            excepted.append(finding.id)
            continue
        if exception:
            problem = Problem(
                f"the exception for {finding.id} in {EXCEPTIONS_OPTION} expired on "
                f"{exception.until} (reason given: {exception.reason}), and the binary still "
                f"links {finding.module} {finding.found}.",
                "An exception is accepted only until its date, so it is reviewed again.",
                f"`{finding.go_get}`, or renew the exception with a new date and reason."
                if finding.fixed
                else "Renew the exception with a new date and reason, or drop the module.",
            )
            blocking.append(problem)  # an expired exception fails whatever the mode
            codes.append(CODE_EXPIRED)
            continue
        problem = finding_problem(finding, settings.db_label)
        (blocking if settings.mode == FAIL else warnings).append(problem)
        if settings.mode == FAIL:
            codes.append(CODE_FINDING)
    return Verdict(tuple(blocking), tuple(warnings), tuple(excepted), tuple(dict.fromkeys(codes)))

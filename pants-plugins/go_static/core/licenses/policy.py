"""Go module licences: read from the detector's output, judged against `[go-static].licenses`.

Pants-free. A module's licence is the SPDX expression of the licence files at its root, each
file counted only when the detector covers at least COVERAGE_THRESHOLD percent of it (the bound
pkg.go.dev uses); a module with no such file, or with one below the bound, is unknown: never a
guess. The policy judges an expression as a user can: `A OR B` passes if either passes, `A AND B`
only if both do.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from license_expression import ExpressionError, LicenseSymbol, get_spdx_licensing

from go_static.core.errors import GoStaticError, Problem
from go_static.core.gograph.graph import GoPackage

# pkg.go.dev's internal/licenses.coverageThreshold: a file matched less than this is unknown.
COVERAGE_THRESHOLD = 75.0
UNKNOWN = "unknown"
STDLIB = "stdlib"  # the name the SBOM gives Go's standard library
UNKNOWN_ACTIONS = ("fail", "warn", "allow")
OPTION = "[go-static].licenses"
# The detector's output is hostile input: bound what is read of it.
MAX_SCAN_OUTPUT = 64 << 20

_SPDX = get_spdx_licensing()
# SPDX ids, current and deprecated: licensecheck reports some by their old names ("GPL-3.0").
_SPDX_IDS = {
    name: symbol.key
    for symbol in _SPDX.known_symbols.values()
    for name in (symbol.key, *symbol.aliases)
    if not name.startswith("LicenseRef-")
}


class LicenseError(GoStaticError):
    """A binary links a module whose licence the policy denies, or whose licence is unknown."""

    code = "license-denied"


class LicenseScanError(GoStaticError):
    """The licence detector's output is not what our main prints."""

    code = "license-scan"


@dataclass(frozen=True)
class ModuleLicense:
    """One module's licence: an SPDX expression (None: unknown), and the files it came from."""

    expression: str | None
    files: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        return self.expression or UNKNOWN


def _file_ids(entry: object) -> tuple[str, ...] | None:
    """The ids one scanned file matched, or None when it is below the threshold or unreadable."""
    if not isinstance(entry, dict) or entry.get("error"):
        return None
    percent, matches = entry.get("percent"), entry.get("matches")
    if not isinstance(percent, (int, float)) or not isinstance(matches, list):
        return None
    if percent < COVERAGE_THRESHOLD:
        return None
    ids = [m.get("id") for m in matches if isinstance(m, dict)]
    if not ids or not all(isinstance(i, str) and is_spdx_id(i) for i in ids):
        return None
    return tuple(ids)


def module_license(scanned: Mapping[str, object]) -> ModuleLicense:
    """The licence of one scanned directory (one element of the detector's JSON list)."""
    files = scanned.get("files") if isinstance(scanned, dict) else None
    if scanned.get("error") or not isinstance(files, list) or not files:
        return ModuleLicense(None)
    names = tuple(str(f.get("name", "")) for f in files if isinstance(f, dict))
    ids: list[str] = []
    for entry in files:
        found = _file_ids(entry)
        if found is None:  # one unreadable or unmatched file: the whole is unknown
            return ModuleLicense(None, names)
        ids.extend(canonical_id(i) for i in found if canonical_id(i) not in ids)
    # Each file applies (we can't tell a dual-licence offer from two licences), so AND: the
    # stricter reading, which the policy can only judge more strictly, never more loosely.
    return ModuleLicense(" AND ".join(sorted(ids)), names)


def parse_scan(stdout: bytes | str) -> dict[str, ModuleLicense]:
    """The detector's JSON, as {directory: ModuleLicense}; raises LicenseScanError if malformed."""
    if len(stdout) > MAX_SCAN_OUTPUT:
        raise LicenseScanError(f"the licence scan printed more than {MAX_SCAN_OUTPUT} bytes.")
    try:
        data = json.loads(stdout)
    except ValueError as e:
        raise LicenseScanError(f"the licence scan printed no JSON: {e}") from None
    if not isinstance(data, list) or not all(
        isinstance(d, dict) and isinstance(d.get("dir"), str) for d in data
    ):
        raise LicenseScanError("the licence scan's JSON is not a list of {dir, files}.")
    return {d["dir"]: module_license(d) for d in data}


# --- the policy ---------------------------------------------------------------------------------


def is_spdx_id(text: str) -> bool:
    """True if `text` is one SPDX licence id (or a LicenseRef-), as licensecheck reports them."""
    if text.startswith("LicenseRef-"):
        return len(text) > len("LicenseRef-") and all(c.isalnum() or c in "-." for c in text)
    return text in _SPDX_IDS


def canonical_id(spdx_id: str) -> str:
    """The current SPDX id for `spdx_id`: SPDX defines the deprecated GPL-3.0 as GPL-3.0-only."""
    return _SPDX_IDS.get(spdx_id, spdx_id)


def _known(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(ids)))


@dataclass(frozen=True)
class LicensePolicy:
    """`[go-static].licenses`: allowed and denied SPDX ids, and what an unknown licence does."""

    allowed: tuple[str, ...] = ()  # () = every licence not denied
    denied: tuple[str, ...] = ()
    unknown: str = "warn"
    origin: str = "the default"  # where the option was set, for messages

    @classmethod
    def from_option(cls, value: Mapping[str, object], origin: str = "the default") -> LicensePolicy:
        """The policy from the option's dict; raises LicenseError naming every bad entry."""
        problems = []
        known = {"allowed", "denied", "unknown"}
        for key in sorted(set(value) - known):
            problems.append(
                Problem(
                    f"{OPTION} has the key {key!r}.",
                    "Only allowed, denied and unknown are read; a misspelt key would be ignored.",
                    f"use one of {', '.join(sorted(known))}.",
                )
            )
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("allowed", "denied"):
            raw = value.get(key, [])
            if not isinstance(raw, (list, tuple)) or not all(isinstance(i, str) for i in raw):
                problems.append(
                    Problem(
                        f"{OPTION}[{key!r}] is not a list of SPDX ids.",
                        "The policy compares each module's SPDX ids with it.",
                        f'write e.g. {key} = ["MIT", "BSD-3-Clause"].',
                    )
                )
                raw = []
            bad = [i for i in raw if not is_spdx_id(i)]
            if bad:
                problems.append(
                    Problem(
                        f"{OPTION}[{key!r}] has {', '.join(map(repr, bad))}, not SPDX licence ids.",
                        "An id that no detector reports would never match, so the rule would "
                        "silently not apply.",
                        "use ids from https://spdx.org/licenses/ (case matters, e.g. "
                        "GPL-3.0-only, Apache-2.0), or LicenseRef-<name>.",
                    )
                )
            lists[key] = _known(canonical_id(i) for i in raw if is_spdx_id(i))
        both = set(lists["allowed"]) & set(lists["denied"])
        if both:
            problems.append(
                Problem(
                    f"{OPTION} both allows and denies {', '.join(sorted(both))}.",
                    "The policy can't do both.",
                    "remove each from one of the two lists.",
                )
            )
        unknown = value.get("unknown", "warn")
        if unknown not in UNKNOWN_ACTIONS:
            problems.append(
                Problem(
                    f"{OPTION}['unknown'] is {unknown!r}.",
                    "It says what a module whose licence can't be detected does to `pants check`.",
                    f"use one of {', '.join(map(repr, UNKNOWN_ACTIONS))}.",
                )
            )
        if problems:
            raise LicenseError("\n".join(p.render() for p in problems))
        return cls(lists["allowed"], lists["denied"], str(unknown), origin)

    def _id_ok(self, spdx_id: str) -> bool:
        if spdx_id in self.denied:
            return False
        return not self.allowed or spdx_id in self.allowed

    def _expression_ok(self, node: object) -> bool:
        if isinstance(node, LicenseSymbol):
            return self._id_ok(node.key)
        args = getattr(node, "args", ())
        if node.__class__.__name__ == "OR":
            return any(self._expression_ok(a) for a in args)
        return all(self._expression_ok(a) for a in args)

    def permits(self, expression: str) -> bool:
        """True if a binary may link code under `expression` (an SPDX expression)."""
        try:
            parsed = _SPDX.parse(expression)
        except ExpressionError:
            return False
        return parsed is None or self._expression_ok(parsed)


# --- why a module is in the binary --------------------------------------------------------------


def import_chain(packages: Mapping[str, GoPackage], root: str, module: str) -> tuple[str, ...]:
    """The shortest import path chain from package `root` to a package of `module`, or ().

    `go list -deps` gives each package's transitive Deps; an import is direct when no other dep
    of the importer also depends on it, which is enough to walk one real chain.
    """

    def direct(path: str) -> list[str]:
        deps = set(packages[path].deps) if path in packages else set()
        below: set[str] = set()
        for d in deps:
            if d in packages:
                below.update(packages[d].deps)
        return sorted(deps - below)

    seen, queue = {root: ()}, deque([root])
    while queue:
        path = queue.popleft()
        pkg = packages.get(path)
        if pkg is not None and pkg.module_path == module and path != root:
            return (*seen[path], path)
        for nxt in direct(path):
            if nxt not in seen:
                seen[nxt] = (*seen[path], path)
                queue.append(nxt)
    return ()


# --- the judgement ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenseVerdict:
    """What the policy says of one binary: blocking problems, and warnings that don't block."""

    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())


def judge(
    policy: LicensePolicy,
    licenses: Mapping[str, ModuleLicense],
    chains: Mapping[str, tuple[str, ...]] = {},
) -> LicenseVerdict:
    """Every module (module@version -> licence) the policy blocks or warns about, all at once."""
    problems, warnings = [], []
    set_in = (("Policy", f"{OPTION}, set in {policy.origin}."),)
    for module in sorted(licenses):
        lic = licenses[module]
        chain = chains.get(module.split("@", 1)[0], ())
        details = (("Imported by", " -> ".join(chain)),) if chain else ()
        if lic.expression is None:
            if policy.unknown == "allow":
                continue
            p = Problem(
                f"{module} has no licence the detector recognises"
                + (f" (files: {', '.join(lic.files)})." if lic.files else " (no licence file)."),
                "Code whose licence is unknown may not be redistributed in a binary.",
                f"check the module's licence by hand, then list it in {OPTION}['allowed'] as "
                'LicenseRef-<name>, or set unknown = "allow"; or drop the import.',
                details=(("Licence", UNKNOWN), *details, *set_in),
            )
            (problems if policy.unknown == "fail" else warnings).append(p)
        elif not policy.permits(lic.expression):
            denied = policy.allowed and "is not in the allowed list" or "is denied"
            problems.append(
                Problem(
                    f"{module} is licensed {lic.expression}, which {denied}.",
                    "A static binary carries the module's code, so its licence applies to the "
                    "binary you ship.",
                    (
                        "Go's standard library is in every Go binary: allow its licence in "
                        f"{OPTION}."
                        if module.startswith(STDLIB + "@")
                        else (
                            f"drop or replace the import of {chain[-1]} in {chain[-2]}"
                            if len(chain) > 1
                            else "drop or replace the import that pulls the module in"
                        )
                        + f", or change {OPTION} if the licence is acceptable."
                    ),
                    details=(("Licence", lic.expression), *details, *set_in),
                )
            )
    return LicenseVerdict(tuple(problems), tuple(warnings))

"""CPU level intent: GOAMD64 / GOARM64, what each means, and the OCI platform variant it maps to.

Pants-free. The level is an arch's own setting, so a goamd64 on an arm64 target (or the other way
round) is a contradiction, not something to ignore.
"""

from __future__ import annotations

from typing import Iterator

from go_static.core.errors import Problem
from go_static.core.mode.decision import Decision
from go_static.core.mode.intent import Intent
from go_static.core.names import GOAMD64_LEVELS, GOARM64_LEVELS, GOARM64_OPTIONS

# field alias -> (the GOARCH it belongs to, the go environment variable, Go's default)
FIELDS = {
    "goamd64": ("amd64", "GOAMD64", "v1"),
    "goarm64": ("arm64", "GOARM64", "v8.0"),
}


def _value(intent: Intent, alias: str) -> str:
    return intent.goamd64 if alias == "goamd64" else intent.goarm64


def valid(alias: str, value: str) -> bool:
    """Does go accept this value (`go help environment`: GOARM64 may end in ,lse / ,crypto)?"""
    if alias == "goamd64":
        return value in GOAMD64_LEVELS
    level, *options = value.split(",")
    return level in GOARM64_LEVELS and all(o in GOARM64_OPTIONS for o in options)


def problems(intent: Intent) -> Iterator[Problem]:
    for alias, (goarch, var, default) in FIELDS.items():
        value = _value(intent, alias)
        if not value:
            continue
        if not valid(alias, value):
            choices = (
                ", ".join(GOAMD64_LEVELS)
                if alias == "goamd64"
                else f"v8.0-v8.9 or v9.0-v9.5, optionally followed by "
                f"{' / '.join(',' + o for o in GOARM64_OPTIONS)}"
            )
            yield Problem(
                f"{alias}={value!r} is not a {var} level go accepts.",
                f"go refuses any {var} outside its list, so nothing would build.",
                f"Use one of {choices} (Go's default is {default}).",
            )
        if intent.goarch != goarch:
            yield Problem(
                f'{alias}="{value}" on a goarch="{intent.goarch}" target.',
                f"{var} is the {goarch} CPU level; go ignores it for {intent.goarch}, so the "
                "binary would not be the one declared.",
                f'Remove {alias}, or set goarch="{goarch}".',
            )


def goenv(intent: Intent) -> dict[str, str]:
    """The level variable for the target's arch (only when the field sets one)."""
    for alias, (goarch, var, _) in FIELDS.items():
        value = _value(intent, alias)
        if value and goarch == intent.goarch:
            return {var: value}
    return {}


def expected(intent: Intent) -> tuple[str, str] | None:
    """(build setting, value) build info records for the target's arch: the declared level, or
    Go's default, which go records too."""
    for alias, (goarch, var, default) in FIELDS.items():
        if goarch == intent.goarch:
            return var, _value(intent, alias) or default
    return None


def decisions(intent: Intent) -> list[Decision]:
    for alias, (goarch, var, default) in FIELDS.items():
        value = _value(intent, alias)
        if value and goarch == intent.goarch:
            reason = (
                f"{alias}={value}: the compiler may use that level's instructions everywhere, so "
                f"the binary runs only on CPUs that have them (Go's runtime exits with a message "
                f"on older ones); the default is {default}."
            )
            return [Decision(var, value, reason, f"field {alias}")]
    return []


def oci_variant(goarch: str, level: str | None) -> str | None:
    """The OCI platform variant for an arch and level (image-spec's amd64 v1-v4; arm64 "v8",
    "v8.1", ... as ko writes them), or None: amd64 v1 is the baseline and has none, and an
    undeclared level keeps the image's platform as it was."""
    if not level:
        return None
    base = level.split(",")[0]
    if goarch == "amd64":
        return None if base == "v1" else base
    if goarch == "arm64":
        return base[:-2] if base.endswith(".0") else base
    return None

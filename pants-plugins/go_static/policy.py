"""Repo-wide static-linking policy from `[go-static]`, which BUILD files cannot weaken. Pants-free.

`intent_violations` runs before the build (libc, dlopen, static-pie, a target loosening the size
budget); `size_violation` after the link. Every violation names the option, where it was set,
the target, and the exact change that satisfies it.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Mapping

from go_static.mode import BuildMode

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", re.I)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


class PolicyError(Exception):
    """A target breaks the repo's static-linking policy; raised before anything is built."""

    def __init__(self, message: str, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.codes = codes


def parse_size(value: int | str, what: str) -> int:
    """Bytes from an int or a string such as "20MiB", "1.5GB", "900KiB"."""
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"{what} must be positive, not {value}")
        return value
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"{what}={value!r} is not a size: use bytes or e.g. \"20MiB\", \"1.5GB\"")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "B").lower()])


def format_size(size: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


@dataclass(frozen=True)
class PolicyViolation:
    """One policy rule a target breaks: a stable code, what, where the rule was set, and the fix."""

    code: str
    problem: str
    option: str
    origin: str  # e.g. "pants.toml", "--go-static-allowed-libcs", "PANTS_GO_STATIC_MAX_SIZE"
    fix: str

    def render(self, address: str) -> str:
        return f"{address}: {self.problem}\n  Policy: {self.option}, set in {self.origin}.\n  Fix: {self.fix}"


@dataclass(frozen=True)
class Policy:
    """The `[go-static]` policy options and where each was set."""

    allowed_libcs: tuple[str, ...] = ()  # () = any
    dlopen_allowlist: tuple[str, ...] = ("*",)
    require_static_pie: bool = False
    max_size: int | None = None
    origins: tuple[tuple[str, str], ...] = ()  # (option name, where it was set)

    def origin(self, option: str) -> str:
        return dict(self.origins).get(option, "the default")


def address_matches(address: str, globs: tuple[str, ...]) -> bool:
    """Address globs: `src/go/**` (a subtree), `src/go:*` (a directory), or exact addresses."""
    for glob in globs:
        if fnmatch.fnmatchcase(address, glob):
            return True
        if glob.endswith("/**") and (address.startswith(glob[:-2]) or address.startswith(glob[:-3] + ":")):
            return True
    return False


def effective_max_size(policy: Policy, target_max_size: int | None) -> int | None:
    sizes = [s for s in (policy.max_size, target_max_size) if s is not None]
    return min(sizes) if sizes else None


def intent_violations(policy: Policy, mode: BuildMode, target_max_size: int | None) -> tuple[PolicyViolation, ...]:
    """Policy rules the resolved mode breaks, known before any compile."""
    found = []
    option = "[go-static].allowed_libcs"
    if policy.allowed_libcs and mode.libc not in policy.allowed_libcs:
        allowed = [l for l in policy.allowed_libcs if l != "none"] or ["none"]
        hint = (
            "drop the cgo dependencies so libc=\"auto\" resolves to \"none\""
            if allowed == ["none"] else f'set libc="{allowed[0]}" on the target'
        )
        found.append(PolicyViolation(
            "policy-libc", f'resolves to libc="{mode.libc}", which the policy does not allow '
            f"(allowed: {', '.join(policy.allowed_libcs)}).", option, policy.origin(option),
            f"{hint}, or add \"{mode.libc}\" to {option}.",
        ))
    option = "[go-static].dlopen_allowlist"
    if mode.allow_dlopen and not address_matches(mode.address, policy.dlopen_allowlist):
        found.append(PolicyViolation(
            "policy-dlopen", "sets allow_dlopen=True, but the target is not on the dlopen allowlist "
            f"({', '.join(policy.dlopen_allowlist) or 'empty'}).", option, policy.origin(option),
            f'remove allow_dlopen=True (and the dlopen call), or add "{mode.address}" to {option}.',
        ))
    option = "[go-static].require_static_pie"
    if policy.require_static_pie and not mode.static_pie:
        found.append(PolicyViolation(
            "policy-static-pie", "is not a static-pie, and the policy requires one.", option,
            policy.origin(option), "set static_pie=True on the target.",
        ))
    option = "[go-static].max_size"
    if policy.max_size is not None and target_max_size is not None and target_max_size > policy.max_size:
        found.append(PolicyViolation(
            "policy-max-size-loosened", f"sets max_size={format_size(target_max_size)}, above the "
            f"repo budget of {format_size(policy.max_size)}; a target may tighten the budget, not loosen it.",
            option, policy.origin(option),
            f'set max_size to at most "{format_size(policy.max_size).replace(" ", "")}" on the target, '
            f"or raise {option}.",
        ))
    return tuple(found)


def size_violation(policy: Policy, target_max_size: int | None, size: int) -> PolicyViolation | None:
    """The post-link size budget: the tighter of the repo's and the target's."""
    budget = effective_max_size(policy, target_max_size)
    if budget is None or size <= budget:
        return None
    from_target = target_max_size is not None and target_max_size == budget
    option = "the target's max_size field" if from_target else "[go-static].max_size"
    return PolicyViolation(
        "policy-max-size", f"is {format_size(size)}, over its size budget of {format_size(budget)} "
        f"by {format_size(size - budget)}.", option,
        "its BUILD file" if from_target else policy.origin("[go-static].max_size"),
        'shrink it (ldflags=["-s", "-w"] drops symbols and DWARF; fewer dependencies), or raise '
        f"{option} if the growth is intended.",
    )


def origins_from_ranks(ranks: Mapping[str, str], scope: str = "go-static") -> tuple[tuple[str, str], ...]:
    """Where each option was set, from Pants' option ranks (CONFIG, ENVIRONMENT, FLAG, ...)."""
    described = []
    for name, rank in ranks.items():
        flag = f"--{scope}-{name.replace('_', '-')}"
        env = f"PANTS_{scope.upper().replace('-', '_')}_{name.upper()}"
        where = {"CONFIG": "pants.toml (or another config file)", "CONFIG_DEFAULT": "pants.toml [DEFAULT]",
                 "ENVIRONMENT": f"the environment ({env})", "FLAG": f"the command line ({flag})"}.get(rank, "the default")
        described.append((f"[{scope}].{name}", where))
    return tuple(described)

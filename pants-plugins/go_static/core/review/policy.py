"""Repo-wide static-linking policy from `[go-static]`, which BUILD files cannot weaken. Pants-free.

`intent_violations` runs before the build (libc, dlopen, static-pie, a target loosening the size
budget); `size_violation` after the link. Every violation names the option, where it was set,
the target, and the exact change that satisfies it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from go_static.core.checker.expectation import Violation
from go_static.core.errors import GoStaticError, Problem
from go_static.core.names import FIPS_LATEST, FIPS_OFF, NONE
from go_static.core.sizes import format_size

if TYPE_CHECKING:
    from go_static.core.mode.build_mode import BuildMode


class PolicyError(GoStaticError):
    """A target breaks the repo's static-linking policy; raised before anything is built."""

    code = "policy"

    def __init__(self, message: str, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self._codes = codes

    @property
    def codes(self) -> tuple[str, ...]:
        return self._codes or (self.code,)


@dataclass(frozen=True)
class PolicyViolation:
    """One policy rule a target breaks: a stable code, what, where the rule was set, and the fix."""

    code: str
    problem: str
    option: str
    origin: str  # e.g. "pants.toml", "--go-static-allowed-libcs", "PANTS_GO_STATIC_MAX_SIZE"
    fix: str

    def render(self, address: str) -> str:
        policy = (("Policy", f"{self.option}, set in {self.origin}."),)
        return Problem(self.problem, "", self.fix, details=policy).render(address)


@dataclass(frozen=True)
class Policy:
    """The `[go-static]` policy options and where each was set."""

    allowed_libcs: tuple[str, ...] = ()  # () = any
    dlopen_allowlist: tuple[str, ...] = ("*",)
    require_static_pie: bool = False
    max_size: int | None = None
    # Address globs of the targets that must build a FIPS 140 module (area: FIPS).
    require_fips: tuple[str, ...] = ()
    origins: tuple[tuple[str, str], ...] = ()  # (option name, where it was set)

    def origin(self, option: str) -> str:
        return dict(self.origins).get(option, "the default")


def address_matches(address: str, globs: tuple[str, ...]) -> bool:
    """Address globs: `src/go/**` (a subtree), `src/go:*` (a directory), or exact addresses."""
    for glob in globs:
        if fnmatch.fnmatchcase(address, glob):
            return True
        if glob.endswith("/**") and (
            address.startswith(glob[:-2]) or address.startswith(glob[:-3] + ":")
        ):
            return True
    return False


def effective_max_size(policy: Policy, target_max_size: int | None) -> int | None:
    sizes = [s for s in (policy.max_size, target_max_size) if s is not None]
    return min(sizes) if sizes else None


def _libc_violation(policy: Policy, mode: BuildMode) -> PolicyViolation | None:
    option = "[go-static].allowed_libcs"
    if not policy.allowed_libcs or mode.libc in policy.allowed_libcs:
        return None
    allowed = [libc for libc in policy.allowed_libcs if libc != NONE] or [NONE]
    hint = (
        'drop the cgo dependencies so libc="auto" resolves to "none"'
        if allowed == [NONE]
        else f'set libc="{allowed[0]}" on the target'
    )
    return PolicyViolation(
        "policy-libc",
        f'resolves to libc="{mode.libc}", which the policy does not allow '
        f"(allowed: {', '.join(policy.allowed_libcs)}).",
        option,
        policy.origin(option),
        f'{hint}, or add "{mode.libc}" to {option}.',
    )


def _dlopen_violation(policy: Policy, mode: BuildMode) -> PolicyViolation | None:
    option = "[go-static].dlopen_allowlist"
    if not mode.allow_dlopen or address_matches(mode.address, policy.dlopen_allowlist):
        return None
    return PolicyViolation(
        "policy-dlopen",
        "sets allow_dlopen=True, but the target is not on the dlopen allowlist "
        f"({', '.join(policy.dlopen_allowlist) or 'empty'}).",
        option,
        policy.origin(option),
        f'remove allow_dlopen=True (and the dlopen call), or add "{mode.address}" to {option}.',
    )


def _static_pie_violation(policy: Policy, mode: BuildMode) -> PolicyViolation | None:
    option = "[go-static].require_static_pie"
    if not policy.require_static_pie or mode.static_pie:
        return None
    return PolicyViolation(
        "policy-static-pie",
        "is not a static-pie, and the policy requires one.",
        option,
        policy.origin(option),
        "set static_pie=True on the target.",
    )


def _loosened_size_violation(policy: Policy, target_max_size: int | None) -> PolicyViolation | None:
    option = "[go-static].max_size"
    if policy.max_size is None or target_max_size is None or target_max_size <= policy.max_size:
        return None
    return PolicyViolation(
        "policy-max-size-loosened",
        f"sets max_size={format_size(target_max_size)}, above the repo budget of "
        f"{format_size(policy.max_size)}; a target may tighten the budget, not loosen it.",
        option,
        policy.origin(option),
        # Exact bytes: a rounded "1.1MiB" could itself exceed a 1.05 MiB budget.
        f"set max_size to at most {policy.max_size} (bytes) on the target, or raise {option}.",
    )


def _fips_violation(policy: Policy, mode: BuildMode) -> PolicyViolation | None:
    option = "[go-static].require_fips"
    if mode.fips != FIPS_OFF or not address_matches(mode.address, policy.require_fips):
        return None
    return PolicyViolation(
        "policy-fips",
        f'builds no FIPS 140 module (fips="{FIPS_OFF}"), and the policy requires one for '
        f"{', '.join(policy.require_fips)}: its crypto would be Go's ordinary code, which no FIPS "
        "validation covers.",
        option,
        policy.origin(option),
        f'set fips="{FIPS_LATEST}" on the target (or a frozen module such as "v1.0.0": Go\'s own '
        "module is pure Go, so the binary stays static with any libc), or take the address out "
        f"of {option}.",
    )


def intent_violations(
    policy: Policy, mode: BuildMode, target_max_size: int | None
) -> tuple[PolicyViolation, ...]:
    """Policy rules the resolved mode breaks, known before any compile."""
    found = (
        _libc_violation(policy, mode),
        _dlopen_violation(policy, mode),
        _static_pie_violation(policy, mode),
        _loosened_size_violation(policy, target_max_size),
        _fips_violation(policy, mode),
    )
    return tuple(v for v in found if v is not None)


def size_violation(policy: Policy, target_max_size: int | None, size: int) -> Violation | None:
    """The post-link size budget (the tighter of the repo's and the target's), as a violation."""
    budget = effective_max_size(policy, target_max_size)
    if budget is None or size <= budget:
        return None
    from_target = target_max_size is not None and target_max_size == budget
    option = "the target's max_size field" if from_target else "[go-static].max_size"
    origin = "its BUILD file" if from_target else policy.origin("[go-static].max_size")
    return Violation(
        "policy-max-size",
        f"{size} bytes ({format_size(size)})",
        f"it is {format_size(size)}, over its size budget of {format_size(budget)} by "
        f"{format_size(size - budget)}; the budget is {option}, set in {origin}",
        'shrink it (ldflags=["-s", "-w"] drops symbols and DWARF; fewer dependencies), or raise '
        f"{option} if the growth is intended",
    )


def origins_from_ranks(
    ranks: Mapping[str, str], scope: str = "go-static"
) -> tuple[tuple[str, str], ...]:
    """Where each option was set, from Pants' option ranks (CONFIG, ENVIRONMENT, FLAG, ...)."""
    described = []
    for name, rank in ranks.items():
        flag = f"--{scope}-{name.replace('_', '-')}"
        env = f"PANTS_{scope.upper().replace('-', '_')}_{name.upper()}"
        where = {
            "CONFIG": "pants.toml (or another config file)",
            "CONFIG_DEFAULT": "pants.toml [DEFAULT]",
            "ENVIRONMENT": f"the environment ({env})",
            "FLAG": f"the command line ({flag})",
        }.get(rank, "the default")
        described.append((f"[{scope}].{name}", where))
    return tuple(described)

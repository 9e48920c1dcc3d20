"""FIPS 140 intent: which FIPS module goes in, how go is told, and what build info must then say.

Pants-free. Go's own module (GOFIPS140) is pure Go, so it stays static with any libc; BoringCrypto
(GOEXPERIMENT=boringcrypto) is C linked through cgo, so it needs a C library and the two arches
Go ships its object for. `problems` rejects the rest, `decisions` says why each setting is chosen.
"""

from __future__ import annotations

import os
import re
from typing import Iterator

from go_static.core.checker.buildinfo import fips_module_label
from go_static.core.errors import Problem
from go_static.core.mode.decision import Decision
from go_static.core.mode.intent import Intent
from go_static.core.names import (
    AUTO,
    FIPS_BORINGCRYPTO,
    FIPS_GO_ALIASES,
    FIPS_LATEST,
    FIPS_OFF,
    GLIBC,
    NONE,
)

# cmd/go's own check: a semantic version, optionally with a -suffix, before it looks it up.
_VERSION = re.compile(r"^v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$")
# The arches Go ships a BoringCrypto object for (crypto/internal/boring/syso).
BORINGCRYPTO_GOARCHES = ("amd64", "arm64")
# The build tag that makes go refuse GOFIPS140 (and swaps crypto for generic code).
_PUREGO = "purego"
# The longest name a GOROOT/lib/fips140/*.txt alias file may hold: a version, not a payload.
_MAX_ALIAS = 64


def is_native(fips: str) -> bool:
    """Go's own FIPS 140-3 module (GOFIPS140), not off and not BoringCrypto."""
    return fips not in (FIPS_OFF, FIPS_BORINGCRYPTO)


def is_fips(fips: str) -> bool:
    return fips != FIPS_OFF


def read_snapshots(goroot: str) -> tuple[tuple[str, str], ...] | None:
    """The GOFIPS140 names the SDK accepts besides off/latest: (name, version) from
    GOROOT/lib/fips140 (`v1.0.0.txt` holding `v1.0.0-c2097c7c`, or a `<version>.zip`)."""
    if not goroot:  # a downloaded SDK is not on this machine: go itself judges the value
        return None
    lib = os.path.join(goroot, "lib", "fips140")
    try:
        entries = sorted(os.listdir(lib))
    except OSError:
        return None
    found = []
    for entry in entries:
        name, ext = os.path.splitext(entry)
        if ext == ".zip" and _VERSION.match(name):
            found.append((name, name))
        elif ext == ".txt":
            try:
                with open(os.path.join(lib, entry), encoding="ascii") as f:
                    target = f.read(_MAX_ALIAS + 1).strip()
            except (OSError, UnicodeDecodeError):
                continue
            if _VERSION.match(target):
                found.append((name, target))
    return tuple(found)


def snapshot_version(intent: Intent) -> str | None:
    """The frozen module version build info will record for the fips field, if known."""
    if intent.fips == FIPS_LATEST or not is_native(intent.fips):
        return None
    return dict(intent.fips_snapshots or ()).get(intent.fips)


def implied_tags(fips: str, version: str | None) -> tuple[str, ...]:
    """The tag go adds itself for a frozen module (`fips140v1.0` for v1.0.0-c2097c7c): build
    info records it with -tags, so the check expects it."""
    version = version or (fips if _VERSION.match(fips) else None)
    if not is_native(fips) or fips == FIPS_LATEST or version is None:
        return ()
    major, minor = version[1:].split(".")[:2]
    return (f"fips140v{major}.{minor}",)


def goenv(fips: str) -> dict[str, str]:
    """The variables that select the FIPS module."""
    if fips == FIPS_BORINGCRYPTO:
        return {"GOEXPERIMENT": FIPS_BORINGCRYPTO}
    return {"GOFIPS140": fips} if is_native(fips) else {}


def choices_problems(intent: Intent) -> Iterator[Problem]:
    """Before `go list`: a fips value go would refuse fails here, with the SDK's own list."""
    fips = intent.fips
    if fips in (FIPS_OFF, FIPS_LATEST, FIPS_BORINGCRYPTO):
        return
    known = dict(intent.fips_snapshots or ())
    if intent.fips_snapshots is not None and fips in known:
        return
    if intent.fips_snapshots is None and (fips in FIPS_GO_ALIASES or _VERSION.match(fips)):
        return
    offered = [FIPS_OFF, FIPS_LATEST, *known, FIPS_BORINGCRYPTO]
    yield Problem(
        f"fips={fips!r} is not a FIPS module this Go SDK has.",
        "GOFIPS140 takes off, latest, or a frozen module version (or its alias) from the SDK's "
        "lib/fips140; go refuses any other value.",
        f"Use one of {', '.join(repr(v) for v in offered)}.",
    )


def problems(intent: Intent, libc: str) -> Iterator[Problem]:
    """Contradictions of the fips field with the rest of the intent (libc already derived)."""
    if is_native(intent.fips) and _PUREGO in intent.build_tags:
        yield Problem(
            f'fips="{intent.fips}" with build_tags containing "{_PUREGO}".',
            f"go refuses GOFIPS140 with the {_PUREGO} tag: the FIPS module's assembly is part "
            "of what is validated.",
            f'Remove "{_PUREGO}" from build_tags, or set fips="{FIPS_OFF}".',
        )
    if intent.fips != FIPS_BORINGCRYPTO:
        return
    if intent.goarch not in BORINGCRYPTO_GOARCHES:
        yield Problem(
            f'fips="{FIPS_BORINGCRYPTO}" for goarch="{intent.goarch}".',
            "Go ships the BoringCrypto module as a prebuilt object for linux/"
            f"{' and linux/'.join(BORINGCRYPTO_GOARCHES)} only.",
            f'Set fips="{FIPS_LATEST}" (Go\'s own FIPS module, pure Go, any arch), or build for '
            f"{' or '.join(BORINGCRYPTO_GOARCHES)}.",
        )
    if libc == GLIBC:
        yield Problem(
            f'fips="{FIPS_BORINGCRYPTO}" with libc="glibc" cannot be static.',
            "Go's BoringCrypto object calls getaddrinfo (BoringSSL's BIO socket code), and "
            "static glibc's getaddrinfo loads libnss_*.so at run time: the link warns, and the "
            "binary misbehaves on hosts with another glibc.",
            'Set libc="musl" (or "auto"; musl has no NSS, and the BoringCrypto binary links '
            f'statically), or fips="{FIPS_LATEST}".',
        )
    if libc == NONE:
        yield Problem(
            f'fips="{FIPS_BORINGCRYPTO}" needs cgo, but libc="none".',
            "BoringCrypto is C (BoringSSL's FIPS module) called through cgo; with cgo off go "
            "silently builds the ordinary crypto instead.",
            f'Set libc="musl" (or "auto"), or fips="{FIPS_LATEST}" (pure Go, static without a '
            "C library).",
        )


def pick_libc_for(intent: Intent) -> tuple[str, str] | None:
    """(why, decided_by) when the fips field alone makes libc="auto" need a C library."""
    if intent.fips == FIPS_BORINGCRYPTO and intent.libc == AUTO:
        return (
            f'fips="{FIPS_BORINGCRYPTO}" links BoringSSL through cgo',
            "field fips",
        )
    return None


def decisions(intent: Intent) -> list[Decision]:
    """Why the FIPS module is (or is not) in the binary."""
    fips = intent.fips
    if fips == FIPS_OFF:
        return []
    if fips == FIPS_BORINGCRYPTO:
        return [
            Decision(
                "GOEXPERIMENT",
                FIPS_BORINGCRYPTO,
                "BoringCrypto: crypto/* call BoringSSL's FIPS module, a C object linked through "
                "cgo, so the C library is linked statically with it.",
                "field fips",
            )
        ]
    version = snapshot_version(intent)
    if fips == FIPS_LATEST:
        what = "Go's FIPS 140-3 module from this SDK's own source (not a frozen, validated one)"
    elif version and version != fips:
        what = f"Go's frozen FIPS 140-3 module {version} ({fips!r} names it in GOROOT/lib/fips140)"
    else:
        what = f"Go's frozen FIPS 140-3 module {fips}"
    return [
        Decision(
            "GOFIPS140",
            fips,
            f"{what}; pure Go, so the binary stays static with any libc, and its GODEBUG "
            "defaults to fips140=on, so FIPS mode is on at run time without any setting.",
            "field fips",
        )
    ]


def module_label(fips: str, recorded: str | None) -> str:
    """What the mode says is inside, named as build info would name it (the report's fips)."""
    if fips == FIPS_BORINGCRYPTO:
        return fips_module_label(FIPS_OFF, FIPS_BORINGCRYPTO)
    return fips_module_label(recorded or fips if is_native(fips) else FIPS_OFF, "")

"""Tier 3: the post-link check inside `./pants package`, on fixtures that must fail it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pants_harness import package, wrote_nothing

FIXTURES = "tests/fixtures/go"
# target -> (extra options, violation code, text that must be in the message)
CASES = {
    "nss-glibc": (
        (),
        "nss-warning",
        'Fix: libc="musl" (musl has no NSS), or stop calling getpwnam from your C code.',
    ),
    "dlopen-musl": ((), "dlopen-symbol", "Why: musl's static dlopen always fails at run time"),
    "dlopen-glibc": (
        (),
        "dlopen-warning",
        "warning: Using 'dlopen' in statically linked applications",
    ),
    "musl-intent": (
        ("--go-static-musl-cc=gcc",),
        "libc-mismatch",
        "Why: the mode links musl, but the binary carries glibc.",
    ),
}


@pytest.mark.parametrize("target", sorted(CASES))
def test_violation_fails_the_build_and_writes_nothing(target: str, distdir: Path) -> None:
    options, code, text = CASES[target]
    result = package(distdir, f"{FIXTURES}:{target}", options=options)
    assert result.returncode != 0
    err = result.stderr
    assert (
        f"{FIXTURES}:{target}: the post-link static check failed for tests.fixtures.go/{target}"
        in err
    )
    assert f"  - {code}: " in err
    assert text in err
    assert "    Why: " in err and "    Fix: " in err
    assert "Traceback" not in err
    assert wrote_nothing(distdir)


def test_allow_dlopen_accepts_the_same_binary(distdir: Path) -> None:
    # The same program and libc as dlopen-glibc; only the declared intent differs.
    result = package(distdir, f"{FIXTURES}:dlopen-glibc-allowed")
    assert result.returncode == 0, result.stderr
    assert "static check passed: static, glibc" in result.stderr
    assert (distdir / "tests.fixtures.go" / "dlopen-glibc-allowed.static-report.json").exists()

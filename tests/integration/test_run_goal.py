"""Tier 3: `./pants run` of go_static_binary targets."""

from __future__ import annotations

from pants_harness import REPO_ROOT, run_pants


def test_run_passes_arguments_to_the_sample() -> None:
    result = run_pants("run", "src/go/cmd/hello:hello", "--", "a", "b c")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "hello: pure Go, version 1.2.3"
    assert lines[-1] == 'args: ["a" "b c"]'


def test_run_starts_in_the_workspace_and_returns_the_exit_status() -> None:
    result = run_pants("--build-ignore=[]", "run", "tests/fixtures/go:runinfo", "--", "x", "exit=3")
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines() == [f"cwd={REPO_ROOT}", 'args=["x" "exit=3"]']


def test_a_binary_failing_the_check_does_not_run() -> None:
    result = run_pants("--build-ignore=[]", "run", "tests/fixtures/go:nss-glibc", "--", "x")
    assert result.returncode == 1
    # pwlookup prints root's home directory when it runs; it must not have run at all.
    assert result.stdout == ""
    assert "GoStaticCheckError: tests/fixtures/go:nss-glibc: the post-link static check failed" in (
        result.stderr
    )
    assert "is not written to dist/, run, or put in an image." in result.stderr
    assert "Traceback" not in result.stderr


def test_run_of_a_foreign_arch_binary_goes_through_qemu_user() -> None:
    # No binfmt_misc here: the host can't exec an arm64 binary, so `run` calls qemu-user.
    result = run_pants("run", "src/go:cgocalc-musl-arm64")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "cgocalc: 6*7=42 computed in C"

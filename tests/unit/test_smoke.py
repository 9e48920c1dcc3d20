"""Tier 1: judging a smoke run (core.smoke): pass, every way to fail, and the explanation.

The bwrap argv and wrapper script are exercised for real by the integration tier; here the
judgement gets the exact inputs the rule gives it: the wrapper's exit-code file, bwrap's
`--json-status-fd` lines, and the captured output.
"""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from go_static.core.smoke import EXIT_CODE_FILE, STATUS_FILE, SmokeRun, judge, wrapper_script

RUN = SmokeRun(
    address="src/go/cmd/hello:smoke",
    binary="dist/hello",
    goarch="amd64",
    bwrap="/usr/bin/bwrap",
    qemu=None,
    args=("a",),
    expected_stdout=r"hello from \w+",
)
STARTED = '{"child-pid": 7}\n{"exit-code": 0}\n'
NEVER_STARTED = '{"child-pid": 7}\n'


def test_pass_when_exit_code_and_stdout_match() -> None:
    result = judge(RUN, RUN.bwrap_argv(), "0", STARTED, "hello from go\n", "")
    assert result.passed and result.exit_code == 0 and result.explanation == ""


def test_wrong_exit_code_and_stdout_are_both_reported() -> None:
    result = judge(RUN, RUN.bwrap_argv(), "3", STARTED, "bye\n", "panic: boom\n")
    assert not result.passed and result.exit_code == 3
    first = result.explanation.splitlines()[0]
    assert first == (
        "src/go/cmd/hello:smoke: the smoke test failed: it exited 3, expected 0; "
        "stdout does not match the regex 'hello from \\\\w+'."
    )
    assert "  panic: boom" in result.explanation and "  bye" in result.explanation
    assert "\n  Fix: if the expectation only holds on the host" in result.explanation
    assert "\n  Expected: exit code 0 and stdout matching" in result.explanation


def test_a_binary_that_never_started_names_the_loader_as_the_likely_cause() -> None:
    result = judge(RUN, RUN.bwrap_argv(), "1", NEVER_STARTED, "", "bwrap: execvp /hello: ENOENT")
    assert not result.passed
    assert "it never started in the empty root" in result.explanation
    assert "needs a loader or shared libraries" in result.explanation


def test_a_timeout_is_the_reason_even_without_an_exit_code() -> None:
    result = judge(RUN, RUN.bwrap_argv(), None, NEVER_STARTED, "", "", timed_out_after=30)
    assert not result.passed and result.exit_code is None
    assert "still running after the 30 s timeout" in result.explanation
    assert "Exit code: none (it did not run to the end)" in result.explanation


def test_unset_expected_stdout_checks_only_the_exit_code() -> None:
    run = SmokeRun("a:b", "bin/x", "arm64", "/usr/bin/bwrap", "/usr/bin/qemu-aarch64-static")
    assert judge(run, run.bwrap_argv(), "0", STARTED, "anything", "").passed
    failed = judge(run, run.bwrap_argv(), "2", STARTED, "", "")
    assert "exit code 0, running /x alone" in failed.explanation
    assert "(arm64, under qemu-aarch64-static:" in failed.explanation


def test_long_output_is_cut_to_its_tail() -> None:
    stdout = "".join(f"line {n}\n" for n in range(100))
    result = judge(RUN, RUN.bwrap_argv(), "0", STARTED, stdout, "")
    assert "  ... (80 lines above)" in result.explanation and "  line 99" in result.explanation
    assert "  line 79" not in result.explanation


def test_bwrap_argv_runs_foreign_arches_through_qemu_in_the_root() -> None:
    run = SmokeRun("a:b", "bin/x", "arm64", "/usr/bin/bwrap", "/q", args=("-v",), env=(("U", "1"),))
    argv = run.bwrap_argv()
    assert argv[-3:] == ("/qemu", "/x", "-v")
    assert ("--ro-bind", "/q", "/qemu") == argv[argv.index("/q") - 1 : argv.index("/q") + 2]
    assert ("--setenv", "U", "1") == argv[argv.index("U") - 1 : argv.index("U") + 2]


@pytest.mark.parametrize("code, expected, wrapper_exit", [(0, 0, 0), (3, 3, 0), (3, 0, 1)])
def test_wrapper_script_keeps_the_code_and_exits_zero_only_as_expected(
    tmp_path, code: int, expected: int, wrapper_exit: int
) -> None:
    # The real script under /bin/sh, with a stand-in for bwrap that writes the status line.
    script = tmp_path / "wrap.sh"
    script.write_text(wrapper_script(expected))
    payload = f"echo '{{\"exit-code\": {code}}}' >&3; exit {code}"
    proc = subprocess.run(["/bin/sh", str(script), "/bin/sh", "-c", payload], cwd=tmp_path)
    assert proc.returncode == wrapper_exit
    assert (tmp_path / EXIT_CODE_FILE).read_text() == str(code)
    assert '"exit-code"' in (tmp_path / STATUS_FILE).read_text()


def test_expected_stderr_is_matched_against_stderr_alone() -> None:
    # migrate -version prints its version on stderr.
    run = dataclasses.replace(RUN, expected_stdout=None, expected_stderr=r"^4\.20\.1$")
    assert judge(run, run.bwrap_argv(), "0", STARTED, "", "4.20.1\n").passed
    failed = judge(run, run.bwrap_argv(), "0", STARTED, "4.20.1\n", "")
    assert not failed.passed
    assert "stderr does not match the regex '^4\\\\.20\\\\.1$'" in failed.explanation
    assert "and stderr matching" in failed.explanation

"""A smoke run: one binary, alone in an empty root, and the judgement on what it did. Pants-free.

The root is a fresh tmpfs holding only the binary (and, for a foreign arch, the static
qemu-user binary that runs it), plus /proc and /dev, as a FROM scratch container has: no /etc,
no /lib, no /usr, no shell, no network, an empty environment. A hidden dependency on the host
(a loader, a libnss module, /etc/passwd, a resolver) shows up at once. bubblewrap builds the
root; qemu is called explicitly, because binfmt_misc may not be mounted.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass

from go_static.core.errors import Problem

# Where the binary and qemu sit inside the root.
ROOT_QEMU = "/qemu"
# Written next to the run by the wrapper script (see `wrapper_script`).
EXIT_CODE_FILE, STATUS_FILE = "__smoke_exit_code", "__smoke_status.json"
TAIL_LINES = 20
# What Go's runtime prints, before main, on a CPU below the binary's GOAMD64/GOARM64 level.
_CPU_LEVEL = re.compile(r"This program can only be run on \S+ processors with [^\n]*support\.")


@dataclass(frozen=True)
class SmokeRun:
    """What to run in the empty root, and what it must do there."""

    address: str
    binary: str  # the binary's path in the sandbox
    goarch: str
    bwrap: str
    qemu: str | None  # the static qemu-user binary, for a foreign arch
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    expected_stdout: str | None = None  # a regex, searched for in stdout
    expected_stderr: str | None = None  # a regex, searched for in stderr
    expected_exit_code: int = 0
    # A qemu CPU model (`-cpu`): the run goes through qemu even for the host's arch.
    cpu: str = ""

    @property
    def inside(self) -> str:
        """The binary's path inside the root."""
        return "/" + posixpath.basename(self.binary)

    def bwrap_argv(self) -> tuple[str, ...]:
        """bwrap's command line: a new tmpfs root with the binary, every namespace unshared."""
        argv = [
            self.bwrap,
            "--unshare-all",  # user, ipc, pid, net, uts, cgroup: no network, no host processes
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--hostname",
            "go-static-smoke",
            "--tmpfs",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--ro-bind",
            self.binary,
            self.inside,
        ]
        if self.qemu:
            argv += ["--ro-bind", self.qemu, ROOT_QEMU]
        for name, value in self.env:
            argv += ["--setenv", name, value]
        # bwrap writes {"exit-code": N} to fd 3 only when the payload really ran.
        argv += ["--json-status-fd", "3", "--chdir", "/", "--"]
        argv += [ROOT_QEMU] if self.qemu else []
        argv += ["-cpu", self.cpu] if self.qemu and self.cpu else []
        return (*argv, self.inside, *self.args)


def wrapper_script(expected_exit_code: int) -> str:
    """POSIX sh that runs bwrap and keeps its exit code in a file.

    It exits 0 exactly when the binary exited as expected, so Pants caches those runs (a test
    expecting exit 3 is cached like one expecting 0) and re-runs the failing ones.
    """
    return (
        '"$@" 3>' + STATUS_FILE + "\n"
        "code=$?\n"
        'printf "%s" "$code" > ' + EXIT_CODE_FILE + "\n"
        f'[ "$code" -eq {int(expected_exit_code)} ]\n'
    )


@dataclass(frozen=True)
class SmokeResult:
    """The judgement on one run: whether it passed, and the explanation when it did not."""

    passed: bool
    exit_code: int | None  # the binary's; None if it never ran or was killed
    explanation: str


def _tail(text: str) -> str:
    lines = text.rstrip("\n").splitlines()
    shown = lines[-TAIL_LINES:]
    head = [f"  ... ({len(lines) - len(shown)} lines above)"] if len(lines) > len(shown) else []
    return "\n".join(head + [f"  {line}" for line in shown]) or "  (empty)"


def _mismatches(
    run: SmokeRun,
    started: bool,
    code: int | None,
    stdout: str,
    stderr: str,
    timed_out_after: int | None,
) -> tuple[list[str], str]:
    """(every way the run differs from the expectation, the expectation in words)."""
    problems = []
    if timed_out_after is not None:
        problems.append(f"it was still running after the {timed_out_after} s timeout")
    elif not started:
        problems.append(
            "it never started in the empty root (bwrap could not run it; see stderr): a "
            "binary that needs a loader or shared libraries can't run there"
        )
    elif code != run.expected_exit_code:
        problems.append(f"it exited {code}, expected {run.expected_exit_code}")
        level = _CPU_LEVEL.search(stderr)
        if level:
            model = f" (qemu -cpu {run.cpu})" if run.cpu else ""
            problems.append(
                f"the CPU{model} lacks the level the binary was built for: Go's runtime said "
                f"{level.group(0)!r} and stopped before main; build with a lower goamd64/goarm64, "
                "or ship it only where CPUs have that level"
            )
    expected = f"exit code {run.expected_exit_code}"
    for name, pattern, text in (
        ("stdout", run.expected_stdout, stdout),
        ("stderr", run.expected_stderr, stderr),
    ):
        if pattern is None:
            continue
        expected += f" and {name} matching {pattern!r}"
        if not re.search(pattern, text):
            problems.append(f"{name} does not match the regex {pattern!r}")
    return problems, expected


def _explanation(
    run: SmokeRun,
    argv: tuple[str, ...],
    code: int | None,
    problems: list[str],
    expected: str,
    stdout: str,
    stderr: str,
) -> str:
    """The failure as a Problem naming the test, then the tails of what the binary printed."""
    under = f", under {posixpath.basename(run.qemu)}" if run.qemu else ""
    under += f" -cpu {run.cpu}" if run.qemu and run.cpu else ""
    problem = Problem(
        f"the smoke test failed: {'; '.join(problems)}.",
        "A smoke test proves the binary runs with nothing from the host.",
        "if the expectation only holds on the host (a user from /etc/passwd, DNS from "
        "/etc/resolv.conf, a file under /usr), make the binary not need it, or set what it needs "
        "through `env`; else fix `expected_stdout`, `expected_stderr` or `expected_exit_code`.",
        details=(
            (
                "Expected",
                f"{expected}, running {run.inside} alone in an empty root ({run.goarch}{under}: "
                "no /etc, /lib, /usr, shell or network).",
            ),
            ("Command", shlex.join(argv)),
            ("Exit code", "none (it did not run to the end)" if code is None else str(code)),
        ),
    )
    return "\n".join(
        [
            problem.render(run.address),
            "stdout (tail):",
            _tail(stdout),
            "stderr (tail):",
            _tail(stderr),
        ]
    )


def judge(
    run: SmokeRun,
    argv: tuple[str, ...],
    exit_code_text: str | None,
    status_text: str,
    stdout: str,
    stderr: str,
    timed_out_after: int | None = None,
) -> SmokeResult:
    """Compare what the binary did with what the test expects."""
    started = any("exit-code" in json.loads(line) for line in status_text.splitlines() if line)
    code = int(exit_code_text) if exit_code_text and exit_code_text.strip() else None
    problems, expected = _mismatches(run, started, code, stdout, stderr, timed_out_after)
    if not problems:
        return SmokeResult(True, code, "")
    explanation = _explanation(run, argv, code, problems, expected, stdout, stderr)
    return SmokeResult(False, code, explanation)

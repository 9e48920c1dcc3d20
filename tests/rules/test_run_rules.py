"""Tier 2: `pants run`'s RunRequest and the Docker daemon check, under Pants' RuleRunner."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pants.backend.docker.target_types import DockerImageTags, DockerImageTarget
from pants.core.goals.run import RunRequest
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_static.docker.daemon import DockerDaemonCheckRequest
from go_static.rules.host_tools import HostTool, HostToolRequest
from go_static.rules.plan import GoStaticBinaryFieldSet

GO_MOD = "module example.com/run\n\ngo 1.21\n"
ECHO = (
    'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\n'
    'func main() { fmt.Printf("%q\\n", os.Args[1:]) }\n'
)


@pytest.fixture(scope="module")
def rule_runner(make_rule_runner) -> RuleRunner:
    runner = make_rule_runner(
        QueryRule(RunRequest, [GoStaticBinaryFieldSet]),
        QueryRule(DockerImageTags, [DockerDaemonCheckRequest]),
        QueryRule(HostTool, [HostToolRequest]),
        target_types=[DockerImageTarget],
        docker=True,
    )
    runner.write_files(
        {
            "run/go.mod": GO_MOD,
            "run/main.go": ECHO,
            "run/BUILD": 'go_static_binary(name="echo", output_path="bins/echo")\n'
            # 1 KiB: the post-link check fails it after a real build.
            'go_static_binary(name="too-big", max_size="1KiB")\n'
            'docker_image(name="img", dependencies=[":echo"], '
            'instructions=["FROM scratch", "COPY bins/echo /echo"])\n',
        }
    )
    return runner


def run_request(rule_runner: RuleRunner, name: str) -> RunRequest:
    target = rule_runner.get_target(Address("run", target_name=name))
    return rule_runner.request(RunRequest, [GoStaticBinaryFieldSet.create(target)])


def test_run_request_runs_the_checked_binary_from_its_chroot(
    rule_runner: RuleRunner, tmp_path: Path
) -> None:
    request = run_request(rule_runner, "echo")
    assert request.args == ("{chroot}/bins/echo",)
    contents = {fc.path: fc for fc in rule_runner.request(DigestContents, [request.digest])}
    # The report, the SBOM and the provenance ride along beside the binary, as in dist/.
    assert set(contents) == {
        "bins/echo",
        "bins/echo.static-report.json",
        "bins/echo.cdx.json",
        "bins/echo.intoto.json",
    }
    binary = tmp_path / "echo"
    binary.write_bytes(contents["bins/echo"].content)
    assert contents["bins/echo"].is_executable
    os.chmod(binary, 0o755)
    # What `pants run` does with the request: substitute {chroot}, append the user's args.
    argv = [a.replace("{chroot}/bins", str(tmp_path)) for a in request.args]
    out = subprocess.run([*argv, "a", "b c"], capture_output=True, text=True, timeout=60)
    assert out.stdout == '["a" "b c"]\n'


def test_a_binary_failing_the_check_gets_no_run_request(rule_runner: RuleRunner) -> None:
    with pytest.raises(ExecutionError) as caught:
        run_request(rule_runner, "too-big")
    message = str(caught.value)
    assert "run:too-big: the post-link static check failed" in message
    assert "policy-max-size" in message
    assert "is not written to dist/, run, or put in an image" in message


@pytest.mark.skipif(not shutil.which("docker"), reason="no docker client; .ci/run installs it")
def test_an_unreachable_daemon_names_the_image_and_the_fix(rule_runner: RuleRunner) -> None:
    # A socket nobody listens on: the same answer as a stopped daemon, without stopping one.
    rule_runner.configure(
        "--docker-env-vars=['DOCKER_HOST=unix:///nonexistent/docker.sock']",
        "--go-static-docker-start-hint=run `sudo start-docker`",
    )
    target = rule_runner.get_target(Address("run", target_name="img"))
    try:
        with pytest.raises(ExecutionError) as caught:
            rule_runner.request(DockerImageTags, [DockerDaemonCheckRequest(target)])
    finally:
        rule_runner.configure()
    message = str(caught.value)
    assert "DockerDaemonError: run:img: the Docker daemon does not answer" in message
    assert "unix:///nonexistent/docker.sock" in message
    assert "Fix: run `sudo start-docker`, then run this again." in message


def _host_tool_request(name: str, search_path: tuple[str, ...]) -> HostToolRequest:
    return HostToolRequest(
        name=name,
        package="coreutils",
        search_path=search_path,
        search_path_option="[example].search_path",
        needed_for="the example",
        fix_otherwise="do without",
    )


def test_host_tool_is_found_with_a_fingerprint(rule_runner: RuleRunner) -> None:
    tool = rule_runner.request(
        HostTool, [_host_tool_request("ls", ("/nonexistent", "/usr/bin", "/bin"))]
    )
    assert tool.path in ("/usr/bin/ls", "/bin/ls")
    assert len(tool.fingerprint) == 64  # sha256 of `ls --version`


def test_missing_host_tool_names_the_path_the_option_and_the_package(
    rule_runner: RuleRunner,
) -> None:
    with pytest.raises(ExecutionError) as raised:
        rule_runner.request(HostTool, [_host_tool_request("ls", ("/nonexistent",))])
    message = str(raised.value)
    assert "`ls` was not found in ['/nonexistent'] ([example].search_path)" in message
    assert "the example needs it" in message
    assert "apt-get install coreutils (Debian), or do without" in message

"""The pinned Go tools' rules (go_static.rules.go_tools): a version option that names no module
version fails before anything is downloaded, naming the option, for crane and cosign alike."""

from __future__ import annotations

import subprocess

import pytest
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule

from go_static.core.oci.cosign import DEFAULT_COSIGN_VERSION
from go_static.rules.cosign import Cosign
from go_static.rules.crane import Crane


@pytest.mark.parametrize("tool, option", [(Cosign, "go-static-cosign"), (Crane, "go-static-crane")])
def test_a_version_that_is_no_module_version_names_the_option(
    make_rule_runner, tool: type, option: str
) -> None:
    runner = make_rule_runner(QueryRule(tool, []))
    runner.configure(f"--{option}-version=v1.2.3\nreplace example.com/x => ../x")
    with pytest.raises(ExecutionError) as caught:
        runner.request(tool, [])
    message = str(caught.value)
    assert (
        f"[{option}].version: 'v1.2.3\\nreplace example.com/x => ../x' is not a module version"
        in message
    )
    assert "Fix: Set it to a released version, e.g. the default." in message


@pytest.mark.gotools
def test_cosign_is_built_by_the_rule_and_reports_its_version(make_rule_runner, tmp_path) -> None:
    runner = make_rule_runner(QueryRule(Cosign, []))
    cosign = runner.request(Cosign, [])
    assert cosign.path == "go-static-cosign/cosign" and cosign.version == DEFAULT_COSIGN_VERSION
    runner.write_digest(cosign.digest, path_prefix="out")
    binary = f"{runner.build_root}/out/{cosign.path}"
    version = subprocess.run(
        [binary, "version"], capture_output=True, text=True, timeout=60, env={"HOME": str(tmp_path)}
    )
    assert version.returncode == 0, version.stderr
    assert f"GitVersion:    {DEFAULT_COSIGN_VERSION}" in version.stdout + version.stderr

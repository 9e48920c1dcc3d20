"""The pinned Go tools' rules (go_static.rules.go_tools): a version option that names no module
version fails before anything is downloaded, naming the option, for crane and cosign alike."""

from __future__ import annotations

import pytest
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule

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


# The rule's real build is the one `pants publish` runs for crane (test_publish.py); cosign's own
# build is tested once per machine in tests/unit/oci/test_oci_go_tools.py, not twice.

"""The RuleRunner every tier-2 test builds on: the go_static backend's rules and targets, with the
host's PATH and HOME (the real Go SDK, zig and gcc run), plus the queries a test asks for."""

from __future__ import annotations

import os
from typing import Callable, Iterable, Mapping

import pytest
from pants.backend.docker.util_rules import docker_binary
from pants.core.util_rules import external_tool
from pants.engine import download_file
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_static import register
from go_static.docker import register as docker_register

ENV_INHERIT = frozenset({"PATH", "HOME"})


class GoStaticRuleRunner(RuleRunner):
    """A RuleRunner for the go_static backend; `configure` sets options the way every test does."""

    def configure(self, *options: str, env: Mapping[str, str] | None = None) -> None:
        """Set options (a fresh session), inheriting only PATH and HOME from the host."""
        self.set_options(list(options), env=env, env_inherit=set(ENV_INHERIT))


def rule_runner_for(
    *queries: QueryRule,
    target_types: Iterable[type] = (),
    options: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    docker: bool = False,
    **kwargs,
) -> GoStaticRuleRunner:
    """The backend's rules (and the docker backend's, with `docker=True`) plus `queries`."""
    # Pants' own download and archive rules, which a real run always has: downloaded toolchains.
    rules = [*register.rules(), *external_tool.rules(), *download_file.rules(), *queries]
    if docker:
        rules += [*docker_register.rules(), *docker_binary.rules()]
    # As build-support/bootstrap.sh sets it for a real run: Pants' own downloads (the pinned
    # toolchains) trust what the machine's HTTPS proxy presents.
    kwargs.setdefault("ca_certs_path", os.environ.get("PANTS_CA_CERTS_PATH"))
    runner = GoStaticRuleRunner(
        rules=rules, target_types=[*register.target_types(), *target_types], **kwargs
    )
    runner.configure(*options, env=env)
    return runner


@pytest.fixture(scope="session")
def make_rule_runner() -> Callable[..., GoStaticRuleRunner]:
    """`rule_runner_for`, as a fixture: `make_rule_runner(QueryRule(...), options=[...])`."""
    return rule_runner_for

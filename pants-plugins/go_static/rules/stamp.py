"""Rules: the values `{git_commit}`, `{git_describe}` and `{env:NAME}` stand for in this run.

Only asked for when `[go-static].stamp` is on and a target's x_defs use a placeholder. Git is read
outside the sandbox (as Pants' own `--changed-since` does), so the rule re-runs in every session;
the values are plain data, so targets whose values didn't change aren't rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.util_rules.system_binaries import GitBinaryException
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel
from pants.vcs.git import GitWorktree, GitWorktreeRequest, MaybeGitWorktree

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.mode.stamp import StampValues


class StampError(GoStaticError):
    """Stamping is on, and git can't say what the placeholders stand for."""

    code = "stamp"


@dataclass(frozen=True)
class StampRequest:
    """The stamp values one target's x_defs use."""

    address: str
    env_names: tuple[str, ...]
    needs_git: bool


def _git(worktree: GitWorktree, *args: str) -> str:
    # GitWorktree has no `describe`; this is the same unsandboxed call its commit_id makes.
    return worktree._git_binary._invoke_unsandboxed(worktree._create_git_cmdline(list(args)))


@rule(desc="Read the stamp values from git and the environment", level=LogLevel.DEBUG)
async def stamp_values(request: StampRequest) -> StampValues:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(request.env_names))
    values = tuple((name, env.get(name) or "") for name in request.env_names)
    if not request.needs_git:
        return StampValues(env=values)
    maybe = await Get(MaybeGitWorktree, GitWorktreeRequest())
    problem = Problem(
        "its x_defs use {git_commit} or {git_describe}, and [go-static].stamp is on, but git "
        "can't describe this checkout",
        "",
        "Build from a git checkout with at least one commit (and `git` on the PATH), or turn "
        "stamping off for this build (--no-go-static-stamp).",
    )
    if maybe.git_worktree is None:
        raise StampError(render_problems(request.address, [problem]))
    try:
        commit = _git(maybe.git_worktree, "rev-parse", "HEAD")
        describe = _git(maybe.git_worktree, "describe", "--tags", "--always", "--dirty")
    except GitBinaryException as e:
        why = f"git says: {str(e).strip()}"
        raise StampError(
            render_problems(request.address, [Problem(problem.what, why, problem.fix)])
        ) from None
    return StampValues(git_commit=commit, git_describe=describe, env=values)


def rules():
    return collect_rules()

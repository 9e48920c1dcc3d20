"""Rules: what a stamped build reads from this run: git's state and `{env:NAME}` values.

Only asked for when `[go-static].stamp` is on. Git is read outside the sandbox (as Pants' own
`--changed-since` does), once per session for the whole checkout; the values are plain data, so
targets whose values didn't change aren't rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.util_rules.system_binaries import GitBinaryException
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.rules import Get, collect_rules, rule
from pants.option.global_options import GlobalOptions
from pants.util.logging import LogLevel
from pants.vcs.git import GitWorktree, GitWorktreeRequest, MaybeGitWorktree

from go_static.core.errors import Problem
from go_static.core.mode.intent import StampError
from go_static.core.mode.stamp import StampValues, VcsStamp

logger = logging.getLogger(__name__)
# Git's answers are data for keys and messages: a longer one is not an answer to these commands.
_MAX_ANSWER = 4096


@dataclass(frozen=True)
class StampRequest:
    """The stamp values one target's x_defs use."""

    address: str
    env_names: tuple[str, ...]
    needs_git: bool


@dataclass(frozen=True)
class GitCheckoutRequest:
    """Read the build root's git checkout, once per session."""


@dataclass(frozen=True)
class GitCheckout:
    """What git says about the build root: for `{git_commit}`, `{git_describe}` and VCS stamping.

    `problem` says why a value is missing; it fails only the targets that need that value."""

    commit: str = ""
    describe: str = ""
    commit_time: str = ""  # the commit's committer time, seconds since 1970
    vcs: VcsStamp | None = None
    problem: str = ""


def _git(worktree: GitWorktree, *args: str) -> str:
    # GitWorktree has only a few commands; this is the same unsandboxed call its commit_id makes.
    answer = worktree._git_binary._invoke_unsandboxed(worktree._create_git_cmdline(list(args)))
    return answer[:_MAX_ANSWER]


def _clean(value: str, what: str) -> str:
    """A value from git that goes into an environment variable, checked."""
    if not value or "\n" in value or "\0" in value:
        raise GitBinaryException(f"git gave no usable {what}: {value[:80]!r}")
    return value


@rule(desc="Read the git checkout for stamping", level=LogLevel.DEBUG)
async def read_checkout(
    _: GitCheckoutRequest, build_root: BuildRoot, global_options: GlobalOptions
) -> GitCheckout:
    maybe = await Get(MaybeGitWorktree, GitWorktreeRequest())
    worktree = maybe.git_worktree
    if worktree is None:
        return GitCheckout(problem="the build root is not in a git checkout (or git is missing)")
    try:
        commit = _clean(_git(worktree, "rev-parse", "HEAD"), "commit")
        describe = _git(worktree, "describe", "--tags", "--always", "--dirty")
        commit_time = _git(worktree, "log", "-1", "--format=%ct", commit).strip()
    except GitBinaryException as e:
        return GitCheckout(problem=f"git says: {str(e).strip()[:_MAX_ANSWER]}")
    if os.path.realpath(str(worktree.worktree)) != os.path.realpath(build_root.path):
        logger.warning(
            f"[go-static].stamp: the build root {build_root.path} is not the top of its git "
            f"checkout ({worktree.worktree}), so builds record no VCS state (vcs.revision, "
            "vcs.time, vcs.modified) in build info: `go build` would read the go.mod at the "
            "checkout's top, which Pants can't give a build."
        )
        return GitCheckout(commit=commit, describe=describe, commit_time=commit_time)
    if global_options.remote_execution:
        problem = Problem(
            "[go-static].stamp is on under --remote-execution.",
            "A stamped build records this checkout's VCS state in build info, the way `go "
            "build` does: go reads the git repository itself, and a remote worker has no "
            "copy of it.",
            "build stamped release binaries locally (`--no-remote-execution`; the remote "
            "cache still serves the rest), or leave stamping off for remote builds.",
        )
        raise StampError("", [problem])
    try:
        git_dir = _clean(_git(worktree, "rev-parse", "--absolute-git-dir"), "git dir")
        status = _git(worktree, "status", "--porcelain")
        refs = _git(worktree, "for-each-ref", "--format=%(objectname) %(refname)", "refs/tags")
    except GitBinaryException as e:
        return GitCheckout(
            commit=commit, describe=describe, commit_time=commit_time, problem=f"git says: {e}"
        )
    vcs = VcsStamp(
        git_dir=git_dir,
        work_tree=str(worktree.worktree),
        revision=commit,
        modified=bool(status.strip()),
        refs_digest=hashlib.sha256(refs.encode()).hexdigest(),
    )
    return GitCheckout(commit=commit, describe=describe, commit_time=commit_time, vcs=vcs)


@rule(desc="Read the stamp values from git and the environment", level=LogLevel.DEBUG)
async def stamp_values(request: StampRequest) -> StampValues:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(request.env_names))
    values = tuple((name, env.get(name) or "") for name in request.env_names)
    checkout = await Get(GitCheckout, GitCheckoutRequest())
    if request.needs_git and not checkout.commit:
        problem = Problem(
            "its x_defs use {git_commit} or {git_describe}, and [go-static].stamp is on, but git "
            "can't describe this checkout",
            checkout.problem,
            "Build from a git checkout with at least one commit (and `git` on the PATH), or turn "
            "stamping off for this build (--no-go-static-stamp).",
        )
        raise StampError(request.address, [problem])
    return StampValues(
        git_commit=checkout.commit, git_describe=checkout.describe, env=values, vcs=checkout.vcs
    )


def rules():
    return collect_rules()

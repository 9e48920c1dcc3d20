"""Every variable in a `go` process's environment, each a `Decision` with its reason.

Pants-free: the process rule sets exactly these, and the explain goal prints them. The sandbox
paths are named caches, relative to the sandbox; a wrapper script makes them absolute inside it.
"""

from __future__ import annotations

import os
from typing import Mapping

from go_static.core.gograph.goenv import GoEnv
from go_static.core.mode.decision import Decision
from go_static.core.mode.stamp import VcsStamp
from go_static.core.mode.toolchains import CCompiler, GoSdk

# Named caches: Go's build and module caches and zig's cache survive across sandboxes, so
# rebuilds are incremental; all tolerate concurrent writers. Neither their contents nor where
# they live are part of a process's cache key, which is why the toolchain links live in one.
GOCACHE_DIR, GOMODCACHE_DIR, ZIGCACHE_DIR, TOOLCHAINS_DIR = (
    ".go-static-cache/go-build",
    ".go-static-cache/go-mod",
    ".go-static-cache/zig",
    ".go-static-toolchains",
)
# Where a module download step sees the module cache: a `file://` proxy in front of the network.
MODULE_PROXY_DIR = ".go-static-cache/go-mod-proxy"
# A module proxy that serves nothing: downloads fail, as under GOPROXY=off.
EMPTY_MODULE_PROXY = "file:///dev/null"
# Keys a stamped build by the checkout's state; go never reads it.
VCS_KEY = "__GO_STATIC_VCS_STATE"

FIXED_ENV = (
    ("GOTOOLCHAIN", "local", "never download another toolchain; go.mod's go line must fit the SDK"),
    (
        "GOENV",
        "off",
        "the host's `go env -w` file is read by the plugin, which passes on only network settings",
    ),
    ("GOFLAGS", "", "host GOFLAGS never override the mode"),
    ("LC_ALL", "C", "English compiler and linker messages, so the post-link check can parse them"),
)


def gowork_setting(go_work: str | None) -> Decision:
    """GOWORK as the process gets it: the workspace's go.work in the sandbox, or off."""
    if go_work is None:
        return Decision(
            "GOWORK",
            "off",
            'no go.work at or above the module (or [go-static].workspace = "off"): the module '
            "builds against its own go.mod",
            "[go-static].workspace",
        )
    return Decision(
        "GOWORK",
        f"<sandbox>/{go_work}",
        "the go.work `go build` finds from the module root: its modules are main modules",
        "[go-static].workspace + " + go_work,
    )


def vcs_settings(vcs: VcsStamp | None) -> tuple[Decision, ...]:
    """The git checkout a stamped build's `go` reads, by its real path (-buildvcs=true)."""
    if vcs is None:
        return ()
    why = "go stamps build info from this checkout with the real git, as plain `go build` does"
    return (
        Decision("GIT_DIR", vcs.git_dir, why, "[go-static].stamp + git"),
        Decision("GIT_WORK_TREE", vcs.work_tree, why, "[go-static].stamp + git"),
        Decision(
            "GIT_OPTIONAL_LOCKS",
            "0",
            "`git status` must not write the checkout's index while a build reads it",
            "go_static",
        ),
        Decision(
            VCS_KEY,
            f"{vcs.revision}:{str(vcs.modified).lower()}:{vcs.refs_digest}",
            "what git said: a new commit, tag or edit rebuilds the binary (git's state is not "
            "an input file)",
            "[go-static].stamp + git",
        ),
    )


def go_env_settings(
    cc: CCompiler | None,
    go_env: GoEnv,
    mode_env: Mapping[str, str],
    offline: bool,
    network: bool = False,
    go_work: str | None = None,
    vcs: VcsStamp | None = None,
) -> tuple[Decision, ...]:
    """Every variable in a `go` process's key (the wrapper adds the sandbox's paths)."""
    settings = []
    if network and not offline:
        settings += [
            Decision(
                s.name, s.value, "network setting for the steps that download modules", s.source
            )
            for s in go_env.passed
        ]
    settings += [
        *(Decision(name, value, reason, "go_static") for name, value, reason in FIXED_ENV),
        gowork_setting(go_work),
        *vcs_settings(vcs),
        *(Decision(name, value, "the resolved mode", "mode") for name, value in mode_env.items()),
    ]
    if cc:
        settings.append(
            Decision(
                "CC",
                cc.cc,
                "the mode's C compiler, by name: its dir leads the sandbox PATH",
                "mode + [go-static] options",
            )
        )
    if offline or not network:
        why, by = (
            ("vendor/ holds every module: build offline", "vendor/modules.txt")
            if offline
            else (
                "`go list` downloaded every module this build needs into the module cache",
                "go_static",
            )
        )
        if vcs is None:
            settings.append(Decision("GOPROXY", "off", why, by))
        else:
            # Under GOPROXY=off go names the commit by a pseudo-version it cached earlier and
            # misses a tag added since; a proxy that holds nothing keeps it offline all the same.
            why += "; a proxy with nothing in it, not `off`, so go reads the tags afresh"
            settings.append(Decision("GOPROXY", EMPTY_MODULE_PROXY, why, by))
    return tuple(settings)


def toolchain_settings(sdk: GoSdk, cc: CCompiler | None) -> tuple[Decision, ...]:
    """GOROOT and PATH as the wrapper sets them: links named by release and content."""
    # A downloaded toolchain has no path here: it is an input of the build, by digest.
    cc_from = os.path.dirname(cc.path) if cc else ""
    cc_dir = (
        f":<sandbox>/{TOOLCHAINS_DIR}/{cc.link_name} (-> {cc_from or 'downloaded, by digest'})"
        if cc
        else ""
    )
    return (
        Decision(
            "GOROOT",
            f"<sandbox>/{TOOLCHAINS_DIR}/{sdk.link_name} "
            f"(-> {sdk.goroot or 'downloaded, by digest'})",
            f"the {sdk.version} SDK, linked by release and content so no host path is in a key",
            "[go-static].go_search_paths"
            if sdk.goroot
            else "[go-static].toolchain_source, [go-static-go-download]",
        ),
        Decision(
            "PATH",
            f"$GOROOT/bin{cc_dir}:/usr/bin:/bin",
            "the Go SDK's and C compiler's dirs, then /usr/bin:/bin for as/ld",
            "toolchains",
        ),
    )

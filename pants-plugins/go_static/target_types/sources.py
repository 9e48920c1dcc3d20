"""`go_static_sources` and `go_static_mod`: the repo files go_static_binary builds read, owned
by targets so that Pants' graph (`--changed-since`, `dependents`, `filedeps`) knows them."""

from __future__ import annotations

from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    MultipleSourcesField,
    Target,
)
from pants.util.strutil import help_text

from go_static.core.gograph.ownership import (
    GO_BUILD_SOURCES,
    MOD_SOURCES,
    MOD_TARGET,
    SOURCES_TARGET,
    WORKSPACE_SOURCES,
    WORKSPACE_TARGET,
)


class GoStaticSourcesField(MultipleSourcesField):
    default = GO_BUILD_SOURCES
    help = help_text(
        f"""
        The files in this directory that Go builds read. The default is every Go, cgo (C, C++,
        headers, assembly), syso and archive file, without tests: {", ".join(GO_BUILD_SOURCES)}.

        Files that a `//go:embed` directive names must be listed too, with the globs they need,
        e.g. `sources=["*.go", "static/**"]`; `pants tailor` writes that list for you.
        """
    )


class GoStaticSourcesTarget(Target):
    alias = SOURCES_TARGET
    core_fields = (*COMMON_TARGET_FIELDS, GoStaticSourcesField)
    help = help_text(
        """
        The files of one directory that go_static_binary builds read: Go, cgo and assembly
        sources, headers, syso files and embedded files.

        A go_static_binary depends on the go_static_sources of every package in its closure
        (inferred from `go list -deps`), so `--changed-since` selects exactly the binaries an edit
        reaches. `pants tailor` creates them. With Pants' Go backend enabled, its `go_package`
        owns the `.go` files and these own only what it doesn't.
        """
    )


class GoStaticModSourcesField(MultipleSourcesField):
    default = MOD_SOURCES
    help = "The module's go.mod, go.sum and vendor/ tree."


class GoStaticModTarget(Target):
    alias = MOD_TARGET
    core_fields = (*COMMON_TARGET_FIELDS, GoStaticModSourcesField)
    help = help_text(
        """
        A Go module's go.mod, go.sum and vendor/ tree, for go_static_binary builds.

        Every go_static_binary of the module depends on it (inferred), so an edit to go.mod,
        go.sum or a vendored file selects them all. `pants tailor` creates it beside each
        go.mod. With Pants' Go backend enabled, its `go_mod` target owns go.mod and go.sum.
        """
    )


class GoStaticWorkspaceSourcesField(MultipleSourcesField):
    default = WORKSPACE_SOURCES
    help = help_text(
        """
        The workspace's go.work and go.work.sum (add `vendor/**` when `go work vendor` wrote a
        vendor/ here that no go_static_mod owns).
        """
    )


class GoStaticWorkspaceTarget(Target):
    alias = WORKSPACE_TARGET
    core_fields = (*COMMON_TARGET_FIELDS, GoStaticWorkspaceSourcesField)
    help = help_text(
        """
        A go.work workspace's files, for go_static_binary builds.

        Every go_static_binary of a module the workspace uses depends on it (inferred), so an
        edit to go.work or go.work.sum selects them all under `--changed-since`. `pants tailor`
        creates it beside each go.work that builds read. See `[go-static].workspace`.
        """
    )

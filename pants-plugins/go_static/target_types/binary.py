"""The `go_static_binary` target: declared static-linking intent for one Go main package."""

from __future__ import annotations

from typing import Optional, Union

from pants.core.goals.package import OutputPathField
from pants.engine.addresses import Address
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    AsyncFieldMixin,
    BoolField,
    Dependencies,
    DictStringToStringField,
    Field,
    InvalidFieldException,
    InvalidFieldTypeException,
    StringField,
    StringSequenceField,
    Target,
)
from pants.util.strutil import help_text

from go_static.core.arches import C_GOARCHES, SUPPORTED_GOARCHES
from go_static.core.errors import Problem
from go_static.core.gograph.mainpkg import MainSpec, main_spec
from go_static.core.gograph.modfile import repo_path
from go_static.core.names import (
    AUTO,
    DEFAULT_PGO,
    FIPS_BORINGCRYPTO,
    FIPS_LATEST,
    FIPS_OFF,
    GOAMD64_LEVELS,
    LIBCS,
    PGO_OFF,
    RESOLVERS,
    TZDATA_CHOICES,
)
from go_static.core.sizes import parse_size


class GoStaticMainField(StringField, AsyncFieldMixin):
    alias = "main"
    default = "."
    help = help_text(
        """
        The Go package holding `package main`: a directory relative to this BUILD file, or the
        import path of a main package in the module's build list.

        A directory: `./cmd/server` style paths; the default `.` is this BUILD file's own
        directory. The module root is the nearest `go.mod` at or above it.

        An import path (its first element has a dot, e.g.
        `"github.com/golang-migrate/migrate/v4/cmd/migrate"`) builds a command from a module that
        the nearest `go.mod` at or above this BUILD file requires, as `go build <import path>` in
        that module does: Go 1.24 `tool` lines, or the tools.go pattern. The version is the one
        go.mod and go.sum pin. Write a directory whose first element has a dot with `./` in
        front.
        """
    )
    value: str

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address) or "."
        _, problem = main_spec(value, address.spec_path)
        if problem:
            invalid = Problem(
                f"The `main` field: {problem}.",
                "The binary is built from the main package `main` names.",
                "point `main` at a directory inside the repo, relative to the BUILD file (e.g. "
                'main="./cmd/server"), or at the import path of a main package from a required '
                'module (e.g. main="github.com/org/tool/cmd/tool").',
            )
            raise InvalidFieldException(invalid.render(str(address)))
        return value

    @property
    def spec(self) -> MainSpec:
        """Where the main package is: a repo directory, or an import path."""
        spec, _ = main_spec(self.value, self.address.spec_path)
        assert spec is not None  # compute_value refused the rest
        return spec

    @property
    def module_search_dir(self) -> str:
        """Where the search for the module's go.mod starts."""
        return self.spec.search_dir(self.address.spec_path)


class GoStaticLibcField(StringField):
    alias = "libc"
    default = "auto"
    valid_choices = LIBCS
    help = help_text(
        """
        Which C library to link statically: "auto", "none", "musl" or "glibc".

        "auto": no cgo in the dependency graph means no C library (CGO_ENABLED=0, Go's internal
        linker); cgo present means musl through `zig cc`, which is hermetic and always static.
        "none": require a cgo-free graph, and fail before building, naming the cgo packages, if it
        isn't. "musl": link musl (`[go-static].musl_cc`, default zig). "glibc": link glibc
        statically
        with the system C compiler (`[go-static].glibc_cc`); this requires resolver="go".
        """
    )


class GoStaticResolverField(StringField):
    alias = "resolver"
    default = "go"
    valid_choices = RESOLVERS
    help = help_text(
        """
        How std's `net` and `os/user` resolve hosts and users: "go" (pure Go) or "libc".

        "go" adds the build tags `netgo,osusergo`, so nothing loads NSS modules at run time. "libc"
        uses the C library's getaddrinfo/getpwnam_r; that is safe only with musl, which has no NSS,
        so it is rejected with libc="glibc".
        """
    )


class GoStaticAllowDlopenField(BoolField):
    alias = "allow_dlopen"
    default = False
    help = help_text(
        """
        Accept C code that calls dlopen in this static binary.

        A static binary can't really dlopen: static musl always fails it, and static glibc needs the
        exact glibc it was linked with at run time. So a dlopen call is an error unless this is
        True.
        """
    )


class GoStaticStaticPieField(BoolField):
    alias = "static_pie"
    default = False
    help = help_text(
        """
        Build a static-pie: position-independent (ET_DYN), with no interpreter and no DT_NEEDED.

        Uses `-buildmode=pie -linkmode=external -extldflags=-static-pie`. External linking needs a C
        toolchain, so with libc="auto" and a cgo-free graph this picks musl via zig cc.
        """
    )


class GoStaticBuildTagsField(StringSequenceField):
    alias = "build_tags"
    default = ()
    help = help_text(
        """
        Extra Go build tags, added after the ones the mode picks (`netgo,osusergo` for
        resolver="go").

        Tags that contradict the resolver (`netcgo`/`osusercgo` with resolver="go",
        `netgo`/`osusergo`
        with resolver="libc") are rejected.
        """
    )


class GoStaticLdflagsField(StringSequenceField):
    alias = "ldflags"
    default = ()
    help = help_text(
        """
        Extra `-ldflags` entries, e.g. `["-s", "-w", "-X main.version=1.2"]`.

        They follow the mode's own link flags. Each entry is judged as go will split it (Go's
        `cmd/internal/quoted` rules: spaces separate, single or double quotes group, nothing
        escapes), so `'-s''-linkmode=external'` counts as two flags. `-linkmode`, `-extldflags`,
        `-extld` and `-d` (with one dash or two) are owned by the mode and rejected here: declare
        `libc` and `static_pie` instead.
        """
    )


class GoStaticXDefsField(DictStringToStringField):
    alias = "x_defs"
    help = help_text(
        """
        String variables to set at link time, as `{"importpath.name": "value"}`; values may be
        stamped with `{git_commit}`, `{git_describe}` or `{env:NAME}`.

        Each entry becomes `-X importpath.name=value`, e.g.
        `x_defs={"main.version": "{git_describe}", "main.channel": "stable"}`. Literal values are
        always linked in. A value with a placeholder is linked in only when stamping is on
        (`[go-static].stamp`, or `--go-static-stamp` for a release build); otherwise the
        variable keeps its default in the source (`var version = "dev"`), so unstamped builds
        stay reproducible and cached. Go's linker sets only string variables that are
        uninitialized or initialized to a constant; the post-link check fails a binary whose
        stamped value isn't in it. The values show in the static report.
        """
    )


class GoStaticMaxSizeField(Field):
    alias = "max_size"
    default = None
    help = help_text(
        """
        A size budget for this binary, e.g. "20MiB" or a number of bytes; the build fails above it.

        It can only tighten `[go-static].max_size`, never loosen it: a larger value fails with a
        policy error. Set it for a whole directory with `__defaults__`.
        """
    )
    value: Optional[Union[int, str]]

    @classmethod
    def compute_value(
        cls, raw_value: Optional[Union[int, str]], address: Address
    ) -> Optional[Union[int, str]]:
        value = super().compute_value(raw_value, address)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise InvalidFieldTypeException(
                address, cls.alias, raw_value, expected_type='a size such as "20MiB" or an int'
            )
        try:
            parse_size(value, "max_size")
        except ValueError as e:
            raise InvalidFieldException(f"The `max_size` field of {address}: {e}.")
        return value

    @property
    def bytes(self) -> Optional[int]:
        return None if self.value is None else parse_size(self.value, "max_size")


class GoStaticGoarchField(StringField):
    alias = "goarch"
    default = None
    help = help_text(
        f"""
        The CPU architecture to build for (GOARCH), one of {", ".join(SUPPORTED_GOARCHES)}; the
        default is the host's. Others fail before anything builds, saying why (the post-link
        check reads 64-bit little-endian ELF only).

        {", ".join(C_GOARCHES)} build with any libc: musl through `zig cc -target
        <arch>-linux-musl` (hermetic, from the ziglang wheel), glibc through Debian's cross gcc
        (`[go-static].glibc_cross_cc`, e.g. `aarch64-linux-gnu-gcc` from gcc-aarch64-linux-gnu
        plus libc6-dev-arm64-cross). ppc64le and loong64 build as pure Go only (libc="none").

        Build one target for several arches with `goarch=parametrize("amd64", "arm64")`: each
        variant is its own address (`:server@goarch=arm64`) and, by default, its own file under
        dist/ (`src.go/server@goarch=arm64`). An explicit `output_path` must then contain
        `{{goarch}}`, which is replaced by the arch, so the variants don't overwrite each other.
        """
    )


class GoStaticPgoField(StringField, AsyncFieldMixin):
    alias = "pgo"
    default = AUTO
    help = help_text(
        f"""
        Profile-guided optimization: "{AUTO}" (the default), "{PGO_OFF}", or the path of a CPU
        profile, relative to this BUILD file.

        "{AUTO}" is Go's own default (`-pgo=auto`): a `{DEFAULT_PGO}` beside the main package is
        used, as plain `go build` uses it, and no profile means none. A path builds with that
        profile (`-pgo=<path>`); it must be in the repo. The profile is an input of the build, so
        editing it rebuilds the binary and selects it under `--changed-since`. Build info
        records the profile's file name (`-pgo={DEFAULT_PGO}`), and the post-link check
        compares it with this field.
        """
    )
    value: str

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address) or AUTO
        if value in (AUTO, PGO_OFF):
            return value
        if repo_path(address.spec_path, value) is None or value.startswith("-"):
            problem = Problem(
                f"The `pgo` field ({value!r}) is not a file in the repo.",
                "The profile is an input of the build, so Pants must own it.",
                f'set pgo="{AUTO}", "{PGO_OFF}", or the path of a profile relative to the BUILD '
                'file (e.g. pgo="profiles/server.pprof").',
            )
            raise InvalidFieldException(problem.render(str(address)))
        return value

    @property
    def setting(self) -> str:
        """ "auto", "off", or the profile's repo path."""
        if self.value in (AUTO, PGO_OFF):
            return self.value
        path = repo_path(self.address.spec_path, self.value)
        assert path is not None  # compute_value refused the rest
        return path


class GoStaticOutputPathField(OutputPathField):
    help = help_text(
        """
        Where the binary is written under dist/, and its report beside it
        (`<output_path>.static-report.json`).

        The default is `<dir, dotted>/<name>`, plus `@goarch=<arch>` for a target parametrized
        by goarch. `{goarch}` in the value is replaced by the target's arch.
        """
    )


class GoStaticBinaryDependenciesField(Dependencies):
    help = help_text(
        """
        Addresses this binary depends on. Usually leave it empty: the plugin infers a dependency
        on the owner of every repo file the build reads (its package closure's sources, cgo C
        and headers, embedded files, go.mod and go.sum), from `go list -deps`.
        """
    )


# Area: FIPS and CPU levels.
class GoStaticFipsField(StringField):
    alias = "fips"
    default = FIPS_OFF
    help = help_text(
        f"""
        Which FIPS 140 cryptographic module the binary's crypto uses: "{FIPS_OFF}" (the default),
        "{FIPS_LATEST}" or a frozen module version such as "v1.0.0" (Go's own FIPS 140-3 module,
        GOFIPS140), or "{FIPS_BORINGCRYPTO}" (GOEXPERIMENT=boringcrypto).

        Go's module is pure Go, so the binary stays static with any libc and any arch, and its
        GODEBUG defaults to `fips140=on`. "{FIPS_LATEST}" is the SDK's own copy of the module; a
        version (or Go's aliases "certified" and "inprocess") is a frozen snapshot from the SDK's
        `lib/fips140`, and any other value fails before the build, listing what the SDK has.

        "{FIPS_BORINGCRYPTO}" links BoringSSL's FIPS module, a C object, through cgo: it needs a
        C library (libc="auto" picks musl; "none" is refused) and goarch amd64 or arm64.

        The post-link check proves the module is inside from build info (`GOFIPS140`,
        `GOEXPERIMENT`, `DefaultGODEBUG`) and from the module's own symbols; explain, the report,
        the SBOM and the provenance name it. `[go-static].require_fips` makes it a policy.
        """
    )
    value: str


class GoStaticGoamd64Field(StringField):
    alias = "goamd64"
    default = None
    valid_choices = GOAMD64_LEVELS
    help = help_text(
        """
        The amd64 CPU level (GOAMD64): "v1" (Go's default), "v2", "v3" or "v4". Only for
        goarch="amd64"; on another arch it fails before the build.

        The compiler may use the level's instructions anywhere, so the binary runs only on CPUs
        that have them: on an older one Go's runtime prints that it needs the level and exits.
        The post-link check compares build info's `GOAMD64`, and a go_static_image records the
        level as its OCI platform variant (v2, v3, v4).
        """
    )


class GoStaticGoarm64Field(StringField):
    alias = "goarm64"
    default = None
    help = help_text(
        """
        The arm64 CPU level (GOARM64): "v8.0" (Go's default) to "v8.9", or "v9.0" to "v9.5",
        optionally followed by ",lse" and/or ",crypto" as `go help environment` says. Only for
        goarch="arm64"; on another arch, or with a value go refuses, it fails before the build.

        The post-link check compares build info's `GOARM64`, and a go_static_image records the
        level as its OCI platform variant ("v8", "v8.1", ..., "v9").
        """
    )


class GoStaticTzdataField(StringField):
    alias = "tzdata"
    default = AUTO
    valid_choices = TZDATA_CHOICES
    help = help_text(
        """
        Whether Go's time zone database is built into the binary: "auto", "embed" or "off".

        "embed" adds the `timetzdata` build tag (about 450 KB), so
        `time.LoadLocation("Europe/Paris")` works with no /usr/share/zoneinfo, as in a scratch
        image. "auto" adds nothing to the binary, because a binary can't see the images it ships
        in; each go_static_image holding it checks instead, and fails with `runtime-zoneinfo`
        when the linked binary calls time.LoadLocation and the image has no zoneinfo. "off" never
        adds it, and declares that the program loads no named zone (a library may link
        time.LoadLocation on a path the program never takes): an image without zoneinfo then
        only warns.
        """
    )


class GoStaticBinaryTarget(Target):
    alias = "go_static_binary"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        GoStaticMainField,
        GoStaticLibcField,
        GoStaticResolverField,
        GoStaticAllowDlopenField,
        GoStaticStaticPieField,
        GoStaticBuildTagsField,
        GoStaticLdflagsField,
        GoStaticXDefsField,
        GoStaticMaxSizeField,
        GoStaticGoarchField,
        GoStaticPgoField,
        GoStaticOutputPathField,
        GoStaticBinaryDependenciesField,
        GoStaticFipsField,
        GoStaticGoamd64Field,
        GoStaticGoarm64Field,
        GoStaticTzdataField,
    )
    help = help_text(
        """
        A fully static Linux binary built from a Go main package with the real `go build`.

        You declare intent (libc, resolver, allow_dlopen, static_pie); the plugin resolves it,
        against `go list -deps` facts, into build tags, CGO_ENABLED, the C compiler and the link
        mode, and fails up front on contradictions. Every binary is checked after the link.

        `pants package` writes it to dist/; `pants run ADDRESS -- ARGS` runs it from the build
        root; a `docker_image` that depends on it gets it in its build context at `output_path`
        (e.g. `COPY src.go.cmd.server/server /server` in a FROM scratch image). A binary that
        fails the check is never written, run or copied.
        """
    )

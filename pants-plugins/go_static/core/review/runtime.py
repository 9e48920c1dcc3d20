"""The image runtime check: does each binary find, in its image, the files it reads at run time?

Pants-free. A static binary in a FROM scratch image links fine and fails later: `x509:
certificate signed by unknown authority` with no CA roots, `unknown time zone` with no zoneinfo,
`user: unknown userid` with no /etc/passwd. What a binary will read is known from the binary
itself: Go's pclntab keeps every linked function's name (even with `-s -w`), and the linker drops
unreachable functions, so `time.LoadLocation` is in the table only if some path calls it. That is
sharper than the package graph (every program imports `time`) and than a source scan (which can't
see what the linker keeps), and it reads the bytes that ship.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.names import AUTO, TZDATA_OFF, TZDATA_TAG

# crypto/x509's Linux loader of the system roots (root_unix.go): reached by any TLS client.
SYSTEM_ROOTS_FUNCS = ("crypto/x509.loadSystemRoots",)
# Roots built into the binary: x509roots/fallback registers its bundle with SetFallbackRoots.
EMBEDDED_ROOTS_PREFIXES = (
    "golang.org/x/crypto/x509roots/fallback.",
    "crypto/x509.SetFallbackRoots",
)
# The files crypto/x509 reads on Linux (root_linux.go), any one of which is enough.
CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
CA_DIRS = ("/etc/ssl/certs/", "/etc/pki/tls/certs/")
LOAD_LOCATION_FUNCS = ("time.LoadLocation",)
EMBEDDED_TZDATA_PREFIXES = ("time/tzdata.",)
# time's platformZoneSources on Linux.
ZONEINFO_DIRS = ("/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/")
# os/user's lookups: with osusergo they read /etc/passwd. Current alone falls back to $USER and
# $HOME (lookup_stubs.go), so it needs no file when the image sets both.
USER_LOOKUP_FUNCS = ("os/user.Lookup", "os/user.LookupId")
CURRENT_USER_FUNCS = ("os/user.Current",)
# net's cgo resolver: getaddrinfo from the C library, i.e. resolver="libc" (musl, as validate
# refuses it with glibc).
LIBC_RESOLVER_FUNCS = ("net._C2func_getaddrinfo", "net._Cfunc_getaddrinfo")
RESOLV_CONF = "/etc/resolv.conf"

CODE_CA_ROOTS = "runtime-ca-roots"
CODE_ZONEINFO = "runtime-zoneinfo"
CODE_PASSWD = "runtime-passwd"
CODE_RESOLVER = "runtime-resolver"


def _has_func(data: bytes, names: Iterable[str]) -> bool:
    # funcnametab holds NUL-terminated names back to back, so a name has a NUL on each side.
    return any(b"\0" + n.encode() + b"\0" in data for n in names)


def _has_prefix(data: bytes, prefixes: Iterable[str]) -> bool:
    return any(b"\0" + p.encode() in data for p in prefixes)


@dataclass(frozen=True)
class RuntimeNeeds:
    """What one linked binary reads from the filesystem at run time, and what it carries itself."""

    system_roots: bool = False
    embedded_roots: bool = False
    load_location: bool = False
    embedded_tzdata: bool = False
    user_lookup: bool = False
    current_user: bool = False
    libc_resolver: bool = False

    def summary(self) -> str:
        """The report's runtime column: what the binary reads, e.g. `ca,tz(embedded)`."""
        parts = []
        if self.system_roots:
            parts.append("ca(embedded)" if self.embedded_roots else "ca")
        if self.load_location:
            parts.append("tz(embedded)" if self.embedded_tzdata else "tz")
        if self.user_lookup or self.current_user:
            parts.append("passwd")
        if self.libc_resolver:
            parts.append("resolv.conf")
        return ",".join(parts) or "-"


def runtime_needs(data: bytes, tags: Sequence[str] = ()) -> RuntimeNeeds:
    """The needs of the Go binary `data`; `tags` are its build info's -tags."""
    return RuntimeNeeds(
        system_roots=_has_func(data, SYSTEM_ROOTS_FUNCS),
        embedded_roots=_has_prefix(data, EMBEDDED_ROOTS_PREFIXES),
        load_location=_has_func(data, LOAD_LOCATION_FUNCS),
        embedded_tzdata=TZDATA_TAG in tags or _has_prefix(data, EMBEDDED_TZDATA_PREFIXES),
        user_lookup=_has_func(data, USER_LOOKUP_FUNCS),
        current_user=_has_func(data, CURRENT_USER_FUNCS),
        libc_resolver=_has_func(data, LIBC_RESOLVER_FUNCS),
    )


@dataclass(frozen=True)
class ImageFiles:
    """What the check needs to know of one image: its file paths, /etc/passwd, and its user."""

    paths: frozenset[str]
    passwd: str = ""  # the content of /etc/passwd, if the image has one
    user: str = ""  # the config's User: "", a name, a uid, or either with ":group"
    env: frozenset[str] = frozenset()  # the names of the config's Env variables

    def has_ca_roots(self) -> bool:
        return any(p in self.paths for p in CA_FILES) or any(
            p.startswith(CA_DIRS) and p.endswith((".pem", ".crt")) for p in self.paths
        )

    def has_zoneinfo(self) -> bool:
        return any(p.startswith(ZONEINFO_DIRS) for p in self.paths)

    def has_passwd_entry(self) -> bool:
        """Whether /etc/passwd names the image's user (by name, or by uid for a number)."""
        who = self.user.split(":", 1)[0] or "0"
        for line in self.passwd.splitlines():
            fields = line.split(":")
            if len(fields) >= 3 and who in (fields[0], fields[2]):
                return True
        return False


@dataclass(frozen=True)
class RuntimeFinding:
    """One thing a binary will miss at run time; `blocking` fails the image, else it warns."""

    code: str
    blocking: bool
    problem: Problem


def _ca_roots(binary: str, needs: RuntimeNeeds, image: ImageFiles) -> RuntimeFinding | None:
    if not (needs.system_roots and not needs.embedded_roots and not image.has_ca_roots()):
        return None
    return RuntimeFinding(
        CODE_CA_ROOTS,
        True,
        Problem(
            f"{binary} makes TLS connections (it links crypto/x509's system roots "
            "loader), but the image has no CA roots.",
            "Every certificate check then fails with `x509: certificate signed by "
            "unknown authority`.",
            "Set `ca_roots=True` on the go_static_image, or embed roots in the program "
            '(import _ "golang.org/x/crypto/x509roots/fallback").',
        ),
    )


def _zoneinfo(
    binary: str, needs: RuntimeNeeds, image: ImageFiles, tzdata: str
) -> RuntimeFinding | None:
    if not (needs.load_location and not needs.embedded_tzdata and not image.has_zoneinfo()):
        return None
    why = "time.LoadLocation then fails with `unknown time zone` for every zone but UTC and Local."
    if tzdata == TZDATA_OFF:
        # The field declares the program loads no named zone: a library's unused path only.
        return RuntimeFinding(
            CODE_ZONEINFO,
            False,
            Problem(
                f'{binary} (tzdata="off") links time.LoadLocation, but neither it nor the image '
                "has a time zone database.",
                why + ' tzdata="off" declares that the program never loads a named zone.',
                'If it does, set `tzdata="embed"` instead.',
            ),
        )
    return RuntimeFinding(
        CODE_ZONEINFO,
        True,
        Problem(
            f"{binary} calls time.LoadLocation, but neither it nor the image has a time "
            "zone database.",
            why,
            f'Set `tzdata="embed"` on {binary} (the {TZDATA_TAG} tag builds Go\'s '
            'zoneinfo in), or import _ "time/tzdata" in the program. If only a library links '
            'it, on a path the program never takes, declare that with `tzdata="off"`.',
        ),
    )


def _passwd(binary: str, needs: RuntimeNeeds, image: ImageFiles) -> RuntimeFinding | None:
    current_from_env = {"USER", "HOME"} <= image.env
    if not (needs.user_lookup or (needs.current_user and not current_from_env)):
        return None
    if image.has_passwd_entry():
        return None
    who = image.user or "root (the config sets no user)"
    return RuntimeFinding(
        CODE_PASSWD,
        False,
        Problem(
            f"{binary} looks users up with os/user, and the image's /etc/passwd has no "
            f"entry for its user {who}.",
            "os/user then fails: `open /etc/passwd: no such file or directory` without the "
            "file, `user: unknown userid` without the entry.",
            'Name the image\'s user (e.g. `user="app"`: the image then gets /etc/passwd and '
            "/etc/group), or, when the program only calls os/user.Current, set USER and HOME in "
            "the image's `env`.",
        ),
    )


def _resolver(binary: str, needs: RuntimeNeeds, image: ImageFiles) -> RuntimeFinding | None:
    if not (needs.libc_resolver and RESOLV_CONF not in image.paths):
        return None
    return RuntimeFinding(
        CODE_RESOLVER,
        False,
        Problem(
            f'{binary} resolves names with musl (resolver="libc"), and the image has no '
            f"{RESOLV_CONF}.",
            "Without it musl asks a DNS server at 127.0.0.1:53, which a container rarely "
            "has; musl never reads /etc/nsswitch.conf. Docker and Kubernetes mount a "
            "resolv.conf at run time, bare runc and bubblewrap don't.",
            "Run the image where the runtime mounts /etc/resolv.conf (Docker, Podman and "
            'Kubernetes do) or mount one; resolver="go" would not help, as Go\'s resolver has '
            "the same default.",
        ),
    )


def runtime_findings(
    binary: str, needs: RuntimeNeeds, image: ImageFiles, tzdata: str = AUTO
) -> list[RuntimeFinding]:
    """Every finding for one binary (named by its target address) in one image.

    `tzdata` is the binary's field: "off" declares that it loads no named zone (a library it
    links may reference time.LoadLocation on a path the program never takes), so a missing
    zone database only warns.
    """
    found = [
        _ca_roots(binary, needs, image),
        _zoneinfo(binary, needs, image, tzdata),
        _passwd(binary, needs, image),
        _resolver(binary, needs, image),
    ]
    return [f for f in found if f]


class RuntimeCheckError(GoStaticError):
    """A binary in an image would miss files it reads at run time."""

    code = "runtime"

    def __init__(self, subject: str, findings: Sequence[RuntimeFinding]) -> None:
        self.findings = tuple(findings)
        super().__init__(render_problems(subject, [f.problem for f in self.findings]))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.code for f in self.findings))

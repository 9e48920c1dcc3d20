"""What is known about real cgo modules' C sides: a table of data, not code branches. Pants-free.

Third-party C code lives in the module cache, out of the dlopen scanner's reach, and prebuilt
archives can't be scanned at all. So facts measured once (Go 1.27.3, zig 0.17.1, gcc 12, glibc
2.36) are written down here, each with the file that proves it, and the mode acts on them before
anything compiles. Users add their own modules in the same shape with `[go-static].cgo_modules`.

An entry is keyed by module path (or a std import path, for std packages) and may say:
  versions         a range such as ">=v2.3.0,<v3"; empty means any version
  packages         the import paths it is about; empty means every package of the module
  musl_tags        build tags the mode adds when the target links musl ...
  glibc_tags       ... or glibc; `tags_why` says why
  dlopen           why its code loads code at run time (dlopen, a stub, a dynamic loader)
  dlopen_when_file only when `go list` compiles this Go file (e.g. go-sqlite3's extension loader)
  dlopen_fix_tags  build tags that compile that code out
  nss_under_glibc  NSS functions its C code calls: static glibc would load libnss_*.so
  system_libs      system C libraries it needs; `system_libs_why` and `fix` explain
  cite             where the facts come from
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

from go_static.core.errors import GoStaticError, Problem, render_problems


class KnowledgeError(GoStaticError):
    """A `[go-static].cgo_modules` entry is malformed."""

    code = "knowledge"


@dataclass(frozen=True)
class ModuleFacts:
    """The known facts about one module's (or std package's) C side, and their source."""

    module: str
    versions: str = ""
    packages: tuple[str, ...] = ()
    musl_tags: tuple[str, ...] = ()
    glibc_tags: tuple[str, ...] = ()
    tags_why: str = ""
    dlopen: str = ""
    dlopen_when_file: str = ""
    dlopen_fix_tags: tuple[str, ...] = ()
    nss_under_glibc: tuple[str, ...] = ()
    system_libs: tuple[str, ...] = ()
    system_libs_why: str = ""
    fix: str = ""
    cite: str = ""

    def tags_for(self, libc: str) -> tuple[str, ...]:
        return {"musl": self.musl_tags, "glibc": self.glibc_tags}.get(libc, ())

    def applies_to(self, import_path: str) -> bool:
        return not self.packages or import_path in self.packages

    @classmethod
    def from_mapping(cls, module: str, raw: Mapping[str, Any], source: str) -> ModuleFacts:
        """Parse one table entry; raise KnowledgeError naming the source and the bad key."""
        known = {f.name for f in fields(cls)} - {"module"}
        unknown = sorted(set(raw) - known)
        if unknown:
            problem = Problem(
                f"the entry for {module} has unknown keys {unknown}.",
                "A misspelt key would silently not apply.",
                f"use only {sorted(known)} (`pants help-advanced go-static` describes them under "
                "cgo_modules).",
            )
            raise KnowledgeError(render_problems(source, [problem]))
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in raw:
                continue
            value = raw[f.name]
            if f.type.startswith("tuple"):
                if not isinstance(value, (list, tuple)) or not all(
                    isinstance(v, str) for v in value
                ):
                    raise KnowledgeError(
                        f"{source}: {module}.{f.name} must be a list of strings, not {value!r}."
                    )
                value = tuple(value)
            elif not isinstance(value, str):
                raise KnowledgeError(
                    f"{source}: {module}.{f.name} must be a string, not {value!r}."
                )
            values[f.name] = value
        facts = cls(module=module, **values)
        parse_versions(facts.versions, f"{source}: {module}.versions")
        return facts


@dataclass(frozen=True)
class KnowledgeTable:
    """The built-in table plus `[go-static].cgo_modules`, as the planning rules see it."""

    entries: tuple[ModuleFacts, ...]


KAFKA_CITE = (
    "confluent-kafka-go/v2 kafka/build_musl_linux_amd64.go:1-2,9 (`// +build musl` selects "
    "librdkafka_musl_linux_amd64.a; build_glibc_linux_amd64.go has `+build !musl`)"
)
# The built-in table. Every fact was measured with real builds; see docs/cgo-modules.md.
BUILTIN: dict[str, dict[str, Any]] = {
    "github.com/confluentinc/confluent-kafka-go/v2": {
        "versions": ">=v2.0.0",
        "musl_tags": ["musl"],
        "tags_why": "the module links its bundled librdkafka_glibc archive unless the `musl` tag "
        "selects librdkafka_musl; the glibc one needs getcontext/makecontext/setcontext/fopen64, "
        "which musl lacks",
        "dlopen": "the bundled librdkafka calls dlopen (rddl.o, for plugin.library.paths) and so "
        "does its OpenSSL (dso_dlfcn.o, for engines and providers); no build tag removes them. "
        "Kafka itself works; only those features fail at run time in a static binary",
        "nss_under_glibc": ["getaddrinfo", "gethostbyname", "getpwuid_r"],
        "cite": KAFKA_CITE + "; nm librdkafka_glibc_linux_amd64.a: rdaddr.o, "
        "libcrypto-lib-bio_sock.o, libcurl_la-netrc.o",
    },
    "github.com/confluentinc/confluent-kafka-go": {
        "versions": ">=v1.4.0",
        "musl_tags": ["musl"],
        "tags_why": "`// +build musl` selects librdkafka_musl_linux.a over the glibc archive",
        "dlopen": "the bundled librdkafka and its OpenSSL call dlopen (plugins, engines)",
        "nss_under_glibc": ["getaddrinfo", "gethostbyname", "getpwuid_r"],
        "cite": "confluent-kafka-go kafka/build_musl_linux.go:1-2 (v1.9.2)",
    },
    "github.com/mattn/go-sqlite3": {
        "dlopen": "sqlite3_load_extension calls dlopen (sqlite3-binding.c, SQLite's "
        "load_extension)",
        "dlopen_when_file": "sqlite3_load_extension.go",
        "dlopen_fix_tags": ["sqlite_omit_load_extension"],
        "cite": "go-sqlite3 sqlite3_load_extension.go:6 `//go:build !sqlite_omit_load_extension`; "
        "sqlite3_load_extension_omit.go:11 -DSQLITE_OMIT_LOAD_EXTENSION",
    },
    "github.com/google/gopacket": {
        "packages": ["github.com/google/gopacket/pcap"],
        "system_libs": ["libpcap"],
        "system_libs_why": "pcap links the system's libpcap (`#cgo linux LDFLAGS: -lpcap`, "
        "`#include <pcap.h>`). zig's musl has no libpcap at all, and Debian's libpcap.a needs "
        "libdbus-1 and libsystemd, which has no static archive, and calls NSS functions",
        "fix": "capture with github.com/google/gopacket/pcapgo (pure Go, AF_PACKET) or "
        "afpacket instead of pcap, or build this binary outside go_static_binary (dynamic)",
        "cite": "gopacket pcap/pcap_unix.go:27,34; `pkg-config --static --libs libpcap` gives "
        "-lpcap -ldbus-1 -lsystemd",
    },
    "plugin": {
        "dlopen": "std's plugin loads Go plugins at run time: with cgo off Go compiles a stub "
        "whose Open always fails (`plugin: not implemented`), and with cgo it calls dlopen, "
        "which a static binary can't honour",
        "cite": "GOROOT/src/plugin/plugin_stubs.go:5,15-16; plugin_dlopen.go:5,19",
    },
    "github.com/ebitengine/purego": {
        "dlopen": "purego is a dynamic loader without cgo: with cgo off it imports dlopen and libc "
        "through //go:cgo_import_dynamic, so the binary gets PT_INTERP and DT_NEEDED libc.so.6; "
        "with cgo its Dlopen fails in a static binary",
        "cite": "purego dlfcn_nocgo_linux.go:11-19; internal/fakecgo/zsymbols_linux.go:12-38",
    },
}


def builtin_table() -> tuple[ModuleFacts, ...]:
    return tuple(
        ModuleFacts.from_mapping(m, raw, "go_static.core.gograph.knowledge.BUILTIN")
        for m, raw in BUILTIN.items()
    )


def merged_table(user: Mapping[str, Mapping[str, Any]], source: str) -> tuple[ModuleFacts, ...]:
    """The built-in table with the user's entries; a user entry replaces a built-in one."""
    entries = {f.module: f for f in builtin_table()}
    for module, raw in user.items():
        if not isinstance(raw, Mapping):
            raise KnowledgeError(f"{source}: the entry for {module} must be a table of facts.")
        entries[module] = ModuleFacts.from_mapping(module, raw, source)
    return tuple(entries.values())


_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$")
_CONSTRAINT = re.compile(r"^\s*(>=|<=|==|>|<)\s*(\S+)\s*$")


def _key(version: str) -> tuple[int, int, int]:
    m = _VERSION.match(version)
    if not m:
        raise ValueError(version)
    return tuple(int(g or 0) for g in m.groups())  # type: ignore[return-value]


def parse_versions(spec: str, where: str) -> tuple[tuple[str, tuple[int, int, int]], ...]:
    """ ">=v2.3.0,<v3" -> ((">=", (2, 3, 0)), ("<", (3, 0, 0))); raise KnowledgeError if bad."""
    out = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        m = _CONSTRAINT.match(part)
        try:
            if not m:
                raise ValueError(part)
            out.append((m.group(1), _key(m.group(2))))
        except ValueError:
            raise KnowledgeError(
                f'{where}: {part!r} is not a version constraint; use e.g. ">=v2.3.0,<v3".'
            ) from None
    return tuple(out)  # type: ignore[return-value]


def version_matches(version: str | None, spec: str) -> bool:
    """Does a module version (None for std or the main module) satisfy the range?"""
    if not spec:
        return True
    if not version:
        return False
    try:
        have = _key(version)
    except ValueError:
        return False
    checks = {">=": have.__ge__, "<=": have.__le__, ">": have.__gt__, "<": have.__lt__}
    for op, want in parse_versions(spec, "versions"):
        ok = have == want if op == "==" else checks[op](want)
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class BundledC:
    """A C library a Go module compiles or links from its own files, and where its version is."""

    module: str
    name: str
    # Where the version is written, relative to the module root (the module zip's layout); the
    # first file that matches `pattern` wins.
    files: tuple[str, ...]
    pattern: str  # a regex over the file's text; `decode` turns its groups into the version
    # "text": group 1; "dotted": the groups joined by "."; "rdkafka": RD_KAFKA_VERSION's hex
    decode: str
    license: str  # an SPDX id or expression
    purl: str = ""  # "{version}" is filled in
    cpe: str = ""  # "{version}" is filled in
    versions: str = ""  # the module versions this applies to, as ModuleFacts.versions
    package: str = ""  # the import path whose cgo compiles or links it
    # Build tags that make the module use the system's copy instead: nothing is bundled then.
    without_tags: tuple[str, ...] = ()
    cite: str = ""


# RD_KAFKA_VERSION is 0xMMmmrrpp: major, minor, revision, then 0xff for a release (rdkafka.h).
_LIBRDKAFKA_V2 = BundledC(
    module="github.com/confluentinc/confluent-kafka-go/v2",
    name="librdkafka",
    files=("kafka/librdkafka_vendor/rdkafka.h",),
    pattern=r"#define\s+RD_KAFKA_VERSION\s+(0x[0-9A-Fa-f]{8})\b",
    decode="rdkafka",
    license="BSD-2-Clause",
    purl="pkg:github/confluentinc/librdkafka@v{version}",
    versions=">=v2.0.0",
    package="github.com/confluentinc/confluent-kafka-go/v2/kafka",
    without_tags=("dynamic",),
    cite="confluent-kafka-go/v2@v2.11.1 kafka/librdkafka_vendor/rdkafka.h:170 "
    "`#define RD_KAFKA_VERSION 0x020b01ff`; kafka/build_dynamic.go:1 `//go:build dynamic` links "
    "the system's librdkafka (pkg-config rdkafka) instead of the vendored archives",
)
# The C each module bundles, checked against the module zips named in `cite`. The versions are
# read from the module's own files when the SBOM is made, never written down here.
BUNDLED_C: tuple[BundledC, ...] = (
    _LIBRDKAFKA_V2,
    replace(
        _LIBRDKAFKA_V2,
        module="github.com/confluentinc/confluent-kafka-go",
        # v1.4.0 was the first to bundle librdkafka, in kafka/librdkafka/ (v1.3.0 links the
        # system's); later v1 releases moved it to kafka/librdkafka_vendor/.
        versions=">=v1.4.0",
        files=("kafka/librdkafka_vendor/rdkafka.h", "kafka/librdkafka/rdkafka.h"),
        package="github.com/confluentinc/confluent-kafka-go/kafka",
        cite="confluent-kafka-go@v1.9.2 kafka/librdkafka_vendor/rdkafka.h:168 "
        "`#define RD_KAFKA_VERSION 0x010902ff`; @v1.4.0 kafka/librdkafka/rdkafka.h:151 "
        "0x010400ff; kafka/build_dynamic.go:1 `// +build dynamic`",
    ),
    BundledC(
        module="github.com/mattn/go-sqlite3",
        name="SQLite",
        files=("sqlite3-binding.h", "sqlite3-binding.c"),
        pattern=r'#define\s+SQLITE_VERSION\s+"(\d+\.\d+\.\d+(?:\.\d+)?)"',
        decode="text",
        license="blessing",  # SQLite is public domain; SPDX calls its dedication "blessing"
        cpe="cpe:2.3:a:sqlite:sqlite:{version}:*:*:*:*:*:*:*",
        package="github.com/mattn/go-sqlite3",
        without_tags=("libsqlite3",),
        cite='go-sqlite3@v1.14.53 sqlite3-binding.h:150 `#define SQLITE_VERSION "3.54.1"`; '
        "sqlite3_libsqlite3.go:6 `//go:build libsqlite3` links -lsqlite3 and "
        "sqlite3-binding.c:1 `#ifndef USE_LIBSQLITE3` compiles the amalgamation out",
    ),
    BundledC(
        module="github.com/DataDog/zstd",
        name="zstd",
        files=("zstd.h",),
        pattern=r"#define\s+ZSTD_VERSION_MAJOR\s+(\d+)\s+#define\s+ZSTD_VERSION_MINOR\s+(\d+)"
        r"\s+#define\s+ZSTD_VERSION_RELEASE\s+(\d+)",
        decode="dotted",
        license="BSD-3-Clause OR GPL-2.0-only",  # ZSTD_LICENSE; every .c offers both
        purl="pkg:github/facebook/zstd@v{version}",
        cpe="cpe:2.3:a:facebook:zstandard:{version}:*:*:*:*:*:*:*",
        package="github.com/DataDog/zstd",
        without_tags=("external_libzstd",),
        cite="DataDog/zstd@v1.5.7 zstd.h:113-115 ZSTD_VERSION_MAJOR/MINOR/RELEASE 1, 5, 7; "
        "external_zstd.go:1 `//go:build external_libzstd` defines USE_EXTERNAL_ZSTD, which "
        "every vendored .c file checks first",
    ),
)


def bundled_c(module: str, version: str | None) -> tuple[BundledC, ...]:
    """The C libraries `module` at `version` bundles, from BUNDLED_C."""
    return tuple(
        b for b in BUNDLED_C if b.module == module and version_matches(version, b.versions)
    )

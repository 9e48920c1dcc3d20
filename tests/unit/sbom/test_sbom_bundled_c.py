"""The C that Go modules bundle, versioned from the real module sources (no Pants).

The modules are downloaded into a temp GOMODCACHE (conftest.py); the files are read back
through ModuleFile.cache_path, i.e. through the same case-escaped layout the rule will read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sbom_lab import KAFKA, SQLITE, ZSTD, Downloaded, ModCache, kafka_version

from go_static.core.checker.buildinfo import GoBuildInfo, parse_modinfo
from go_static.core.gograph.knowledge import bundled_c
from go_static.core.sbom.components import (
    ModuleFile,
    bundled_c_components,
    bundled_c_files,
    c_version,
    rdkafka_version,
)

# What the module zips really say (found by reading them; see knowledge.BUNDLED_C's cites).
SQLITE_IN_GO_SQLITE3_1_14_53 = "3.54.1"
ZSTD_IN_DATADOG_ZSTD_1_5_7 = "1.5.7"
LIBRDKAFKA_IN_KAFKA_2_11_1 = "2.11.1"


def info(modules: dict[str, Downloaded], *settings: str, extra: str = "") -> GoBuildInfo:
    deps = "".join(f"dep\t{m.path}\t{m.version}\t{m.sum}\n" for m in modules.values())
    build = "".join(f"build\t{s}\n" for s in settings)
    return parse_modinfo("go1.27.3", f"path\texample.com/app\n{deps}{extra}{build}")


def reader(modcache: ModCache):
    def read(f: ModuleFile) -> bytes | None:
        path = modcache.root / f.cache_path
        return path.read_bytes() if path.is_file() else None

    return read


def test_module_file_cache_path_is_escaped_as_go_does() -> None:
    f = ModuleFile("github.com/Azure/Go-Sdk", "v1.0.0-RC1", "x/y.h")
    assert f.cache_path == "github.com/!azure/!go-!sdk@v1.0.0-!r!c1/x/y.h"


def test_go_lays_the_modules_out_where_cache_path_says(
    modcache: ModCache, modules: dict[str, Downloaded]
) -> None:
    for m in modules.values():
        assert modcache.root / ModuleFile(m.path, m.version, "").cache_path == Path(f"{m.dir}/")


def test_the_bundled_c_versions_in_the_real_module_sources(
    modcache: ModCache, modules: dict[str, Downloaded]
) -> None:
    c = info(modules, "CGO_ENABLED=1")
    files = bundled_c_files(c)
    assert [str(f) for f in files] == [
        f"github.com/DataDog/zstd@{ZSTD[1]}/zstd.h",
        f"{KAFKA}@{kafka_version()}/kafka/librdkafka_vendor/rdkafka.h",
        f"github.com/mattn/go-sqlite3@{SQLITE[1]}/sqlite3-binding.c",
        f"github.com/mattn/go-sqlite3@{SQLITE[1]}/sqlite3-binding.h",
    ]
    found = {x.name: x for x in bundled_c_components(c, reader(modcache))}
    assert {n: (x.version, x.bundled_by) for n, x in found.items()} == {
        "SQLite": (SQLITE_IN_GO_SQLITE3_1_14_53, SQLITE[0]),
        "zstd": (ZSTD_IN_DATADOG_ZSTD_1_5_7, ZSTD[0]),
        "librdkafka": (LIBRDKAFKA_IN_KAFKA_2_11_1, KAFKA),
    }
    assert kafka_version() == "v2.11.1"  # the fixture pins it; the expected value follows it
    sqlite, zstd, kafka = found["SQLite"], found["zstd"], found["librdkafka"]
    assert sqlite.cpe == "cpe:2.3:a:sqlite:sqlite:3.54.1:*:*:*:*:*:*:*" and not sqlite.purl
    assert sqlite.source == f"{SQLITE[0]}@{SQLITE[1]}/sqlite3-binding.h"  # the small file first
    assert (zstd.purl, zstd.license) == (
        "pkg:github/facebook/zstd@v1.5.7",
        "BSD-3-Clause OR GPL-2.0-only",
    )
    assert kafka.purl == "pkg:github/confluentinc/librdkafka@v2.11.1"


def test_the_amalgamation_says_the_same_sqlite_version_as_the_header(
    modules: dict[str, Downloaded],
) -> None:
    (entry,) = bundled_c(SQLITE[0], SQLITE[1])
    sqlite = modules[SQLITE[0]].dir
    versions = {c_version(entry, (sqlite / f).read_bytes()) for f in entry.files}
    assert versions == {SQLITE_IN_GO_SQLITE3_1_14_53}


@pytest.mark.parametrize(
    "settings, packages, expected",
    [
        (("CGO_ENABLED=0",), None, set()),  # no cgo: the C is compiled out
        (("CGO_ENABLED=1", "-tags=libsqlite3,netgo"), None, {"zstd", "librdkafka"}),
        (("CGO_ENABLED=1", "-tags=dynamic,external_libzstd"), None, {"SQLite"}),
        # With the linked packages known: only kafka's schemaregistry is linked, not its C.
        (
            ("CGO_ENABLED=1",),
            {SQLITE[0], f"{KAFKA}/schemaregistry", ZSTD[0]},
            {"SQLite", "zstd"},
        ),
    ],
)
def test_what_is_bundled_follows_cgo_tags_and_packages(
    modcache: ModCache, modules: dict[str, Downloaded], settings, packages, expected
) -> None:
    c = info(modules, *settings)
    found = bundled_c_components(c, reader(modcache), packages=packages)
    assert {x.name for x in found} == expected
    entries = [e for m in modules.values() for e in bundled_c(m.path, m.version)]
    assert len(bundled_c_files(c, packages=packages)) == sum(
        len(e.files) for e in entries if e.name in expected
    )


def test_a_replacement_is_read_from_the_replacing_module(
    modcache: ModCache, modules: dict[str, Downloaded]
) -> None:
    # A fork replacing go-sqlite3 still bundles SQLite; its files come from the fork's zip
    # (here the same module at its real version, under a version go.mod asks for).
    real = modules[SQLITE[0]]
    modinfo = (
        f"dep\t{SQLITE[0]}\tv1.14.0\n=>\t{real.path}\t{real.version}\t{real.sum}\n"
        f"dep\tgithub.com/DataDog/zstd\tv1.5.7\n=>\t../zstd\t\t\n"
    )
    c = parse_modinfo("go1.27.3", modinfo)
    assert [str(f) for f in bundled_c_files(c)] == [
        f"{real.path}@{real.version}/sqlite3-binding.c",
        f"{real.path}@{real.version}/sqlite3-binding.h",
    ]  # the local directory has no module-cache copy to read
    zstd, sqlite = bundled_c_components(c, reader(modcache))  # sorted by module path
    assert (sqlite.name, sqlite.version) == ("SQLite", SQLITE_IN_GO_SQLITE3_1_14_53)
    assert (zstd.name, zstd.version, zstd.purl, zstd.cpe) == ("zstd", None, "", "")
    assert zstd.source == "../zstd (a local directory replaces github.com/DataDog/zstd)"


def test_a_missing_file_leaves_the_c_listed_without_a_version(
    modules: dict[str, Downloaded],
) -> None:
    (sqlite,) = bundled_c_components(info({SQLITE[0]: modules[SQLITE[0]]}), lambda f: None)
    assert (sqlite.name, sqlite.version, sqlite.cpe, sqlite.source) == ("SQLite", None, "", "")


def test_kafka_v1_reads_both_vendor_layouts() -> None:
    (v1,) = bundled_c("github.com/confluentinc/confluent-kafka-go", "v1.9.2")
    assert v1.files == ("kafka/librdkafka_vendor/rdkafka.h", "kafka/librdkafka/rdkafka.h")
    assert bundled_c("github.com/confluentinc/confluent-kafka-go", "v1.3.0") == ()  # system's
    # v1.4.0's header (kafka/librdkafka/rdkafka.h:151) pads the define with two spaces.
    assert c_version(v1, b"#define RD_KAFKA_VERSION  0x010400ff\n") == "1.4.0"


def test_rdkafka_version_decodes_as_rd_kafka_version_str() -> None:
    assert rdkafka_version(0x020B01FF) == "2.11.1"
    assert rdkafka_version(0x000801FF) == "0.8.1"  # rdkafka.h's own example
    assert rdkafka_version(0x020C00C9) == "2.12.0-RC1"  # above 200: release candidates
    assert rdkafka_version(0x02000003) == "2.0.0-pre3"

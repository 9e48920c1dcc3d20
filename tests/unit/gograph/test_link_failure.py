"""Tier 1: failed static links explained, on the real output of real builds.

The logs under data/link_logs were captured from `go build` of confluent-kafka-go v2.11.1 and
gopacket v1.1.19 (pcap) with zig 0.17.1, gcc 12 and musl-gcc (Debian musl 1.2.3); their paths
point at the module cache the builds used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from go_static.core.gograph.link_failure import explain, module_of, parse

LOGS = Path(__file__).parents[1] / "data" / "link_logs"
KAFKA = "github.com/confluentinc/confluent-kafka-go/v2@v2.11.1"


def log(name: str) -> str:
    return (LOGS / name).read_text()


@pytest.mark.parametrize(
    "name, symbols",
    [
        ("kafka_no_musl_tag.zig.log", ["fopen64", "getcontext", "makecontext", "setcontext"]),
        ("kafka_no_musl_tag.musl-gcc.log", ["getcontext", "makecontext", "setcontext"]),
    ],
)
def test_glibc_archive_under_musl_names_the_archive_and_module(name: str, symbols: list) -> None:
    text = explain(log(name), "musl", "src/go:kafka")
    assert text.startswith(
        f"src/go:kafka: the link failed on symbols only glibc has ({', '.join(symbols)})"
    )
    assert f"librdkafka_glibc_linux_amd64.a from {KAFKA}" in text
    assert "the `musl` tag" in text and 'libc="glibc"' in text


def test_musl_archive_under_glibc_is_named_too() -> None:
    text = explain(log("kafka_musl_tag_glibc.gcc.log"), "glibc", "src/go:kafka")
    assert text.startswith("src/go:kafka: the link failed on strlcpy, referenced by")
    assert f"librdkafka_musl_linux_amd64.a from {KAFKA}" in text
    assert "an archive built for musl, linked with glibc" in text and 'Fix: set libc="musl"' in text


@pytest.mark.parametrize(
    "name, wanted",
    [
        ("pcap.zig.log", "pcap.h (wanted by github.com/google/gopacket/pcap)"),
        ("pcap.gcc.log", "pcap.h (wanted by github.com/google/gopacket/pcap)"),
        ("pcap_header_no_lib.gcc.log", "libpcap"),
        ("pcap_header_no_lib.zig.log", "libpcap"),
        ("pcap_static_systemd.gcc.log", "libsystemd"),
    ],
)
def test_missing_system_library_is_named(name: str, wanted: str) -> None:
    libc = "musl" if ".zig." in name else "glibc"
    text = explain(log(name), libc, "src/go:sniff")
    assert text.startswith(f"src/go:sniff: the build needs the system C library or header {wanted}")
    assert "Fix: drop or replace that dependency" in text and "system_libs" in text


def test_a_plain_compile_error_gets_no_explanation() -> None:
    assert (
        explain("# example.com/x\n./main.go:3:1: syntax error: unexpected }\n", "musl", "a") is None
    )
    # NSS warnings without a failure are the post-link check's business, not this module's.
    assert explain(log("kafka_glibc.gcc.log"), "glibc", "a") is None


def test_parse_collects_each_symbol_with_its_archives() -> None:
    found = parse(log("kafka_no_musl_tag.zig.log"))
    assert sorted(found.undefined) == ["fopen64", "getcontext", "makecontext", "setcontext"]
    (archive,) = found.undefined["getcontext"]
    assert archive.endswith("/kafka/librdkafka_vendor/librdkafka_glibc_linux_amd64.a")


@pytest.mark.parametrize(
    "path, module",
    [
        (
            "/tmp/pants-sandbox-Xy/.go-static-cache/go-mod/github.com/!data!dog/zstd@v1.5.7/zstd.go",
            "github.com/DataDog/zstd@v1.5.7",
        ),
        (
            "../../.go-static-cache/go-mod/github.com/google/gopacket@v1.1.19/pcap/x.go",
            "github.com/google/gopacket@v1.1.19",
        ),
        ("/src/vendor/github.com/acme/c/lib/libc_musl.a", "vendor/github.com/acme/c/lib"),
        ("/usr/lib/x86_64-linux-gnu/libpcap.a", None),
    ],
)
def test_module_of_maps_cache_paths_back_to_module_versions(path: str, module: str | None) -> None:
    assert module_of(path) == module

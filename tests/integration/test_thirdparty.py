"""Tier 3 (marker `thirdparty`): real third-party cgo modules from the Go module proxy.

confluent-kafka-go v2.11.1, gopacket v1.1.19 (pcap), purego v0.11.3 and std's plugin, in the
build-ignored module tests/fixtures/thirdparty. The first build downloads them into the
plugin's module cache; later ones reuse it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pants_harness import (
    WITH_FIXTURES,
    package,
    read_report,
    run_pants,
    sbom_c_parts,
    wrote_nothing,
)

pytestmark = pytest.mark.thirdparty
T = "tests/fixtures/thirdparty"
KAFKA = "github.com/confluentinc/confluent-kafka-go/v2@v2.11.1"


def test_kafka_auto_is_static_runs_in_an_empty_root_and_says_why_musl(distdir: Path) -> None:
    tests = run_pants(
        WITH_FIXTURES, "test", f"{T}:kafka-smoke@binary=amd64", f"{T}:kafka-smoke@binary=arm64"
    )
    assert tests.returncode == 0, tests.stderr
    assert f"✓ {T}:kafka-smoke@binary=arm64 succeeded" in tests.stderr
    built = package(distdir, f"{T}:kafka@goarch=amd64")
    assert built.returncode == 0, built.stderr
    report = read_report(distdir, "tests.fixtures.thirdparty/kafka@goarch=amd64")
    # The SBOM beside it sees the C inside: librdkafka from the module's own header, and musl.
    assert report["sbom"] == "kafka@goarch=amd64.cdx.json"
    assert sbom_c_parts(distdir / "tests.fixtures.thirdparty" / report["sbom"]) == {
        "librdkafka": "2.11.1",
        "musl": "1.2.5",
    }
    assert (report["verdict"], report["linkage"], report["libc_detected"]) == (
        "pass",
        "static",
        "musl",
    )
    assert report["build_tags"] == ["netgo", "osusergo", "musl"]
    musl = next(d for d in report["decisions"] if d["setting"] == "-tags" and d["value"] == "musl")
    assert musl["decided_by"] == "knowledge table + libc"
    assert "librdkafka_musl" in musl["reason"] and "build_musl_linux_amd64.go" in musl["reason"]
    dlopen = next(d for d in report["decisions"] if d["setting"] == "allow_dlopen")
    assert "github.com/confluentinc/confluent-kafka-go/v2/kafka" in dlopen["reason"]


@pytest.mark.parametrize(
    "target, expected",
    [
        (
            "kafka-no-dlopen",
            [
                f"{KAFKA} loads code at run time (dlopen).",
                "plugin.library.paths",
                "set allow_dlopen=True",
            ],
        ),
        (
            "kafka-glibc",
            [
                f'libc="glibc", but the C code of {KAFKA} calls getaddrinfo, gethostbyname, '
                "getpwuid_r.",
                "libnss_",
                'Fix: Set libc="musl"',
            ],
        ),
        (
            "pcap",
            [
                "github.com/google/gopacket/pcap (github.com/google/gopacket@v1.1.19) needs the "
                "system C library libpcap",
                "no static archive",
                "pcapgo",
            ],
        ),
        ("plugin", ["plugin loads code at run time (dlopen).", "plugin: not implemented"]),
        (
            "purego",
            [
                "github.com/ebitengine/purego@v0.11.3 loads code at run time (dlopen).",
                "PT_INTERP and DT_NEEDED libc.so.6",
            ],
        ),
    ],
)
def test_refused_before_the_compile_with_the_reason(
    target: str, expected: list, distdir: Path
) -> None:
    result = package(distdir, f"{T}:{target}")
    assert result.returncode != 0
    assert f"{T}:{target}: " in result.stderr
    for text in expected:
        assert text in result.stderr
    assert f"Building {T}:{target}" not in result.stderr  # nothing compiled
    assert "Traceback" not in result.stderr
    assert wrote_nothing(distdir)


def test_allowed_plugin_runs_and_its_stub_says_so() -> None:
    result = run_pants(WITH_FIXTURES, "test", f"{T}:plugin-allowed-smoke")
    assert result.returncode == 0, result.stderr


def test_link_failures_are_explained_above_the_raw_output() -> None:
    # forget-modules.toml replaces the table's entries, so the builds run into the linker.
    forget = f"--pants-config-files={T}/forget-modules.toml"
    kafka = run_pants(WITH_FIXTURES, forget, "package", f"{T}:kafka@goarch=amd64")
    assert kafka.returncode != 0
    err = kafka.stderr
    head = (
        f"{T}:kafka@goarch=amd64: the link failed on symbols only glibc has (fopen64, getcontext, "
        "makecontext, setcontext), referenced by librdkafka_glibc_linux_amd64.a from "
        "github.com/confluentinc/confluent-kafka-go/v2@v2.11.1."
    )
    assert head in err and "the `musl` tag" in err
    assert err.index(head) < err.index("ld.lld: error: undefined symbol: getcontext")  # raw below
    pcap = run_pants(WITH_FIXTURES, forget, "package", f"{T}:pcap")
    assert pcap.returncode != 0
    assert (
        f"{T}:pcap: the build needs the system C library or header pcap.h (wanted by "
        "github.com/google/gopacket/pcap)" in pcap.stderr
    )
    assert "fatal error: 'pcap.h' file not found" in pcap.stderr


def test_a_malformed_cgo_modules_entry_is_named(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[go-static.cgo_modules."example.com/acme/c"]\nmusl_tag = ["x"]\n')
    result = run_pants(
        WITH_FIXTURES, f"--pants-config-files={config}", "package", f"{T}:plugin-allowed"
    )
    assert result.returncode != 0
    assert (
        "[go-static].cgo_modules, set in pants.toml (or another config file): the entry for "
        in result.stderr
    )
    assert "example.com/acme/c has unknown keys ['musl_tag']" in result.stderr

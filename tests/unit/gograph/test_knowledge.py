"""Tier 1: the cgo module knowledge table, and what the mode does with it (no Pants, no builds)."""

from __future__ import annotations

import pytest

from go_static.core.gograph.graph import Closure, GoPackage
from go_static.core.gograph.knowledge import (
    KnowledgeError,
    ModuleFacts,
    builtin_table,
    merged_table,
    version_matches,
)
from go_static.core.mode.build_mode import resolve
from go_static.core.mode.intent import Intent, ModeError

KAFKA = "github.com/confluentinc/confluent-kafka-go/v2"


def pkg(import_path: str, module: str | None, version: str | None, *, cgo: bool = False,
        standard: bool = False, go_files: tuple[str, ...] = ()) -> GoPackage:  # fmt: skip
    return GoPackage(
        import_path=import_path, name="x", dir=None, standard=standard, main_module=False,
        deps=(), files=(), cgo_files=("c.go",) if cgo else (), c_files=(), errors=(),
        go_file_names=go_files, module_path=module, module_version=version,
    )  # fmt: skip


MAIN = GoPackage("example.com/app", "main", "app", False, True, (), (), (), (), ())


def facts(*packages: GoPackage, table=None):
    return Closure(MAIN, (MAIN, *packages)).facts({}, builtin_table() if table is None else table)


def mode(graph, **intent):
    return resolve(Intent(address="src/go:app", **intent), graph)


def test_every_builtin_entry_cites_its_source() -> None:
    table = builtin_table()
    expected = {KAFKA, "github.com/mattn/go-sqlite3", "plugin", "github.com/google/gopacket"}
    assert {f.module for f in table} >= expected | {"github.com/ebitengine/purego"}
    assert all(f.cite for f in table)


def test_kafka_under_musl_gets_the_musl_tag_with_the_reason() -> None:
    kafka = pkg(f"{KAFKA}/kafka", KAFKA, "v2.11.1", cgo=True)
    graph = facts(kafka)
    m = mode(graph, allow_dlopen=True)
    assert m.libc == "musl" and m.tags == ("netgo", "osusergo", "musl")
    tag = next(d for d in m.decisions if d.setting == "-tags" and d.value == "musl")
    assert tag.decided_by == "knowledge table + libc"
    assert f"{KAFKA}@v2.11.1 under musl" in tag.reason and "librdkafka_musl" in tag.reason
    assert "build_musl_linux_amd64.go" in tag.reason


def test_kafka_needs_allow_dlopen_and_says_why() -> None:
    graph = facts(pkg(f"{KAFKA}/kafka", KAFKA, "v2.11.1", cgo=True))
    with pytest.raises(ModeError) as caught:
        mode(graph)
    (err,) = caught.value.problems
    assert err.what == f"{KAFKA}@v2.11.1 loads code at run time (dlopen)."
    assert "plugin.library.paths" in err.why and "set allow_dlopen=True" in err.fix


def test_kafka_with_glibc_fails_before_the_compile_naming_the_nss_calls() -> None:
    graph = facts(pkg(f"{KAFKA}/kafka", KAFKA, "v2.11.1", cgo=True))
    with pytest.raises(ModeError) as caught:
        mode(graph, libc="glibc", allow_dlopen=True)
    (err,) = caught.value.problems
    assert err.what == (
        f'libc="glibc", but the C code of {KAFKA}@v2.11.1 calls getaddrinfo, gethostbyname, '
        "getpwuid_r."
    )
    assert "libnss_" in err.why and err.fix.startswith('Set libc="musl"') and "musl tag" in err.fix


def test_gopacket_pcap_needs_libpcap_and_fails_up_front() -> None:
    graph = facts(
        pkg("github.com/google/gopacket/pcap", "github.com/google/gopacket", "v1.1.19", cgo=True)
    )
    with pytest.raises(ModeError) as caught:
        mode(graph)
    (err,) = caught.value.problems
    assert "needs the system C library libpcap" in err.what
    assert "libsystemd" in err.why and "pcapgo" in err.fix
    # Only the pcap package is about libpcap: the rest of gopacket is pure Go.
    layers = pkg("github.com/google/gopacket/layers", "github.com/google/gopacket", "v1.1.19")
    assert mode(facts(layers)).libc == "none"


@pytest.mark.parametrize(
    "package, problem",
    [
        (pkg("plugin", None, None, standard=True), "plugin loads code at run time (dlopen)."),
        (
            pkg("github.com/ebitengine/purego", "github.com/ebitengine/purego", "v0.11.3"),
            "github.com/ebitengine/purego@v0.11.3 loads code at run time (dlopen).",
        ),
    ],
)
def test_run_time_loaders_are_refused_unless_allowed(package: GoPackage, problem: str) -> None:
    graph = facts(package)
    with pytest.raises(ModeError) as caught:
        mode(graph)
    assert [p.what for p in caught.value.problems] == [problem]
    assert "set allow_dlopen=True" in caught.value.problems[0].fix
    allowed = mode(graph, allow_dlopen=True)
    assert allowed.scenario == 4 and any(d.setting == "allow_dlopen" for d in allowed.decisions)


def test_sqlite_dlopen_only_while_its_loader_file_is_compiled() -> None:
    sqlite = "github.com/mattn/go-sqlite3"
    with_loader = pkg(sqlite, sqlite, "v1.14.53", cgo=True, go_files=("sqlite3_load_extension.go",))
    graph = facts(with_loader)
    assert graph.dlopen_packages == (sqlite,)
    (hint,) = graph.dlopen_hints
    assert hint[:2] == (sqlite, "sqlite_omit_load_extension")
    omitted = pkg(
        sqlite, sqlite, "v1.14.53", cgo=True, go_files=("sqlite3_load_extension_omit.go",)
    )
    assert facts(omitted).dlopen_packages == ()


def test_version_ranges() -> None:
    assert version_matches("v2.11.1", ">=v2.0.0")
    assert not version_matches("v1.9.2", ">=v2.0.0")
    assert version_matches("v1.9.2", ">=v1.4.0,<v2")
    assert version_matches("v2.0.0-rc1", ">=v1.4.0")
    assert not version_matches(None, ">=v1.0.0") and version_matches(None, "")
    old_kafka = pkg(f"{KAFKA}/kafka", KAFKA, "v1.0.0", cgo=True)
    assert facts(old_kafka).known == ()  # outside the entry's range: nothing is assumed


def test_user_entries_extend_and_replace_the_builtin_table() -> None:
    user = {
        "example.com/acme/fastcrypt": {"musl_tags": ["fastcrypt_musl"], "tags_why": "its .a",
                                       "nss_under_glibc": ["getpwnam"], "cite": "BUILD notes"},
        "github.com/mattn/go-sqlite3": {"cite": "we patched it: no dlopen"},
    }  # fmt: skip
    table = merged_table(user, "pants.toml")
    crypt = pkg("example.com/acme/fastcrypt", "example.com/acme/fastcrypt", "v0.3.0", cgo=True)
    assert mode(facts(crypt, table=table)).tags[-1] == "fastcrypt_musl"
    with pytest.raises(ModeError, match="calls getpwnam"):
        mode(facts(crypt, table=table), libc="glibc")
    sqlite = "github.com/mattn/go-sqlite3"
    patched = pkg(sqlite, sqlite, "v1.14.53", cgo=True, go_files=("sqlite3_load_extension.go",))
    assert facts(patched, table=table).dlopen_packages == ()


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"musl_tag": ["x"]}, "unknown keys ['musl_tag']"),
        ({"musl_tags": "musl"}, "musl_tags must be a list of strings"),
        ({"dlopen": ["x"]}, "dlopen must be a string"),
        ({"versions": "newer than 2"}, "is not a version constraint"),
    ],
)
def test_malformed_user_entries_say_what_is_wrong(raw: dict, message: str) -> None:
    with pytest.raises(KnowledgeError) as caught:
        merged_table({"example.com/m": raw}, "[go-static].cgo_modules, set in pants.toml")
    assert str(caught.value).startswith("[go-static].cgo_modules, set in pants.toml: ")
    assert message in str(caught.value)


def test_an_empty_entry_is_the_defaults() -> None:
    assert ModuleFacts.from_mapping("m", {}, "x") == ModuleFacts("m")

"""The CycloneDX document: schema-valid, deterministic, saying what a reviewer needs (no Pants)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sbom_lab import (
    KAFKA,
    SAMPLE_MODINFO,
    SQLITE,
    ZSTD,
    Downloaded,
    ModCache,
    assert_valid,
    host_libc_a,
    sample_document,
)

from elf_lab import ZIG
from go_static.core.checker.buildinfo import parse_modinfo
from go_static.core.names import GLIBC, MUSL
from go_static.core.sbom.bom import h1_sha256, sbom_json, schema_errors
from go_static.core.sbom.components import (
    ZIG_MUSL_VERSION_FILE,
    ModuleFile,
    bundled_c_components,
    detect_libc,
)

HERE = Path(__file__).resolve().parent


def by_ref(doc: dict) -> dict[str, dict]:
    return {c["bom-ref"]: c for c in doc["components"]}


def props(component: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


def test_the_sample_document_is_valid_cyclonedx_1_6() -> None:
    text = sample_document()
    assert_valid(text)
    doc = json.loads(text)
    assert (doc["bomFormat"], doc["specVersion"], doc["version"]) == ("CycloneDX", "1.6", 1)
    assert "timestamp" not in doc["metadata"]  # no clock in the bytes


@pytest.mark.parametrize(
    "breakage",
    [
        "unknown top-level key",
        "component without a name",
        "unknown hash algorithm",
        "component type that does not exist",
        "serial number that is no URN",
    ],
)
def test_the_validator_catches_a_broken_document(breakage: str) -> None:
    doc = json.loads(sample_document())
    component = doc["components"][0]
    if breakage == "unknown top-level key":
        doc["goStatic"] = True
    elif breakage == "component without a name":
        del component["name"]
    elif breakage == "unknown hash algorithm":
        doc["metadata"]["component"]["hashes"][0]["alg"] = "SHA-999"
    elif breakage == "component type that does not exist":
        component["type"] = "static-binary"
    else:
        doc["serialNumber"] = "not-a-urn"
    assert_valid(sample_document())  # the same validator passes the intact document ...
    assert schema_errors(json.dumps(doc)) is not None  # ... and rejects this one


def test_same_inputs_give_the_same_bytes_in_any_order() -> None:
    first = sample_document()
    assert sample_document() == first
    # Components passed in another order, and build info's deps in another order: same bytes.
    lines = SAMPLE_MODINFO.splitlines(keepends=True)
    deps = [i for i, line in enumerate(lines) if line.startswith("dep\t")]
    blocks = [lines[i : (deps + [len(lines)])[n + 1]] for n, i in enumerate(deps)]
    head, reordered = lines[: deps[0]], [line for b in reversed(blocks) for line in b]
    assert "".join(head + reordered) != SAMPLE_MODINFO
    assert sample_document("".join(head + reordered), c_first=False) == first


@pytest.mark.parametrize("seed", ["0", "4242"])
def test_same_bytes_from_another_process_with_another_hash_seed(seed: str) -> None:
    env = {
        **os.environ,
        "PYTHONHASHSEED": seed,
        "PYTHONPATH": os.pathsep.join(
            [str(HERE), str(HERE.parent), str(HERE.parents[2] / "pants-plugins")]
        ),
    }
    proc = subprocess.run(
        [sys.executable, str(HERE / "sbom_lab.py")], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == sample_document()


def test_the_serial_number_follows_the_content() -> None:
    doc = json.loads(sample_document())
    other = json.loads(sample_document(SAMPLE_MODINFO.replace("GOAMD64=v1", "GOAMD64=v3")))
    assert doc["serialNumber"].startswith("urn:uuid:")
    assert uuid.UUID(doc["serialNumber"][len("urn:uuid:") :]).version == 5
    assert other["serialNumber"] != doc["serialNumber"]


def test_what_the_sample_document_says() -> None:
    doc = json.loads(sample_document())
    binary = doc["metadata"]["component"]
    assert (binary["type"], binary["name"], binary["hashes"]) == (
        "application",
        "app",
        [{"alg": "SHA-256", "content": "0f" * 32}],
    )
    assert props(binary) == {
        "go-static:pants:address": "src/go/app:app",
        "go-static:go:version": "go1.27.3",
        "go-static:go:main-package": "example.com/app/cmd/app",
        "go-static:go:main-module": "example.com/app (devel)",
        "go-static:libc:name": GLIBC,
        "go-static:fips:module": "off",
        "go-static:go:build:-buildmode": "exe",
        "go-static:go:build:-compiler": "gc",
        "go-static:go:build:-trimpath": "true",
        "go-static:go:build:CGO_ENABLED": "1",
        "go-static:go:build:GOARCH": "amd64",
        "go-static:go:build:GOOS": "linux",
        "go-static:go:build:GOAMD64": "v1",
    }
    c = by_ref(doc)
    assert sorted(c) == [
        "c:github.com/DataDog/zstd:zstd",
        "c:github.com/mattn/go-sqlite3:SQLite",
        "go:example.com/local",
        "go:github.com/DataDog/zstd",
        "go:github.com/google/uuid",
        "go:github.com/mattn/go-sqlite3",
        "go:stdlib",
        "libc:glibc",
    ]
    google_uuid = c["go:github.com/google/uuid"]
    assert (google_uuid["name"], google_uuid["version"], google_uuid["purl"]) == (
        "github.com/google/uuid",
        "v1.6.0",
        "pkg:golang/github.com/google/uuid@v1.6.0",
    )
    # `echo NIvaJDMO...94F0= | base64 -d | od -An -tx1`: the h1: sum's 32 bytes, in hex.
    assert google_uuid["hashes"] == [
        {
            "alg": "SHA-256",
            "content": "348bda24330eb231c0f27d630212d2833ac0cf2d4782bfa136b6f9edefbde05d",
        }
    ]
    assert props(google_uuid) == {
        "go-static:go:h1": "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="
    }
    # A replacement: the fork's identity, the original named in a property.
    fork = c["go:github.com/mattn/go-sqlite3"]
    assert (fork["name"], fork["version"], fork["purl"]) == (
        "github.com/example/go-sqlite3",
        "v1.14.54",
        "pkg:golang/github.com/example/go-sqlite3@v1.14.54",
    )
    assert props(fork)["go-static:go:replace"] == (
        "github.com/mattn/go-sqlite3 v1.14.53 => github.com/example/go-sqlite3 v1.14.54"
    )
    # A local directory: no version, so no purl or hash to match advisories against wrongly.
    local = c["go:example.com/local"]
    assert "purl" not in local and "hashes" not in local and "version" not in local
    assert props(local) == {"go-static:go:replace": "example.com/local v0.0.0 => ../local"}
    stdlib = c["go:stdlib"]
    assert (stdlib["name"], stdlib["version"], stdlib["purl"], stdlib["cpe"]) == (
        "stdlib",
        "go1.27.3",
        "pkg:golang/stdlib@1.27.3",
        "cpe:2.3:a:golang:go:1.27.3:-:*:*:*:*:*:*",
    )
    glibc = c["libc:glibc"]
    assert (glibc["version"], glibc["purl"], glibc["licenses"]) == (
        "2.36",
        "pkg:deb/debian/glibc@2.36-9%2Bdeb12u14",
        [{"license": {"id": "LGPL-2.1-or-later"}}],
    )
    assert props(glibc)["go-static:c:release"] == "Debian GLIBC 2.36-9+deb12u14"
    zstd = c["c:github.com/DataDog/zstd:zstd"]
    assert zstd["licenses"] == [{"expression": "BSD-3-Clause OR GPL-2.0-only"}]
    assert props(zstd)["go-static:c:bundled-by"] == "github.com/DataDog/zstd@v1.5.7"
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert deps[binary["bom-ref"]] == sorted(c)  # the binary contains every component
    assert deps["go:github.com/DataDog/zstd"] == ["c:github.com/DataDog/zstd:zstd"]
    assert deps["go:github.com/mattn/go-sqlite3"] == ["c:github.com/mattn/go-sqlite3:SQLite"]


def test_h1_sums_become_sha256_hex_or_nothing() -> None:
    assert h1_sha256("h1:" + "A" * 43 + "=") == "00" * 32
    assert h1_sha256("") is None
    assert h1_sha256("h2:" + "A" * 43 + "=") is None  # an unknown hash scheme
    assert h1_sha256("h1:not base64!") is None
    assert h1_sha256("h1:AAAA") is None  # not 32 bytes


def test_a_pure_go_document_has_no_libc() -> None:
    text = sbom_json(
        binary_name="pure",
        binary_sha256="ab" * 32,
        address="src/go:pure",
        build_info=parse_modinfo("go1.27.3", "path\tx\nmod\tx\t(devel)\t\nbuild\tCGO_ENABLED=0\n"),
    )
    assert_valid(text)
    doc = json.loads(text)
    assert props(doc["metadata"]["component"])["go-static:libc:name"] == "none"
    assert [c["bom-ref"] for c in doc["components"]] == ["go:stdlib"]


# --- documents for kafka-, sqlite- and zstd-like programs, from the real module sources ---------


def _document(
    modcache: ModCache, modules: list[Downloaded], libc: str, libc_a: bytes | None = None
) -> dict:
    deps = "".join(f"dep\t{m.path}\t{m.version}\t{m.sum}\n" for m in modules)
    info = parse_modinfo(
        "go1.27.3",
        f"path\texample.com/app\nmod\texample.com/app\t(devel)\t\n{deps}"
        f"build\tCGO_ENABLED=1\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\n",
    )

    def read(f: ModuleFile) -> bytes | None:
        path = modcache.root / f.cache_path
        return path.read_bytes() if path.is_file() else None

    if libc == MUSL:
        header = ZIG.parent / ZIG_MUSL_VERSION_FILE
        libc_component = detect_libc(MUSL, zig_version_h=header.read_bytes(), source="zig")
    else:
        path, data = host_libc_a("amd64")
        libc_component = detect_libc(GLIBC, libc_a=data, source=str(path))
    text = sbom_json(
        binary_name="app",
        binary_sha256="cd" * 32,
        address="src/go/app:app",
        build_info=info,
        libc=libc_component,
        c_components=bundled_c_components(info, read),
    )
    assert_valid(text)
    return json.loads(text)


@pytest.mark.parametrize(
    "module, libc, c_name, c_version",
    [
        (KAFKA, MUSL, "librdkafka", "2.11.1"),
        (KAFKA, GLIBC, "librdkafka", "2.11.1"),
        (SQLITE[0], MUSL, "SQLite", "3.54.1"),
        (ZSTD[0], GLIBC, "zstd", "1.5.7"),
    ],
)
def test_documents_list_the_bundled_c_and_the_libc_with_versions(
    modcache: ModCache,
    modules: dict[str, Downloaded],
    module: str,
    libc: str,
    c_name: str,
    c_version: str,
) -> None:
    m = modules[module]
    doc = _document(modcache, [m], libc)
    c = by_ref(doc)
    bundled = c[f"c:{module}:{c_name}"]
    assert (bundled["name"], bundled["version"]) == (c_name, c_version)
    assert props(bundled)["go-static:c:version-source"].startswith(f"{module}@{m.version}/")
    libc_component = c[f"libc:{libc}"]
    assert libc_component["version"] == {MUSL: "1.2.5", GLIBC: "2.36"}[libc]
    assert props(doc["metadata"]["component"])["go-static:libc:name"] == libc
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert deps[f"go:{module}"] == [f"c:{module}:{c_name}"]
    assert f"libc:{libc}" in deps[doc["metadata"]["component"]["bom-ref"]]

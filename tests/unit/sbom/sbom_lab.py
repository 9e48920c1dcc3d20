"""Real inputs for the SBOM tests: module sources from the Go proxy, three small real binaries.

Modules are downloaded with the venv's Go into a temp GOMODCACHE, so the tests read the layout
Go really writes (case-escaped paths included). Module caches already on the machine (Pants'
named cache, GOMODCACHE, ~/go/pkg/mod) serve as file:// proxies first; otherwise the default
proxy is used (this tier may reach it). Nothing is written to a shared cache.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from elf_lab import GO, GO_CGO, GO_NOCGO, GOROOT, NAMED_CACHES, REPO, STATIC_GLIBC, ZIG
from go_static.core.checker.buildinfo import GoBuildInfo, buildinfo_from_elf, parse_modinfo
from go_static.core.names import GLIBC, MUSL, NONE
from go_static.core.sbom.bom import sbom_json, schema_errors
from go_static.core.sbom.components import CComponent

THIRDPARTY_GO_MOD = REPO / "tests" / "fixtures" / "thirdparty" / "go.mod"
KAFKA = "github.com/confluentinc/confluent-kafka-go/v2"
SQLITE = ("github.com/mattn/go-sqlite3", "v1.14.53")
ZSTD = ("github.com/DataDog/zstd", "v1.5.7")
UUID = ("github.com/google/uuid", "v1.6.0")
LIBC_A = {  # GOARCH -> (C compiler whose libc.a is linked, the Debian package that ships it)
    "amd64": ("gcc", "libc6-dev"),
    "arm64": ("aarch64-linux-gnu-gcc", "libc6-dev-arm64-cross"),
}
MUSL_GCC_LIBC_A = Path("/usr/lib/x86_64-linux-musl/libc.a")  # Debian's musl-dev, for musl-gcc

VALIDATOR_BROKEN = (
    "cyclonedx's JSON validator does not import in this venv: referencing>=0.36 calls "
    "typing_extensions.TypeVar(default=...), which the typing-extensions==4.3.0 Pants 2.17 pins "
    "lacks. Fix: pin referencing==0.35.1 in 3rdparty/python/requirements.txt. Error: "
)


def kafka_version() -> str:
    """The confluent-kafka-go/v2 version tests/fixtures/thirdparty/go.mod requires."""
    m = re.search(rf"^\s*{re.escape(KAFKA)}\s+(v\S+)", THIRDPARTY_GO_MOD.read_text(), re.M)
    assert m, f"{THIRDPARTY_GO_MOD} no longer requires {KAFKA}"
    return m.group(1)


def host_libc_a(goarch: str) -> tuple[Path, bytes]:
    """The libc.a the glibc mode links for `goarch`, as `<cc> -print-file-name=libc.a` says."""
    cc, package = LIBC_A[goarch]
    missing = f"no static glibc for {goarch}: install Debian's {package} (and {cc})"
    if not shutil.which(cc):
        pytest.fail(missing)
    out = subprocess.run([cc, "-print-file-name=libc.a"], capture_output=True, text=True)
    path = Path(out.stdout.strip())
    if not path.is_absolute() or not path.is_file():
        pytest.fail(f"{missing}; {cc} -print-file-name=libc.a answered {out.stdout.strip()!r}")
    return path, path.read_bytes()


def assert_valid(document: str) -> None:
    """The document passes cyclonedx's strict CycloneDX 1.6 JSON schema validation."""
    try:
        error = schema_errors(document)
    except TypeError as e:
        pytest.fail(VALIDATOR_BROKEN + str(e))
    assert error is None, error


def _existing_caches() -> list[Path]:
    roots = [os.environ.get("GOMODCACHE"), NAMED_CACHES / "go_static_gomodcache"]
    roots.append(Path.home() / "go" / "pkg" / "mod")
    return [
        Path(r) / "cache" / "download" for r in roots if r and Path(r, "cache/download").is_dir()
    ]


@dataclass(frozen=True)
class Downloaded:
    """One module `go mod download -json` fetched: where, and its sums."""

    path: str
    version: str
    dir: Path
    zip: Path
    sum: str  # h1:...
    go_mod_sum: str


class ModCache:
    """A temp GOMODCACHE; `download` runs the venv's Go, as the rule's go would."""

    def __init__(self, root: Path) -> None:
        self.root = root
        proxies = [f"file://{p}" for p in _existing_caches()]
        proxies.append(os.environ.get("GOPROXY") or "https://proxy.golang.org,direct")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root.parent),
            "GOROOT": str(GOROOT),
            "GOTOOLCHAIN": "local",
            "GOENV": "off",
            "GOMODCACHE": str(root),
            "GOPROXY": ",".join(proxies),
            # Writable, so pytest can remove the temp dir afterwards.
            "GOFLAGS": "-mod=mod -modcacherw",
        }

    def download(self, *modules: tuple[str, str]) -> dict[str, Downloaded]:
        argv = [str(GO), "mod", "download", "-json", *(f"{p}@{v}" for p, v in modules)]
        proc = subprocess.run(
            argv, cwd=self.root.parent, env=self.env, capture_output=True, text=True, timeout=600
        )
        # -json prints one object per module, each with "Error" when that one failed.
        found = json.loads("[" + re.sub(r"}\s*{", "},{", proc.stdout.strip()) + "]")
        errors = [f"{m['Path']}@{m['Version']}: {m['Error']}" for m in found if m.get("Error")]
        assert proc.returncode == 0 and not errors, (
            f"go mod download failed (GOPROXY={self.env['GOPROXY']}):\n"
            + "\n".join(errors)
            + proc.stderr[-2000:]
        )
        return {
            m["Path"]: Downloaded(
                m["Path"], m["Version"], Path(m["Dir"]), Path(m["Zip"]), m["Sum"], m["GoModSum"]
            )
            for m in found
        }


def dirhash_h1_hex(module_zip: Path) -> str:
    """The SHA-256 behind a module's h1: sum, recomputed from its zip (x/mod's dirhash.Hash1)."""
    summary = hashlib.sha256()
    with zipfile.ZipFile(module_zip) as z:
        for name in sorted(z.namelist()):
            summary.update(f"{hashlib.sha256(z.read(name)).hexdigest()}  {name}\n".encode())
    return summary.hexdigest()


def h1_of(hex_digest: str) -> str:
    return "h1:" + base64.b64encode(bytes.fromhex(hex_digest)).decode()


# --- three real binaries ------------------------------------------------------------------------

MAIN = """package main

import (
\t"fmt"

\t"github.com/google/uuid"
)

func main() { fmt.Println(uuid.NewSHA1(uuid.NameSpaceURL, []byte("go-static")), twice(21)) }
"""


@dataclass(frozen=True)
class SbomBinary:
    """A real binary, its build info, the libc it was linked with, and zig's cache dir."""

    path: Path
    build_info: GoBuildInfo
    libc: str
    zig_cache: Path


def read_build_info(path: Path) -> GoBuildInfo:
    """Build info through buildinfo_from_elf, with the `.go.buildinfo` section pyelftools finds."""
    data = path.read_bytes()
    with path.open("rb") as f:
        section = ELFFile(f).get_section_by_name(".go.buildinfo")
        where = None if section is None else (section["sh_offset"], section["sh_size"], 0)
    info = buildinfo_from_elf(data, where, have_sections=True)
    assert info is not None, f"{path} has no Go build info"
    return info


def build_binaries(root: Path, modcache: ModCache, uuid: Downloaded) -> dict[str, SbomBinary]:
    """A pure-Go, a musl (zig cc) and a static glibc (gcc) binary of one program using uuid."""
    src = root / "prog"
    src.mkdir()
    (src / "go.mod").write_text(
        f"module example.com/sbomprog\n\ngo 1.21\n\nrequire {uuid.path} {uuid.version}\n"
    )
    (src / "go.sum").write_text(
        f"{uuid.path} {uuid.version} {uuid.sum}\n{uuid.path} {uuid.version}/go.mod "
        f"{uuid.go_mod_sum}\n"
    )
    (src / "main.go").write_text(MAIN)
    (src / "c.go").write_text(GO_CGO)
    (src / "nocgo.go").write_text(GO_NOCGO)
    gocache = NAMED_CACHES / "go_static_gocache"
    zig_cache = NAMED_CACHES / "go_static_zig"
    zig_cache = zig_cache if zig_cache.is_dir() else root / "zig-cache"
    env = {
        **modcache.env,
        "GOFLAGS": "-modcacherw",
        "GOCACHE": str(gocache if gocache.is_dir() else root / "gocache"),
        "ZIG_GLOBAL_CACHE_DIR": str(zig_cache),
        "ZIG_LOCAL_CACHE_DIR": str(zig_cache),
        "GOOS": "linux",
        "GOARCH": "amd64",
    }
    recipes = {
        NONE: ({"CGO_ENABLED": "0"}, ["-tags=netgo,osusergo"]),
        MUSL: (
            {"CGO_ENABLED": "1", "CC": f"{ZIG} cc -target x86_64-linux-musl"},
            ["-tags=netgo,osusergo", "-ldflags=" + " ".join(STATIC_GLIBC)],
        ),
        GLIBC: ({"CGO_ENABLED": "1", "CC": "gcc"}, ["-ldflags=" + " ".join(STATIC_GLIBC)]),
    }
    out = {}
    for libc, (extra, flags) in recipes.items():
        path = root / f"prog-{libc}"
        argv = [str(GO), "build", "-trimpath", "-buildvcs=false", *flags, "-o", str(path), "."]
        proc = subprocess.run(
            argv, cwd=src, env={**env, **extra}, capture_output=True, text=True, timeout=900
        )
        assert proc.returncode == 0, f"{' '.join(argv)} ({libc}) failed:\n{proc.stderr[-3000:]}"
        out[libc] = SbomBinary(path, read_build_info(path), libc, zig_cache)
    return out


# --- a fixed document, for the determinism tests (also run in a subprocess) ----------------------

SAMPLE_MODINFO = (
    "path\texample.com/app/cmd/app\n"
    "mod\texample.com/app\t(devel)\t\n"
    "dep\tgithub.com/DataDog/zstd\tv1.5.7\th1:ybO8RBeh29qrxIhCA9E8gKY6xfONU9T6G6aP9DTKfLE=\n"
    "dep\tgithub.com/google/uuid\tv1.6.0\th1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
    "dep\tgithub.com/mattn/go-sqlite3\tv1.14.53\n"
    "=>\tgithub.com/example/go-sqlite3\tv1.14.54\th1:mnTM0owzUMrKuLo+0w51NUiB0ir2Fo7kFXlPt/l3BGs=\n"
    "dep\texample.com/local\tv0.0.0\n"
    "=>\t../local\t\t\n"
    "build\t-buildmode=exe\n"
    "build\t-compiler=gc\n"
    "build\t-trimpath=true\n"
    "build\tCGO_ENABLED=1\n"
    "build\tGOARCH=amd64\n"
    "build\tGOOS=linux\n"
    "build\tGOAMD64=v1\n"
)
SAMPLE_C = (
    CComponent(
        "zstd",
        "1.5.7",
        "BSD-3-Clause OR GPL-2.0-only",
        "pkg:github/facebook/zstd@v1.5.7",
        "cpe:2.3:a:facebook:zstandard:1.5.7:*:*:*:*:*:*:*",
        bundled_by="github.com/DataDog/zstd",
        source="github.com/DataDog/zstd@v1.5.7/zstd.h",
    ),
    CComponent(
        "SQLite",
        "3.54.1",
        "blessing",
        cpe="cpe:2.3:a:sqlite:sqlite:3.54.1:*:*:*:*:*:*:*",
        bundled_by="github.com/mattn/go-sqlite3",
        source="github.com/example/go-sqlite3@v1.14.54/sqlite3-binding.h",
    ),
)
SAMPLE_LIBC = CComponent(
    GLIBC,
    "2.36",
    "LGPL-2.1-or-later",
    "pkg:deb/debian/glibc@2.36-9+deb12u14",
    "cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*",
    source="/usr/lib/x86_64-linux-gnu/libc.a",
    release="Debian GLIBC 2.36-9+deb12u14",
)


def sample_document(modinfo: str = SAMPLE_MODINFO, c_first: bool = True) -> str:
    c = SAMPLE_C if c_first else SAMPLE_C[::-1]
    return sbom_json(
        binary_name="app",
        binary_sha256="0f" * 32,
        address="src/go/app:app",
        build_info=parse_modinfo("go1.27.3", modinfo),
        libc=SAMPLE_LIBC,
        c_components=c,
        tool_version="0.1.0",
    )


if __name__ == "__main__":  # the subprocess half of the determinism test
    sys.stdout.write(sample_document())

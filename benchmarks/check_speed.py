"""How long the post-link check takes next to the link it follows, on a large real Go binary.

Run `benchmarks/check_speed` (it uses the pinned venv's python, which has pyelftools).
Builds a >= 15 MB static Go program (net/http, crypto/*, go/types, debug/*, ...) two ways:
  internal  CGO_ENABLED=0, Go's own linker (libc="none")
  musl      CGO_ENABLED=1, zig cc musl, -linkmode=external -extldflags=-static (libc="musl")
Link time: `go build` after changing only main.go (dependencies come from the build cache), taken
from the link action's start/done times in `-debug-actiongraph`. Check time: `elf_facts +
evaluate` on the output, two ways:
  check    no hashing: the Pants rule passes the file digest it already has (a sha256), and the
           CLI's text output shows no hash
  +sha256  the file hashed too (CLI --json): one more pass at ~1.4 GB/s, overlapped with parsing
Targets: check median < 2% of link median, and < 100 ms. Exit status 1 when `check` misses them
(`+sha256` is reported alongside). GOCACHE defaults to the plugin's Pants named cache.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from plain_build import GO, NAMED, SITE, ZIG, named_cache

# isort: split
# plain_build put pants-plugins on sys.path.
from go_static.core.checker.elf import elf_facts
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.verdict import evaluate

PACKAGES = {
    "archive/tar": "tar.NewReader",
    "archive/zip": "zip.NewReader",
    "compress/bzip2": "bzip2.NewReader",
    "compress/gzip": "gzip.NewReader",
    "crypto/ecdsa": "ecdsa.GenerateKey",
    "crypto/ed25519": "ed25519.GenerateKey",
    "crypto/rsa": "rsa.GenerateKey",
    "crypto/tls": "tls.Dial",
    "crypto/x509": "x509.ParseCertificate",
    "database/sql": "sql.Open",
    "debug/dwarf": "dwarf.New",
    "debug/elf": "elf.Open",
    "debug/gosym": "gosym.NewTable",
    "debug/macho": "macho.Open",
    "debug/pe": "pe.Open",
    "encoding/csv": "csv.NewReader",
    "encoding/gob": "gob.NewEncoder",
    "encoding/json": "json.Marshal",
    "encoding/xml": "xml.Marshal",
    "expvar": "expvar.NewInt",
    "go/build": "build.Import",
    "go/doc": "doc.New",
    "go/format": "format.Source",
    "go/parser": "parser.ParseFile",
    "go/printer": "printer.Fprint",
    "go/types": "types.NewPackage",
    "html/template": "htmltemplate.New",
    "image/gif": "gif.Decode",
    "image/jpeg": "jpeg.Decode",
    "image/png": "png.Decode",
    "index/suffixarray": "suffixarray.New",
    "log/slog": "slog.New",
    "math/big": "big.NewInt",
    "mime/multipart": "multipart.NewReader",
    "net/http": "http.ListenAndServe",
    "net/http/httputil": "httputil.NewSingleHostReverseProxy",
    "net/mail": "mail.ParseAddress",
    "net/rpc": "rpc.NewServer",
    "net/smtp": "smtp.Dial",
    "os/exec": "exec.Command",
    "os/user": "user.Lookup",
    "regexp": "regexp.MustCompile",
    "runtime/pprof": "pprof.StartCPUProfile",
    "text/template": "template.New",
}
NETGO = ("netgo", "osusergo")


def main_go(stamp: str) -> str:
    imports = "\n".join(
        f'\thtmltemplate "{p}"' if p == "html/template" else f'\t"{p}"' for p in PACKAGES
    )
    keep = ",\n\t".join(PACKAGES.values())
    return (
        f'package main\n\nimport (\n\t"fmt"\n\t"os"\n{imports}\n\t_ "net/http/pprof"\n)\n\n'
        f'const stamp = "{stamp}"\n\nvar keep = []any{{\n\t{keep},\n}}\n\n'
        "func main() {\n\tif len(os.Args) > 1 {\n\t\tfmt.Println(stamp, len(keep), keep)\n\t}\n}\n"
    )


def rfc3339(text: str) -> float:
    m = re.match(r"(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?", text)
    if not m:
        raise ValueError(f"unexpected time {text!r}")
    return datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").timestamp() + float(
        "0." + (m.group(2) or "0")
    )


def build(
    workdir: Path, env: dict[str, str], argv: list[str], stamp: str
) -> tuple[float, float, str]:
    """(link seconds from the action graph, wall seconds of go build, stderr)."""
    (workdir / "main.go").write_text(main_go(stamp))
    graph = workdir / "actiongraph.json"
    start = time.perf_counter()
    proc = subprocess.run(
        argv + [f"-debug-actiongraph={graph}", "."],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"go build failed:\n{proc.stderr[-4000:]}")
    links = [
        a for a in json.loads(graph.read_text()) if a.get("Mode") == "link" and a.get("TimeDone")
    ]
    link = rfc3339(links[0]["TimeDone"]) - rfc3339(links[0]["TimeStart"]) if links else wall
    return link, wall, proc.stderr


def time_check(
    path: Path, expectation: Expectation, log: str, runs: int, hash_file: bool
) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = evaluate(elf_facts(path, hash_file=hash_file), expectation, log)
        times.append(time.perf_counter() - start)
        if not result.passed:
            sys.exit(f"unexpected verdict for {path}: {result.violations}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="check runs per variant (median)")
    parser.add_argument("--links", type=int, default=5, help="relinks per variant (median)")
    parser.add_argument("--variant", choices=("internal", "musl", "both"), default="both")
    parser.add_argument("--workdir", type=Path, help="keep the program and binaries here")
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return bench(args, args.workdir)
    with tempfile.TemporaryDirectory(prefix="go-static-bench-") as tmp:
        return bench(args, Path(tmp))


def bench(args: argparse.Namespace, workdir: Path) -> int:
    (workdir / "go.mod").write_text("module example.com/big\n\ngo 1.21\n")
    gocache = os.environ.get("GOCACHE") or str(NAMED / "go_static_gocache")
    zigcache = named_cache("go_static_zig", workdir / "zig")
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "GOROOT": str(SITE / "go"),
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "",
        "GOENV": "off",
        "GOPROXY": "off",
        "GOCACHE": gocache,
        "GOPATH": str(workdir / "gopath"),
        "ZIG_GLOBAL_CACHE_DIR": zigcache,
        "ZIG_LOCAL_CACHE_DIR": zigcache,
    }
    static = ("-linkmode=external", "-extldflags=-static")
    variants = {
        "internal": (
            {"CGO_ENABLED": "0"},
            (),
            Expectation(libc="none", cgo_enabled=False, tags=NETGO),
        ),
        "musl": (
            {"CGO_ENABLED": "1", "CC": f"{ZIG} cc -target x86_64-linux-musl"},
            static,
            Expectation(libc="musl", cgo_enabled=True, tags=NETGO, ldflags=static),
        ),
    }
    chosen = list(variants) if args.variant == "both" else [args.variant]
    print(f"go: {GO}\nGOCACHE: {gocache}\nworkdir: {workdir}\n")
    rows, ok = [], True
    for name in chosen:
        env_extra, ldflags, expectation = variants[name]
        out = workdir / f"big-{name}"
        argv = [
            str(GO),
            "build",
            "-trimpath",
            "-buildvcs=false",
            "-tags=" + ",".join(NETGO),
            "-o",
            str(out),
        ]
        if ldflags:
            argv.append("-ldflags=" + " ".join(ldflags))
        env = {**base, **env_extra}
        _, warm, _ = build(workdir, env, argv, "warm-up")
        print(
            f"[{name}] warm-up build (compiles dependencies once if the cache is cold): {warm:.1f} "
            "s"
        )
        links, walls, log = [], [], ""
        for i in range(args.links):
            link, wall, log = build(workdir, env, argv, f"run-{i}-{time.time()}")
            links.append(link)
            walls.append(wall)
        size = out.stat().st_size
        if size < 15 * 1024 * 1024:
            print(f"[{name}] warning: binary is only {size / 1048576:.1f} MiB (< 15 MiB)")
        link_med, wall_med = statistics.median(links), statistics.median(walls)
        for path_name, hash_file in (("check", False), ("+sha256", True)):
            check = statistics.median(time_check(out, expectation, log, args.runs, hash_file))
            met = check / link_med < 0.02 and check < 0.1
            ok &= met or hash_file
            rows.append((name, size, link_med, wall_med, path_name, check, met))
    print(
        "\n"
        f"{'variant':9} {'size':>9} {'link':>8} {'go build':>9}  {'what':7} {'time':>8} "
        f"{'check/link':>11}  target (<2%, <100 ms)"
    )
    for name, size, link, wall, path_name, check, met in rows:
        print(
            f"{name:9} {size / 1048576:7.1f}Mi {link:7.3f}s {wall:8.3f}s  {path_name:7} "
            f"{check * 1e3:6.1f}ms {check / link:10.2%}  {'met' if met else 'MISSED'}"
        )
    print(
        "\n"
        f"medians of {args.links} relinks (only main.go changed) and {args.runs} checks; check = "
        "elf_facts + evaluate (the rule passes its digest), +sha256 = also hashing the file"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

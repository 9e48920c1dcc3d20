"""The image runtime check on real Go programs, each run in an empty root under bubblewrap.

Each case is proved twice: the check's finding (code, blocking, fix) from the linked binary, and
the real failure (or success) of that binary in a root holding exactly the image's files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import certifi
import pytest
from tls_lab import https_server

from elf_lab import GO, GOROOT, NAMED_CACHES, ZIG
from go_static.core.oci.ca_roots import CA_BUNDLE_PATH, certifi_ca_roots
from go_static.core.oci.passwd import passwd_files
from go_static.core.review.runtime import (
    CODE_CA_ROOTS,
    CODE_PASSWD,
    CODE_RESOLVER,
    CODE_ZONEINFO,
    ImageFiles,
    RuntimeCheckError,
    RuntimeNeeds,
    runtime_findings,
    runtime_needs,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
BWRAP = shutil.which("bwrap")
pytestmark = pytest.mark.skipif(not GO.exists() or not BWRAP, reason="needs go and bwrap")

PROGRAMS = {
    "tlsget": """package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	r, err := http.Get(os.Args[1])
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	body, _ := io.ReadAll(r.Body)
	fmt.Printf("%d %s\\n", r.StatusCode, body)
}
""",
    "paris": """package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC).In(loc).Format("15:04 MST"))
}
""",
    "whoami": """package main

import (
	"fmt"
	"os"
	"os/user"
)

func main() {
	u, err := user.LookupId(fmt.Sprint(os.Getuid()))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println(u.Username)
}
""",
    "me": """package main

import (
	"fmt"
	"os"
	"os/user"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println(u.Username)
}
""",
    "clock": """package main

import (
	"fmt"
	"time"
)

func main() { fmt.Println(time.Now().UTC().Year() > 2000) }
""",
    "lookup": """package main

import (
	"fmt"
	"net"
)

func main() { fmt.Println(net.LookupHost("example.com")) }
""",
}
# What each binary (pure Go, netgo,osusergo) needs; `paris+tz` is paris with timetzdata.
EXPECTED = {
    "tlsget": RuntimeNeeds(system_roots=True),
    "paris": RuntimeNeeds(load_location=True),
    "paris+tz": RuntimeNeeds(load_location=True, embedded_tzdata=True),
    "whoami": RuntimeNeeds(user_lookup=True, current_user=True),
    "me": RuntimeNeeds(current_user=True),
    "clock": RuntimeNeeds(),
}


def _cache(name: str, fallback: Path) -> str:
    return str(NAMED_CACHES / name) if (NAMED_CACHES / name).is_dir() else str(fallback)


def _env(root: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "GOROOT": str(GOROOT),
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "",
        "GOENV": "off",
        "GOPROXY": "off",
        "GOCACHE": os.environ.get("GOCACHE") or _cache("go_static_gocache", root / "gocache"),
        "GOPATH": str(root / "gopath"),
        "ZIG_GLOBAL_CACHE_DIR": _cache("go_static_zig", root / "zig"),
        "ZIG_LOCAL_CACHE_DIR": _cache("go_static_zig", root / "zig"),
    }


def _build(root: Path, name: str, tags: str, out: str, musl: bool = False) -> Path:
    src = root / "src" / name
    src.mkdir(parents=True, exist_ok=True)
    (src / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.22\n")
    (src / "main.go").write_text(PROGRAMS[name])
    env = {**_env(root), "CGO_ENABLED": "1" if musl else "0"}
    ldflags = "-s -w"
    if musl:
        env["CC"] = f"{ZIG} cc -target x86_64-linux-musl"
        ldflags += " -linkmode=external -extldflags=-static"
    argv = [str(GO), "build", "-trimpath", f"-tags={tags}", f"-ldflags={ldflags}"]
    subprocess.run([*argv, "-o", str(root / out), "."], cwd=src, env=env, check=True)
    return root / out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runtime")
    pure = "netgo,osusergo"
    binaries = {n: _build(root, n, pure, n) for n in ("tlsget", "paris", "whoami", "me", "clock")}
    binaries["paris+tz"] = _build(root, "paris", pure + ",timetzdata", "paris-tz")
    return binaries


def _needs(path: Path, tags: tuple[str, ...] = ()) -> RuntimeNeeds:
    return runtime_needs(path.read_bytes(), tags)


def _run(
    root: Path, binary: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """The binary alone at /app/<name> in `root`, which holds only the image's other files."""
    (root / "app").mkdir(parents=True, exist_ok=True)
    shutil.copy2(binary, root / "app" / binary.name)
    # --share-net: the TLS server the test starts listens on the host's loopback.
    argv = [BWRAP, "--unshare-all", "--share-net", "--bind", str(root), "/"]
    argv += ["--", f"/app/{binary.name}", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env or {})


def _image(root: Path, user: str = "") -> ImageFiles:
    paths = {"/" + str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    passwd = root / "etc" / "passwd"
    return ImageFiles(frozenset(paths), passwd.read_text() if passwd.exists() else "", user)


def test_each_binary_reports_exactly_what_it_reads_even_stripped(built: dict[str, Path]) -> None:
    # Built with -s -w: the names come from pclntab, which stripping keeps.
    assert {name: _needs(path) for name, path in built.items()} == EXPECTED
    # Build info's timetzdata tag alone says the database is inside.
    assert _needs(built["paris"], ("netgo", "timetzdata")).embedded_tzdata


@pytest.fixture(scope="module")
def https_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A local HTTPS server whose certificate a test CA signed: (url, the CA's PEM)."""
    with https_server(tmp_path_factory.mktemp("ca")) as served:
        yield served


def test_tls_without_roots_fails_the_image_and_in_the_root(
    built: dict[str, Path], https_url: tuple[str, str], tmp_path: Path
) -> None:
    url, _ = https_url
    run = _run(tmp_path, built["tlsget"], url)
    assert run.returncode == 3 and "certificate signed by unknown authority" in run.stdout, run
    (finding,) = runtime_findings("src/go:tlsget", _needs(built["tlsget"]), _image(tmp_path))
    assert finding.code == CODE_CA_ROOTS and finding.blocking
    assert "ca_roots=True" in finding.problem.fix and "x509roots/fallback" in finding.problem.fix
    error = RuntimeCheckError("src/go:oci", [finding])
    assert error.codes == (CODE_CA_ROOTS,) and "src/go:oci: src/go:tlsget makes TLS" in str(error)


def test_tls_with_the_roots_layer_plus_the_test_ca_passes(
    built: dict[str, Path], https_url: tuple[str, str], tmp_path: Path
) -> None:
    url, ca = https_url
    # The image's CA roots layer, as ca_roots=True writes it, with the test CA appended.
    assert certifi_ca_roots().layer.paths == (CA_BUNDLE_PATH,)
    bundle = tmp_path / CA_BUNDLE_PATH.lstrip("/")
    bundle.parent.mkdir(parents=True)
    bundle.write_text(Path(certifi.where()).read_text() + ca)
    assert runtime_findings("src/go:tlsget", _needs(built["tlsget"]), _image(tmp_path)) == []
    run = _run(tmp_path, built["tlsget"], url)
    assert run.returncode == 0 and "200 hello over tls" in run.stdout, run


def test_load_location_without_zoneinfo_fails_and_timetzdata_fixes_it(
    built: dict[str, Path], tmp_path: Path
) -> None:
    run = _run(tmp_path / "plain", built["paris"])
    assert run.returncode == 3 and "unknown time zone Europe/Paris" in run.stdout, run
    (finding,) = runtime_findings("src/go:paris", _needs(built["paris"]), _image(tmp_path))
    assert finding.code == CODE_ZONEINFO and finding.blocking
    assert 'tzdata="embed"' in finding.problem.fix
    # The smoke proof of tzdata="embed": the same program, timetzdata in, in an empty root.
    embedded = _run(tmp_path / "embedded", built["paris+tz"])
    assert embedded.returncode == 0 and embedded.stdout.strip() == "14:00 CEST", embedded
    assert runtime_findings("src/go:paris", _needs(built["paris+tz"]), _image(tmp_path)) == []


def test_zoneinfo_in_the_image_satisfies_load_location(built: dict[str, Path]) -> None:
    files = ImageFiles(frozenset({"/usr/share/zoneinfo/Europe/Paris", "/app/paris"}))
    assert runtime_findings("src/go:paris", _needs(built["paris"]), files) == []


def test_user_lookup_without_passwd_warns_and_an_entry_satisfies_it(
    built: dict[str, Path], tmp_path: Path
) -> None:
    run = _run(tmp_path, built["whoami"])
    assert run.returncode == 3 and "open /etc/passwd: no such file" in run.stdout, run
    (finding,) = runtime_findings(
        "src/go:whoami", _needs(built["whoami"]), _image(tmp_path, "65532:65532")
    )
    assert finding.code == CODE_PASSWD and not finding.blocking
    assert "65532:65532" in finding.problem.what and "env" in finding.problem.fix
    # bwrap keeps the caller's uid; the check keys the entry on the image's user.
    uid = os.getuid()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(f"app:x:{uid}:{uid}:app:/:/sbin/nologin\n")
    assert (
        runtime_findings("src/go:whoami", _needs(built["whoami"]), _image(tmp_path, str(uid))) == []
    )
    run = _run(tmp_path, built["whoami"])
    assert run.returncode == 0 and run.stdout.strip() == "app", run


def test_the_passwd_layer_of_a_named_user_satisfies_the_check_and_the_lookup(
    built: dict[str, Path], tmp_path: Path
) -> None:
    passwd, group = passwd_files("app")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(passwd)
    (tmp_path / "etc" / "group").write_text(group)
    assert runtime_findings("src/go:whoami", _needs(built["whoami"]), _image(tmp_path, "app")) == []
    # Run as the image's user would: uid 65532 in a user namespace.
    (tmp_path / "app").mkdir()
    shutil.copy2(built["whoami"], tmp_path / "app" / "whoami")
    argv = [BWRAP, "--unshare-all", "--uid", "65532", "--gid", "65532", "--bind", str(tmp_path)]
    run = subprocess.run(
        [*argv, "/", "--", "/app/whoami"], capture_output=True, text=True, timeout=60, env={}
    )
    assert run.returncode == 0 and run.stdout.strip() == "app", run


def test_current_user_needs_no_passwd_when_the_image_sets_user_and_home(
    built: dict[str, Path], tmp_path: Path
) -> None:
    needs = _needs(built["me"])
    (finding,) = runtime_findings("src/go:me", needs, _image(tmp_path, "65532"))
    assert finding.code == CODE_PASSWD
    files = ImageFiles(frozenset(), user="65532", env=frozenset({"USER", "HOME"}))
    assert runtime_findings("src/go:me", needs, files) == []
    # bwrap passes exactly this environment, as the image config's Env would.
    run = _run(tmp_path, built["me"], env={"USER": "app", "HOME": "/"})
    assert run.returncode == 0 and run.stdout.strip() == "app", run
    assert _run(tmp_path, built["me"]).returncode == 3


def test_a_binary_that_reads_nothing_has_no_findings(built: dict[str, Path]) -> None:
    assert runtime_findings("src/go:clock", _needs(built["clock"]), ImageFiles(frozenset())) == []
    assert _needs(built["clock"]).summary() == "-"
    assert EXPECTED["paris+tz"].summary() == "tz(embedded)"


@pytest.mark.skipif(not ZIG.exists(), reason="needs zig")
def test_musl_libc_resolver_without_resolv_conf_warns(tmp_path: Path) -> None:
    binary = _build(tmp_path, "lookup", "", "lookup", musl=True)
    needs = _needs(binary)
    assert needs == RuntimeNeeds(libc_resolver=True)
    root = tmp_path / "root"
    root.mkdir()
    (finding,) = runtime_findings("src/go:lookup", needs, _image(root))
    assert finding.code == CODE_RESOLVER and not finding.blocking
    assert (
        "127.0.0.1:53" in finding.problem.why and "mounts /etc/resolv.conf" in finding.problem.fix
    )
    (root / "etc").mkdir()
    (root / "etc" / "resolv.conf").write_text("nameserver 192.0.2.1\n")
    assert runtime_findings("src/go:lookup", needs, _image(root)) == []


def test_the_report_shows_and_diffs_the_runtime_column() -> None:
    from go_static.core.review.linkage import LinkageRow, changes, table

    row = LinkageRow("src/go:paris", size=1, verdict="pass", runtime=EXPECTED["paris"].summary())
    header, _, line = table([row], markdown=True).splitlines()
    cells = dict(zip(header.split("|"), line.split("|")))
    cells = {k.strip(): v.strip() for k, v in cells.items()}
    assert cells["runtime"] == "tz" and cells["verdict"] == "pass"
    embedded = LinkageRow("src/go:paris", size=1, verdict="pass", runtime="tz(embedded)")
    assert changes({row.target: row}, [embedded]) == {
        "src/go:paris": ["runtime needs changed from tz to tz(embedded)"]
    }

"""The real scanner and DB: govulncheck and x/vulndb's indexdb built from the module proxy (the
plugin's GoTool builds), the pinned snapshot indexed, and a real binary scanned in binary mode.

Keeps the captured JSON that test_vulns.py reads honest: the same scan, run now, says the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from go_static.core.review.vulns import parse_govulncheck
from go_static.core.review.vulns_tools import (
    DEFAULT_VULNDB_VERSION,
    VULNDB_MODULE,
    VULNDB_OSV_DIR,
    govulncheck_tool,
    indexdb_tool,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oci"))
from go_tool_cache import GO, build_go_tool  # noqa: E402

MAIN = """package main

import (
\t"fmt"
\t"os"

\t"golang.org/x/text/language"
)

func main() {
\ttag, err := language.Parse(os.Args[len(os.Args)-1])
\tfmt.Println(tag, err)
}
"""


def go(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    done = subprocess.run(
        [str(GO), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def vulndb(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("vulndb")
    (work / "go.mod").write_text("module example.com/dl\n\ngo 1.22\n")
    found = json.loads(
        go("mod", "download", "-json", f"{VULNDB_MODULE}@{DEFAULT_VULNDB_VERSION}", cwd=work)
    )
    db = work / "db"
    subprocess.run(
        [
            str(build_go_tool(indexdb_tool())),
            "-vulns",
            f"{found['Dir']}/{VULNDB_OSV_DIR}",
            "-out",
            str(db),
        ],
        check=True,
        timeout=600,
    )
    for name in ("index/db.json", "index/modules.json", "index/vulns.json", "ID/GO-2021-0113.json"):
        assert (db / name).is_file(), name
    return db


def scan(db: Path, tmp_path: Path, text_version: str) -> str:
    (tmp_path / "main.go").write_text(MAIN)
    (tmp_path / "go.mod").write_text(
        f"module example.com/langtag\n\ngo 1.22\n\nrequire golang.org/x/text {text_version}\n"
    )
    go("build", "-o", "langtag", ".", cwd=tmp_path)
    done = subprocess.run(
        [
            str(build_go_tool(govulncheck_tool())),
            "-mode=binary",
            "-db",
            f"file://{db}",
            "-format",
            "json",
            "langtag",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        # Offline: a proxy that answers nothing, as the Pants rule runs it.
        env={"PATH": "/usr/bin:/bin", "HTTPS_PROXY": "http://127.0.0.1:9", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.gotools
def test_the_pinned_db_finds_go_2021_0113_in_a_binary_calling_language_parse(
    vulndb: Path, tmp_path: Path
) -> None:
    findings = parse_govulncheck(scan(vulndb, tmp_path, "v0.3.5"))
    assert [(f.id, f.module, f.found, f.fixed) for f in findings] == [
        ("GO-2021-0113", "golang.org/x/text", "v0.3.5", "v0.3.7")
    ]


@pytest.mark.gotools
def test_the_fixed_version_has_no_finding(vulndb: Path, tmp_path: Path) -> None:
    assert parse_govulncheck(scan(vulndb, tmp_path, "v0.3.7")) == ()

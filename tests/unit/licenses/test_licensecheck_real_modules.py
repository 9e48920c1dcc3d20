"""The pinned detector, built from the module proxy, on real modules downloaded from the proxy."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from go_tool_cache import CACHE_HOME, GO, build_go_tool

from go_static.core.licenses.policy import LicensePolicy, judge, parse_scan
from go_static.core.licenses.tool import licensecheck_tool

pytestmark = pytest.mark.gotools

# Real modules and the licence pkg.go.dev shows for each.
BSD = "golang.org/x/text@v0.21.0"
MIT = "github.com/willabides/kongplete@v0.4.0"
GPL = "github.com/ethereum/go-ethereum@v1.17.10"  # COPYING is the GPL-3.0, COPYING.LESSER the LGPL
# Shared with every run on this machine: go-ethereum's zip is 24 MB.
MODCACHE = CACHE_HOME / "go-static-licensecheck-modules"


def _download(*modules: str) -> dict[str, Path]:
    subprocess.run(
        [str(GO), "mod", "download", *modules],
        env={
            **os.environ,
            "GOMODCACHE": str(MODCACHE),
            "GOFLAGS": "-modcacherw",
            "GOTOOLCHAIN": "local",
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    # Module paths here are lower case, so the cache's !-escaping leaves them as they are.
    return {m: MODCACHE / m for m in modules}


def _scan(*dirs: Path) -> dict:
    tool = build_go_tool(licensecheck_tool())
    out = subprocess.run([str(tool), *map(str, dirs)], capture_output=True, timeout=120, check=True)
    return parse_scan(out.stdout)


def test_permissive_gpl_and_unknown_modules_are_told_apart(tmp_path: Path) -> None:
    dirs = _download(BSD, MIT, GPL)
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "LICENSE").write_text(
        "Copyright 2024 Someone. You may look at this code, nothing more.\n"
    )
    found = _scan(dirs[BSD], dirs[MIT], dirs[GPL], odd)
    assert found[str(dirs[BSD])].expression == "BSD-3-Clause"
    assert found[str(dirs[MIT])].expression == "MIT"
    assert found[str(dirs[GPL])].expression == "GPL-3.0-only AND LGPL-3.0-only"
    assert found[str(odd)].expression is None


def test_a_denied_gpl_module_fails_the_policy(tmp_path: Path) -> None:
    dirs = _download(BSD, GPL)
    found = _scan(dirs[BSD], dirs[GPL])
    licences = {BSD: found[str(dirs[BSD])], GPL: found[str(dirs[GPL])]}
    policy = LicensePolicy.from_option({"denied": ["GPL-3.0-or-later", "GPL-3.0-only"]})
    verdict = judge(policy, licences)
    assert [p.what.split(" ")[0] for p in verdict.problems] == [GPL]

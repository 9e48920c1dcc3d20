"""Pinned Go tools (go_static.core.gotool) for tests, built once per machine and kept.

The build is the plugin's: the same main module, `go build` argv and environment, with the
plugin's Go SDK and the host's module proxy. Each tool and version has its own directory under
~/.cache/go-static-<tool>, keyed by its sources and argv, so CI and reruns build a tool only
when it changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from go_static.core.gotool import BUILD_ENV, GoTool

REPO_ROOT = Path(__file__).resolve().parents[3]
GO = REPO_ROOT / ".pants-venv" / "lib" / "python3.9" / "site-packages" / "go" / "bin" / "go"
CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
# A cold cosign build downloads and compiles a few hundred modules.
BUILD_TIMEOUT = 1800


def build_go_tool(tool: GoTool) -> Path:
    """The tool's binary, built now unless this machine has it already."""
    files = tool.source_files()
    key = hashlib.sha256(json.dumps([files, tool.build_argv()]).encode())
    cache = CACHE_HOME / tool.directory
    out = cache / key.hexdigest()[:16]
    if (out / tool.binary).is_file():
        return out / tool.binary
    work = cache / f".build-{uuid.uuid4().hex}"
    work.mkdir(parents=True)
    for name, text in files.items():
        (work / name).write_text(text)
    built = subprocess.run(
        [str(GO), *tool.build_argv()],
        cwd=work,
        env={**os.environ, "GOTOOLCHAIN": "local", **BUILD_ENV},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    # Another session may have finished the same build first: keep one.
    work.rename(out) if not out.exists() else shutil.rmtree(work)
    return out / tool.binary

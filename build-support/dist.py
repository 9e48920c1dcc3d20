"""Build the release artifacts into dist/ (run it through `build-support/dist`).

- `dist/pants_go_static-<version>-py3-none-any.whl`: the go_static backend, built by setuptools
  from pyproject.toml. It is built from a clean copy of the sources, so no build/ or *.egg-info
  lands in the work tree, and it is checked to hold only go_static's modules plus metadata.
- `dist/go-static-check.pex`: the standalone checker (`go_static.check`) as a single-file PEX. It
  holds only the go_static modules the checker imports (read from their source by
  `import_graph.py`, skipping `if TYPE_CHECKING:` blocks) and pyelftools at the pin in
  3rdparty/python/requirements.txt. It is built with the pex pinned in
  build-support/dist-requirements.txt, installed in its own venv.

Network: pip fetches the pinned setuptools (build-system.requires) and that pex, and pex fetches
pyelftools, from the package index; all are cached after the first build.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

from import_graph import closure, import_graph, module_files

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "go_static"
SOURCE_ROOT = REPO / "pants-plugins"
CHECKER = f"{PACKAGE}.check"
# Third-party imports the checker may have; anything else outside the stdlib fails the build.
CHECKER_THIRD_PARTY = {"elftools": "pyelftools"}
PEX_NAME = "go-static-check.pex"
WHEEL_FILES = ("pyproject.toml", "README.md", "LICENSE")
TOOLS_REQUIREMENTS = REPO / "build-support" / "dist-requirements.txt"
TOOLS_VENV = Path(os.environ.get("GO_STATIC_DIST_VENV", REPO / ".pants.d" / "dist-venv"))


class DistError(Exception):
    """A build step failed; the message says which and why."""


def _run(argv: list[str], what: str, **kwargs) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip()
        raise DistError(f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n{output}")


def tools_pex() -> str:
    """The pinned pex, in a venv rebuilt only when dist-requirements.txt changes."""
    digest = hashlib.sha256(TOOLS_REQUIREMENTS.read_bytes()).hexdigest()
    stamp, pex = TOOLS_VENV / ".requirements-sha256", TOOLS_VENV / "bin" / "pex"

    def current() -> bool:
        return stamp.is_file() and stamp.read_text() == digest and pex.is_file()

    if current():
        return str(pex)
    TOOLS_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{TOOLS_VENV}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent builds share one venv
        if not current():
            print(f"Installing {TOOLS_REQUIREMENTS.name} into {TOOLS_VENV}...", file=sys.stderr)
            shutil.rmtree(TOOLS_VENV, ignore_errors=True)
            _run([sys.executable, "-m", "venv", str(TOOLS_VENV)], "Creating the dist tools venv")
            _run(
                [
                    str(TOOLS_VENV / "bin" / "pip"),
                    "install",
                    "--quiet",
                    "-r",
                    str(TOOLS_REQUIREMENTS),
                ],
                f"Installing {TOOLS_REQUIREMENTS.relative_to(REPO)}",
            )
            stamp.write_text(digest)
    return str(pex)


def _is_stdlib(top: str) -> bool:
    if top in sys.builtin_module_names or top == "__future__":
        return True
    spec = importlib.util.find_spec(top)
    origin = (spec.origin or "") if spec else ""
    stdlib_dirs = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    return origin in ("built-in", "frozen") or (
        any(origin.startswith(d + os.sep) for d in stdlib_dirs) and "site-packages" not in origin
    )


def checker_modules() -> list[Path]:
    """The go_static source files the checker needs at run time, found from its imports, with
    the `__init__.py` of every package on the way."""
    internal, external = import_graph(SOURCE_ROOT, PACKAGE, type_checking=False)
    needed = closure(internal, CHECKER)
    for module in list(needed):
        parts = module.split(".")
        needed.update(".".join(parts[:n]) for n in range(1, len(parts)))
    files = module_files(SOURCE_ROOT, PACKAGE)
    problems = [
        f"{files[m].relative_to(REPO)} imports {top}"
        for m in sorted(needed)
        for top in sorted(external[m])
        if top not in CHECKER_THIRD_PARTY and not _is_stdlib(top)
    ]
    if problems:
        raise DistError(
            "The checker PEX may depend only on the stdlib and "
            f"{', '.join(CHECKER_THIRD_PARTY.values())}, but:\n"
            "  "
            + "\n  ".join(problems)
            + "\nFix: move that import out of the checker's modules, or under `if TYPE_CHECKING:`."
        )
    return sorted(files[m] for m in needed)


def pinned(requirement: str) -> str:
    """`name==version` from 3rdparty/python/requirements.txt, the repo's single set of pins."""
    text = (REPO / "3rdparty" / "python" / "requirements.txt").read_text()
    match = re.search(rf"^({re.escape(requirement)}==\S+)", text, re.MULTILINE | re.IGNORECASE)
    if not match:
        raise DistError(f"3rdparty/python/requirements.txt has no `{requirement}==...` pin.")
    return match.group(1)


def build_wheel(dist: Path, work: Path) -> Path:
    stage = work / "wheel-src"
    (stage / "pants-plugins" / PACKAGE).mkdir(parents=True)
    for name in WHEEL_FILES:
        if not (REPO / name).is_file():
            raise DistError(f"{name} is missing at the repo root; the wheel needs it.")
        shutil.copy2(REPO / name, stage / name)
    for src in module_files(SOURCE_ROOT, PACKAGE).values():
        dest = stage / "pants-plugins" / src.relative_to(SOURCE_ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    out = work / "wheel-out"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(stage),
        ],
        "Building the wheel with setuptools (pip wheel)",
        # Fixed zip timestamps: the same sources give a byte-identical wheel.
        env={**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "315532800")},
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        unexpected = [
            n
            for n in zf.namelist()
            if not re.fullmatch(rf"{PACKAGE}/(\w+/)*\w+\.py|pants_go_static-[^/]+\.dist-info/.+", n)
        ]
    if unexpected:
        raise DistError(f"The wheel holds files it must not: {unexpected}")
    for old in dist.glob("pants_go_static-*.whl"):
        old.unlink()
    return Path(shutil.move(str(wheel), dist / wheel.name))


def build_pex(dist: Path, work: Path, pex: str) -> Path:
    stage = work / "pex-src"
    for src in checker_modules():
        dest = stage / src.relative_to(SOURCE_ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    out = work / PEX_NAME  # moved into dist/ only once it runs
    _run(
        [
            pex,
            pinned("pyelftools"),
            "--sources-directory",
            str(stage),
            "--entry-point",
            f"{CHECKER}:main",
            "--output-file",
            str(out),
            # pyelftools is a pure-Python wheel, so one resolve serves every CPython 3.9+.
            "--interpreter-constraint",
            "CPython>=3.9",
            "--python-shebang",
            "/usr/bin/env python3",
        ],
        "Building the checker PEX with pex",
    )
    # A smoke test with the building interpreter, without Pants or this repo on the path.
    _run(
        [sys.executable, str(out), "--help"],
        f"Running {out.name} --help",
        cwd=work,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    return Path(shutil.move(str(out), dist / PEX_NAME))


def _describe(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    shown = path.relative_to(REPO) if REPO in path.parents else path
    return f"{shown}  ({path.stat().st_size} bytes, sha256 {digest})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build-support/dist", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--dist-dir", default=str(REPO / "dist"), help="where to write (default: dist/)"
    )
    parser.add_argument("--only", choices=("wheel", "pex"), help="build just one artifact")
    args = parser.parse_args(argv)
    dist = Path(args.dist_dir).resolve()
    dist.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="go-static-dist-") as tmp:
            built = []
            if args.only in (None, "wheel"):
                built.append(build_wheel(dist, Path(tmp)))
            if args.only in (None, "pex"):
                built.append(build_pex(dist, Path(tmp), tools_pex()))
    except DistError as e:
        print(f"build-support/dist: {e}", file=sys.stderr)
        return 1
    for path in built:
        print(_describe(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())

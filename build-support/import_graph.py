"""Read a package's import graph from its source, without importing it.

One walker for the two places that need it: `dist.py` (which go_static modules the checker PEX
must carry; run-time imports only) and the layering test (which folder may import which; every
import, `if TYPE_CHECKING:` ones included, since a circle in annotations is still a circle).
"""

from __future__ import annotations

import ast
from pathlib import Path


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(source: str, module: str, *, type_checking: bool) -> list[str]:
    """Every dotted name `module`'s source imports, anywhere in the file, made absolute.

    `from pkg import x` yields both `pkg` and `pkg.x`: x may be a module or a name in pkg.
    With `type_checking=False`, imports only under `if TYPE_CHECKING:` are skipped.
    """
    names: list[str] = []
    package = module.rsplit(".", 1)[0]

    def visit(node: ast.AST) -> None:
        if not type_checking and isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:  # only the `else:` runs
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source, module))
    return names


def module_files(source_root: Path, package: str) -> dict[str, Path]:
    """Every module of `package` under `source_root`: dotted name -> file (`__init__.py` for
    packages)."""
    modules = {}
    for path in sorted((source_root / package).rglob("*.py")):
        parts = path.relative_to(source_root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def import_graph(
    source_root: Path, package: str, *, type_checking: bool
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(internal, external): for each module of `package`, the package's own modules it imports,
    and the top-level names of everything else it imports."""
    modules = module_files(source_root, package)
    internal: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for module, path in modules.items():
        names = imported_names(
            path.read_text(), _as_module(module, path), type_checking=type_checking
        )
        internal[module] = {n for n in names if n in modules and n != module}
        external[module] = {n.split(".")[0] for n in names if n.split(".")[0] != package}
    return internal, external


def _as_module(module: str, path: Path) -> str:
    # A package's __init__ resolves relative imports against itself, not its parent.
    return f"{module}.__init__" if path.name == "__init__.py" else module


def closure(graph: dict[str, set[str]], start: str) -> set[str]:
    """`start` and every module it reaches."""
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One import circle per strongly connected group of modules, as a path that closes."""
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "visiting"
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == "visiting":
                found.append(path[path.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found

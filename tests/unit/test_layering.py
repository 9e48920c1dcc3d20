"""Tier 1: the folders are the architecture, and imports follow it.

`core/` runs without Pants (stdlib and pyelftools; `core/sbom` adds cyclonedx-python-lib,
`core/licenses` its license-expression): the
standalone checker and its PEX depend on it, and it is what makes the decision table
unit-testable. Each folder may import only the folders listed for it in ALLOWED, goals never
import other goals, and there is no import circle. Imports under `if TYPE_CHECKING:` count: an
annotation that needs a module is a link.
The walker is build-support/import_graph.py, the same one `build-support/dist` uses to pick
the checker PEX's modules.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCE_ROOT = REPO / "pants-plugins"
sys.path.insert(0, str(REPO / "build-support"))

from import_graph import cycles, import_graph, module_files  # noqa: E402

PACKAGES = {m for m, p in module_files(SOURCE_ROOT, "go_static").items() if p.stem == "__init__"}

# Core's top-level modules: the vocabulary and the leaf helpers every layer shares.
SHARED = "core.shared"
CORE = (
    "core.shared",
    "core.checker",
    "core.gograph",
    "core.mode",
    "core.review",
    "core.smoke",
    "core.sbom",
    "core.provenance",
    "core.oci",
    "core.licenses",
)
# The folders (areas) each area may import besides itself. Anything not here is a violation.
ALLOWED = {
    "core.shared": set(),
    "core.checker": {SHARED},
    "core.gograph": {SHARED},
    "core.smoke": {SHARED},
    "core.mode": {SHARED, "core.checker", "core.gograph"},
    "core.review": {SHARED, "core.checker", "core.mode"},
    "core.sbom": {SHARED, "core.checker", "core.gograph"},
    "core.provenance": {SHARED, "core.checker", "core.mode", "core.sbom"},
    "core.oci": {SHARED},
    "core.licenses": {SHARED, "core.gograph"},
    "check": {"core.checker"},
    "subsystems": set(CORE),
    "target_types": set(CORE),
    "rules": {*CORE, "subsystems", "target_types"},
    "goals": {*CORE, "rules", "subsystems", "target_types"},
    "docker": {*CORE, "rules", "subsystems", "target_types"},
    "register": {"goals", "rules", "subsystems", "target_types"},
    "docker.register": {"docker"},
    "package": set(),  # the `__init__.py` files
}


def area(module: str) -> str:
    """The folder a module belongs to, e.g. go_static.core.mode.derive -> core.mode."""
    if module in PACKAGES:
        return "package"
    parts = module.split(".")[1:]
    if parts == ["docker", "register"]:
        return "docker.register"
    if parts[0] == "core":
        if len(parts) == 2:
            return "core.smoke" if parts[1] == "smoke" else SHARED
        return f"core.{parts[1]}"
    return parts[0]


def violations(internal: dict[str, set[str]], external: dict[str, set[str]]) -> list[str]:
    """Every broken layering rule in a graph, one line each."""
    found = []
    for module in sorted(internal):
        here = area(module)
        if here.startswith("core") or here == "check":
            if "pants" in external[module]:
                found.append(f"{module} ({here}) imports Pants")
        for dep in sorted(internal[module]):
            there = area(dep)
            if here == "goals" == there:
                found.append(f"{module} imports another goal, {dep}")
            elif there not in (here, "package") and there not in ALLOWED[here]:
                found.append(f"{module} ({here}) imports {dep} ({there})")
    found += ["import circle: " + " -> ".join(c) for c in cycles(internal)]
    return found


@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    return import_graph(SOURCE_ROOT, "go_static", type_checking=True)


def test_every_module_is_in_a_known_folder(graph) -> None:
    internal, _ = graph
    unknown = sorted(m for m in internal if area(m) not in ALLOWED)
    assert not unknown, f"add their folder to ALLOWED: {unknown}"


def test_the_top_level_holds_only_the_entry_points() -> None:
    top = sorted(p.name for p in (SOURCE_ROOT / "go_static").glob("*.py"))
    assert top == ["__init__.py", "check.py", "register.py"]


def test_imports_follow_the_folders(graph) -> None:
    assert violations(*graph) == []


def test_the_rules_catch_a_circle_a_pants_import_and_a_goal_importing_a_goal(graph) -> None:
    internal = {m: set(deps) for m, deps in graph[0].items()}
    external = {m: set(deps) for m, deps in graph[1].items()}
    internal["go_static.core.names"].add("go_static.core.checker.libc")  # libc -> names -> libc
    external["go_static.core.gograph.graph"].add("pants")
    internal["go_static.goals.report"].add("go_static.goals.check")
    internal["go_static.core.checker.verdict"].add("go_static.core.mode.build_mode")
    found = "\n".join(violations(internal, external))
    assert "import circle: " in found and "go_static.core.names" in found
    assert "go_static.core.gograph.graph (core.gograph) imports Pants" in found
    assert "go_static.goals.report imports another goal, go_static.goals.check" in found
    assert "go_static.core.checker.verdict (core.checker) imports go_static.core.mode" in found


def test_the_core_really_loads_without_pants() -> None:
    # Make `import pants` fail, as on a machine with only pyelftools; import every core module.
    core = [m for m in module_files(SOURCE_ROOT, "go_static") if area(m).startswith("core")]
    code = (
        "import sys\n"
        "class _NoPants:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'pants':\n"
        "            raise ImportError('pants is blocked for this test')\n"
        "sys.meta_path.insert(0, _NoPants())\n"
        + "".join(f"import {m}\n" for m in core)
        + "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SOURCE_ROOT)},
    )
    assert len(core) >= 30
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_every_rule_module_ends_with_rules() -> None:
    # register.py gathers them: a rules module without `rules()` would silently register nothing.
    for module, path in module_files(SOURCE_ROOT, "go_static").items():
        if area(module) in ("rules", "goals", "docker") and not path.name.startswith("__"):
            last = ast.parse(path.read_text()).body[-1]
            assert isinstance(last, ast.FunctionDef) and last.name == "rules", module


def test_every_exception_is_one_go_static_error_with_a_stable_code() -> None:
    # `pants check` and the report goal catch GoStaticError alone; a new exception class outside
    # the family would escape them as a traceback.
    classes: dict[str, tuple[list[str], str | None]] = {}
    for path in module_files(SOURCE_ROOT, "go_static").values():
        for node in ast.parse(path.read_text()).body:
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


def test_the_go_static_backend_alone_loads_no_docker_code() -> None:
    # Image support is the optional go_static.docker backend; go_static alone must not need it.
    code = (
        "import sys\n"
        "from go_static import register\n"
        "register.rules(); register.target_types()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pants.backend.docker', "
        "'go_static.docker'))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SOURCE_ROOT)},
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr

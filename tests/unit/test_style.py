"""Tier 1: the formatter and import order (ruff, configured in pyproject.toml) hold everywhere."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PATHS = ("pants-plugins", "tests", "benchmarks", "build-support")


@pytest.mark.parametrize(
    "command",
    [("format", "--check", "--diff"), ("check", "--output-format", "concise")],
    ids=["ruff-format", "ruff-check"],
)
def test_ruff(command: tuple[str, ...]) -> None:
    # ruff is pinned in 3rdparty/python/test-requirements.txt; fix with `ruff format` / `--fix`.
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *PATHS], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


PRODUCT = REPO / "pants-plugins" / "go_static"


def test_no_product_module_is_named_like_a_test() -> None:
    # pytest collects `*_test.py` and `test_*.py`: a product module named so reads as a test.
    named = sorted(
        str(p.relative_to(REPO))
        for pattern in ("*_test.py", "test_*.py")
        for p in PRODUCT.rglob(pattern)
    )
    assert not named, f"rename these product modules: {named}"


def test_callers_ask_a_c_compiler_its_kind() -> None:
    # CCompiler.kind says zig, musl-gcc, gcc or other; its `cc` string is for CC, not for asking.
    prefix_test = re.compile(r"\bcc\.cc\.startswith|\.cc\s*==|\.cc\.split")
    found = [
        f"{p.relative_to(REPO)}:{n}"
        for p in sorted(PRODUCT.rglob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if prefix_test.search(line)
    ]
    assert not found, f"ask CCompiler.kind instead: {found}"


# Files that may write "Fix:" or "Why:" themselves, and why.
OWN_WORDING = {
    "core/errors.py": "Problem.render, the one place that labels Why and Fix",
    "core/checker/cli.py": "the checker CLI's one-line-per-violation summary, as "
    "docs/post-link-check.md shows it; its report and failure messages use Problem",
}


def test_errors_are_worded_by_problem() -> None:
    # One way to word an error: what (naming the target), why, fix, all through core.errors.
    found = []
    for path in sorted(PRODUCT.rglob("*.py")):
        rel = str(path.relative_to(PRODUCT))
        if rel in OWN_WORDING:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.search(r"(^|\n|\s)(Fix|Why): ", node.value):
                    found.append(f"{rel}:{node.lineno}")
    assert not found, f"build these messages with core.errors.Problem: {found}"


MAX_FUNCTION_LINES = 60
# Product functions allowed to stay longer, and why.
LONG_FUNCTIONS = {
    "core/mode/build_mode.py:resolve": "being reworked to validate the intent once (issue 28)",
}


def test_product_functions_are_short() -> None:
    # Over 60 lines, a function does several things: split it where the pieces have names.
    long = {}
    for path in sorted(PRODUCT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PRODUCT)}:{node.name}"] = lines
    assert set(long) <= set(LONG_FUNCTIONS), f"split these (name: lines): {long}"


def test_test_modules_have_unique_names() -> None:
    # pytest imports test modules by basename (rootdir mode, no __init__.py): a second module of
    # the same name stops collection of the whole run.
    seen: dict[str, list[str]] = {}
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(REPO)))
    assert not {name: paths for name, paths in seen.items() if len(paths) > 1}

"""Tier 1: the docs cover what the code can say, and shipped text speaks to a user's repo.

A violation or error code the reference doesn't list is one a reviewer can't look up; a message
that says "run ./pants" or names this repo's `3rdparty/` files means nothing in a repo that
installed the wheel.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "pants-plugins" / "go_static"
REFERENCE = REPO / "docs" / "reference.md"
VIOLATION_TYPES = {"Violation", "PolicyViolation"}


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text()) for path in sorted(PLUGIN.rglob("*.py"))}


def codes_in_code() -> set[str]:
    """Every stable code: `code = "..."` on an error class, and the first argument of each
    Violation/PolicyViolation."""
    found = set()
    for tree in _trees().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and [getattr(t, "id", None) for t in stmt.targets] == ["code"]
                        and isinstance(stmt.value, ast.Constant)
                    ):
                        found.add(stmt.value.value)
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in VIOLATION_TYPES
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def test_every_violation_and_error_code_is_in_the_reference() -> None:
    codes = codes_in_code()
    assert {"interpreter", "not-go", "policy-libc", "intent", "docker-daemon"} <= codes
    documented = set(re.findall(r"`([a-z][a-z-]*)`", REFERENCE.read_text()))
    assert not codes - documented, f"add to {REFERENCE.name}: {sorted(codes - documented)}"


def test_shipped_text_names_no_file_of_this_repo() -> None:
    # String constants only: comments may talk about this repo; messages and help may not.
    offenders = []
    for path, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.search(r"\./pants\b|3rdparty/|README", node.value):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}")
    assert not offenders, "\n".join(offenders)


def test_readme_stays_short_and_links_only_to_pages_that_exist() -> None:
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for page in re.findall(r"\]\((docs/[\w.-]+\.md)", readme):
        assert (REPO / page).is_file(), page


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_between_the_docs_names_a_page_and_heading_that_exist() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        for target, anchor in re.findall(r"\]\(([\w./-]*\.md|)(?:#([\w-]+))?\)", text):
            linked = (page.parent / target).resolve() if target else page
            if not linked.is_file():
                broken.append(f"{page.relative_to(REPO)}: {target}")
                continue
            headings = re.findall(r"^#+ (.+)$", linked.read_text(), flags=re.M)
            if anchor and anchor not in {_anchor(h) for h in headings}:
                broken.append(f"{page.relative_to(REPO)}: {target}#{anchor}")
    assert not broken, "\n".join(broken)

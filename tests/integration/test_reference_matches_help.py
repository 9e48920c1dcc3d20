"""Tier 3: docs/reference.md has a row for every option and field the plugin registers, as real
`./pants help-all` reports them (so an option added without its docs fails here)."""

from __future__ import annotations

import json
import re

import pytest

from pants_harness import REPO_ROOT, run_pants

REFERENCE = REPO_ROOT / "docs" / "reference.md"
# Scopes that Pants itself owns, which help-all credits to the plugin because the plugin's
# backends load rules that use them. Their options are Pants' and documented by Pants.
PANTS_SCOPES = {"", "docker", "test"}
# Pants' own fields that every target has.
COMMON_FIELDS = {"tags", "description"}


@pytest.fixture(scope="module")
def help_all() -> dict:
    result = run_pants("help-all", timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def reference_sections() -> dict[str, set[str]]:
    """Each `## ` heading of the reference -> the backticked names in its table rows' first two
    cells (an option or field name; the targets table of the ownership section has two)."""
    sections: dict[str, set[str]] = {}
    names: set[str] = set()
    for line in REFERENCE.read_text().splitlines():
        if line.startswith("## "):
            names = sections.setdefault(line[3:], set())
        elif line.startswith("| ") and not line.startswith("|---"):
            cells = line.split(" | ")[:2]
            names |= set(re.findall(r"`([^`]+)`", " | ".join(cells)))
    return sections


def documented(sections: dict[str, set[str]], heading_token: str) -> set[str]:
    """The names in every section whose heading holds `heading_token` (backticked)."""
    found: set[str] = set()
    for heading, names in sections.items():
        if f"`{heading_token}`" in heading:
            found |= names
    return found


def plugin_scopes(help_all: dict) -> dict[str, set[str]]:
    """Each options scope the plugin registers -> its option names (as written in pants.toml)."""
    scopes = {}
    for scope, info in help_all["scope_to_help_info"].items():
        if not (info.get("provider") or "").startswith("go_static") or scope in PANTS_SCOPES:
            continue
        options = info["basic"] + info["advanced"] + info["deprecated"]
        scopes[scope] = {o["config_key"] for o in options}
    return scopes


def test_every_plugin_option_has_a_row_in_the_reference(help_all: dict) -> None:
    scopes = plugin_scopes(help_all)
    assert {"go-static", "go-static-smoke", "go-static-go-download"} <= set(scopes)
    sections = reference_sections()
    missing = [
        f"[{scope}].{option}"
        for scope, options in sorted(scopes.items())
        for option in sorted(options - documented(sections, f"[{scope}]"))
    ]
    assert not missing, (
        f"{REFERENCE.name} has no row for these options (add one to the `## \\`[scope]\\` "
        f"options` table): {', '.join(missing)}"
    )


def test_every_plugin_field_has_a_row_in_the_reference(help_all: dict) -> None:
    expected: dict[str, set[str]] = {}
    for alias, info in help_all["name_to_target_type_info"].items():
        fields = {f["alias"] for f in info["fields"]}
        if alias.startswith("go_static_"):
            expected[alias] = fields - COMMON_FIELDS
        elif any(f.startswith("go_static_") for f in fields):
            # A field the plugin adds to a Pants target, e.g. docker_image's go_static_platform.
            expected[alias] = {f for f in fields if f.startswith("go_static_")}
    assert {"go_static_binary", "go_static_image", "docker_image"} <= set(expected)
    sections = reference_sections()
    missing = [
        f"{alias}.{field}"
        for alias, fields in sorted(expected.items())
        for field in sorted(fields - documented(sections, alias))
    ]
    assert not missing, (
        f"{REFERENCE.name} has no row for these fields (add one to the target's table): "
        f"{', '.join(missing)}"
    )

"""Tier 1: x_defs and stamping: validation, placeholder filling, and the -X flags. No Pants."""

from __future__ import annotations

import shlex

import pytest

from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import expectation_for, resolve
from go_static.core.mode.intent import Intent, ModeError
from go_static.core.mode.stamp import StampValues, apply_x_defs, env_names, x_def_problems

FACTS = GraphFacts(main_package="example.com/app")
STAMP = StampValues(git_commit="0123abc", git_describe="v1.2.3-4-g0123abc", env=(("CHAN", "beta"),))


def resolve_with(x_defs: dict[str, str], stamp: StampValues | None = None):
    intent = Intent(address="src/go:app", x_defs=tuple(sorted(x_defs.items())), stamp=stamp)
    return resolve(intent, FACTS)


def test_literals_are_always_linked_and_placeholders_only_when_stamping() -> None:
    x_defs = {"main.version": "{git_describe}", "main.channel": "stable"}
    unstamped = resolve_with(x_defs)
    assert "-X main.channel=stable" in unstamped.ldflags
    assert not any("main.version" in flag for flag in unstamped.ldflags)
    stamped = resolve_with(x_defs, STAMP)
    assert stamped.ldflags[-2:] == ("-X main.channel=stable", "-X main.version=v1.2.3-4-g0123abc")


def test_unstamped_flags_do_not_depend_on_the_commit() -> None:
    # The cache key is the argv: an unstamped build must not change when HEAD moves.
    x_defs = {"main.version": "{git_commit}", "main.channel": "stable"}
    assert resolve_with(x_defs).ldflags == resolve_with(x_defs).ldflags
    other = StampValues(git_commit="fff", git_describe="v9")
    assert resolve_with(x_defs, STAMP).ldflags != resolve_with(x_defs, other).ldflags


def test_env_placeholders_and_mixed_text() -> None:
    x_defs = {"main.build": "{git_commit}-{env:CHAN}-{env:MISSING}"}
    assert env_names(x_defs) == ("CHAN", "MISSING")
    (applied,) = apply_x_defs(x_defs, STAMP)
    assert (applied.value, applied.applied, applied.stamped) == ("0123abc-beta-", True, True)


def test_values_with_spaces_are_quoted_the_way_go_splits_ldflags() -> None:
    (spaced,) = apply_x_defs({"main.greeting": "hello world"}, None)
    assert shlex.split(spaced.flag()) == ["-X", "main.greeting=hello world"]
    (quoted,) = apply_x_defs({"main.q": "it's"}, None)
    assert shlex.split(quoted.flag()) == ["-X", "main.q=it's"]


def test_the_checker_expects_every_applied_value_in_the_binary() -> None:
    mode = resolve_with({"main.version": "{git_describe}", "main.channel": "stable"})
    assert expectation_for(mode).x_defs == (("main.channel", "stable"),)


def test_every_bad_entry_is_reported_at_once_naming_the_field() -> None:
    bad = {
        "version": "1",  # no import path
        "main.a": "{git_sha}",  # unknown placeholder
        "main.b": "{env:1BAD}",  # not an env name
        "main.c": "{git_commit",  # unbalanced
        "main.d": 'it\'s "x"',  # both quotes
    }
    found = list(x_def_problems(bad))
    assert len(found) == 5
    text = "\n".join(p.render() for p in found)
    for needle in ("'version'", "{git_sha}", "{env:1BAD}", "'main.c'", "'main.d'"):
        assert needle in text
    assert all(p.why and p.fix for p in found)
    with pytest.raises(ModeError) as raised:
        resolve_with(bad)
    assert len(raised.value.problems) == 5 and "x_defs" in str(raised.value)


def test_each_x_def_has_a_decision_with_its_reason() -> None:
    mode = resolve_with({"main.version": "{git_describe}", "main.channel": "stable"})
    by_setting = {d.setting: d for d in mode.decisions}
    assert "[go-static].stamp is off" in by_setting["-X main.version"].reason
    assert by_setting["-X main.channel"].value == "stable"

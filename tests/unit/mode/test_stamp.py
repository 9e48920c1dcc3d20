"""Tier 1: x_defs and stamping: validation, placeholder filling, and the -X flags. No Pants."""

from __future__ import annotations

import pytest

from go_static.core import quoted
from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import expectation_for, resolve
from go_static.core.mode.intent import Intent, ModeError, StampError
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
    assert quoted.split(spaced.flag()) == ["-X", "main.greeting=hello world"]
    (apostrophe,) = apply_x_defs({"main.q": "it's"}, None)
    assert quoted.split(apostrophe.flag()) == ["-X", "main.q=it's"]


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


# The tag of issue 28: before, it reached the linker as -X main.version=v1.2 -linkmode external
# -X main.admin=true.
HOSTILE_TAG = "v1.2\"'-linkmode'\"external\"'-X'\"main.admin=true"


def test_a_hostile_tag_fails_with_stamp_naming_key_and_source() -> None:
    stamp = StampValues(git_commit="0123abc", git_describe=HOSTILE_TAG)
    with pytest.raises(StampError) as raised:
        resolve_with({"main.version": "{git_describe}", "main.commit": "{git_commit}"}, stamp)
    err = raised.value
    assert err.codes == ("stamp",) and len(err.problems) == 1
    text = str(err)
    assert text.startswith("src/go:app: x_defs['main.version']")
    assert "git describe --tags" in text and repr(HOSTILE_TAG) in text
    assert "inject its own linker flags" in text and "Fix: " in text
    assert "main.commit" not in text  # the clean value is not blamed


def test_a_hostile_env_value_names_the_variable() -> None:
    stamp = StampValues(env=(("BUILD_ID", "1 '-X' \"main.admin=true"),))
    with pytest.raises(StampError) as raised:
        resolve_with({"main.build": "b-{env:BUILD_ID}"}, stamp)
    assert "the environment variable BUILD_ID ({env:BUILD_ID})" in str(raised.value)


@pytest.mark.parametrize(
    "value",
    ["v1.2 beta", "it's", 'say "hi"', "a\tb", "\u00e9t\u00e9 2026", "-linkmode=external", "'x"],
)
def test_stamped_values_go_can_carry_are_quoted_into_one_argument(value: str) -> None:
    mode = resolve_with({"main.v": "{env:V}"}, StampValues(env=(("V", value),)))
    assert mode.linker_args()[-2:] == ("-X", f"main.v={value}")
    assert expectation_for(mode).x_defs == (("main.v", value),)


@pytest.mark.parametrize("value", ["both ' and \"", "v1\nv2", "v1\x00", "v1\rx"])
def test_stamped_values_go_cannot_carry_fail(value: str) -> None:
    with pytest.raises(StampError, match="can't be linked in as one -X"):
        resolve_with({"main.v": "{env:V}"}, StampValues(env=(("V", value),)))


def test_a_literal_and_a_filled_quote_that_clash_name_the_source() -> None:
    stamp = StampValues(env=(("V", 'a"b'),))
    with pytest.raises(StampError) as raised:
        resolve_with({"main.v": "it's {env:V}"}, stamp)
    assert "environment variable V" in str(raised.value)


def test_stamp_problems_come_with_the_other_contradictions() -> None:
    intent = Intent(
        address="src/go:app",
        x_defs=(("main.version", "{git_describe}"),),
        stamp=StampValues(git_describe=HOSTILE_TAG),
        ldflags=("-linkmode=internal",),
    )
    with pytest.raises(ModeError) as raised:
        resolve(intent, FACTS)
    assert raised.value.codes == ("intent", "stamp")
    assert [p.what.split(" ")[0] for p in raised.value.problems] == [
        "ldflags",
        "x_defs['main.version']",
    ]

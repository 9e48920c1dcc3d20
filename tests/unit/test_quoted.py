"""Tier 1: the port of Go's cmd/internal/quoted, against Go's own test table. No Pants.

SPLIT_CASES and JOIN_CASES are copied verbatim from TestSplit and TestJoin in the Go SDK's
src/cmd/internal/quoted/quoted_test.go (Go 1.27.3, the SDK the plugin pins), with Go's raw
strings written as Python literals.
"""

from __future__ import annotations

import pytest

from go_static.core.quoted import join, split

# name, value, want, wantErr
SPLIT_CASES = [
    ("empty", "", [], ""),
    ("space", " ", [], ""),
    ("one", "a", ["a"], ""),
    ("leading_space", " a", ["a"], ""),
    ("trailing_space", "a ", ["a"], ""),
    ("two", "a b", ["a", "b"], ""),
    ("two_multi_space", "a  b", ["a", "b"], ""),
    ("two_tab", "a\tb", ["a", "b"], ""),
    ("two_newline", "a\nb", ["a", "b"], ""),
    ("quote_single", "'a b'", ["a b"], ""),
    ("quote_double", '"a b"', ["a b"], ""),
    ("quote_both", "'a '\"b \"", ["a ", "b "], ""),
    ("quote_contains", "'a \"'\"'b\"", ['a "', "'b"], ""),
    ("escape", "\\'", ["\\'"], ""),
    ("quote_unclosed", "'a", None, "unterminated ' string"),
]

# name, args, want, wantErr
JOIN_CASES = [
    ("empty", [], "", ""),
    ("one", ["a"], "a", ""),
    ("two", ["a", "b"], "a b", ""),
    ("space", ["a ", "b"], "'a ' b", ""),
    ("newline", ["a\n", "b"], "'a\n' b", ""),
    ("quote", ["'a ", "b"], '"\'a " b', ""),
    (
        "unquoteable",
        ["'\""],
        None,
        "contains both single and double quotes and cannot be quoted",
    ),
]


@pytest.mark.parametrize("name,value,want,want_err", SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_matches_go(name: str, value: str, want, want_err: str) -> None:
    if want_err:
        with pytest.raises(ValueError, match=want_err):
            split(value)
    else:
        assert split(value) == want


@pytest.mark.parametrize("name,args,want,want_err", JOIN_CASES, ids=[c[0] for c in JOIN_CASES])
def test_join_matches_go(name: str, args: list[str], want, want_err: str) -> None:
    if want_err:
        with pytest.raises(ValueError, match=want_err):
            join(args)
    else:
        assert join(args) == want
        assert split(want) == [a for a in args]


def test_split_differs_from_shlex_where_go_does() -> None:
    # A closing quote ends the field: Go hands the linker two flags here, shlex one.
    assert split("'-s''-linkmode=external'") == ["-s", "-linkmode=external"]
    # A quote inside a word is an ordinary character, and backslash escapes nothing.
    assert split("-X main.v=it's") == ["-X", "main.v=it's"]
    assert split("a\\ b") == ["a\\", "b"]
    # The hostile tag of issue 28, as go build reads it inside a double-quoted -X.
    tag = "v1.2\"'-linkmode'\"external\"'-X'\"main.admin=true"
    assert split(f'-X "main.version={tag}"') == [
        "-X",
        "main.version=v1.2",
        "-linkmode",
        "external",
        "-X",
        "main.admin=true",
    ]


def test_non_ascii_is_never_a_space_or_quote() -> None:
    assert split("\u00a0a\u2003b") == ["\u00a0a\u2003b"]
    assert join(["héllo wörld"]) == "'héllo wörld'"

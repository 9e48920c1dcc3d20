"""Tier 1: image names and tags are checked as registries check them, every bad one at once."""

from __future__ import annotations

import random
import re
import time

import pytest

from go_static.core.oci.reference import (
    PATH_COMPONENT,
    ImageReference,
    ImageReferenceError,
    parse_references,
    reference_problems,
    references_for,
    valid_registry,
)

GOOD = {
    # text: (registry, repository, tag, fully qualified)
    "localhost:5000/x/y:tag": ("localhost:5000", "x/y", "tag", "localhost:5000/x/y:tag"),
    "127.0.0.1:5000/a": ("127.0.0.1:5000", "a", "latest", "127.0.0.1:5000/a:latest"),
    "registry.example.com/team/app:v1.2.3": (
        "registry.example.com",
        "team/app",
        "v1.2.3",
        "registry.example.com/team/app:v1.2.3",
    ),
    "app": ("", "app", "latest", "docker.io/library/app:latest"),
    "docker.io/app:2": ("docker.io", "app", "2", "docker.io/library/app:2"),
    "team/app:1": ("", "team/app", "1", "docker.io/team/app:1"),
    "localhost/app:_x": ("localhost", "app", "_x", "localhost/app:_x"),
    "[::1]:5000/app:V1-rc.2": ("[::1]:5000", "app", "V1-rc.2", "[::1]:5000/app:V1-rc.2"),
    "My-Registry.Example.com/a__b/c---d/e.f_g:" + "t" * 128: (
        "My-Registry.Example.com",
        "a__b/c---d/e.f_g",
        "t" * 128,
        "My-Registry.Example.com/a__b/c---d/e.f_g:" + "t" * 128,
    ),
}

BAD = {
    # text: the offending value its message must quote
    "team/App:v1": '"App"',
    "Team/app": '"Team"',
    "app:-bad": '"-bad"',
    "app:.hidden": '".hidden"',
    "app:": '""',
    "app:" + "t" * 129: '"' + "t" * 40 + '..."',
    "app:bad tag": '"bad tag"',
    "a//b": '""',
    "app/": '""',
    "-app": '"-app"',
    "a..b": '"a..b"',
    "a_-b": '"a_-b"',
    "registry.example.com:port/app": '"registry.example.com:port"',
    "-registry.example.com/app": '"-registry.example.com"',
    "app@sha256:" + "0" * 64: "digest",
    "": "empty",
    "x." * 130 + "com/app": "characters long",
}


@pytest.mark.parametrize("text", GOOD)
def test_valid_references_parse_as_docker_splits_them(text: str) -> None:
    registry, repository, tag, qualified = GOOD[text]
    (ref,) = parse_references([text])
    assert ref == ImageReference(registry, repository, tag)
    assert ref.fully_qualified == qualified
    assert str(ref) == (text if text.rpartition("/")[2].count(":") else f"{text}:latest")
    assert reference_problems(text) == []


@pytest.mark.parametrize("text", BAD)
def test_invalid_references_are_refused_naming_the_bad_part(text: str) -> None:
    problems = reference_problems(text)
    assert problems, text
    assert BAD[text] in problems[0].what
    assert all(p.why and p.fix for p in problems)
    with pytest.raises(ImageReferenceError):
        parse_references([text])


def test_every_bad_name_and_tag_of_one_call_is_reported() -> None:
    texts = ["team/App:v1", "registry.example.com/ok/app:v1", "app:-bad", "a//b", "x:y z", "b:-bad"]
    with pytest.raises(ImageReferenceError) as caught:
        parse_references(texts, subject="src/go:image")
    error = caught.value
    assert error.code == "image-reference"
    assert [p.what for p in error.problems] == [
        'The image name "team/App" has the invalid path component "App".',
        'The image tag "-bad" is not valid.',
        'The image name "a//b" has the invalid path component "".',
        'The image tag "y z" is not valid.',
    ]
    # One message, every problem rendered once (`-bad` is in two references) under the address.
    assert str(error).count("src/go:image: ") == 4
    assert 'Fix: Use e.g. "app".' in str(error)


def test_names_and_tags_given_apart_are_all_checked_before_any_is_combined() -> None:
    refs = references_for(["registry.example.com/team/app", "app"], ["v1", "latest"])
    assert [str(r) for r in refs] == [
        "registry.example.com/team/app:v1",
        "registry.example.com/team/app:latest",
        "app:v1",
        "app:latest",
    ]
    with pytest.raises(ImageReferenceError) as caught:
        references_for(["ok/app", "Bad/app", "bad//app"], ["v1", ".v2", "v 3", "latest"])
    whats = [p.what for p in caught.value.problems]
    assert len(whats) == 4
    assert all(any(value in w for w in whats) for value in ('"Bad"', '""', '".v2"', '"v 3"'))


def test_a_problem_speaks_of_the_users_value_and_what_a_valid_one_looks_like() -> None:
    (problem,) = reference_problems("Registry_Host/app")
    assert problem.what == 'The image name "Registry_Host/app" has the invalid path component ' + (
        '"Registry_Host".'
    )
    assert "lower-case" in problem.why
    assert problem.fix == 'Use e.g. "registry-host".'


# distribution/reference's grammar as the old, backtracking regexes wrote it: the new check must
# accept exactly what they accept (on inputs short enough for them to finish).
_OLD_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*")
_OLD_DOMAIN = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_OLD_REGISTRY = re.compile(rf"(?:{_OLD_DOMAIN}(?:\.{_OLD_DOMAIN})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?")


def test_the_linear_checks_accept_exactly_what_the_grammar_accepts() -> None:
    rng = random.Random(28)
    for _ in range(20000):
        text = "".join(rng.choice("aZ0._-:[]f") for _ in range(rng.randint(1, 10)))
        assert bool(PATH_COMPONENT.fullmatch(text)) == bool(_OLD_COMPONENT.fullmatch(text)), text
        assert valid_registry(text) == bool(_OLD_REGISTRY.fullmatch(text)), text


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        reference_problems(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize(
    "hostile",
    [
        lambda n: "reg/team/" + "a" * n + "A",  # issue 28: 1.3 s at n=24, doubling per letter
        lambda n: "reg/team/" + "a-" * n + "A",
        lambda n: "reg/team/" + "a__" * n + "_A",
        lambda n: "a" + "-" * n + ".example.com/app",
        lambda n: "a." * n + "-x:5000/app",
        lambda n: "[" + "1:" * n + "/app",
    ],
)
def test_parsing_time_grows_linearly(hostile) -> None:
    assert reference_problems(hostile(24))  # each is a near miss, refused
    assert _seconds(hostile(24)) < 0.05
    # Four times the input may take about four times as long; backtracking would take far more.
    small, large = _seconds(hostile(5000)), _seconds(hostile(20000))
    assert large < 20 * max(small, 1e-4), (small, large)

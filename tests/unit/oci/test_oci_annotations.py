"""Tier 1: the standard OCI annotations: source checked for scheme and credentials, created
only from SOURCE_DATE_EPOCH or the commit time, and none of them when nothing gives them."""

from __future__ import annotations

import json

import pytest
from oci_sample import sample_config, sample_layer

from go_static.core.oci.annotations import (
    CREATED,
    REVISION,
    SOURCE,
    VERSION,
    Provenance,
    created,
    created_problems,
    source_problems,
)
from go_static.core.oci.image import build_image, build_index


def test_unstamped_provenance_gives_no_annotations() -> None:
    assert Provenance().annotations() == {}
    assert Provenance(source="https://example.com/r").annotations() == {
        SOURCE: "https://example.com/r"
    }


def test_stamped_provenance_names_every_standard_key() -> None:
    provenance = Provenance(
        source="https://git.example.com/org/repo",
        revision="0123456789abcdef0123456789abcdef01234567",
        version="v1.2.3-4-g0123456-dirty",
        created=created("", "1700000000"),
    )
    assert provenance.annotations() == {
        SOURCE: "https://git.example.com/org/repo",
        REVISION: "0123456789abcdef0123456789abcdef01234567",
        VERSION: "v1.2.3-4-g0123456-dirty",
        CREATED: "2023-11-14T22:13:20Z",
    }
    assert SOURCE == "org.opencontainers.image.source"


def test_source_date_epoch_wins_over_the_commit_time() -> None:
    assert created("0", "1700000000") == "1970-01-01T00:00:00Z"
    assert created("", "1700000000") == "2023-11-14T22:13:20Z"
    assert created("", "") == ""
    # A value the caller didn't check gives nothing rather than a guess.
    assert created("yesterday", "") == ""


@pytest.mark.parametrize("value", ["yesterday", "-1", "1.5", "1e9", "999999999999"])
def test_a_bad_source_date_epoch_is_a_problem(value: str) -> None:
    (problem,) = created_problems(value)
    assert "SOURCE_DATE_EPOCH" in problem.what
    assert "SOURCE_DATE_EPOCH" in problem.fix


@pytest.mark.parametrize(
    "url",
    ["https://github.com/org/repo", "https://git.example.com:8443/a/b.git", "https://h/x?y#z"],
)
def test_an_https_repository_url_is_a_source(url: str) -> None:
    assert source_problems(url, "source") == []


@pytest.mark.parametrize(
    "url",
    [
        "http://github.com/org/repo",
        "git@github.com:org/repo.git",
        "ssh://github.com/org/repo",
        "https://",
        "https://exa mple.com/r",
        "https://example.com/r\n",
        "https:///path-only",
        "github.com/org/repo",
        "https://" + "a" * 3000,
    ],
)
def test_anything_but_an_https_url_is_refused(url: str) -> None:
    (problem,) = source_problems(url, "source")
    assert problem.what.startswith("source is not")
    assert "https://" in problem.fix


@pytest.mark.parametrize(
    "url", ["https://ghp_SECRETTOKEN@github.com/o/r", "https://user:SECRETTOKEN@github.com/o/r"]
)
def test_credentials_in_the_source_are_refused_and_never_shown(url: str) -> None:
    (problem,) = source_problems(url, "source")
    assert "credentials" in problem.what
    assert "SECRETTOKEN" not in problem.render("//:image")


def test_annotations_reach_the_manifest_and_the_index() -> None:
    annotations = Provenance(
        source="https://example.com/r", revision="abc", created=created("1", "")
    ).annotations()
    images = [
        build_image(sample_config(arch), [sample_layer(arch, b"bin-" + arch.encode())], annotations)
        for arch in ("amd64", "arm64")
    ]
    index = build_index(images, annotations)
    assert json.loads(index.blob.data)["annotations"] == annotations
    for image in images:
        assert json.loads(image.manifest.data)["annotations"] == annotations
    # The same values give the same digest; none is the wall clock.
    again = build_index(
        [
            build_image(sample_config(a), [sample_layer(a, b"bin-" + a.encode())], annotations)
            for a in ("arm64", "amd64")
        ],
        annotations,
    )
    assert again.blob.digest == index.blob.digest
    assert "base.name" not in index.blob.data.decode()

"""The image's SLSA provenance (go_static.core.provenance.image): the union of its binaries'."""

from __future__ import annotations

from test_provenance_statement import BUILD_INFO, GO_ARCHIVE, deps, make

from go_static.core.provenance.image import IMAGE_BUILD_TYPE, image_statement
from go_static.core.provenance.statement import PREDICATE_TYPE, statement_json

INDEX = "sha256:" + "12" * 32


def image(binaries: list) -> dict:
    return image_statement(
        repository="registry.example.com/app",
        index_digest=INDEX,
        external_parameters={"target": "src/go:app-oci"},
        binaries=binaries,
        builder_id="https://ci.example/builder",
    )


def test_subject_is_the_index_and_dependencies_are_the_union_once() -> None:
    amd64, arm64 = make(), make(reverse=True)
    arm64["subject"][0]["digest"]["sha256"] = "34" * 32
    document = image([("arm64", arm64), ("amd64", amd64)])
    assert document["predicateType"] == PREDICATE_TYPE
    assert document["subject"] == [
        {"name": "registry.example.com/app", "digest": {"sha256": "12" * 32}}
    ]
    predicate = document["predicate"]
    assert predicate["buildDefinition"]["buildType"] == IMAGE_BUILD_TYPE
    union = deps(document)
    binary_deps = deps(amd64)
    # Every dependency of a binary is there once (both binaries share them), plus each binary.
    for dep in binary_deps:
        assert union.count(dep) == 1, dep
    binaries = [d for d in union if "goarch" in d.get("annotations", {})]
    assert {d["annotations"]["goarch"] for d in binaries} == {"amd64", "arm64"}
    assert len(union) == len(binary_deps) + 2
    text = statement_json(document)
    for module in BUILD_INFO.modules:
        assert module.sum in text
    assert GO_ARCHIVE.sha256 in text and "musl" in text


def test_each_binary_verdict_is_a_byproduct_naming_its_platform() -> None:
    passed = make()
    failed = make()
    failed["predicate"]["runDetails"]["byproducts"][0]["annotations"]["postLinkCheck"] = "failed"
    document = image([("amd64", passed), ("arm64", failed)])
    verdicts = {
        p["annotations"]["goarch"]: p["annotations"]["postLinkCheck"]
        for p in document["predicate"]["runDetails"]["byproducts"]
    }
    assert verdicts == {"amd64": "passed", "arm64": "failed"}


def test_same_binaries_in_any_order_give_the_same_bytes() -> None:
    one, two = make(), make(reverse=True)
    two["subject"][0]["digest"]["sha256"] = "34" * 32
    first = statement_json(image([("amd64", one), ("arm64", two)]))
    assert first == statement_json(image([("arm64", two), ("amd64", one)]))

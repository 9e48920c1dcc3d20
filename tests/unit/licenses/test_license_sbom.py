"""Licences in the CycloneDX SBOM: Go modules from the detector, the C from the knowledge table."""

from __future__ import annotations

import json

from go_static.core.checker.buildinfo import parse_modinfo
from go_static.core.sbom.bom import sbom_json, schema_errors
from go_static.core.sbom.components import libc_component

INFO = parse_modinfo(
    "go1.27.3",
    "path\texample.com/app/cmd/app\n"
    "mod\texample.com/app\t(devel)\t\n"
    "dep\tgolang.org/x/text\tv0.21.0\th1:4BJN0uFMsIfuV4jRxvCE6j2MYp6LLK+0NZpKGH/7QKA=\n"
    "dep\tgithub.com/ethereum/go-ethereum\tv1.17.10\th1:4BJN0uFMsIfuV4jRxvCE6j2MYp6LLK+0NZpKGH/7QKA=\n"
    "dep\texample.com/odd\tv0.1.0\th1:4BJN0uFMsIfuV4jRxvCE6j2MYp6LLK+0NZpKGH/7QKA=\n",
)


def _document() -> dict:
    text = sbom_json(
        binary_name="app",
        binary_sha256="0" * 64,
        address="src/app:app",
        build_info=INFO,
        libc=libc_component("glibc", "2.36"),
        module_licenses={
            "golang.org/x/text": ("BSD-3-Clause", ("LICENSE",)),
            "github.com/ethereum/go-ethereum": (
                "GPL-3.0-only AND LGPL-3.0-only",
                ("COPYING", "COPYING.LESSER"),
            ),
            "example.com/odd": (None, ("LICENSE",)),
        },
    )
    assert schema_errors(text) is None
    return {c["name"]: c for c in json.loads(text)["components"]}


def test_every_module_and_the_libc_carry_their_licence_and_the_document_is_valid() -> None:
    components = _document()
    assert components["golang.org/x/text"]["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert components["github.com/ethereum/go-ethereum"]["licenses"] == [
        {"expression": "GPL-3.0-only AND LGPL-3.0-only"}
    ]
    assert components["glibc"]["licenses"] == [{"license": {"id": "LGPL-2.1-or-later"}}]
    assert components["stdlib"]["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]


def test_an_unknown_licence_is_said_to_be_unknown_not_guessed() -> None:
    odd = _document()["example.com/odd"]
    assert "licenses" not in odd
    props = {p["name"]: p["value"] for p in odd["properties"]}
    assert props["go-static:license:detected"] == "unknown"
    assert props["go-static:license:files"] == "LICENSE"

"""The SLSA provenance v1 of one go_static_image, made from its binaries' statements. Pants-free.

The image's provenance is not built again from the builds: it is the union of what each binary's
`<output>.intoto.json` already says (go_static.core.provenance.statement), with the image index as
its subject. resolvedDependencies: every binary's dependencies once (go.sum hashes, toolchain
digests, the static C with versions) plus each binary itself by digest; byproducts: each binary's
post-link verdict, naming its platform. No per-run values, so the same image gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from go_static.core.provenance.statement import PREDICATE_TYPE, STATEMENT_TYPE

IMAGE_BUILD_TYPE = "https://go-static.invalid/go_static_image/v1"
# The byproduct annotation a policy checks: "passed" on every binary's verdict.
POST_LINK_CHECK = "postLinkCheck"


def image_statement(
    *,
    repository: str,
    index_digest: str,
    external_parameters: Mapping[str, Any],
    binaries: Sequence[tuple[str, Mapping[str, Any]]],
    builder_id: str,
) -> dict[str, Any]:
    """The in-toto Statement of the image `index_digest` ("sha256:..."), from each platform's
    (goarch, binary statement)."""
    dependencies: dict[str, dict[str, Any]] = {}
    byproducts: list[dict[str, Any]] = []
    for goarch, binary in sorted(binaries, key=lambda item: item[0]):
        predicate = binary["predicate"]
        for dep in predicate["buildDefinition"]["resolvedDependencies"]:
            dependencies.setdefault(_key(dep), dep)
        for subject in binary["subject"]:
            entry = {"name": subject["name"], "digest": dict(subject["digest"])}
            entry["annotations"] = {"goarch": goarch}
            dependencies.setdefault(_key(entry), entry)
        for product in predicate["runDetails"]["byproducts"]:
            if POST_LINK_CHECK in product.get("annotations", {}):
                annotations = {**product["annotations"], "goarch": goarch}
                byproducts.append({**product, "annotations": annotations})
    algorithm, _, hex_digest = index_digest.partition(":")
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": repository, "digest": {algorithm: hex_digest}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": IMAGE_BUILD_TYPE,
                "externalParameters": dict(external_parameters),
                "resolvedDependencies": sorted(dependencies.values(), key=_order),
            },
            "runDetails": {"builder": {"id": builder_id}, "byproducts": byproducts},
        },
    }


def _key(descriptor: Mapping[str, Any]) -> str:
    return json.dumps(descriptor, sort_keys=True)


def _order(descriptor: Mapping[str, Any]) -> tuple[str, str]:
    return (str(descriptor.get("name", "")), _key(descriptor))

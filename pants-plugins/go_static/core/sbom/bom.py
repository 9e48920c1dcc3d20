"""The CycloneDX SBOM of one static Go binary, built with cyclonedx-python-lib. Pants-free.

The document names the binary (metadata.component, by its SHA-256), every Go module its build
info lists (purl, version, the `h1:` sum as a SHA-256 hash), the Go standard library, and the C
that Go's build info can't show: the static libc and what modules bundle (components.py). The
dependency graph says the binary contains every component, and a module contains its C.

Deterministic: the same inputs give byte-identical JSON. There is no timestamp, every list is
sorted (the library keeps sorted sets), and the serial number is a UUIDv5 of the document's
own content, so no clock or random source is read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from typing import Iterable, Mapping, Tuple

from cyclonedx.factory.license import LicenseFactory
from cyclonedx.model import HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.lifecycle import LifecyclePhase, PredefinedLifecycle
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityReference,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from packageurl import PackageURL

from go_static.core.checker.buildinfo import GoBuildInfo, GoModule
from go_static.core.names import NONE
from go_static.core.sbom.components import CComponent
from go_static.core.vulnerability import Finding

SCHEMA_VERSION = SchemaVersion.V1_6
# Property names are "go-static:<area>:<name>", CycloneDX's namespace:name convention.
PROPERTY_NAMESPACE = "go-static"
TOOL_NAME = "pants-go-static"
# uuid5 namespace for serial numbers (a fixed uuid4): the serial is a function of the content.
_SERIAL_NAMESPACE = uuid.UUID("5a0f4a0e-3c59-4b8f-9b55-6c1f2f0d8e41")
_NIL_SERIAL = uuid.UUID(int=0)
# The build settings a reviewer needs to judge a static binary; the rest stay in the binary.
REVIEWED_SETTINGS = (
    "CGO_ENABLED",
    "-tags",
    "-buildmode",
    "-compiler",
    "-trimpath",
    "GOOS",
    "GOARCH",
    "GOAMD64",
    "GOARM64",
    "GORISCV64",
    "GOEXPERIMENT",
    "GOFIPS140",
    "-pgo",
    "vcs",
    "vcs.revision",
    "vcs.time",
    "vcs.modified",
)
# A module's detected licence: (SPDX expression, or None when unknown; the licence files read).
ModuleLicenseFact = Tuple["str | None", Tuple[str, ...]]
_GO_RELEASE = re.compile(r"^go(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)(?:\s|$)")


def _prop(area: str, name: str, value: str) -> Property:
    return Property(name=f"{PROPERTY_NAMESPACE}:{area}:{name}", value=value)


def h1_sha256(go_sum: str) -> str | None:
    """A Go `h1:` sum as lowercase SHA-256 hex (as syft reports it), or None if it isn't one."""
    if not go_sum.startswith("h1:"):
        return None
    try:
        digest = base64.b64decode(go_sum[3:], validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest.hex() if len(digest) == 32 else None


def golang_purl(path: str, version: str) -> PackageURL:
    """pkg:golang/<module path>@<version>, the module path's case kept (as syft and Go do)."""
    namespace, _, name = path.rpartition("/")
    return PackageURL(
        type="golang", namespace=namespace or None, name=name, version=version or None
    )


def _licenses(spdx: str) -> list:
    return [LicenseFactory().make_from_string(spdx)] if spdx else []


def _stdlib(go_version: str) -> Component:
    # As syft: name "stdlib", Go's own version string, and the release in purl and CPE.
    m = _GO_RELEASE.match(go_version)
    release = m.group(1) if m else None
    return Component(
        type=ComponentType.LIBRARY,
        name="stdlib",
        version=go_version.split()[0] if go_version else None,
        bom_ref="go:stdlib",
        description="The Go standard library and runtime, compiled into every Go binary",
        licenses=_licenses("BSD-3-Clause"),
        purl=PackageURL(type="golang", name="stdlib", version=release) if release else None,
        cpe=f"cpe:2.3:a:golang:go:{release}:-:*:*:*:*:*:*" if release else None,
        properties=[_prop("go", "version", go_version)],
    )


def module_identity(dep: GoModule) -> tuple[str, str]:
    """(path, version) of the code a build info module line put in the binary; "" version for a
    local directory.

    A replaced module is the replacement's code: its path, version and sum identify it (as syft
    does). A local directory replacement has no version or sum, so the original path names it."""
    used = dep.effective
    # Go writes a directory replacement as `=> ../dir (devel)`: a path, not a module version.
    local = dep.replaced_by is not None and (
        not used.version or used.version == "(devel)" or used.path.startswith((".", "/"))
    )
    return (dep.path, "") if local else (used.path, used.version)


def _module(dep: GoModule, license: ModuleLicenseFact | None = None) -> Component:
    # A property keeps the original of a replaced module.
    used = dep.effective
    path, version = module_identity(dep)
    props = []
    if license is not None:
        expression, files = license
        # Unknown stays unknown: no licence entry (a guessed one would be worse than none).
        props.append(_prop("license", "files", ", ".join(files) or "none"))
        if not expression:
            props.append(_prop("license", "detected", "unknown"))
    if used.sum:
        props.append(_prop("go", "h1", used.sum))
    if dep.replaced_by is not None:
        target = f"{used.path} {used.version}".strip()
        props.append(_prop("go", "replace", f"{dep.path} {dep.version} => {target}"))
    digest = h1_sha256(used.sum)
    return Component(
        type=ComponentType.LIBRARY,
        name=path,
        version=version or None,
        bom_ref=f"go:{dep.path}",
        # No purl without a version: a version-less purl would match every advisory for it.
        purl=golang_purl(path, version) if version else None,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=digest)] if digest else [],
        licenses=_licenses(license[0] or "") if license is not None else [],
        properties=props,
    )


def _c(c: CComponent, modules: dict[str, GoModule]) -> Component:
    if c.bundled_by:
        dep = modules.get(c.bundled_by)
        at = f"{c.bundled_by}@{dep.version}" if dep else c.bundled_by
        ref, what = f"c:{c.bundled_by}:{c.name}", f"bundled by the Go module {at}"
        props = [_prop("c", "bundled-by", at)]
    else:
        ref, what, props = f"libc:{c.name}", "the C library, linked statically", []
    if c.source:
        props.append(_prop("c", "version-source", c.source))
    if c.release:
        props.append(_prop("c", "release", c.release))
    if c.version is None:
        props.append(_prop("c", "version", "unknown: no file gave it"))
    return Component(
        type=ComponentType.LIBRARY,
        name=c.name,
        version=c.version,
        bom_ref=ref,
        description=f"C code in the binary: {what}",
        licenses=_licenses(c.license),
        purl=PackageURL.from_string(c.purl) if c.purl else None,
        cpe=c.cpe or None,
        properties=props,
    )


def _binary(
    name: str,
    sha256: str,
    address: str,
    build_info: GoBuildInfo,
    libc: CComponent | None,
    go_work: str | None,
) -> Component:
    props = [
        _prop("pants", "address", address),
        _prop("go", "version", build_info.go_version),
        _prop("libc", "name", libc.name if libc else NONE),
        _prop("fips", "module", build_info.fips_module),
    ]
    if go_work:
        # Build info doesn't say: the workspace decides which modules are main modules.
        props.append(_prop("go", "workspace", go_work))
    if build_info.path:
        props.append(_prop("go", "main-package", build_info.path))
    main = build_info.main_module
    if main is not None:
        props.append(_prop("go", "main-module", f"{main.path} {main.version}".strip()))
    props += [
        _prop("go", f"build:{key}", value)
        for key, value in build_info.settings
        if key in REVIEWED_SETTINGS
    ]
    return Component(
        type=ComponentType.APPLICATION,
        name=name,
        bom_ref=f"binary:{address}",
        description="A static Go binary built by go_static_binary",
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha256.lower())],
        properties=props,
    )


# The C that static linking put inside has no offline vulnerability source: never shown clean.
NOT_SCANNED = "not scanned"
_GO_VULNDB = "Go Vulnerability Database"


def _vulnerability(finding: Finding, refs: dict[str, str]) -> Vulnerability:
    """A finding as CycloneDX: the GO- id, its aliases, the fix, the module it affects."""
    url = f"https://pkg.go.dev/vuln/{finding.id}"
    aliases = [
        VulnerabilityReference(id=a, source=VulnerabilitySource(name=a.split("-", 1)[0]))
        for a in sorted(finding.aliases)
    ]
    affects = (
        [
            BomTarget(
                ref=refs[finding.module],
                versions=[BomTargetVersionRange(version=finding.found)] if finding.found else None,
            )
        ]
        if finding.module in refs
        else []
    )
    return Vulnerability(
        bom_ref=f"vuln:{finding.id}:{finding.module}",
        id=finding.id,
        source=VulnerabilitySource(name=_GO_VULNDB, url=XsUri(url)),
        references=aliases,
        description=finding.summary or None,
        recommendation=f"{finding.go_get} (fixed in {finding.fixed})" if finding.fixed else None,
        affects=affects,
        properties=[_prop("vulnerabilities", "symbol", finding.symbol)],
    )


def _serialize(bom: Bom) -> str:
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def sbom_json(
    *,
    binary_name: str,
    binary_sha256: str,
    address: str,
    build_info: GoBuildInfo,
    libc: CComponent | None = None,
    c_components: Iterable[CComponent] = (),
    tool_version: str = "",
    go_work: str | None = None,
    vulndb: str = "",
    vulnerabilities: Iterable[Finding] = (),
    module_licenses: Mapping[str, ModuleLicenseFact] | None = None,
) -> str:
    """The CycloneDX 1.6 JSON of one binary; the same inputs give the same bytes. `go_work` is
    the repo path of the go.work it was built with; `module_licenses` maps a build info module
    path to (SPDX expression or None when unknown, the licence files read). With `vulndb` (the DB
    the binary was scanned against), the Go modules' findings are its `vulnerabilities` and the C
    is marked not scanned."""
    binary = _binary(binary_name, binary_sha256, address, build_info, libc, go_work)
    modules = {dep.path: dep for dep in build_info.modules}
    found = module_licenses or {}
    module_components = {path: _module(dep, found.get(path)) for path, dep in modules.items()}
    c_list = [*([libc] if libc else []), *c_components]
    c_parts = [(c, _c(c, modules)) for c in c_list]
    if vulndb:
        for _, component in c_parts:
            component.properties.add(_prop("vulnerabilities", "scan", NOT_SCANNED))
    everything = [_stdlib(build_info.go_version), *module_components.values()]
    everything += [component for _, component in c_parts]

    bom = Bom(serial_number=_NIL_SERIAL)
    bom.metadata.timestamp = None  # type: ignore[assignment]  # omitted: no clock in the bytes
    bom.metadata.component = binary
    bom.metadata.lifecycles = [PredefinedLifecycle(LifecyclePhase.BUILD)]
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name=TOOL_NAME, version=tool_version or None)
    )
    bom.components = everything
    bom.register_dependency(binary, everything)
    if vulndb:
        bom.metadata.properties.add(_prop("vulnerabilities", "db", vulndb))
        refs = {path: str(c.bom_ref) for path, c in module_components.items()}
        bom.vulnerabilities = [_vulnerability(f, refs) for f in vulnerabilities]
    for c, component in c_parts:
        if c.bundled_by in module_components:
            bom.register_dependency(module_components[c.bundled_by], [component])
    # The serial number is derived from everything else: a different document gets another.
    content = hashlib.sha256(_serialize(bom).encode()).hexdigest()
    bom.serial_number = uuid.uuid5(_SERIAL_NAMESPACE, content)
    return _serialize(bom)


def schema_errors(document: str) -> str | None:
    """What the strict CycloneDX 1.6 JSON schema rejects in `document`, or None if it is valid."""
    # Imported here: the validator needs jsonschema, which building a document does not.
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SCHEMA_VERSION).validate_str(document)
    return None if error is None else str(error)

"""core/sbom stays Pants-free: its only third-party imports are cyclonedx and its packageurl."""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "build-support"))

from import_graph import import_graph  # noqa: E402

ALLOWED_THIRD_PARTY = {"cyclonedx", "packageurl"}
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def is_stdlib(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return False
    if spec.origin in (None, "built-in", "frozen"):
        return True
    origin = Path(spec.origin).resolve()
    return STDLIB in origin.parents and "site-packages" not in origin.parts


def test_core_sbom_imports_only_the_stdlib_cyclonedx_and_the_core() -> None:
    _, external = import_graph(REPO / "pants-plugins", "go_static", type_checking=True)
    sbom = {m: deps for m, deps in external.items() if m.startswith("go_static.core.sbom")}
    assert set(sbom) >= {f"go_static.core.sbom.{m}" for m in ("archive", "bom", "components")}
    assert not is_stdlib("cyclonedx") and is_stdlib("struct") and is_stdlib("uuid")
    for module, deps in sorted(sbom.items()):
        third_party = {d for d in deps if d != "__future__" and not is_stdlib(d)}
        assert third_party <= ALLOWED_THIRD_PARTY, module

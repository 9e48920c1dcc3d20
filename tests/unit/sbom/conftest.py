"""Session fixtures for the SBOM tests: real module sources and real binaries, made once."""

from __future__ import annotations

import pytest
from sbom_lab import (
    KAFKA,
    SQLITE,
    UUID,
    ZSTD,
    Downloaded,
    ModCache,
    SbomBinary,
    build_binaries,
    kafka_version,
)


@pytest.fixture(scope="session")
def modcache(tmp_path_factory: pytest.TempPathFactory) -> ModCache:
    return ModCache(tmp_path_factory.mktemp("sbom-modcache") / "mod")


@pytest.fixture(scope="session")
def modules(modcache: ModCache) -> dict[str, Downloaded]:
    """go-sqlite3, DataDog/zstd, the thirdparty fixture's confluent-kafka-go, google/uuid."""
    return modcache.download(SQLITE, ZSTD, (KAFKA, kafka_version()), UUID)


@pytest.fixture(scope="session")
def binaries(
    tmp_path_factory: pytest.TempPathFactory, modcache: ModCache, modules: dict[str, Downloaded]
) -> dict[str, SbomBinary]:
    return build_binaries(tmp_path_factory.mktemp("sbom-bins"), modcache, modules[UUID[0]])

"""Fixtures for the push tests (registry_lab): crane, the test CA, the registries, the gate."""

from registry_lab import certs, crane, gate, registry, tls_registry  # noqa: F401

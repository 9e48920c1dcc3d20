"""Fixtures for tests/unit; the real-binary lab lives in elf_lab.py (imported by the ELF tests)."""

from elf_lab import bins, lab  # noqa: F401 (session fixtures: real binaries built once)

"""The licence tests build the real detector with the shared tool cache of tests/unit/oci."""

import sys
from pathlib import Path

# go_tool_cache is one module for every tool's tests; pytest's rootdir mode only puts a test's own
# directory on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oci"))

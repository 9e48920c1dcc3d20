"""Puts the plugin's source root on sys.path, as `pythonpath` in pants.toml does for Pants."""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "pants-plugins"))

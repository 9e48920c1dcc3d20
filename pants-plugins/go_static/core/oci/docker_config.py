"""The Docker config crane reads credentials from ($DOCKER_CONFIG/config.json): checked first,
so an entry crane would choke on is a Problem naming it, never quoting it. Pants-free."""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import Any, Mapping

from go_static.core.errors import Problem


def docker_config_path(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME") or str(Path.home())
    return Path(environ.get("DOCKER_CONFIG") or os.path.join(home, ".docker")) / "config.json"


def docker_config_problems(environ: Mapping[str, str] = os.environ) -> list[Problem]:
    """What in $DOCKER_CONFIG/config.json crane would choke on, each said once; [] if none."""
    path = docker_config_path(environ)
    if not path.is_file():
        return []
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return [_docker_config_problem(path, f"it is not JSON ({error})")]
    if not isinstance(config, dict):
        return [_docker_config_problem(path, "it is not a JSON object")]
    problems = []
    auths = config.get("auths") or {}
    if not isinstance(auths, dict):
        problems.append(_docker_config_problem(path, "`auths` is not an object"))
        auths = {}
    for key, entry in auths.items():
        why = _auth_entry_problem(entry)
        if why:
            problems.append(_docker_config_problem(path, f"the `auths` entry {key!r} {why}"))
    helpers = config.get("credHelpers") or {}
    if not isinstance(helpers, dict) or not all(isinstance(v, str) for v in helpers.values()):
        problems.append(
            _docker_config_problem(path, "`credHelpers` is not an object of helper names")
        )
    if not isinstance(config.get("credsStore", ""), str):
        problems.append(_docker_config_problem(path, "`credsStore` is not a helper name"))
    return problems


def _auth_entry_problem(entry: Any) -> str:
    """Why an `auths` entry is unusable (never quoting it: it holds a password), or ""."""
    if not isinstance(entry, dict):
        return "is not an object"
    for field in ("auth", "username", "password", "identitytoken", "registrytoken"):
        if field in entry and not isinstance(entry[field], str):
            return f"has a `{field}` that is not a string"
    if entry.get("auth"):
        try:
            decoded = base64.b64decode(entry["auth"], validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return "has an `auth` that is not base64 of user:password"
        if ":" not in decoded:
            return "has an `auth` that is base64 of no user:password (no `:`)"
    return ""


def _docker_config_problem(path: Path, why: str) -> Problem:
    return Problem(
        f"{path} can't be used as a Docker config: {why}.",
        "crane reads registry credentials from its `auths`, `credHelpers` and `credsStore`.",
        f"Fix or remove that entry in {path}, or log in again with `docker login`.",
    )

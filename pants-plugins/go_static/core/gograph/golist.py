"""Facts about a Go package graph, from `go list -e -deps -json` output. Pants-free.

One `go list` per (module, tags) covers every main package in the module; each target then takes
its own dependency closure from the `Deps` of its main package.
"""

from __future__ import annotations

import json
import posixpath
from typing import Iterable, Mapping

from go_static.core.errors import GoStaticError
from go_static.core.gograph.graph import Closure, GoPackage
from go_static.core.gograph.modcache import cached_module

# Only the fields we read: keeps the JSON small on big graphs.
PACKAGE_FIELDS = (
    "ImportPath",
    "Dir",
    "Name",
    "Standard",
    "Module",
    "Deps",
    "Error",
    "DepsErrors",
    "Incomplete",
)
# Every file list `go build` may read from a package directory.
SOURCE_FIELDS = (
    "GoFiles",
    "CgoFiles",
    "CFiles",
    "CXXFiles",
    "MFiles",
    "HFiles",
    "FFiles",
    "SFiles",
    "SwigFiles",
    "SwigCXXFiles",
    "SysoFiles",
    "EmbedFiles",
    # Excluded by the tags and cgo setting `go list` ran with; the build may use others (the
    # knowledge table's musl_tags, cgo off), which select some of these.
    "IgnoredGoFiles",
    "IgnoredOtherFiles",
)
GO_LIST_FIELDS = PACKAGE_FIELDS + SOURCE_FIELDS
C_SOURCE_FIELDS = ("CFiles", "CXXFiles", "MFiles", "HFiles")


class GoListError(GoStaticError):
    """`go list` reported errors for packages the target needs."""

    code = "module"


def _decode_stream(stdout: str) -> list[dict]:
    decoder, index, objects = json.JSONDecoder(), 0, []
    stdout = stdout.strip()
    while index < len(stdout):
        obj, end = decoder.raw_decode(stdout, index)
        objects.append(obj)
        index = end
        while index < len(stdout) and stdout[index].isspace():
            index += 1
    return objects


def parse_go_list(stdout: bytes | str, module_root: str) -> dict[str, GoPackage]:
    """Parse `go list -json` output run at `module_root` (relative to the build root)."""
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8")
    raw = _decode_stream(stdout)
    sandbox_root = None
    for obj in raw:
        module = obj.get("Module") or {}
        if module.get("Main") and module.get("Dir"):
            module_dir = module["Dir"].rstrip("/")
            sandbox_root = (
                module_dir[: len(module_dir) - len(module_root)].rstrip("/")
                if module_root
                else module_dir
            )
            break

    def relative(path: str | None) -> str | None:
        if not path or sandbox_root is None:
            return None
        if path == sandbox_root:
            return ""
        if path.startswith(sandbox_root + "/"):
            rel = path[len(sandbox_root) + 1 :]
            # Third-party modules live in the GOMODCACHE named cache, not in the repo.
            return None if rel.startswith(".") else rel
        return None

    packages = {}
    for obj in raw:
        rel_dir = relative(obj.get("Dir"))
        files, cgo, c_files = [], [], []
        if rel_dir is None:
            # A third-party or std package: its files aren't repo inputs, but cgo still counts.
            cgo = list(obj.get("CgoFiles") or ())
        else:
            for field_name in SOURCE_FIELDS:
                for name in obj.get(field_name) or ():
                    if name.endswith("_test.go"):
                        continue  # listed among IgnoredGoFiles, but `go build` never reads it
                    path = posixpath.join(rel_dir, name)
                    files.append(path)
                    if field_name == "CgoFiles":
                        cgo.append(path)
                    elif field_name in C_SOURCE_FIELDS:
                        c_files.append(path)
        module = obj.get("Module") or {}
        errors = [_format_error(obj["Error"])] if obj.get("Error") else []
        errors.extend(_format_error(e) for e in obj.get("DepsErrors") or ())
        packages[obj["ImportPath"]] = GoPackage(
            import_path=obj["ImportPath"],
            name=obj.get("Name", ""),
            dir=rel_dir,
            standard=bool(obj.get("Standard")),
            main_module=bool(module.get("Main")),
            deps=tuple(obj.get("Deps") or ()),
            files=tuple(files),
            cgo_files=tuple(cgo),
            c_files=tuple(c_files),
            errors=tuple(dict.fromkeys(errors)),
            go_file_names=(*(obj.get("GoFiles") or ()), *(obj.get("CgoFiles") or ())),
            module_path=module.get("Path"),
            module_version=module.get("Version"),
            cached_module=cached_module(module),
        )
    return packages


def _format_error(error: Mapping) -> str:
    pos, err = error.get("Pos", ""), error.get("Err", "").strip()
    return f"{pos}: {err}" if pos and not err.startswith(pos) else err


def closure_of(packages: Mapping[str, GoPackage], main_dir: str, address: str) -> Closure:
    """The closure of the package in `main_dir`; raise GoListError if it is missing or broken."""
    main = next((p for p in packages.values() if p.main_module and p.dir == main_dir), None)
    if main is None:
        raise GoListError(
            f"{address}: no Go package in {main_dir or '.'}/ (go list ./... of its module found "
            "none there). Check the `main` field; directories named testdata or starting with _ "
            "or . are not packages."
        )
    if main.name != "main":
        raise GoListError(
            f"{address}: {main_dir}/ is `package {main.name}`, not `package main`, so it can't be "
            "built into a binary. Point `main` at the directory holding `package main`."
        )
    members = [main] + [packages[d] for d in main.deps if d in packages]
    closure = Closure(main=main, packages=tuple(members))
    errors = closure.errors()
    if errors:
        listed = "\n".join(f"  {e}" for e in errors)
        raise GoListError(
            f"{address}: go list found errors in the packages {main.import_path} needs:\n{listed}"
        )
    return closure


def go_list_argv(tags: Iterable[str], mod_flag: str) -> tuple[str, ...]:
    tags = tuple(tags)
    return (
        "list",
        "-e",
        "-deps",
        mod_flag,
        "-json=" + ",".join(GO_LIST_FIELDS),
        *(("-tags=" + ",".join(tags),) if tags else ()),
        "./...",
    )

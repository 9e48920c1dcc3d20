"""Facts about a Go package graph, from `go list -e -deps -json` output. Pants-free.

One `go list` per (module, tags) covers every main package in the module; each target then takes
its own dependency closure from the `Deps` of its main package.
"""

from __future__ import annotations

import json
import posixpath
from typing import Iterable, Mapping

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.gograph.graph import Closure, GoPackage
from go_static.core.gograph.mainpkg import MainSpec
from go_static.core.gograph.modcache import cached_module

# What `go list` lists when a target's main package is a directory of the repo.
ALL_PACKAGES = ("./...",)

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


def _sandbox_root(raw: list[dict], module_root: str, module_path: str) -> str | None:
    """Where go ran: the main module's Dir, less `module_root`."""
    for obj in raw:
        module = obj.get("Module") or {}
        # In a workspace every used module is a main module: only the one at module_root tells
        # where the sandbox is.
        if (
            module.get("Main")
            and module.get("Dir")
            and (not module_path or module.get("Path") == module_path)
        ):
            module_dir = module["Dir"].rstrip("/")
            return (
                module_dir[: len(module_dir) - len(module_root)].rstrip("/")
                if module_root
                else module_dir
            )
    return None


def _repo_relative(path: str | None, sandbox_root: str | None) -> str | None:
    """`path` relative to the build root, or None outside the repo (std, the module cache)."""
    if not path or sandbox_root is None:
        return None
    if path == sandbox_root:
        return ""
    if path.startswith(sandbox_root + "/"):
        rel = path[len(sandbox_root) + 1 :]
        # Third-party modules live in the GOMODCACHE named cache, not in the repo.
        return None if rel.startswith(".") else rel
    return None


def _package(obj: dict, rel_dir: str | None) -> GoPackage:
    """One `go list -json` object, its files relative to the build root."""
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
    return GoPackage(
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


def parse_go_list(
    stdout: bytes | str, module_root: str, module_path: str = ""
) -> dict[str, GoPackage]:
    """Parse `go list -json` output run at `module_root` (relative to the build root), the root
    of the module `module_path` (any main module's when not given)."""
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8")
    raw = _decode_stream(stdout)
    sandbox_root = _sandbox_root(raw, module_root, module_path)
    return {
        obj["ImportPath"]: _package(obj, _repo_relative(obj.get("Dir"), sandbox_root))
        for obj in raw
    }


def _format_error(error: Mapping) -> str:
    pos, err = error.get("Pos", ""), error.get("Err", "").strip()
    return f"{pos}: {err}" if pos and not err.startswith(pos) else err


def closure_of(
    packages: Mapping[str, GoPackage], main: MainSpec, address: str, go_mod: str = "go.mod"
) -> Closure:
    """The closure of the main package; raise GoListError if it is missing or broken."""
    if main.import_path is not None:
        found = packages.get(main.import_path)
        if found is None or _not_in_build_list(found):
            raise GoListError(_not_in_build_list_message(main.import_path, address, go_mod, found))
        where = main.import_path
    else:
        found = next((p for p in packages.values() if p.main_module and p.dir == main.dir), None)
        if found is None:
            raise GoListError(
                f"{address}: no Go package in {main.dir or '.'}/ (go list ./... of its module "
                "found none there). Check the `main` field; directories named testdata or "
                "starting with _ or . are not packages."
            )
        where = f"{main.dir}/"
    if found.name != "main":
        raise GoListError(
            f"{address}: {where} is `package {found.name}`, not `package main`, so it can't be "
            "built into a binary. Point `main` at the directory (or import path) of a `package "
            "main`."
        )
    main_package = found
    members = [main_package] + [packages[d] for d in main_package.deps if d in packages]
    closure = Closure(main=main_package, packages=tuple(members))
    errors = closure.errors()
    if errors:
        listed = "\n".join(f"  {e}" for e in errors)
        raise GoListError(
            f"{address}: go list found errors in the packages {main_package.import_path} "
            f"needs:\n{listed}"
        )
    return closure


# What go says when no module of the build list provides a package.
_NOT_PROVIDED = ("no required module provides package", "cannot find module providing package")


def _not_in_build_list(package: GoPackage) -> bool:
    return not package.name and any(m in e for e in package.errors for m in _NOT_PROVIDED)


def _not_in_build_list_message(
    import_path: str, address: str, go_mod: str, found: GoPackage | None
) -> str:
    said = (("go says", found.errors[0]),) if found and found.errors else ()
    where = posixpath.dirname(go_mod) or "."
    problem = Problem(
        f"main={import_path!r} is not a package of any module in {go_mod}'s build list.",
        "a main package given by import path is built from the module versions go.mod and go.sum "
        "pin, like `go build` of it in that module; go may not add a module on its own "
        "(-mod=readonly).",
        f"in {where}/, run `go get -tool {import_path}@latest` (Go 1.24+, or `go get "
        f"{import_path}@latest` and a tools.go import), then commit go.mod and go.sum.",
        details=said,
    )
    return render_problems(address, [problem])


def go_list_argv(
    tags: Iterable[str], mod_flag: str, patterns: Iterable[str] = ALL_PACKAGES
) -> tuple[str, ...]:
    tags = tuple(tags)
    return (
        "list",
        "-e",
        "-deps",
        mod_flag,
        # Under -pgo=auto, go list renames the packages it would compile once per profile
        # ("fmt [example.com/cmd/a]") when it lists several main packages: one flat graph instead.
        "-pgo=off",
        "-json=" + ",".join(GO_LIST_FIELDS),
        *(("-tags=" + ",".join(tags),) if tags else ()),
        *patterns,
    )

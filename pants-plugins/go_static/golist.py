"""Facts about a Go package graph, from `go list -e -deps -json` output. Pants-free.

One `go list` per (module, tags) covers every main package in the module; each target then takes
its own dependency closure from the `Deps` of its main package.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from go_static.errors import GoStaticError

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
# Every file list `go build` reads from a package directory.
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
)
GO_LIST_FIELDS = PACKAGE_FIELDS + SOURCE_FIELDS
C_SOURCE_FIELDS = ("CFiles", "CXXFiles", "MFiles", "HFiles")
# Header and library files cgo may reach outside its package dir (`#include "../x.h"`,
# `-I${SRCDIR}/../include`, `-L${SRCDIR}/lib`), so cgo builds get all of them.
CGO_SIDE_FILE_GLOBS = ("**/*.h", "**/*.hh", "**/*.hpp", "**/*.hxx", "**/*.inc", "**/*.a")
MODULE_FILES = ("go.mod", "go.sum", "vendor/modules.txt")
RESOLVER_PACKAGES = ("net", "os/user")

# Third-party cgo packages whose C code calls dlopen unless a build tag compiles it out. Their
# sources live in the module cache, out of the scanner's reach, so this is keyed on which Go file
# `go list` says is compiled under the current tags.
KNOWN_DLOPEN_FILES = {
    "github.com/mattn/go-sqlite3": (
        "sqlite3_load_extension.go",
        "sqlite_omit_load_extension",
        "it compiles out sqlite3_load_extension, the only caller of dlopen in go-sqlite3",
    ),
}

_DLOPEN_CALL = re.compile(rb"\bdlopen\s*\(")
_C_COMMENT = re.compile(rb"/\*.*?\*/|//[^\n]*", re.S)
_CGO_PREAMBLE = re.compile(rb"((?:/\*.*?\*/\s*|(?://[^\n]*\n\s*)+)+)import\s+\"C\"", re.S)


class GoListError(GoStaticError):
    """`go list` reported errors for packages the target needs."""

    code = "module"


@dataclass(frozen=True)
class GraphFacts:
    """What `go list -deps` says about the main package's dependency closure."""

    main_package: str
    cgo_packages: tuple[str, ...] = ()
    dlopen_packages: tuple[str, ...] = ()
    # Which of std's resolver packages (`net`, `os/user`) the closure imports.
    resolver_packages: tuple[str, ...] = ()
    # (package, build tag that compiles its dlopen out, why) for known third-party packages.
    dlopen_hints: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class GoPackage:
    """One package from `go list`, with paths relative to the build root (None outside it)."""

    import_path: str
    name: str
    dir: str | None
    standard: bool
    main_module: bool
    deps: tuple[str, ...]
    files: tuple[str, ...]  # every source file go build reads, relative to the build root
    cgo_files: tuple[str, ...]
    c_files: tuple[str, ...]
    errors: tuple[str, ...]
    go_file_names: tuple[str, ...] = ()  # compiled Go and cgo files, wherever the package lives


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
                    path = posixpath.join(rel_dir, name)
                    files.append(path)
                    if field_name == "CgoFiles":
                        cgo.append(path)
                    elif field_name in C_SOURCE_FIELDS:
                        c_files.append(path)
        errors = [_format_error(obj["Error"])] if obj.get("Error") else []
        errors.extend(_format_error(e) for e in obj.get("DepsErrors") or ())
        packages[obj["ImportPath"]] = GoPackage(
            import_path=obj["ImportPath"],
            name=obj.get("Name", ""),
            dir=rel_dir,
            standard=bool(obj.get("Standard")),
            main_module=bool((obj.get("Module") or {}).get("Main")),
            deps=tuple(obj.get("Deps") or ()),
            files=tuple(files),
            cgo_files=tuple(cgo),
            c_files=tuple(c_files),
            errors=tuple(dict.fromkeys(errors)),
            go_file_names=(*(obj.get("GoFiles") or ()), *(obj.get("CgoFiles") or ())),
        )
    return packages


def _format_error(error: Mapping) -> str:
    pos, err = error.get("Pos", ""), error.get("Err", "").strip()
    return f"{pos}: {err}" if pos and not err.startswith(pos) else err


@dataclass(frozen=True)
class Closure:
    """The main package and every package it imports, directly or not."""

    main: GoPackage
    packages: tuple[GoPackage, ...]

    @property
    def cgo_packages(self) -> tuple[GoPackage, ...]:
        return tuple(p for p in self.packages if p.cgo_files and not p.standard)

    def errors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for p in self.packages for e in p.errors))

    def input_globs(self, module_root: str, replacements: Iterable[str] = ()) -> tuple[str, ...]:
        """Exactly the repo files `go build` of this main package reads.

        `replacements` are the repo dirs of modules the main go.mod `replace`s locally: go reads
        their go.mod files too.
        """
        files = [f for p in self.packages for f in p.files]
        files.extend(posixpath.join(module_root, f) for f in MODULE_FILES)
        files.extend(posixpath.join(d, f) for d in replacements for f in ("go.mod", "go.sum"))
        if self.cgo_packages:
            files.extend(posixpath.join(module_root, g) for g in CGO_SIDE_FILE_GLOBS)
        return tuple(dict.fromkeys(files))

    def facts(self, sources: Mapping[str, bytes]) -> GraphFacts:
        """Graph facts; `sources` maps the cgo packages' files to their contents."""
        cgo = self.cgo_packages
        hints = tuple(
            (
                p.import_path,
                KNOWN_DLOPEN_FILES[p.import_path][1],
                KNOWN_DLOPEN_FILES[p.import_path][2],
            )
            for p in cgo
            if p.import_path in KNOWN_DLOPEN_FILES
            and KNOWN_DLOPEN_FILES[p.import_path][0] in p.go_file_names
        )
        scanned = tuple(
            p.import_path
            for p in cgo
            if any(calls_dlopen(f, sources.get(f, b"")) for f in (*p.cgo_files, *p.c_files))
        )
        return GraphFacts(
            main_package=self.main.import_path,
            cgo_packages=tuple(p.import_path for p in cgo),
            dlopen_packages=tuple(dict.fromkeys((*scanned, *(h[0] for h in hints)))),
            dlopen_hints=hints,
            resolver_packages=tuple(
                name
                for name in RESOLVER_PACKAGES
                if any(p.import_path == name for p in self.packages)
            ),
        )


def calls_dlopen(path: str, content: bytes) -> bool:
    """Does this cgo preamble or C file call dlopen (ignoring comments)?"""
    if path.endswith(".go"):
        content = b"\n".join(_CGO_PREAMBLE.findall(content))
        # The preamble is itself a comment: unwrap it before stripping C comments inside it.
        content = re.sub(rb"^\s*/\*|\*/\s*$|^\s*//", b"", content, flags=re.M)
    return bool(_DLOPEN_CALL.search(_C_COMMENT.sub(b"", content)))


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


def cgo_source_files(closure: Closure) -> tuple[str, ...]:
    """Files to scan for dlopen: the cgo and C sources of cgo packages in the repo."""
    return tuple(
        f for p in closure.cgo_packages if p.dir is not None for f in (*p.cgo_files, *p.c_files)
    )


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

"""go.mod and go.work, read the way `golang.org/x/mod/modfile` reads them. Pants-free.

One lexer for both files: a line is a verb and its arguments, or a block (`verb (` ... `)`) whose
lines share the verb; `//` starts a comment; an argument may be quoted ("..." with Go escapes, or
`...`). Only what the plugin needs is extracted: the module path, local replacements, a
workspace's `use` directories and Go 1.24's `tool` lines. Each string read here comes from a
repo file, so it is checked before it can reach a command line or a path.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass

from go_static.core.errors import GoStaticError

# A file this size is not a real go.mod or go.work; refusing it bounds the parse.
MAX_MODFILE_BYTES = 4 * 1024 * 1024

_TOKEN = re.compile(r'\s*(?:(//.*)|("(?:[^"\\\n]|\\.)*")|(`[^`]*`)|(=>)|([()])|([^\s()"`]+))')
# golang.org/x/mod/module.CheckImportPath's alphabet for path elements (no leading dot or dash).
_IMPORT_ELEMENT = re.compile(r"^[A-Za-z0-9_~+][A-Za-z0-9_.~+-]*$")


class ModfileError(GoStaticError, ValueError):
    """A go.mod or go.work line the Go lexer wouldn't accept either."""

    code = "module"


@dataclass(frozen=True)
class Directive:
    """One `verb args...` line, with its 1-based line number (block lines carry the verb)."""

    verb: str
    args: tuple[str, ...]
    line: int


def _unquote(token: str) -> str:
    if token.startswith("`"):
        return token[1:-1]
    try:
        value = ast.literal_eval(token)  # Go's string escapes are a subset of Python's here
    except (SyntaxError, ValueError):
        raise ModfileError(f"bad quoted string {token}") from None
    if not isinstance(value, str):
        raise ModfileError(f"bad quoted string {token}")
    return value


def _tokens(line: str, number: int) -> list[str]:
    found, pos = [], 0
    while pos < len(line):
        match = _TOKEN.match(line, pos)
        if not match or match.end() == pos:
            if line[pos:].strip():
                raise ModfileError(f"line {number}: can't read {line[pos:].strip()!r}")
            break
        pos = match.end()
        comment, dq, bq, arrow, paren, word = match.groups()
        if comment is not None:
            break
        if dq is not None or bq is not None:
            found.append(_unquote(dq or bq))
        else:
            found.append(arrow or paren or word)
    return found


def directives(text: str) -> tuple[Directive, ...]:
    """Every directive of a go.mod or go.work file, blocks flattened."""
    if len(text) > MAX_MODFILE_BYTES:
        raise ModfileError(f"{len(text)} bytes, over the {MAX_MODFILE_BYTES}-byte limit")
    found: list[Directive] = []
    block: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        tokens = _tokens(line, number)
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
            else:
                found.append(Directive(block, tuple(tokens), number))
            continue
        if len(tokens) >= 2 and tokens[1] == "(":
            if tokens[2:] == [")"]:
                continue  # `require ()`: an empty block on one line
            if len(tokens) > 2:
                raise ModfileError(f"line {number}: text after `{tokens[0]} (`")
            block = tokens[0]
            continue
        found.append(Directive(tokens[0], tuple(tokens[1:]), number))
    if block is not None:
        raise ModfileError(f"the `{block} (` block is never closed")
    return tuple(found)


def is_directory_path(path: str) -> bool:
    """modfile.IsDirectoryPath: a replacement or use target that names a directory."""
    return path in (".", "..") or path.startswith(("./", "../", "/"))


def module_path(go_mod: str) -> str | None:
    """The `module` directive's path, or None when there is none."""
    return next((d.args[0] for d in directives(go_mod) if d.verb == "module" and d.args), None)


def local_replacements(text: str) -> tuple[str, ...]:
    """Directories that `replace` directives point at (`=> ../lib`), as written, in order."""
    dirs = []
    for d in directives(text):
        if d.verb != "replace" or "=>" not in d.args:
            continue
        new = d.args[d.args.index("=>") + 1 :]
        if len(new) == 1 and is_directory_path(new[0]):
            dirs.append(new[0])
    return tuple(dict.fromkeys(dirs))


def uses(go_work: str) -> tuple[Directive, ...]:
    """A go.work's `use` directives; `args[0]` is the directory, as written."""
    return tuple(d for d in directives(go_work) if d.verb == "use" and len(d.args) == 1)


def tools(go_mod: str) -> tuple[str, ...]:
    """The import paths of go.mod's `tool` lines (Go 1.24), as written."""
    return tuple(d.args[0] for d in directives(go_mod) if d.verb == "tool" and len(d.args) == 1)


def import_path_problem(path: str) -> str | None:
    """Why `path` is not a module package path `go build` would take as one argument, or None.

    The rules of golang.org/x/mod/module.CheckImportPath, plus: the first element names a host
    (it has a dot), as every path outside std does. Nothing that starts with `-` gets through, so
    a path can't become a flag."""
    if not path or len(path) > 1024:
        return "it is empty or too long"
    elements = path.split("/")
    if any(e in ("", ".", "..") for e in elements):
        return "it has an empty, `.` or `..` element"
    bad = [e for e in elements if not _IMPORT_ELEMENT.match(e) or e.endswith(".")]
    if bad:
        return f"the element {bad[0]!r} has a character Go doesn't allow in import paths"
    if "." not in elements[0]:
        return "its first element has no dot, so it is not a module path"
    return None


def repo_path(base_dir: str, target: str) -> str | None:
    """`target` (relative to `base_dir`, both repo-relative) as a repo path; None if outside."""
    if posixpath.isabs(target):
        return None
    path = posixpath.normpath(posixpath.join(base_dir, target))
    if path == ".." or path.startswith("../"):
        return None
    return "" if path == "." else path

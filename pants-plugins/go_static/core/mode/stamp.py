"""Version stamping: a target's `x_defs`, their placeholders, and the `-X` flags they become.

Pants-free; rules_go's `x_defs` with stamping. A value may hold `{git_commit}`,
`{git_describe}` or `{env:NAME}`. Literal values are always linked in. A value with a
placeholder is linked in only when stamping is on (`[go-static].stamp`); otherwise the variable
keeps the default it has in the source (say `var version = "dev"`). So an unstamped build's
flags, cache key and bytes never depend on the commit or the environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Mapping

from go_static.core.errors import Problem

GIT_COMMIT, GIT_DESCRIBE, ENV_PREFIX = "git_commit", "git_describe", "env:"
PLACEHOLDERS = (GIT_COMMIT, GIT_DESCRIBE, ENV_PREFIX + "NAME")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# `importpath.name`: Go's linker takes the last dot as the split; the name is a Go identifier.
_SYMBOL = re.compile(r"^[^\s=]+\.[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class VcsStamp:
    """The checkout `go build -buildvcs=true` reads, and what it will record from it.

    `go` itself reads the repository (real git, through GIT_DIR and GIT_WORK_TREE) and decides
    what build info says, the main module's version from tags included. The rest is what git said
    outside the sandbox: it keys the build, so a new commit, tag or edit rebuilds, and the
    post-link check compares the revision and `modified` with what the binary records."""

    git_dir: str  # absolute: the checkout's git directory
    work_tree: str  # absolute: its top level, which must be the build root
    revision: str
    modified: bool
    refs_digest: str  # sha256 of every tag ref: a tag added or moved changes the version


@dataclass(frozen=True)
class StampValues:
    """What the placeholders stand for in this run: the commit, its description, the env."""

    git_commit: str = ""
    git_describe: str = ""
    env: tuple[tuple[str, str], ...] = ()  # only the names `{env:NAME}` asks for
    # What `go build -buildvcs=true` reads; None outside a git checkout (go records nothing).
    vcs: VcsStamp | None = None


def placeholders(value: str) -> tuple[str, ...]:
    """The placeholder names in one x_defs value, in order."""
    return tuple(_PLACEHOLDER.findall(value))


def env_names(x_defs: Mapping[str, str]) -> tuple[str, ...]:
    """Every `{env:NAME}` the values use: the variables a stamped build reads."""
    names = (
        p[len(ENV_PREFIX) :]
        for value in x_defs.values()
        for p in placeholders(value)
        if p.startswith(ENV_PREFIX)
    )
    return tuple(sorted(set(names)))


def x_def_problems(x_defs: Mapping[str, str]) -> Iterator[Problem]:
    """Every bad symbol, placeholder or quoting in `x_defs`, each naming the field."""
    for symbol, value in sorted(x_defs.items()):
        if not _SYMBOL.match(symbol):
            yield Problem(
                f"x_defs key {symbol!r} is not `importpath.name`.",
                "Go's linker sets a string variable by its full name (`-X importpath.name=value`); "
                "it silently ignores a name that matches no variable.",
                'Use the package path and variable, e.g. x_defs={"main.version": "1.2.3"} or '
                '{"example.com/app/internal/build.Version": "{git_describe}"}.',
            )
        if "'" in value and '"' in value:
            yield Problem(
                f"x_defs[{symbol!r}] holds both ' and \" quotes.",
                "Go splits -ldflags on spaces and honours one kind of quote around a word, with no "
                "escapes, so such a value can't be passed.",
                "Drop one kind of quote from the value.",
            )
        if value.count("{") != value.count("}") or len(placeholders(value)) != value.count("{"):
            yield Problem(
                f"x_defs[{symbol!r}] = {value!r} has unbalanced or nested braces.",
                "Braces in x_defs values mark placeholders.",
                f"Write placeholders as {{name}}, one of {', '.join(PLACEHOLDERS)}.",
            )
        for name in placeholders(value):
            if name in (GIT_COMMIT, GIT_DESCRIBE):
                continue
            env = name[len(ENV_PREFIX) :] if name.startswith(ENV_PREFIX) else None
            if env is not None and _ENV_NAME.match(env):
                continue
            yield Problem(
                f"x_defs[{symbol!r}] uses the unknown placeholder {{{name}}}.",
                "Only these are filled in when stamping: "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                + ".",
                "Use one of them (an environment variable as {env:NAME}), or a literal value.",
            )


@dataclass(frozen=True)
class AppliedXDef:
    """One `-X` the link gets, or one left out because stamping is off."""

    symbol: str
    value: str  # as linked; the template when not applied
    template: str
    applied: bool

    @property
    def stamped(self) -> bool:
        return bool(placeholders(self.template))

    def flag(self) -> str:
        """The -ldflags word; quoted when the value has spaces (Go's quoted.Split rules)."""
        word = f"{self.symbol}={self.value}"
        if not any(c.isspace() for c in word) and not any(q in word for q in "'\""):
            return f"-X {word}"
        quote = '"' if "'" in word else "'"
        return f"-X {quote}{word}{quote}"


def apply_x_defs(x_defs: Mapping[str, str], stamp: StampValues | None) -> tuple[AppliedXDef, ...]:
    """Fill the placeholders from `stamp`; without it, leave out every value that has one."""
    applied = []
    for symbol, template in sorted(x_defs.items()):
        if not placeholders(template):
            applied.append(AppliedXDef(symbol, template, template, True))
        elif stamp is None:
            applied.append(AppliedXDef(symbol, template, template, False))
        else:
            applied.append(AppliedXDef(symbol, _fill(template, stamp), template, True))
    return tuple(applied)


def _fill(template: str, stamp: StampValues) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == GIT_COMMIT:
            return stamp.git_commit
        if name == GIT_DESCRIBE:
            return stamp.git_describe
        return dict(stamp.env).get(name[len(ENV_PREFIX) :], "")

    return _PLACEHOLDER.sub(one, template)

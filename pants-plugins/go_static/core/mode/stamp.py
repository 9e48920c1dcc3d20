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

from go_static.core import quoted
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


def needs_git(x_defs: Mapping[str, str]) -> bool:
    """Whether any value uses {git_commit} or {git_describe}, so a stamped build must read git."""
    return any(p in (GIT_COMMIT, GIT_DESCRIBE) for v in x_defs.values() for p in placeholders(v))


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
        why = _unlinkable(f"{symbol}={value}")
        if why:
            yield Problem(
                f"x_defs[{symbol!r}] can't be linked in as one -X: {why}.",
                "Go splits -ldflags on spaces and honours one kind of quote around a word, with no "
                "escapes, so such a value can't be passed.",
                "Drop one kind of quote (and any control character) from the value.",
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
        """The -ldflags words `-X symbol=value`, quoted as Go's quoted.Join quotes them.

        go splits -ldflags with quoted.Split, so this is one `-X` and one argument; call it only
        on a value `stamped_value_problems` (or `x_def_problems`) has passed."""
        return quoted.join(["-X", f"{self.symbol}={self.value}"])


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


def _source(name: str) -> str:
    if name == GIT_COMMIT:
        return "the commit `git rev-parse HEAD` gave ({git_commit})"
    if name == GIT_DESCRIBE:
        return "the tag `git describe --tags` gave ({git_describe})"
    return f"the environment variable {name[len(ENV_PREFIX) :]} ({{{name}}})"


def _shown(value: str) -> str:
    """A hostile value for a message: escaped, and cut short."""
    return repr(value) if len(value) <= 80 else repr(value[:80]) + f"... ({len(value)} chars)"


def _fill_one(name: str, stamp: StampValues) -> str:
    return _fill("{" + name + "}", stamp)


def _unlinkable(word: str) -> str:
    """Why `-X word` can't reach the linker as exactly those two arguments; "" when it can."""
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in word):
        return "it holds a control character (a newline, NUL, ...)"
    try:
        flag = quoted.join(["-X", word])
    except ValueError:
        return "it holds both ' and \" quotes, which go's -ldflags splitting can't carry"
    if quoted.split(flag) != ["-X", word]:  # join's contract; kept as the check that matters
        return "go would split it into other flags"
    return ""


def stamped_value_problems(
    x_defs: Mapping[str, str], stamp: StampValues | None
) -> Iterator[Problem]:
    """Every filled-in x_defs value that would not reach the linker as its own single `-X`.

    The check runs on the value as linked, not the template: a tag or an env value is hostile
    text, and go splits the -ldflags string with cmd/internal/quoted, so a value such as
    `v1"'-linkmode'"external` would add linker flags. Each problem names the key and the source."""
    for x in apply_x_defs(x_defs, stamp):
        if not (x.applied and x.stamped) or stamp is None:
            continue
        why = _unlinkable(f"{x.symbol}={x.value}")
        if not why:
            continue
        names = placeholders(x.template)
        bad = [n for n in names if _unlinkable(f"{x.symbol}={_fill_one(n, stamp)}")]
        if not bad:  # the literal text and the filled values only clash together
            bad = [n for n in names if any(c in _fill_one(n, stamp) for c in "'\"")] or names
        sources = "; ".join(f"{_source(n)} = {_shown(_fill_one(n, stamp))}" for n in bad)
        yield Problem(
            f"x_defs[{x.symbol!r}] = {x.template!r} is stamped with a value that can't be "
            f"linked in as one -X: {why}.",
            "go splits -ldflags on spaces and at quotes (cmd/internal/quoted), so such a value "
            "could end the -X early and inject its own linker flags (say -linkmode or another "
            "-X) into a release binary.",
            "Use a value of letters, digits and punctuation, with at most one kind of quote: "
            "retag the commit (`git tag -d` the bad tag), or fix the environment variable.",
            details=(("Source", sources),),
        )

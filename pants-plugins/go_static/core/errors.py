"""One family for every error go_static reports to a user, and one way to word them. Pants-free.

Each subclass carries a stable `code`, so `pants check`, the report goal and the CLI catch one
type and can still say which kind of failure a target had. Every message is made of `Problem`s:
what is wrong (naming the target), why it matters, and the fix; a user error never surfaces as a
Python traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Problem:
    """One blocking problem: what is wrong, why it matters, and how to fix it."""

    what: str
    why: str
    fix: str
    # Extra lines between the headline and Why, e.g. ("Policy", "allowed_libcs, set in pants.toml").
    details: tuple[tuple[str, str], ...] = ()

    def render(self, subject: str = "", indent: str = "  ") -> str:
        """`subject: what`, then each detail, Why and Fix on their own indented lines."""
        head = f"{subject}: {self.what}" if subject else self.what
        labelled = [*self.details, ("Why", self.why), ("Fix", self.fix)]
        return "\n".join([head, *(f"{indent}{label}: {text}" for label, text in labelled if text)])


def render_problems(subject: str, problems: Iterable[Problem]) -> str:
    """Every problem of one subject (a target, a binary, an option), each in full."""
    return "\n".join(p.render(subject) for p in problems)


class GoStaticError(Exception):
    """A user-facing failure of one go_static_binary (or of the checker's input)."""

    code = "error"

    @property
    def codes(self) -> tuple[str, ...]:
        """The stable codes to report for this failure (policy errors may carry several)."""
        return (self.code,)

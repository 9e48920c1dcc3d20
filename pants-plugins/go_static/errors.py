"""One family for every error go_static reports to a user. Pants-free.

Each subclass carries a stable `code`, so `pants check`, the report goal and the CLI catch one
type and can still say which kind of failure a target had. Messages name the target, the cause,
why it matters and the fix; a user error never surfaces as a Python traceback.
"""

from __future__ import annotations


class GoStaticError(Exception):
    """A user-facing failure of one go_static_binary (or of the checker's input)."""

    code = "error"

    @property
    def codes(self) -> tuple[str, ...]:
        """The stable codes to report for this failure (policy errors may carry several)."""
        return (self.code,)

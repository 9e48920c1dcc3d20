"""`Decision`: one chosen setting and its reason. Every derived flag and env variable is one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Decision:
    """One chosen setting, why, and which field, option or fact decided it."""

    setting: str
    value: str
    reason: str
    decided_by: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form, shared by the explain goal and the per-binary report."""
        return {
            "setting": self.setting,
            "value": self.value,
            "reason": self.reason,
            "decided_by": self.decided_by,
        }


def render_decisions(decisions: Iterable[Decision], indent: str = "  ") -> list[str]:
    """One aligned line per decision: setting, value, reason, and what decided it."""
    decisions = list(decisions)
    width = max((len(d.setting) for d in decisions), default=0)
    return [
        f"{indent}{d.setting.ljust(width)}  {d.value or '(empty)'}  -- {d.reason} [{d.decided_by}]"
        for d in decisions
    ]

"""The repo-wide linkage report: the row model, the table, and the diff against a baseline.

Pants-free: the `go-static-report` goal fills `LinkageRow`s; reviewers diff two JSON reports to
see what a change did to each binary's linkage, ready to paste into a PR comment.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

from go_static.core.names import FAIL, NONE, SCENARIO_GLYPHS
from go_static.core.sizes import format_size

SCHEMA = "go-static-report/1"
COLUMNS = (
    "target",
    "scenario",
    "libc",
    "cgo",
    "tags",
    "linkmode",
    "size",
    "runtime",
    "verdict",
    "vulns",
    "licenses",
)
# Size changes smaller than both of these are noise (a rebuilt dependency, a new Go patch release).
SIZE_NOISE_BYTES, SIZE_NOISE_RATIO = 64 * 1024, 0.01


@dataclass(frozen=True)
class LinkageRow:
    """One go_static_binary's linkage, or why it has none (a failed plan, build or check)."""

    target: str
    scenario: int | None = None
    libc: str | None = None
    cgo: bool | None = None
    cgo_packages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    linkmode: str | None = None
    size: int | None = None
    verdict: str = FAIL  # "pass" | "fail"
    problems: tuple[str, ...] = ()  # violation codes or error codes
    # (module or C library, its SPDX licence or "unknown"), for a binary that was built.
    licenses: tuple[tuple[str, str], ...] = ()
    # Known vulnerabilities the binary contains, "GO-YYYY-NNNN module@version"; None: not scanned.
    vulns: tuple[str, ...] | None = None
    # What the binary reads at run time (RuntimeNeeds.summary, e.g. "ca,tz(embedded)").
    runtime: str | None = None

    @property
    def scenario_text(self) -> str:
        return SCENARIO_GLYPHS.get(self.scenario, "–") if self.scenario else "–"

    @property
    def tags_text(self) -> str:
        return ",".join(self.tags) or "–"

    @property
    def size_text(self) -> str:
        return format_size(self.size) if self.size is not None else "–"

    @property
    def vulns_text(self) -> str:
        if self.vulns is None:
            return "not scanned"
        found = ", ".join(v.split(" ", 1)[0] for v in self.vulns) or "none"
        # govulncheck sees Go modules only: the libc and bundled C inside are never shown clean.
        has_c = bool(self.cgo_packages) or self.libc not in (None, NONE)
        return f"{found}; C not scanned" if has_c else found

    @property
    def licenses_text(self) -> str:
        return ",".join(sorted({lic for _, lic in self.licenses})) or "–"

    @property
    def verdict_text(self) -> str:
        return self.verdict + (f" ({', '.join(self.problems)})" if self.problems else "")

    def cells(self) -> tuple[str, ...]:
        """The table row, in COLUMNS order."""
        return (
            self.target,
            self.scenario_text,
            self.libc or "–",
            "–" if self.cgo is None else ("yes" if self.cgo else "no"),
            self.tags_text,
            self.linkmode or "–",
            self.size_text,
            self.runtime or "–",
            self.verdict_text,
            self.vulns_text,
            self.licenses_text,
        )


def to_json(rows: Iterable[LinkageRow]) -> str:
    payload = {"schema": SCHEMA, "targets": {r.target: _row_dict(r) for r in rows}}
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _row_dict(row: LinkageRow) -> dict:
    data = asdict(row)
    data["cgo_packages"], data["tags"], data["problems"] = (
        list(row.cgo_packages),
        list(row.tags),
        list(row.problems),
    )
    data["vulns"] = None if row.vulns is None else list(row.vulns)
    data["licenses"] = dict(row.licenses)
    return data


def from_json(text: str, source: str) -> dict[str, LinkageRow]:
    """Rows keyed by target from a report written by `to_json`; ValueError if it isn't one."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{source} is not JSON ({e})") from None
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA:
        raise ValueError(f'{source} is not a go-static report (expected "schema": "{SCHEMA}")')
    targets = payload.get("targets")
    if not isinstance(targets, dict) or not all(isinstance(d, dict) for d in targets.values()):
        raise ValueError(f'{source} has no "targets" table of rows, so it is not a usable report')
    rows = {}
    for target, data in targets.items():
        data = {
            **data,
            "cgo_packages": tuple(data.get("cgo_packages", ())),
            "tags": tuple(data.get("tags", ())),
            "problems": tuple(data.get("problems", ())),
            # A report from before the scan existed has no vulns: not scanned.
            "vulns": None if data.get("vulns") is None else tuple(map(str, data["vulns"])),
            "licenses": _licenses(data.get("licenses", {})),
        }
        rows[target] = LinkageRow(
            **{k: v for k, v in data.items() if k in LinkageRow.__dataclass_fields__}
        )
    return rows


def _licenses(value: object) -> tuple[tuple[str, str], ...]:
    # A report from before licences has none; anything else but {module: licence} is dropped.
    if not isinstance(value, dict):
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def table(rows: Iterable[LinkageRow], markdown: bool) -> str:
    cells = [COLUMNS] + [r.cells() for r in rows]
    if markdown:
        lines = ["| " + " | ".join(c) + " |" for c in cells]
        lines.insert(1, "|" + "|".join("---" for _ in COLUMNS) + "|")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def _size_change(old: int | None, new: int | None) -> str | None:
    if old is None or new is None or old == new:
        return None
    delta = new - old
    if abs(delta) < SIZE_NOISE_BYTES and abs(delta) < SIZE_NOISE_RATIO * old:
        return None
    verb = "grew" if delta > 0 else "shrank"
    sizes = f"{format_size(old)} → {format_size(new)}, {delta / old:+.1%}"
    return f"size {verb} by {format_size(abs(delta))} ({sizes})"


def changes(baseline: dict[str, LinkageRow], current: Iterable[LinkageRow]) -> dict[str, list[str]]:
    """Per target, each human-readable change since the baseline; unchanged targets are left out."""
    out: dict[str, list[str]] = {}
    current = list(current)
    for row in current:
        old = baseline.get(row.target)
        if old is None:
            out[row.target] = [
                f"new binary: scenario {row.scenario_text}, libc {row.libc or '–'}, {row.size_text}"
            ]
            continue
        notes = []
        if old.scenario != row.scenario:
            notes.append(f"moved from scenario {old.scenario_text} to {row.scenario_text}")
        for pkg in sorted(set(row.cgo_packages) - set(old.cgo_packages)):
            notes.append(f"new cgo package in its graph: {pkg}")
        for pkg in sorted(set(old.cgo_packages) - set(row.cgo_packages)):
            notes.append(f"cgo package left its graph: {pkg}")
        if old.libc != row.libc:
            notes.append(f"libc changed from {old.libc or '–'} to {row.libc or '–'}")
        if old.tags != row.tags:
            notes.append(f"tags changed from {old.tags_text} to {row.tags_text}")
        if old.linkmode != row.linkmode:
            notes.append(f"linkmode changed from {old.linkmode or '–'} to {row.linkmode or '–'}")
        if old.runtime != row.runtime:
            notes.append(f"runtime needs changed from {old.runtime or '–'} to {row.runtime or '–'}")
        size = _size_change(old.size, row.size)
        if size:
            notes.append(size)
        for vuln in sorted(set(row.vulns or ()) - set(old.vulns or ())):
            notes.append(f"new known vulnerability: {vuln}")
        for vuln in sorted(set(old.vulns or ()) - set(row.vulns or ())):
            notes.append(f"known vulnerability gone: {vuln}")
        known = {lic for _, lic in old.licenses}
        for module, lic in row.licenses:
            # A report from before licences (none listed) would flag every one: skip it.
            if old.licenses and lic not in known:
                notes.append(f"new licence in the binary: {lic} ({module})")
        if old.verdict != row.verdict:
            notes.append(f"verdict changed from {old.verdict} to {row.verdict_text}")
        if notes:
            out[row.target] = notes
    for gone in sorted(set(baseline) - {r.target for r in current}):
        out[gone] = ["binary removed"]
    return out


def render_changes(found: dict[str, list[str]], markdown: bool) -> str:
    if not found:
        return "No linkage changes since the baseline."
    binaries = f"{len(found)} binar{'y' if len(found) == 1 else 'ies'}"
    title = f"Linkage changes since the baseline ({binaries}):"
    lines = [f"**{title}**" if markdown else title, ""]
    for target in sorted(found):
        lines.append(f"- `{target}`" if markdown else f"- {target}")
        lines.extend(f"  - {note}" for note in found[target])
    return "\n".join(lines)

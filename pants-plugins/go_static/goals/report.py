"""The `go-static-report` goal: a linkage table for every binary, and a diff reviewers can paste.

It builds and checks (like `pants check`), never writes binaries to dist/, and exits non-zero if
any target fails its policy or its post-link check.
"""

from __future__ import annotations

import os
from pathlib import Path

from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets
from pants.option.option_types import StrOption
from pants.util.strutil import softwrap

from go_static.core.errors import Problem
from go_static.core.review.linkage import changes, from_json, render_changes, table, to_json
from go_static.rules.gates import GatedOutcome, GatedOutcomeRequest
from go_static.rules.plan import GoStaticBinaryFieldSet


class GoStaticReportSubsystem(GoalSubsystem):
    name = "go-static-report"
    help = softwrap(
        """
        Tabulate every go_static_binary's linkage: target, scenario, libc, cgo, tags, linkmode,
        size, runtime (the files it reads at run time), verdict, and the known vulnerabilities it
        contains (`[go-static].vulnerabilities`).

        Builds and checks without writing binaries to dist/. Exits non-zero if any target fails its
        policy or its post-link check.
        """
    )

    output_file = StrOption(
        default=None,
        help=softwrap(
            """
            Write the report as Markdown to this path, and as JSON beside it (same name, `.json`).

            Keep the JSON: it is the `--baseline` for the next run.
            """
        ),
    )
    baseline = StrOption(
        default=None,
        help=softwrap(
            """
            A JSON report from an earlier run: print (and write) only what changed since, e.g. a
            binary
            that moved from ⑥ to ⑤, a new cgo package, another libc, a size change, or a new
            known vulnerability.
            """
        ),
    )


class GoStaticReport(Goal):
    subsystem_cls = GoStaticReportSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _resolve(path: str, build_root: str) -> Path:
    return Path(path if os.path.isabs(path) else os.path.join(build_root, path))


def _write_whole(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a reader (or a failed run) never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        part.write_text(text)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


@goal_rule
async def go_static_report(
    console: Console, targets: Targets, subsystem: GoStaticReportSubsystem, build_root: BuildRoot
) -> GoStaticReport:
    field_sets = [
        GoStaticBinaryFieldSet.create(t) for t in targets if GoStaticBinaryFieldSet.is_applicable(t)
    ]
    gated = await MultiGet(Get(GatedOutcome, GatedOutcomeRequest(fs)) for fs in field_sets)
    rows = sorted((g.outcome.row for g in gated), key=lambda r: r.target)
    baseline = None
    if subsystem.baseline:
        path = _resolve(subsystem.baseline, build_root.path)
        try:
            baseline = from_json(path.read_text(), str(path))
        except (OSError, ValueError) as e:
            problem = Problem(
                f"can't use {subsystem.baseline}: {e}",
                "The report lists the changes against that baseline.",
                "pass a JSON report written by an earlier `--go-static-report-output-file` run.",
            )
            console.print_stderr(problem.render("[go-static-report].baseline"))
            return GoStaticReport(exit_code=2)

    def render(markdown: bool) -> str:
        if baseline is not None:
            return render_changes(changes(baseline, rows), markdown)
        return table(rows, markdown)

    console.print_stdout(render(markdown=False))
    failed = [g.outcome.failure for g in gated if not g.outcome.passed]
    for failure in failed:
        console.print_stderr(f"\n{failure}")
    if subsystem.output_file:
        markdown_path = _resolve(subsystem.output_file, build_root.path)
        json_path = markdown_path.with_suffix(".json")
        if json_path == markdown_path:
            problem = Problem(
                f"{subsystem.output_file} ends in .json.",
                "That is where the JSON beside the Markdown goes.",
                "name the Markdown file, e.g. reports/linkage.md (linkage.json is written beside "
                "it).",
            )
            console.print_stderr(problem.render("[go-static-report].output_file"))
            return GoStaticReport(exit_code=2)
        try:
            _write_whole(markdown_path, render(markdown=True) + "\n")
            _write_whole(json_path, to_json(rows))
        except OSError as e:
            problem = Problem(
                f"can't write the report to {subsystem.output_file}: {e.strerror or e}",
                "The Markdown and the JSON beside it (the next run's baseline) would be missing.",
                "point it at a writable path inside or outside the build root, e.g. "
                "dist/linkage.md.",
            )
            console.print_stderr(problem.render("[go-static-report].output_file"))
            return GoStaticReport(exit_code=2)
        console.print_stderr(f"Wrote {markdown_path} and {json_path}")
    return GoStaticReport(exit_code=1 if failed else 0)


def rules():
    return collect_rules()

"""The `go-static-explain` goal: how each target's intent resolves, before anything is built.

It runs `go list` (and probes the C compiler), never the build. For each target it shows the
scenario, every flag and environment variable, why each was chosen, and what decided it.
"""

from __future__ import annotations

import json
import posixpath
import shlex

from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets
from pants.option.option_types import BoolOption, StrListOption
from pants.util.strutil import softwrap

from go_static.core.errors import Problem
from go_static.core.gograph.goenv import GoEnv
from go_static.core.licenses.policy import import_chain
from go_static.core.mode.build_mode import BuildMode, go_build_argv
from go_static.core.mode.build_mode import explain as explain_mode
from go_static.core.mode.decision import Decision, render_decisions
from go_static.core.mode.environment import go_env_settings, toolchain_settings
from go_static.core.mode.toolchains import CCompiler, GoSdk
from go_static.rules.plan import (
    GoStaticBinaryFieldSet,
    GoStaticInputs,
    GoStaticInputsRequest,
    GoStaticPlan,
    GoStaticPlanRequest,
    compiler_request,
)
from go_static.rules.toolchain import CCompilerRequest


class GoStaticExplainSubsystem(GoalSubsystem):
    name = "go-static-explain"
    help = softwrap(
        """
        Show how each go_static_binary's intent resolves: scenario, flags, environment, and why.

        Runs only `go list`, not the build. Use `--go-static-explain-json` for the same as data.
        """
    )

    json = BoolOption(
        default=False, help="Print a JSON list, one object per target, instead of text."
    )
    why = StrListOption(
        default=[],
        help=softwrap(
            """
            Module paths to explain the presence of: for each, the import chain from the
            target's main package to a package of that module, or that it isn't imported.

            E.g. `--go-static-explain-why=github.com/google/uuid`, for a module whose licence
            `pants check` denies. From the same `go list -deps` data; nothing is built.
            """
        ),
    )


class GoStaticExplain(Goal):
    subsystem_cls = GoStaticExplainSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _environment(
    plan: GoStaticPlan, sdk: GoSdk, cc: CCompiler | None, go_env: GoEnv
) -> tuple[Decision, ...]:
    """The build process's environment, as the process rule sets it."""
    settings = go_env_settings(
        cc,
        go_env,
        plan.mode.go_env(),
        plan.module.vendored,
        go_work=plan.module.go_work,
        vcs=plan.mode.vcs,
    )
    return toolchain_settings(sdk, cc) + settings


def _explanation(
    plan: GoStaticPlan, output_path: str, cc: CCompiler | None, env: tuple[Decision, ...]
) -> dict:
    mode = plan.mode
    output = posixpath.join("dist", output_path)
    return {
        "target": mode.address,
        "scenario": mode.scenario,
        "scenario_glyph": mode.scenario_glyph,
        "module": plan.module.root or ".",
        "go_work": plan.module.go_work,
        "main": str(plan.main),
        "goarch": mode.goarch,
        "libc": mode.libc,
        "cgo_enabled": mode.cgo_enabled,
        "cgo_packages": list(mode.facts.cgo_packages),
        "tags": list(mode.tags),
        "ldflags": list(mode.ldflags),
        "linkmode": mode.linkmode,
        "buildmode": mode.buildmode,
        "c_compiler": cc.cc if cc else None,
        "go_build": [
            "go",
            *go_build_argv(mode, plan.module.root, plan.main, plan.module.mod_flag, output),
        ],
        "inputs": list(plan.input_files),
        "decisions": [d.as_dict() for d in mode.decisions],
        "env": [s.as_dict() for s in env],
    }


def _nothing_selected(targets: Targets) -> Problem:
    """The targets the arguments selected, none of them a go_static_binary."""
    what = (
        "the arguments select no target"
        if not targets
        else ", ".join(sorted(f"{t.address} ({t.alias})" for t in targets))
        + (
            " is not a go_static_binary"
            if len(targets) == 1
            else " are not go_static_binary targets"
        )
    )
    return Problem(
        what,
        "go-static-explain explains go_static_binary targets only, so nothing was explained; a "
        "wrong address in a CI job would otherwise pass unnoticed.",
        "name go_static_binary targets, or directories and globs that hold them "
        "(e.g. `src/go:hello`, `src/go::`); `pants list --filter-target-type=go_static_binary ::` "
        "lists them.",
    )


def _render(item: dict, mode: BuildMode, env: tuple[Decision, ...]) -> str:
    lines = [explain_mode(mode), "  environment:", *render_decisions(env, indent="    ")]
    lines.append(
        f"  go build (in {item['module']}): " + " ".join(shlex.quote(a) for a in item["go_build"])
    )
    return "\n".join(lines)


def _render_why(found: dict[str, list[str]]) -> str:
    lines = []
    for module, chain in found.items():
        said = " -> ".join(chain) if chain else "not imported: no package of it is in the binary"
        lines.append(f"  why {module}: {said}")
    return "".join("\n" + line for line in lines)


@goal_rule
async def go_static_explain(
    console: Console,
    targets: Targets,
    subsystem: GoStaticExplainSubsystem,
    sdk: GoSdk,
    go_env: GoEnv,
) -> GoStaticExplain:
    field_sets = [
        GoStaticBinaryFieldSet.create(t) for t in targets if GoStaticBinaryFieldSet.is_applicable(t)
    ]
    if not field_sets:
        console.print_stderr(_nothing_selected(targets).render("go-static-explain"))
        return GoStaticExplain(exit_code=1)
    plans = await MultiGet(Get(GoStaticPlan, GoStaticPlanRequest(fs)) for fs in field_sets)
    requests = [compiler_request(plan.mode, sdk.goarch) for plan in plans]
    compilers = await MultiGet(Get(CCompiler, CCompilerRequest, r) for r in requests if r)
    bound = iter(compilers)
    ccs = [next(bound) if r else None for r in requests]
    envs = [_environment(plan, sdk, cc, go_env) for plan, cc in zip(plans, ccs)]
    items = [
        _explanation(plan, plan.output_path, cc, env) for plan, cc, env in zip(plans, ccs, envs)
    ]
    whys: list[dict[str, list[str]]] = [{} for _ in field_sets]
    if subsystem.why:
        inputs = await MultiGet(Get(GoStaticInputs, GoStaticInputsRequest(fs)) for fs in field_sets)
        for found, closure in zip(whys, (i.closure for i in inputs)):
            packages = {p.import_path: p for p in closure.packages}
            for module in subsystem.why:
                found[module] = list(import_chain(packages, closure.main.import_path, module))
        for item, found in zip(items, whys):
            item["why"] = found
    if subsystem.json:
        console.print_stdout(json.dumps(items, indent=2, ensure_ascii=False))
    else:
        console.print_stdout(
            "\n\n".join(
                _render(i, p.mode, env) + _render_why(why)
                for i, p, env, why in zip(items, plans, envs, whys)
            )
        )
    return GoStaticExplain(exit_code=0)


def rules():
    return collect_rules()

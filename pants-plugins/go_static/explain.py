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
from pants.option.option_types import BoolOption
from pants.util.strutil import softwrap

from go_static.goenv import GoEnv
from go_static.mode import explain as explain_mode
from go_static.package import go_build_argv
from go_static.plan import (
    GoStaticBinaryFieldSet,
    GoStaticPlan,
    GoStaticPlanRequest,
    compiler_request,
)
from go_static.process import go_env_settings, toolchain_settings
from go_static.toolchain import CCompiler, CCompilerRequest, GoSdk


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


class GoStaticExplain(Goal):
    subsystem_cls = GoStaticExplainSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _explanation(
    plan: GoStaticPlan, output_path: str, sdk: GoSdk, cc: CCompiler | None, go_env: GoEnv
) -> dict:
    mode = plan.mode
    env = toolchain_settings(sdk, cc) + go_env_settings(
        cc, go_env, mode.go_env(), plan.module.vendored
    )
    output = posixpath.join("dist", output_path)
    return {
        "target": mode.address,
        "scenario": mode.scenario,
        "scenario_glyph": mode.scenario_glyph,
        "module": plan.module.root or ".",
        "main": plan.main_dir or ".",
        "goarch": mode.goarch,
        "libc": mode.libc,
        "cgo_enabled": mode.cgo_enabled,
        "cgo_packages": list(mode.facts.cgo_packages),
        "tags": list(mode.tags),
        "ldflags": list(mode.ldflags),
        "linkmode": mode.linkmode,
        "buildmode": mode.buildmode,
        "c_compiler": cc.cc if cc else None,
        "go_build": ["go", *go_build_argv(plan, output)],
        "decisions": [d.as_dict() for d in mode.decisions],
        "env": [
            {"name": s.name, "value": s.value, "reason": s.reason, "decided_by": s.decided_by}
            for s in env
        ],
    }


def _render(item: dict, decisions_text: str) -> str:
    width = max(len(e["name"]) for e in item["env"])
    lines = [decisions_text, "  environment:"]
    lines += [
        f"    {e['name'].ljust(width)}  {e['value'] or '(empty)'}  -- {e['reason']} "
        f"[{e['decided_by']}]"
        for e in item["env"]
    ]
    lines.append(
        f"  go build (in {item['module']}): " + " ".join(shlex.quote(a) for a in item["go_build"])
    )
    return "\n".join(lines)


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
        console.print_stderr("No go_static_binary targets matched.")
        return GoStaticExplain(exit_code=0)
    plans = await MultiGet(Get(GoStaticPlan, GoStaticPlanRequest(fs)) for fs in field_sets)
    requests = [compiler_request(plan.mode, sdk.goarch) for plan in plans]
    compilers = await MultiGet(Get(CCompiler, CCompilerRequest, r) for r in requests if r)
    bound = iter(compilers)
    items = [
        _explanation(plan, plan.output_path, sdk, next(bound) if r else None, go_env)
        for plan, r in zip(plans, requests)
    ]
    if subsystem.json:
        console.print_stdout(json.dumps(items, indent=2, ensure_ascii=False))
    else:
        console.print_stdout(
            "\n\n".join(_render(i, explain_mode(p.mode)) for i, p in zip(items, plans))
        )
    return GoStaticExplain(exit_code=0)


def rules():
    return collect_rules()

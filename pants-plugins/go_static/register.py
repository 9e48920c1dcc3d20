"""The go_static backend: `backend_packages = ["go_static"]`. Only gathers; no logic here."""

from go_static import (
    check_goal,
    docker_daemon,
    docker_platform,
    explain,
    host_tools,
    module,
    package,
    plan,
    postlink,
    prebuild,
    process,
    report_goal,
    run,
    smoke_goal,
    subsystem,
    tailor,
    toolchain,
)
from go_static.smoke_target import GoStaticSmokeTestTarget
from go_static.target_types import GoStaticBinaryTarget


def target_types():
    return [GoStaticBinaryTarget, GoStaticSmokeTestTarget]


def rules():
    return [
        *subsystem.rules(),
        *toolchain.rules(),
        *process.rules(),
        *module.rules(),
        *prebuild.rules(),
        *plan.rules(),
        *postlink.rules(),
        *package.rules(),
        *host_tools.rules(),
        *run.rules(),
        *check_goal.rules(),
        *docker_daemon.rules(),
        *docker_platform.rules(),
        *explain.rules(),
        *report_goal.rules(),
        *tailor.rules(),
        *smoke_goal.rules(),
    ]

"""The go_static backend: `backend_packages = ["go_static"]`. Only gathers; no logic here."""

from go_static import (
    check_goal,
    docker_daemon,
    explain,
    module,
    package,
    postlink,
    prebuild,
    process,
    report_goal,
    run,
    subsystem,
    tailor,
    toolchain,
)
from go_static.target_types import GoStaticBinaryTarget


def target_types():
    return [GoStaticBinaryTarget]


def rules():
    return [
        *subsystem.rules(),
        *toolchain.rules(),
        *process.rules(),
        *module.rules(),
        *prebuild.rules(),
        *postlink.rules(),
        *package.rules(),
        *run.rules(),
        *check_goal.rules(),
        *docker_daemon.rules(),
        *explain.rules(),
        *report_goal.rules(),
        *tailor.rules(),
    ]

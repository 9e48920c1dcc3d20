"""The go_static backend: `backend_packages = ["go_static"]`. Only gathers; no logic here."""

from go_static import explain, module, outcome, package, postlink, prebuild, process, report, subsystem, tailor, toolchain
from go_static import target_types as target_types_module
from go_static.target_types import GoStaticBinaryTarget


def target_types():
    return [GoStaticBinaryTarget]


def rules():
    return [
        *target_types_module.rules(),
        *subsystem.rules(),
        *toolchain.rules(),
        *process.rules(),
        *module.rules(),
        *prebuild.rules(),
        *postlink.rules(),
        *package.rules(),
        *outcome.rules(),
        *explain.rules(),
        *report.rules(),
        *tailor.rules(),
    ]

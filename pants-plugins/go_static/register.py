"""The go_static backend: `backend_packages = ["go_static"]`. Only gathers; no logic here.

Image support is the separate `go_static.docker` backend.
"""

from go_static.goals import (
    check,
    explain,
    image,
    package,
    publish,
    report,
    run,
    smoke,
    tailor,
)
from go_static.rules import (
    build,
    cosign,
    crane,
    dependencies,
    gates,
    go_tools,
    host_tools,
    license_policy,
    licenses,
    modcache,
    module,
    outcome,
    plan,
    postlink,
    prebuild,
    process,
    provenance,
    runtime,
    sbom,
    stamp,
    toolchain,
    vulncheck,
    vulngate,
)
from go_static.subsystems import go_static, toolchains
from go_static.target_types.binary import GoStaticBinaryTarget
from go_static.target_types.image import GoStaticImageTarget
from go_static.target_types.smoke import GoStaticSmokeTestTarget
from go_static.target_types.sources import (
    GoStaticModTarget,
    GoStaticSourcesTarget,
    GoStaticWorkspaceTarget,
)


def target_types():
    return [
        GoStaticBinaryTarget,
        GoStaticImageTarget,
        GoStaticSmokeTestTarget,
        GoStaticSourcesTarget,
        GoStaticModTarget,
        GoStaticWorkspaceTarget,
    ]


def rules():
    return [
        *go_static.rules(),
        *toolchains.rules(),
        *toolchain.rules(),
        *host_tools.rules(),
        *process.rules(),
        *module.rules(),
        *modcache.rules(),
        *prebuild.rules(),
        *sbom.rules(),
        *provenance.rules(),
        *runtime.rules(),
        *stamp.rules(),
        *plan.rules(),
        *dependencies.rules(),
        *postlink.rules(),
        *build.rules(),
        *outcome.rules(),
        *package.rules(),
        *image.rules(),
        *publish.rules(),
        *crane.rules(),
        *gates.rules(),
        *licenses.rules(),
        *license_policy.rules(),
        *cosign.rules(),
        *go_tools.rules(),
        *check.rules(),
        *explain.rules(),
        *report.rules(),
        *run.rules(),
        *tailor.rules(),
        *smoke.rules(),
        *vulncheck.rules(),
        *vulngate.rules(),
    ]

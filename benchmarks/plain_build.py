"""What the benchmarks share: the pinned venv's Go SDK and zig, Pants' named caches, and the
plugin's own build mode, so that a plain `go build` timed here is exactly the build
go_static_binary runs (flags from `go_static.core.mode.build_mode`, never retyped).

The benchmark scripts run with the venv's python (their shell wrappers see to it).
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "pants-plugins"))

# After the sys.path line above.
from go_static.core.gograph.graph import GraphFacts  # noqa: E402
from go_static.core.mode.build_mode import BuildMode, resolve  # noqa: E402
from go_static.core.mode.intent import Intent  # noqa: E402
from go_static.core.names import REPRODUCIBLE_FLAGS  # noqa: E402

SITE = (
    Path(sys.prefix)
    / "lib"
    / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    / "site-packages"
)
GO, ZIG = SITE / "go" / "bin" / "go", SITE / "ziglang" / "zig"
NAMED = Path.home() / ".cache" / "pants" / "named_caches"
HOST_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "riscv64": "riscv64"}.get(
    platform.machine(), platform.machine()
)


def named_cache(name: str, fallback: Path) -> str:
    """Pants' named cache `name` when it exists (warm, as the plugin's builds find it)."""
    return str(NAMED / name) if (NAMED / name).is_dir() else str(fallback)


def plugin_mode(goarch: str = HOST_GOARCH, cgo: bool = False) -> BuildMode:
    """The mode go_static_binary resolves for a libc="auto", resolver="go" target."""
    facts = GraphFacts(
        main_package="example.com/bench", cgo_packages=("example.com/bench",) if cgo else ()
    )
    return resolve(Intent(address="//bench", goarch=goarch, host_goarch=HOST_GOARCH), facts)


def mode_env(mode: BuildMode) -> dict[str, str]:
    """The mode's environment, with CC as the plugin binds it for zig."""
    env = mode.go_env()
    if mode.c_target:
        env["CC"] = f"{ZIG} cc -target {mode.c_target}"
    return env


def go_build_argv(mode: BuildMode, out: str, *packages: str, mod_flag: str = "") -> list[str]:
    """`go build` as the plugin runs it for this mode."""
    flags = (
        *REPRODUCIBLE_FLAGS,
        *((mod_flag,) if mod_flag else ()),
        *mode.go_build_flags(),
        *mode.pgo_flags(""),
    )
    return [str(GO), "build", *flags, "-o", out, *packages]

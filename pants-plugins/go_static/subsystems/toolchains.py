"""Pinned toolchain downloads: the Go SDK and zig as content-addressed archives.

With `[go-static].toolchain_source = "download"` (the default under remote execution), builds
take the toolchains as inputs by digest instead of from this machine's files, so any REAPI worker
can run them with nothing installed but a shell and unzip.
"""

from __future__ import annotations

from pants.core.util_rules.external_tool import TemplatedExternalTool
from pants.util.strutil import help_text


class GoSdkDownload(TemplatedExternalTool):
    options_scope = "go-static-go-download"
    name = "Go SDK"
    help = help_text(
        """
        The Go SDK that go_static_binary builds with when `[go-static].toolchain_source`
        downloads toolchains.

        By default the Go project's own toolchain module from the Go module proxy
        (`golang.org/toolchain`, what `GOTOOLCHAIN` fetches): the same files as the go.dev
        release. Point `url_template` at a mirror for machines without access to
        proxy.golang.org, and pin each platform's archive in `known_versions`.
        """
    )
    default_version = "1.27.3"
    default_known_versions = [
        "1.27.3|linux_x86_64|af4c06478303fdd1bfb335fab86c7ccb9b12e529044a946a16a1c4bcc779f8d7|75781305",
        "1.27.3|linux_arm64|0ec0774cad42ecf4df82691146ee0b10c303ea594f163acb1737baedd5cc2835|72231413",
    ]
    default_url_template = (
        "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go{version}.{platform}.zip"
    )
    default_url_platform_mapping = {"linux_x86_64": "linux-amd64", "linux_arm64": "linux-arm64"}

    def archive_root(self, platform: str) -> str:
        """The directory the archive holds the SDK in (a module zip's path prefix)."""
        goos_goarch = self.url_platform_mapping[platform]
        return f"golang.org/toolchain@v0.0.1-go{self.version}.{goos_goarch}"


class ZigDownload(TemplatedExternalTool):
    options_scope = "go-static-zig-download"
    name = "zig"
    help = help_text(
        """
        The zig that links musl binaries when `[go-static].toolchain_source` downloads
        toolchains.

        By default the `ziglang` wheel from PyPI, the same files that `pip install ziglang`
        puts beside Pants. PyPI's file URLs hold a hash per file, so `url_platform_mapping`
        names the whole path per platform: change it together with `version`.
        """
    )
    default_version = "0.17.1"
    default_known_versions = [
        "0.17.1|linux_x86_64|ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54|101083562",
        "0.17.1|linux_arm64|b7c5f02fccd40f89b999ee16a1f5ddced56e6182370f8affe494bcf8a28cf07e|98063064",
    ]
    default_url_template = "https://files.pythonhosted.org/packages/{platform}"
    default_url_platform_mapping = {
        "linux_x86_64": "59/e3/2a34676370a11c36b7cd04ffb2439c1089c0530cf4b01408c77cf7f8d9c3/"
        "ziglang-0.17.1-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64."
        "musllinux_1_1_x86_64.whl",
        "linux_arm64": "91/72/bb7c4f098ba3e535fa2ebefd9f26327ba63fb0672562959255cb5dd37aff/"
        "ziglang-0.17.1-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64."
        "musllinux_1_1_aarch64.whl",
    }

    def archive_root(self, platform: str) -> str:
        """The wheel's package directory, which holds the `zig` binary and its lib/."""
        return "ziglang"


def rules():
    return (*GoSdkDownload.rules(), *ZigDownload.rules())

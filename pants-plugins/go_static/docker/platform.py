"""`go_static_platform` on docker_image: `docker build --platform`, so an arm64 binary's image is
arm64. Named for the plugin so it can't clash with the `build_platform` field later Pants
versions add to docker_image natively.

Pants 2.17's docker_image has no such field, and Docker ignores `FROM --platform=…` for
`scratch`. A FROM scratch image runs nothing while it builds, so the daemon builds it for another
platform without binfmt_misc; running it needs that platform (or qemu-user with binfmt_misc).
"""

from __future__ import annotations

from typing import Iterator

from pants.backend.docker.target_types import DockerBuildOptionFieldMixin, DockerImageTarget
from pants.engine.target import StringSequenceField
from pants.util.strutil import help_text


class DockerImageBuildPlatformField(DockerBuildOptionFieldMixin, StringSequenceField):
    alias = "go_static_platform"
    help = help_text(
        """
        The platform to build the image for, passed to `docker build --platform`, e.g.
        `["linux/arm64"]` for the image of a go_static_binary with goarch="arm64".

        Added by the go_static backend. Without it the image is labelled with the daemon's own
        platform, whatever binary it holds.
        """
    )
    docker_build_option = "--platform"

    def option_values(self, *, value_formatter) -> Iterator[str]:
        if self.value:
            yield ",".join(self.value)


def rules():
    return [DockerImageTarget.register_plugin_field(DockerImageBuildPlatformField)]

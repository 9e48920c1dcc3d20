"""The optional image backend: `backend_packages = ["go_static", "go_static.docker",
"pants.backend.docker"]`. It checks the Docker daemon before an image build and adds
`go_static_platform` to docker_image. Only gathers; no logic here."""

from go_static.docker import daemon, platform


def rules():
    return [*daemon.rules(), *platform.rules()]

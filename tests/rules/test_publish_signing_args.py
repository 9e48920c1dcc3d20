"""What `pants publish` hands the pusher for signing (go_static.goals.publish): the key made
absolute against the build root, the env var an env:// key names, and one --attest per file that
`pants package` wrote beside the layout."""

from __future__ import annotations

from go_static.core.oci.sign import SignSettings
from go_static.goals.publish import _env_key, _key_from_build_root, _sign_argv

LAYOUT = "src.go/app.oci"


def test_a_key_file_is_found_from_the_build_root_and_uris_are_left_alone() -> None:
    assert _key_from_build_root("ci/cosign.key", "/repo") == "/repo/ci/cosign.key"
    for key in ("/etc/cosign.key", "env://K", "awskms:///alias/x", ""):
        assert _key_from_build_root(key, "/repo") == key


def test_only_an_env_key_adds_a_variable_to_pass() -> None:
    assert _env_key("env://RELEASE_KEY") == ("RELEASE_KEY",)
    assert _env_key("env://1BAD") == () and _env_key("cosign.key") == ()


def test_every_packaged_predicate_is_attested_and_nothing_else() -> None:
    paths = [
        f"{LAYOUT}/index.json",
        f"{LAYOUT}.tar",
        f"{LAYOUT}.intoto.json",
        f"{LAYOUT}.sbom/app-arm64.cdx.json",
        f"{LAYOUT}.sbom/app.cdx.json",
        "src.go/other.oci.intoto.json",
    ]
    settings = SignSettings(mode="key", key="/repo/cosign.key", transparency_log=False)
    argv = _sign_argv(settings, "go-static-cosign/cosign", LAYOUT, paths)
    assert argv == [
        "--sign", "key", "--cosign", "go-static-cosign/cosign", "--key", "/repo/cosign.key",
        "--fulcio-url", "", "--rekor-url", "", "--no-tlog",
        "--attest", f"slsaprovenance1={LAYOUT}.intoto.json",
        "--attest", f"cyclonedx={LAYOUT}.sbom/app-arm64.cdx.json",
        "--attest", f"cyclonedx={LAYOUT}.sbom/app.cdx.json",
    ]  # fmt: skip

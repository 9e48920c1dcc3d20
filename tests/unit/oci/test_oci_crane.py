"""The crane main module that `pants publish` builds: its pinned version and its guard."""

from __future__ import annotations

import pytest

from go_static.core.oci.crane import (
    DEFAULT_CRANE_VERSION,
    GGCR_MODULE,
    MAIN_GO,
    PLAIN_HTTP_CREDENTIALS_ENV,
    build_argv,
    go_mod,
    source_files,
)


def test_the_main_module_pins_the_version_and_go_sum_holds_its_hashes() -> None:
    files = source_files(DEFAULT_CRANE_VERSION)
    assert f"require {GGCR_MODULE} {DEFAULT_CRANE_VERSION}\n" in files["go.mod"]
    assert f"{GGCR_MODULE} {DEFAULT_CRANE_VERSION} h1:" in files["go.sum"]
    assert f"{GGCR_MODULE} {DEFAULT_CRANE_VERSION}/go.mod h1:" in files["go.sum"]
    assert f"cmd.Version={DEFAULT_CRANE_VERSION}" in " ".join(build_argv(DEFAULT_CRANE_VERSION))


@pytest.mark.parametrize("version", ["latest", "v0.22", "v0.22.1 ", "v0.22.1\nrequire x v1"])
def test_a_version_that_is_no_module_version_is_refused(version: str) -> None:
    with pytest.raises(ValueError, match="is not a module version"):
        go_mod(version)


def test_the_guard_reads_its_variable_and_checks_scheme_and_authorization() -> None:
    assert f'os.Getenv("{PLAIN_HTTP_CREDENTIALS_ENV}")' in MAIN_GO
    assert 'req.URL.Scheme == "http" && req.Header.Get("Authorization") != ""' in MAIN_GO

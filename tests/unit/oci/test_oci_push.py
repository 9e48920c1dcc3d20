"""Pushes with crane (built from the module proxy by registry_lab) to a real registry (Debian's
docker-registry on a free loopback port) and through a TLS gate in front of it that plays a
hostile registry: where credentials may go, what a failure says, and how long it may take."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from oci_sample import INDEX_ANNOTATIONS, image_for, references, sample_images
from registry_lab import (
    REPO_ROOT,
    SCRIPT,
    free_port,
    start_registry,
    stop_registry,
    write_credential_helper,
)

from go_static.core.oci.docker_config import docker_config_problems
from go_static.core.oci.image import Image
from go_static.core.oci.layout import image_or_index, layout_files
from go_static.core.oci.push import RegistryPushError, push_layout, read_layout
from go_static.core.oci.push_problems import scrub
from go_static.core.oci.reference import ImageReferenceError


def skopeo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=60)


def inspect(reference: str, *extra: str) -> subprocess.CompletedProcess:
    return skopeo("inspect", "--tls-verify=false", *extra, f"docker://{reference}")


def write_layout(directory: Path, files: dict[str, bytes]) -> Path:
    for path, data in files.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_bytes(data)
    return directory


def single_layout(directory: Path) -> tuple[Image, Path]:
    image = image_for(sample_images(), "arm64")
    files = layout_files(image_or_index([image]), references=references())
    return image, write_layout(directory, files)


def multi_layout(directory: Path) -> Path:
    files = layout_files(
        image_or_index(sample_images(), INDEX_ANNOTATIONS), references=references()
    )
    return write_layout(directory, files)


def blob_file(digest: str) -> str:
    return f"blobs/sha256/{digest.split(':')[1]}"


def environ(tmp_path: Path, ca: str = "", config: dict | None = None) -> dict[str, str]:
    """The pusher's environment: its own Docker config, and the test CA if there is one."""
    docker = tmp_path / "docker"
    docker.mkdir(exist_ok=True)
    if config is not None:
        (docker / "config.json").write_text(json.dumps(config))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DOCKER_CONFIG": str(docker)}
    return {**env, "SSL_CERT_FILE": ca} if ca else env


def basic_config(host: str, user: tuple[str, str]) -> dict:
    return {"auths": {host: {"auth": base64.b64encode(":".join(user).encode()).decode()}}}


# --- build-support/registry


def test_the_script_says_where_it_is_and_starting_twice_is_a_no_op(registry) -> None:
    env = {
        **os.environ,
        "GO_STATIC_REGISTRY_PORT": str(registry.port),
        "GO_STATIC_REGISTRY_DIR": str(registry.directory),
    }

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), command], env=env, capture_output=True, text=True)

    assert run("url").stdout == f"{registry.host}\n"
    again = run("start")
    assert again.returncode == 0 and "already answers" in again.stdout, again.stderr
    assert "started by this script" in run("status").stdout
    other = subprocess.run(
        [str(SCRIPT), "stop"],
        env={**env, "GO_STATIC_REGISTRY_DIR": str(registry.directory / "other")},
        capture_output=True,
        text=True,
    )
    assert other.returncode == 0 and "nothing to stop" in other.stdout
    assert run("status").returncode == 0


def test_the_script_says_why_when_the_port_is_taken_by_something_else(gate, tmp_path) -> None:
    env = {
        **os.environ,
        "GO_STATIC_REGISTRY_PORT": gate.host.split(":")[1],
        "GO_STATIC_REGISTRY_DIR": str(tmp_path),
    }
    proc = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "address already in use" in proc.stderr
    assert "Fix: set GO_STATIC_REGISTRY_PORT to a free port" in proc.stderr


# --- pushes that work (the real registry, plain HTTP on loopback)


def test_a_single_image_is_pushed_and_each_tag_reported_moved_then_already(
    registry, crane, tmp_path
) -> None:
    image, layout = single_layout(tmp_path / "layout")
    name = registry.name("single")
    result = push_layout(layout, name, ["v1", "latest"], crane=crane, environ=environ(tmp_path))
    assert result.digest == image.manifest.digest
    assert (result.moved, result.already) == (("v1", "latest"), ())
    assert (result.blobs_sent, result.blobs_existing) == (2, 0)
    for tag in ("v1", "latest"):
        shown = inspect(f"{name}:{tag}")
        assert json.loads(shown.stdout)["Digest"] == image.manifest.digest, shown.stderr
    raw = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{name}:v1")
    assert raw.stdout.encode() == image.manifest.data
    again = push_layout(layout, name, ["v1", "v2"], crane=crane, environ=environ(tmp_path))
    assert (again.moved, again.already) == (("v2",), ("v1",))
    assert (again.blobs_sent, again.image_existed) == (0, True) and not result.image_existed


def test_a_two_platform_index_is_pulled_back_by_digest_byte_for_byte(
    registry, crane, tmp_path
) -> None:
    layout = multi_layout(tmp_path / "layout")
    files = read_layout(layout)
    name = registry.name("multi")
    result = push_layout(layout, name, ["v1"], crane=crane, environ=environ(tmp_path))
    assert result.digest == json.loads(files["index.json"])["manifests"][0]["digest"]
    copied = skopeo(
        "copy",
        "--all",
        "--src-tls-verify=false",
        f"docker://{name}@{result.digest}",
        f"oci:{tmp_path / 'pulled'}",
    )
    assert copied.returncode == 0, copied.stderr
    pulled = read_layout(tmp_path / "pulled")
    assert {path: pulled[path] for path in files if path.startswith("blobs/")} == {
        path: data for path, data in files.items() if path.startswith("blobs/")
    }


def test_the_cli_pushes_without_pants_given_a_crane(registry, crane, tmp_path) -> None:
    _, layout = single_layout(tmp_path / "layout")
    name = registry.name("cli")
    proc = subprocess.run(
        [sys.executable, "-m", "go_static.core.oci.cli", str(layout), name, "-t", "v1"]
        + ["--crane", crane],
        capture_output=True,
        text=True,
        env={**environ(tmp_path), "PYTHONPATH": str(REPO_ROOT / "pants-plugins")},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"pushed {name}@sha256:" in proc.stdout and f"{name}:v1: moved" in proc.stdout


# --- pushes that fail before crane runs, or move no tag


def test_a_registry_that_is_down_is_named_with_the_fix(crane, tmp_path) -> None:
    _, layout = single_layout(tmp_path / "layout")
    port = free_port()
    with pytest.raises(RegistryPushError) as caught:
        push_layout(
            layout, f"127.0.0.1:{port}/go-static/down", ["v1"], crane=crane, subject="//src:img"
        )
    message = str(caught.value)
    assert message.startswith(f"//src:img: The registry 127.0.0.1:{port} could not be reached")
    assert "Start the registry" in message and "Traceback" not in message
    assert caught.value.code == "publish" and caught.value.tags_moved == ()


def test_a_name_the_grammar_refuses_or_a_damaged_layout_never_runs_crane(tmp_path) -> None:
    image, layout = single_layout(tmp_path / "layout")
    nowhere = str(tmp_path / "no-crane")  # running it would fail differently
    with pytest.raises(ImageReferenceError, match='invalid path component "Team"'):
        push_layout(layout, "127.0.0.1:1/Team/app", ["v1"], crane=nowhere)
    layer = layout / blob_file(image.layers[0].digest)
    layer.write_bytes(layer.read_bytes()[:-1])
    with pytest.raises(RegistryPushError, match="The image layout can't be pushed"):
        push_layout(layout, "127.0.0.1:1/team/app", ["v1"], crane=nowhere)


def test_a_read_only_registry_refuses_the_push_and_no_tag_moves(crane, tmp_path) -> None:
    _, layout = single_layout(tmp_path / "layout")
    found = start_registry(tmp_path / "ro", GO_STATIC_REGISTRY_READ_ONLY="1")
    try:
        with pytest.raises(RegistryPushError) as caught:
            push_layout(layout, f"{found.host}/go-static/ro", ["v1"], crane=crane)
    finally:
        stop_registry(found)
    message = str(caught.value)
    assert "does not take pushes" in message and "read-only" in message
    assert "no tag was moved (v1)" in message and caught.value.tags_moved == ()


# --- the real registry behind TLS with htpasswd, credentials from a credential helper


def test_a_push_through_a_credential_helper_works_against_tls_and_basic_auth(
    tls_registry, crane, tmp_path
) -> None:
    helpers = tmp_path / "bin"
    helpers.mkdir()
    log = tmp_path / "helper.log"
    user, secret = tls_registry.user
    helper = write_credential_helper(helpers, tls_registry.user, log)
    env = environ(tmp_path, tls_registry.ca, {"credHelpers": {tls_registry.host: helper}})
    env["PATH"] = f"{helpers}:{env['PATH']}"
    _, layout = single_layout(tmp_path / "layout")
    name = f"{tls_registry.host}/go-static/helper"
    result = push_layout(layout, name, ["v1"], crane=crane, environ=env)
    assert result.moved == ("v1",)
    assert f"get {tls_registry.host}" in log.read_text()
    shown = skopeo(
        "inspect", "--tls-verify=false", f"--creds={user}:{secret}", f"docker://{name}:v1"
    )
    assert json.loads(shown.stdout)["Digest"] == result.digest, shown.stderr
    # Without the helper the registry asks for credentials, and the message says so.
    del env["DOCKER_CONFIG"]
    with pytest.raises(RegistryPushError) as caught:
        push_layout(layout, name, ["v2"], crane=crane, environ=env)
    assert "asked for credentials" in str(caught.value) and secret not in str(caught.value)


# --- a hostile registry: where credentials may go


def test_a_bearer_realm_over_https_gets_the_credentials(gate, crane, tmp_path) -> None:
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca, basic_config(gate.host, gate.user))
    result = push_layout(layout, f"{gate.host}/go-static/bearer", ["v1"], crane=crane, environ=env)
    assert result.moved == ("v1",) and gate.token_requests and not gate.plain_requests


def test_basic_credentials_never_go_to_a_plain_http_realm(gate, crane, tmp_path) -> None:
    gate.realm = f"http://{gate.host}/token"
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca, basic_config(gate.host, gate.user))
    with pytest.raises(RegistryPushError) as caught:
        push_layout(layout, f"{gate.host}/go-static/realm", ["v1"], crane=crane, environ=env)
    assert gate.plain_requests == [] and gate.token_requests == 0
    message = str(caught.value)
    assert "named a token service (realm) that credentials may not go to" in message
    assert "no tag was moved (v1)" in message


def test_an_upload_location_that_switches_to_http_gets_no_credentials(
    gate, crane, tmp_path
) -> None:
    # ggcr keeps the scheme the registry answered on for every request to its host:port
    # (transport/schemer.go), so the http:// Location is followed over TLS.
    gate.mode, gate.location_scheme = "basic", "http"
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca, basic_config(gate.host, gate.user))
    result = push_layout(
        layout, f"{gate.host}/go-static/downgrade", ["v1"], crane=crane, environ=env
    )
    assert result.moved == ("v1",) and gate.plain_requests == []


def test_credentials_never_go_over_plain_http_to_an_unlisted_registry(
    gate, crane, tmp_path
) -> None:
    # Without the test CA, TLS fails and ggcr falls back to plain HTTP for a loopback
    # registry; its Basic challenge then gets no credentials unless the registry is listed.
    gate.mode = "basic"
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, config=basic_config(gate.host, gate.user))
    name = f"{gate.host}/go-static/plain"
    with pytest.raises(RegistryPushError) as caught:
        push_layout(layout, name, ["v1"], crane=crane, environ=env)
    assert gate.plain_requests and all(auth == "" for _, _, auth in gate.plain_requests)
    message = str(caught.value)
    assert "asked for credentials over plain HTTP" in message and "did not send them" in message
    assert "insecure_registries" in message and gate.user[1] not in message
    assert "no tag was moved (v1)" in message
    # Listed as insecure, it gets them (and --insecure: no TLS verification at all).
    gate.plain_requests.clear()
    result = push_layout(
        layout, name, ["v1"], crane=crane, environ=env, insecure_registries=[gate.host]
    )
    assert result.moved == ("v1",)


# --- a hostile registry: clear problems, no traceback, no secret shown


@pytest.mark.parametrize("realm", ["registry.test/token", "file:///etc/passwd"])
def test_a_realm_without_a_scheme_or_a_file_realm_is_a_problem(
    gate, crane, tmp_path, realm
) -> None:
    gate.realm = realm
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca, basic_config(gate.host, gate.user))
    with pytest.raises(RegistryPushError) as caught:
        push_layout(layout, f"{gate.host}/go-static/realm", ["v1"], crane=crane, environ=env)
    message = str(caught.value)
    assert "token service (realm)" in message and "Traceback" not in message
    assert gate.token_requests == 0


def test_a_token_with_a_newline_is_a_problem_that_never_shows_it(gate, crane, tmp_path) -> None:
    gate.token = "visible-part\nTOKEN-SECRET-TAIL"
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca, basic_config(gate.host, gate.user))
    with pytest.raises(RegistryPushError) as caught:
        push_layout(layout, f"{gate.host}/go-static/newline", ["v1"], crane=crane, environ=env)
    message = str(caught.value)
    assert "sent a token that can't be used" in message
    assert "TOKEN-SECRET-TAIL" not in message and "visible-part" not in message


def test_a_docker_config_with_a_non_string_auth_is_a_problem_naming_the_entry(
    tmp_path,
) -> None:
    secret = base64.b64encode(b"me:hunter2").decode()
    env = environ(
        tmp_path,
        config={
            "auths": {"r.example": {"auth": 42}, "ok.example": {"auth": secret}, "x": "str"},
            "credHelpers": {"ecr.example": 7},
        },
    )
    problems = [p.render() for p in docker_config_problems(env)]
    assert len(problems) == 3
    assert "the `auths` entry 'r.example' has a `auth` that is not a string" in problems[0]
    assert "'x' is not an object" in problems[1] and "`credHelpers`" in problems[2]
    assert all(secret not in p and "hunter2" not in p for p in problems)
    _, layout = single_layout(tmp_path / "layout")
    with pytest.raises(RegistryPushError, match="can't be used as a Docker config"):
        push_layout(layout, "127.0.0.1:1/go-static/x", ["v1"], crane="/nonexistent", environ=env)


@pytest.mark.parametrize("helper", ["missing", "broken"])
def test_a_missing_or_broken_credential_helper_is_named_and_its_output_not_shown(
    gate, crane, tmp_path, helper
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if helper == "broken":
        script = bin_dir / "docker-credential-gostaticbroken"
        script.write_text('#!/bin/sh\nprintf \'{"Username":"u","Secret":"HELPER-SECRET-1" oops\'\n')
        script.chmod(0o755)
    name = {"missing": "nosuchhelper", "broken": "gostaticbroken"}[helper]
    env = environ(tmp_path, gate.ca, {"credHelpers": {gate.host: name}})
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    _, layout = single_layout(tmp_path / "layout")
    with pytest.raises(RegistryPushError) as caught:
        push_layout(layout, f"{gate.host}/go-static/helper", ["v1"], crane=crane, environ=env)
    message = str(caught.value)
    said = {
        "missing": f"The Docker credential helper for {gate.host} failed",
        "broken": "could not be read: it is not the JSON expected",
    }
    assert said[helper] in message and "docker-credential-" in message, message
    assert "HELPER-SECRET-1" not in message and "no tag was moved (v1)" in message


def test_a_wrong_docker_content_digest_does_not_call_an_accepted_tag_unmoved(
    gate, crane, tmp_path
) -> None:
    gate.lie_about_digests = True
    image, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca, basic_config(gate.host, gate.user))
    with pytest.raises(RegistryPushError) as caught:
        push_layout(layout, f"{gate.host}/go-static/liar", ["v1"], crane=crane, environ=env)
    message = str(caught.value)
    assert "not moved" not in message and "no tag was moved" not in message, message
    assert "moved: v1" in message and caught.value.tags_moved == ("v1",)
    assert f"sha256:{'0' * 64}" in message


def test_a_redirect_loop_is_not_reported_as_a_request_for_credentials(
    gate, crane, tmp_path
) -> None:
    gate.redirect_loop = True
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca)
    with pytest.raises(RegistryPushError) as caught:
        push_layout(layout, f"{gate.host}/go-static/loop", ["v1"], crane=crane, environ=env)
    message = str(caught.value)
    assert "redirected" in message and "in a loop" in message
    assert "credentials" not in message.split("\n")[0]


# --- a hostile registry: time and memory


def test_a_registry_that_drips_bytes_is_cut_off_at_the_deadline(gate, crane, tmp_path) -> None:
    gate.drip = True
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca)
    started = time.monotonic()
    with pytest.raises(RegistryPushError) as caught:
        push_layout(
            layout, f"{gate.host}/go-static/drip", ["v1"], crane=crane, environ=env, deadline=4
        )
    assert time.monotonic() - started < 15
    assert "did not finish within 4 s" in str(caught.value)
    assert "[go-static-publish].timeout" in str(caught.value)


def test_a_tag_cut_off_by_the_deadline_is_said_to_have_maybe_moved(gate, crane, tmp_path) -> None:
    gate.stall_put = "/manifests/v2"
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca, basic_config(gate.host, gate.user))
    with pytest.raises(RegistryPushError) as caught:
        push_layout(
            layout, f"{gate.host}/go-static/cut", ["v1", "v2"], crane=crane, environ=env, deadline=5
        )
    message = str(caught.value)
    assert "did not finish within 5 s; it stopped at the tag v2" in message
    assert "moved: v1 (the registry accepted them for the new image); not moved: v2" in message
    assert "The tag v2 was being set when the push stopped: it may have moved." in message
    assert caught.value.tags_moved == ("v1",)


def test_a_huge_error_body_is_neither_read_whole_nor_quoted_whole(gate, crane, tmp_path) -> None:
    gate.mode, gate.error_body_bytes = "none", 300 * 1024 * 1024
    _, layout = single_layout(tmp_path / "layout")
    script = (
        "import sys; from pathlib import Path; from go_static.core.oci.push import push_layout\n"
        "try:\n"
        f"    push_layout(Path({str(layout)!r}), {gate.host + '/go-static/huge'!r}, ['v1'],"
        f" crane={crane!r})\n"
        "except Exception as error:\n"
        "    print(len(str(error)), str(error)[:300])\n"
    )
    env = {
        **environ(tmp_path, gate.ca),
        "PYTHONPATH": str(REPO_ROOT / "pants-plugins"),
    }
    # ru_maxrss (KiB) is the largest of the pusher and of the crane runs it waited for. Linux
    # carries a process's peak across exec, so the pusher is started by a small launcher, not
    # forked from this test process (whose own size would be counted).
    launcher = (
        "import os, subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', sys.argv[1]], stdout=subprocess.PIPE)\n"
        "out = p.stdout.read()\n"
        "_, _, usage = os.wait4(p.pid, 0)\n"
        "print(usage.ru_maxrss)\n"
        "sys.stdout.write(out.decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", launcher, script], env=env, capture_output=True, text=True
    )
    maxrss, _, out = result.stdout.partition("\n")
    assert int(maxrss) < 150 * 1024, maxrss
    assert out, "the push should have failed"
    length = int(out.split()[0])
    assert length < 4000, out
    assert "BLOB_UPLOAD_INVALID" in out or "refused" in out


def test_a_64k_www_authenticate_header_is_parsed_in_linear_time(gate, crane, tmp_path) -> None:
    _, layout = single_layout(tmp_path / "layout")
    env = environ(tmp_path, gate.ca, basic_config(gate.host, gate.user))
    took = {}
    for size in (16 * 1024, 64 * 1024):
        gate.challenge_padding = size
        started = time.monotonic()
        push_layout(
            layout, f"{gate.host}/go-static/header-{size}", ["v1"], crane=crane, environ=env
        )
        took[size] = time.monotonic() - started
    # Four times the header: linear parsing costs at most about four times as much; the
    # quadratic regex this replaced took sixteen times as long (4.5 s at 64 KB).
    assert took[64 * 1024] < 4 * took[16 * 1024] + 1.0, took


def test_scrubbing_crane_output_is_linear_and_leaves_no_secret() -> None:
    said = (
        'Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln "password":"hunter2" '
        "https://me:pw@r.example/v2/ token=abc&x=1 Basic bWU6cHc="
    )
    clean = scrub(said)
    for secret in ("eyJhbGciOi", "hunter2", "me:pw", "abc&", "bWU6cHc="):
        assert secret not in clean, clean
    took = {}
    for size in (16 * 1024, 64 * 1024):
        hostile = ("token=" + "a" * 7 + " Bearer " + "=" * 5) * (size // 25)
        started = time.perf_counter()
        for _ in range(5):
            scrub(hostile)
        took[size] = time.perf_counter() - started
    assert took[64 * 1024] < 8 * took[16 * 1024] + 0.05, took

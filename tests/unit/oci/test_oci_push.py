"""Pushes to a real registry (Debian's docker-registry, started by build-support/registry on a free
loopback port), read back with skopeo: blobs first, manifests by digest, tags last, and a failed
push that leaves every tag where it was."""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from oci_sample import INDEX_ANNOTATIONS, image_for, references, sample_images

from go_static.core.oci.descriptor import Blob
from go_static.core.oci.image import MANIFEST_MEDIA_TYPE, Image
from go_static.core.oci.layout import image_or_index, layout_files
from go_static.core.oci.push import (
    PushResult,
    RegistryPushError,
    docker_config_credentials,
    plain_http,
    push_layout,
    push_references,
    read_layout,
)
from go_static.core.oci.reference import ImageReference, ImageReferenceError

REPO_ROOT = Path(__file__).resolve().parents[3]
SCRIPT = REPO_ROOT / "build-support" / "registry"
ACCESS_LINE = re.compile(r'"(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP/1\.1" (\d+)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Registry:
    port: int
    directory: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def name(self, label: str) -> str:
        """A repository of its own for each test: the tests share one registry."""
        return f"{self.host}/go-static/{label}-{uuid.uuid4().hex[:8]}"

    def requests(self, name: str) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request for `name`, from the registry's access log."""
        path = f"/v2/{name.split('/', 1)[1]}/"
        log = (self.directory / "registry.log").read_text()
        return [
            (method, url, int(status))
            for method, url, status in ACCESS_LINE.findall(log)
            if url.startswith(path)
        ]


@pytest.fixture(scope="session")
def registry(tmp_path_factory) -> Iterator[Registry]:
    if not shutil.which("docker-registry"):
        pytest.skip(
            "docker-registry is not installed; these tests push to a real registry. Install "
            "Debian's `docker-registry` (as root: apt-get install -y docker-registry)."
        )
    found = Registry(free_port(), tmp_path_factory.mktemp("registry"))
    env = {
        **os.environ,
        "GO_STATIC_REGISTRY_PORT": str(found.port),
        "GO_STATIC_REGISTRY_DIR": str(found.directory),
    }
    started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield found
    finally:
        stopped = subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, text=True)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


def skopeo(*args: str) -> subprocess.CompletedProcess:
    if not shutil.which("skopeo"):
        pytest.fail("skopeo is not installed (as root: apt-get install -y skopeo); CI installs it.")
    return subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=60)


def inspect(reference: str) -> subprocess.CompletedProcess:
    return skopeo("inspect", "--tls-verify=false", f"docker://{reference}")


def single_layout() -> tuple[Image, dict[str, bytes]]:
    image = image_for(sample_images(), "arm64")
    return image, layout_files(image_or_index([image]), references=references())


def multi_layout() -> dict[str, bytes]:
    return layout_files(image_or_index(sample_images(), INDEX_ANNOTATIONS), references=references())


def blob_file(digest: str) -> str:
    return f"blobs/sha256/{digest.split(':')[1]}"


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
    config = (registry.directory / "config.yml").read_text()
    assert f"addr: 127.0.0.1:{registry.port}" in config and "enabled: true" in config
    # Another directory did not start this registry: its `stop` must leave it running.
    other = subprocess.run(
        [str(SCRIPT), "stop"],
        env={**env, "GO_STATIC_REGISTRY_DIR": str(registry.directory / "other")},
        capture_output=True,
        text=True,
    )
    assert other.returncode == 0 and "nothing to stop" in other.stdout
    assert run("status").returncode == 0


def test_the_script_says_why_when_the_port_is_taken_by_something_else(gate, tmp_path) -> None:
    # The proxy answers /v2/ with 401, like Debian's own registry service with its htpasswd.
    _, host = gate
    env = {
        **os.environ,
        "GO_STATIC_REGISTRY_PORT": host.split(":")[1],
        "GO_STATIC_REGISTRY_DIR": str(tmp_path),
    }
    proc = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "registry: docker-registry exited at start" in proc.stderr
    assert "address already in use" in proc.stderr  # the end of its log
    assert "Fix: set GO_STATIC_REGISTRY_PORT to a free port" in proc.stderr
    assert not (tmp_path / "registry.pid").exists()


# --- pushes that work


def test_a_single_image_is_pushed_and_skopeo_finds_it_under_each_tag(registry) -> None:
    image, files = single_layout()
    name = registry.name("single")
    result = push_layout(files, name, ["v1", "latest"])
    assert result == PushResult(
        registry.host,
        name.split("/", 1)[1],
        image.manifest.digest,
        ("v1", "latest"),
        blobs_uploaded=2,
        blobs_skipped=0,
        bytes_uploaded=image.config.size + image.layers[0].blob.size,
    )
    for tag in ("v1", "latest"):
        shown = inspect(f"{name}:{tag}")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["Digest"] == image.manifest.digest
        assert sorted(json.loads(shown.stdout)["RepoTags"]) == ["latest", "v1"]
    raw = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{name}:v1")
    assert raw.stdout.encode() == image.manifest.data


def test_a_two_platform_index_is_pulled_back_by_digest_byte_for_byte(registry, tmp_path) -> None:
    files = multi_layout()
    name = registry.name("multi")
    result = push_layout(files, name, ["v1"])
    index = json.loads(files["index.json"])["manifests"][0]
    assert result.digest == index["digest"] and result.blobs_uploaded == 4
    copied = skopeo(
        "copy",
        "--all",
        "--src-tls-verify=false",
        f"docker://{name}@{result.digest}",
        f"oci:{tmp_path / 'pulled'}",
    )
    assert copied.returncode == 0, copied.stderr
    pulled = read_layout(tmp_path / "pulled")
    (top,) = json.loads(pulled["index.json"])["manifests"]
    assert top["digest"] == result.digest
    assert pulled[blob_file(result.digest)] == files[blob_file(result.digest)]
    # Every blob came back unchanged: the two manifests, configs and layers.
    assert {path: pulled[path] for path in files if path.startswith("blobs/")} == {
        path: data for path, data in files.items() if path.startswith("blobs/")
    }


def test_blobs_go_first_then_manifests_by_digest_then_the_index_then_the_tags(registry) -> None:
    files = multi_layout()
    name = registry.name("order")
    result = push_layout(files, name, ["v1", "v2"])
    writes = [(m, path) for m, path, _ in registry.requests(name) if m in ("POST", "PUT")]
    kinds = [
        "blob" if "/blobs/" in path else path.rsplit("/manifests/", 1)[1] for _, path in writes
    ]
    index = json.loads(files[blob_file(result.digest)])
    children = {m["digest"] for m in index["manifests"]}
    assert kinds[:8] == ["blob"] * 8  # 4 blobs, each a POST and a PUT
    # The monolithic PUT keeps the registry's own query (its upload state) and adds the digest.
    blob_puts = [path for method, path in writes[:8] if method == "PUT"]
    assert all(re.search(r"\?_state=[^&]+&digest=sha256%3A[0-9a-f]{64}$", p) for p in blob_puts)
    assert set(kinds[8:10]) == children
    assert kinds[10:] == [result.digest, "v1", "v2"]


def test_pushing_the_same_layout_again_uploads_no_blob(registry) -> None:
    files = multi_layout()
    name = registry.name("again")
    first = push_layout(files, name, ["v1"])
    second = push_layout(files, name, ["v1", "v2"])
    assert (first.blobs_uploaded, first.blobs_skipped) == (4, 0)
    assert (second.blobs_uploaded, second.blobs_skipped, second.bytes_uploaded) == (0, 4, 0)
    assert second.digest == first.digest
    assert json.loads(inspect(f"{name}:v2").stdout)["Digest"] == first.digest


def test_push_references_pushes_each_repository_with_its_tags(registry) -> None:
    _, files = single_layout()
    one, two = registry.name("refs-one"), registry.name("refs-two")
    refs = [
        ImageReference(registry.host, one.split("/", 1)[1], "a"),
        ImageReference(registry.host, two.split("/", 1)[1], "b"),
        ImageReference(registry.host, one.split("/", 1)[1], "c"),
    ]
    results = push_references(files, refs)
    assert [(r.repository, r.tags) for r in results] == [
        (one.split("/", 1)[1], ("a", "c")),
        (two.split("/", 1)[1], ("b",)),
    ]
    assert results[1].blobs_skipped == 0  # blobs are per repository: no cross-repository mount
    assert all(inspect(ref).returncode == 0 for ref in (f"{one}:a", f"{one}:c", f"{two}:b"))


# --- pushes that fail, and move no tag


def test_a_registry_that_is_down_is_named_with_the_fix(registry) -> None:
    _, files = single_layout()
    port = free_port()
    with pytest.raises(RegistryPushError) as caught:
        push_layout(files, f"127.0.0.1:{port}/go-static/down", ["v1"], subject="//src:img")
    message = str(caught.value)
    assert message.startswith(f"//src:img: The registry 127.0.0.1:{port} refused the connection")
    assert "no tag was moved (v1)" in message and "Start the registry" in message
    assert "Traceback" not in message and "Errno" not in message
    assert caught.value.code == "publish" and caught.value.tags_moved == ()


def test_a_name_the_grammar_refuses_is_refused_before_any_request(registry) -> None:
    _, files = single_layout()
    with pytest.raises(ImageReferenceError, match='invalid path component "Team"'):
        push_layout(files, f"{registry.host}/Team/app", ["v1"])
    with pytest.raises(ImageReferenceError, match='tag "-bad" is not valid'):
        push_layout(files, f"{registry.host}/team/app", ["-bad"])
    assert registry.requests(f"{registry.host}/Team/app") == []
    assert registry.requests(f"{registry.host}/team/app") == []


def test_a_name_the_registry_refuses_is_quoted_and_moves_no_tag(registry) -> None:
    # Taken as parsed, an upper-case path gets past the local grammar; the registry's router
    # refuses it, as it refuses every name outside the distribution grammar.
    _, files = single_layout()
    ref = ImageReference(registry.host, "go-static/Upper", "v1")
    with pytest.raises(RegistryPushError) as caught:
        push_references(files, [ref], subject="//src:img")
    message = str(caught.value)
    assert "HTTP 404 Not Found: 404 page not found" in message
    assert "no tag was moved (v1)" in message and "`repository` field" in message
    assert inspect(f"{registry.host}/go-static/upper:v1").returncode != 0


def test_a_manifest_the_registry_refuses_is_quoted_and_moves_no_tag(registry) -> None:
    # A regular layer with `urls` is refused by the registry (only non-distributable layers
    # may have them), but the layout itself is complete: every blob matches its digest.
    image = image_for(sample_images(), "amd64")
    document = json.loads(image.manifest.data)
    document["layers"][0]["urls"] = ["https://example.com/layer.tar.gz"]
    manifest = Blob.json(MANIFEST_MEDIA_TYPE, document)
    files = layout_files(Image(image.platform, manifest, image.config, image.layers))
    name = registry.name("refused")
    with pytest.raises(RegistryPushError) as caught:
        push_layout(files, name, ["v1"])
    message = str(caught.value)
    assert f"refused the manifest {manifest.digest}" in message
    assert f"MANIFEST_BLOB_UNKNOWN: blob unknown to registry ({image.layers[0].digest})" in message
    assert "no tag was moved (v1)" in message and caught.value.tags_moved == ()
    missing = inspect(f"{name}:v1")
    assert missing.returncode != 0 and "manifest unknown" in missing.stderr


def test_a_read_only_registry_refuses_the_first_upload_and_no_tag_moves(registry, tmp_path) -> None:
    _, files = single_layout()
    port = free_port()
    env = {
        **os.environ,
        "GO_STATIC_REGISTRY_PORT": str(port),
        "GO_STATIC_REGISTRY_DIR": str(tmp_path),
        "GO_STATIC_REGISTRY_READ_ONLY": "1",
    }
    started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        with pytest.raises(RegistryPushError) as caught:
            push_layout(files, f"127.0.0.1:{port}/go-static/ro", ["v1"], subject="//src:img")
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, check=True)
    message = str(caught.value)
    assert "HTTP 405 Method Not Allowed" in message and "it may be read-only" in message
    assert "no tag was moved (v1)" in message
    assert not list((tmp_path / "storage").rglob("link"))  # the registry stored nothing


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_a_damaged_layout_is_refused_before_any_request_and_moves_no_tag(registry, damage) -> None:
    image, files = single_layout()
    layer = blob_file(image.layers[0].digest)
    if damage == "corrupt":
        files[layer] = files[layer][:-1] + bytes([files[layer][-1] ^ 1])
    else:
        del files[layer]
    name = registry.name(damage)
    with pytest.raises(RegistryPushError) as caught:
        push_layout(files, name, ["v1", "latest"])
    message = str(caught.value)
    said = {
        "corrupt": f"{layer}, which {image.manifest.digest} refers to, holds",
        "missing": "lacks",
    }
    assert said[damage] in message and layer in message
    assert "no tag was moved (v1, latest)" in message and "pants package" in message
    assert registry.requests(name) == []
    assert inspect(f"{name}:v1").returncode != 0


def test_a_later_tag_that_fails_says_which_tags_moved(registry) -> None:
    # The registry can't store tag t2 (its tag directory's path is taken by a file): a real
    # registry failure in the middle of the tags step.
    image, files = single_layout()
    name = registry.name("tags")
    repository = name.split("/", 1)[1]
    tags_dir = registry.directory / "storage/docker/registry/v2/repositories" / repository
    (tags_dir / "_manifests" / "tags").mkdir(parents=True)
    (tags_dir / "_manifests" / "tags" / "t2").write_text("not a directory")
    with pytest.raises(RegistryPushError) as caught:
        push_layout(files, name, ["t1", "t2", "t3"])
    message = str(caught.value)
    assert "refused the tag t2" in message and "HTTP 500" in message
    assert "moved: t1, now naming the new image" in message and "not moved: t2, t3" in message
    assert caught.value.tags_moved == ("t1",)
    assert json.loads(inspect(f"{name}:t1").stdout)["Digest"] == image.manifest.digest
    assert inspect(f"{name}:t3").returncode != 0


# --- auth, Location and digest checks, through a proxy in front of the real registry


@dataclass
class Gate:
    """What the proxy asks of clients, and what it saw."""

    registry_port: int
    mode: str = "bearer"  # bearer | basic
    user: tuple[str, str] = ("ci", "s3cret")
    token: str = "token-123"
    lie_about_digests: bool = False
    scopes: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)

    def authorized(self, header: str) -> bool:
        if self.mode == "bearer":
            return header == f"Bearer {self.token}"
        return self.authorized_basic(header)

    def authorized_basic(self, header: str) -> bool:
        return header == f"Basic {base64.b64encode(':'.join(self.user).encode()).decode()}"


def proxy_handler(gate: Gate, realm: str) -> type:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/token"):
                self.issue_token()
            else:
                self.relay()

        def issue_token(self) -> None:
            gate.scopes += re.findall(r"scope=([^&]+)", self.path)
            if gate.authorized_basic(self.headers.get("Authorization", "")):
                self.reply(200, {}, json.dumps({"token": gate.token}).encode())
            else:
                self.reply(401, {}, b'{"details":"bad credentials"}')

        def relay(self) -> None:
            if not gate.authorized(self.headers.get("Authorization", "")):
                challenge = (
                    f'Bearer realm="{realm}",service="test",scope="repository:x:pull"'
                    if gate.mode == "bearer"
                    else 'Basic realm="test"'
                )
                body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
                self.reply(401, {"WWW-Authenticate": challenge}, body)
                return
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
            upstream = http.client.HTTPConnection("127.0.0.1", gate.registry_port, timeout=10)
            upstream.request(self.command, self.path, body=data, headers=headers)
            response = upstream.getresponse()
            body = response.read()
            extra = {}
            for key, value in response.getheaders():
                if key.lower() == "location":
                    # Relative, as some registries answer: the client must resolve it.
                    value = "/" + value.split("://", 1)[-1].split("/", 1)[1]
                    gate.locations.append(value)
                if key.lower() == "docker-content-digest" and gate.lie_about_digests:
                    value = "sha256:" + "0" * 64
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    extra[key] = value
            self.reply(response.status, extra, body)

        do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = relay

        def reply(self, status: int, headers: dict, body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return Handler


@pytest.fixture
def gate(registry) -> Iterator[tuple[Gate, str]]:
    """A proxy on its own loopback port that asks for auth, then relays to the real registry."""
    gate = Gate(registry.port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    host = f"127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = proxy_handler(gate, f"http://{host}/token")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gate, host
    finally:
        server.shutdown()
        server.server_close()


def test_a_bearer_challenge_gets_a_token_with_the_credentials_and_push_scope(gate) -> None:
    gate, host = gate
    _, files = single_layout()
    name = f"{host}/go-static/bearer"
    result = push_layout(files, name, ["v1"], credentials={host: gate.user})
    assert result.tags == ("v1",) and result.blobs_uploaded == 2
    assert "repository%3Ago-static%2Fbearer%3Apull%2Cpush" in gate.scopes
    assert gate.locations and all(loc.startswith("/v2/") for loc in gate.locations)
    # Through the proxy's relative Location, the real registry got the blobs and the tag.
    real = name.replace(host, f"127.0.0.1:{gate.registry_port}")
    assert json.loads(inspect(f"{real}:v1").stdout)["Digest"] == result.digest


def test_without_credentials_the_error_names_the_registry_and_docker_login(gate) -> None:
    gate, host = gate
    _, files = single_layout()
    with pytest.raises(RegistryPushError) as caught:
        push_layout(files, f"{host}/go-static/anonymous", ["v1"], subject="//src:img")
    message = str(caught.value)
    assert f"The registry {host} asked for credentials" in message
    assert "(no credentials were given)" in message and f"docker login {host}" in message
    assert f"Token service: http://{host}/token" in message  # it refused to issue one
    assert "no tag was moved (v1)" in message


def test_wrong_basic_credentials_are_refused_and_right_ones_from_docker_config_work(
    gate, tmp_path
) -> None:
    gate, host = gate
    gate.mode = "basic"
    _, files = single_layout()
    with pytest.raises(RegistryPushError, match=r"\(with the credentials given\): HTTP 401"):
        push_layout(files, f"{host}/go-static/basic", ["v1"], credentials={host: ("ci", "no")})
    auth = base64.b64encode(":".join(gate.user).encode()).decode()
    hub = base64.b64encode(b"someone:hub-pass").decode()
    (tmp_path / "config.json").write_text(
        json.dumps(
            {
                "auths": {
                    f"http://{host}": {"auth": auth},
                    "https://index.docker.io/v1/": {"auth": hub},
                    "ghcr.io": {},  # a credential helper's entry: nothing to read
                },
                "credsStore": "desktop",
            }
        )
    )
    found = docker_config_credentials({"DOCKER_CONFIG": str(tmp_path), "HOME": "/nonexistent"})
    assert found == {host: gate.user, "docker.io": ("someone", "hub-pass")}
    result = push_layout(files, f"{host}/go-static/basic", ["v1"], credentials=found)
    assert result.tags == ("v1",)


def test_a_registry_that_reports_another_digest_is_caught_before_the_tags(gate) -> None:
    gate, host = gate
    gate.lie_about_digests = True
    _, files = single_layout()
    with pytest.raises(RegistryPushError) as caught:
        push_layout(files, f"{host}/go-static/liar", ["v1"], credentials={host: gate.user})
    message = str(caught.value)
    assert f"under the digest sha256:{'0' * 64}, not" in message
    assert "no tag was moved (v1)" in message


# --- small pieces


def test_loopback_and_listed_registries_get_plain_http_and_others_https() -> None:
    assert plain_http("127.0.0.1:5000") and plain_http("localhost:5000") and plain_http("[::1]")
    assert plain_http("127.0.0.2") and not plain_http("registry.example.com")
    assert not plain_http("10.0.0.1:5000")
    assert plain_http("10.0.0.1:5000", ["10.0.0.1:5000"]) and plain_http("lab:5000", ["lab"])


def test_a_missing_or_broken_docker_config_reads_as_none_or_says_which_file(tmp_path) -> None:
    assert docker_config_credentials({"DOCKER_CONFIG": str(tmp_path)}) == {}
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(RegistryPushError, match="config.json can't be read as a Docker config"):
        docker_config_credentials({"DOCKER_CONFIG": str(tmp_path)}, subject="publish")
    home = tmp_path / "home"
    (home / ".docker").mkdir(parents=True)
    auth = base64.b64encode(b"me:pw:with:colons").decode()
    (home / ".docker" / "config.json").write_text(json.dumps({"auths": {"r.io": {"auth": auth}}}))
    assert docker_config_credentials({"HOME": str(home)}) == {"r.io": ("me", "pw:with:colons")}


def test_read_layout_reads_back_what_the_writer_wrote(tmp_path) -> None:
    files = multi_layout()
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    (tmp_path / "stray.txt").write_text("not part of a layout")
    assert read_layout(tmp_path) == files


def test_the_registry_answers_v2_without_auth(registry) -> None:
    with urllib.request.urlopen(f"http://{registry.host}/v2/", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Docker-Distribution-Api-Version"] == "registry/2.0"

"""Tier 3 (marker `remote_execution`): hostile Actions against build-support/remote-exec's executor.

Each test sends Actions straight to BuildGrid (build-support/remote_exec_smoke.py --action, an
REAPI client) and checks what the worker did on the host: no file outside the execroot written,
no host file read through a symlink, no network but for download steps (and never the host's
loopback), an unprivileged uid with a minimal /etc, a blob cache checked by digest, and the
database password on no command line.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from test_remote_execution import executor  # noqa: F401  (the same private executor)

from pants_harness import REPO_ROOT

pytestmark = pytest.mark.remote_execution
CLIENT = str(REPO_ROOT / "build-support" / "remote_exec_smoke.py")
# A worker's execroot is STATE/worker-N/exec/action-XXXX/root: four `..` reach STATE.
UP_TO_STATE = 4
PROBE = """\
import socket, sys
for host, port in [(h, int(p)) for h, p in (a.rsplit(":", 1) for a in sys.argv[1:])]:
    try:
        socket.create_connection((host, port), 10).close()
        print(host, port, "connected")
    except OSError as e:
        print(host, port, "failed:", e)
"""


def state_of(where: list[str]) -> Path:
    return Path(where[where.index("--dir") + 1])


def execute(where: list[str], spec: dict) -> dict:
    """Runs one Action described as in remote_exec_smoke.py's docstring; its ExecuteResponse."""
    address = f"grpc://127.0.0.1:{where[where.index('--port') + 1]}"
    done = subprocess.run(
        ["python3", CLIENT, address, "--instance", "go-static", "--action"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def nested(depth: int, leaf: dict) -> dict:
    """A tree whose directories are all named `..`, depth deep, with leaf at the bottom."""
    for _ in range(depth):
        leaf = {"dirs": {"..": leaf}}
    return leaf


@pytest.fixture
def canary(executor) -> Path:  # noqa: F811
    """A host file beside the workers' directories, where `..` names would lead."""
    _, where = executor
    path = state_of(where) / "canary"
    path.write_text("original\n")
    yield path
    path.unlink(missing_ok=True)


def planted(state: Path) -> list[str]:
    return sorted(p.name for p in state.iterdir() if p.name.startswith("planted"))


@pytest.mark.parametrize(
    "root, name",
    [
        pytest.param(nested(UP_TO_STATE, {"files": {"canary": "pwned\n"}}), "..", id="dotdot-dirs"),
        pytest.param(
            {"files": {"../" * UP_TO_STATE + "canary": "pwned\n"}}, "../", id="dotdot-file"
        ),
        pytest.param({"files": {"CANARY": "pwned\n"}}, "canary", id="absolute-file"),
        pytest.param({"dirs": {"STATE": {"files": {"planted": "x"}}}}, "STATE", id="absolute-dir"),
        pytest.param({"symlinks": {"..": "/"}}, "'..'", id="symlink"),
        pytest.param({"dirs": {"ok": {"files": {"": "x"}}}}, "''", id="empty"),
        pytest.param({"files": {".": "x"}}, "'.'", id="dot"),
        pytest.param({"dirs": {"a/b": {}}}, "a/b", id="slash"),
    ],
)
def test_an_input_name_that_is_not_one_path_component_is_refused(
    executor,  # noqa: F811
    canary: Path,
    root: dict,
    name: str,
) -> None:
    _, where = executor
    state = state_of(where)
    text = json.dumps(root).replace("STATE", str(state)).replace("CANARY", str(canary))
    response = execute(where, {"argv": ["/bin/true"], "root": json.loads(text)})
    assert response["status"] == "INVALID_ARGUMENT", response
    assert name.replace("STATE", str(state)) in response["message"], response
    assert canary.read_text() == "original\n"
    assert planted(state) == []


@pytest.mark.parametrize(
    "spec, named",
    [
        ({"output_files": ["../" * UP_TO_STATE + "planted"]}, "../"),
        ({"output_files": ["/tmp/planted"]}, "/tmp/planted"),
        ({"output_directories": ["a/../../" + "../" * UP_TO_STATE + "planted"]}, "a/../"),
        ({"output_paths": ["CANARY"]}, "canary"),
        ({"workdir": "../" * UP_TO_STATE + "planted"}, "working_directory"),
        ({"workdir": "/tmp"}, "working_directory '/tmp'"),
        # Through a symlink of the input root: mkdir must not follow it out.
        ({"root": {"symlinks": {"out": "STATE"}}, "output_files": ["out/planted/x"]}, "'out'"),
        ({"root": {"symlinks": {"out": "STATE"}}, "workdir": "out/planted"}, "'out'"),
    ],
    ids=lambda v: json.dumps(v)[:40] if isinstance(v, dict) else None,
)
def test_an_output_path_or_working_directory_outside_the_execroot_is_refused(
    executor,  # noqa: F811
    canary: Path,
    spec: dict,
    named: str,
) -> None:
    _, where = executor
    state = state_of(where)
    text = json.dumps(spec).replace("STATE", str(state)).replace("CANARY", str(canary))
    hostile = {"argv": ["/bin/true"], "root": {}, **json.loads(text)}
    response = execute(where, hostile)
    assert response["status"] == "INVALID_ARGUMENT", response
    assert named in response["message"], response
    assert planted(state) == []
    assert canary.read_text() == "original\n"


def test_an_output_symlink_is_returned_as_a_symlink_never_as_its_targets_bytes(
    executor,  # noqa: F811
) -> None:
    _, where = executor
    state = state_of(where)
    secret = f"secret {uuid.uuid4()}\n"
    target = state / "secret.txt"
    target.write_text(secret)
    target.chmod(0o600)
    script = (
        # via2 exists (the worker makes an output's parent); the action swaps it for a link.
        f"ln -s {target} leak && mkdir -p d && ln -s {target} d/leak && "
        f"ln -s {state} d/up && rmdir via2 && ln -s {state} via2 && echo fine > d/fine"
    )
    try:
        response = execute(
            where,
            {
                "argv": ["/bin/sh", "-c", script],
                "env": {"PATH": "/usr/bin:/bin"},
                "root": {},
                "output_files": ["leak", "via2/secret.txt"],
                "output_directories": ["d"],
                "probe_cas": [secret],
            },
        )
    finally:
        target.unlink()
    assert response["status"] == "OK" and response["exit_code"] == 0, response
    assert response["symlinks"] == {"leak": str(target)}, response
    assert response["directories"]["d"] == {
        "fine": "fine\n",
        "leak": f"-> {target}",
        "up": f"-> {state}",
    }, response
    assert "via2/secret.txt" not in response["files"], response
    assert all(secret not in blob for blob in response["blobs"]), response
    assert response["in_cas"] == [], "the secret's bytes reached the CAS"

    # output_paths (REAPI 2.1) too: the symlink is an OutputSymlink.
    response = execute(
        where,
        {
            "argv": ["/bin/sh", "-c", f"ln -s {target} leak"],
            "env": {"PATH": "/usr/bin:/bin"},
            "root": {},
            "output_paths": ["leak"],
        },
    )
    assert response["symlinks"] == {"leak": str(target)} and response["files"] == {}, response


def test_an_action_has_no_network_and_a_download_step_no_host_loopback(
    executor,  # noqa: F811
) -> None:
    _, where = executor
    port = where[where.index("--port") + 1]
    pg_port = where[where.index("--pg-port") + 1]
    targets = [f"127.0.0.1:{port}", f"127.0.0.1:{pg_port}", f"10.0.2.2:{port}"]
    outside = "proxy.golang.org:443"
    argv = ["/usr/bin/python3", "-c", PROBE, *targets, outside]

    plain = execute(where, {"argv": argv, "root": {}})
    lines = plain["stdout"].splitlines()
    assert plain["exit_code"] == 0 and len(lines) == 4, plain
    assert all(" failed: " in line for line in lines), plain

    # go_static marks `go list` and the module downloads (rules/process.py).
    download = execute(where, {"argv": argv, "root": {}, "env": {"__GO_STATIC_NETWORK": "1"}})
    lines = download["stdout"].splitlines()
    assert lines[-1] == "proxy.golang.org 443 connected", download
    assert len(lines) == 4 and all(" failed: " in line for line in lines[:-1]), download


def test_an_action_runs_as_nobody_and_sees_only_the_etc_files_toolchains_need(
    executor,  # noqa: F811
) -> None:
    _, where = executor
    response = execute(
        where,
        {
            "argv": [
                "/bin/sh",
                "-c",
                "id -u; id -g; cat /etc/shadow; echo shadow=$?; ls /etc; touch /usr/x; echo usr=$?",
            ],
            "env": {"PATH": "/usr/bin:/bin"},
            "root": {},
        },
    )
    lines = response["stdout"].splitlines()
    assert lines[:2] == ["65534", "65534"], response
    assert "shadow=1" in lines, response
    assert "usr=1" in lines, response
    etc = set(lines[lines.index("shadow=1") + 1 : lines.index("usr=1")])
    assert etc, response
    assert etc <= {
        "alternatives",
        "ca-certificates",
        "ca-certificates.conf",
        "gai.conf",
        "group",
        "host.conf",
        "hosts",
        "ld.so.cache",
        "ld.so.conf",
        "ld.so.conf.d",
        "localtime",
        "nsswitch.conf",
        "passwd",
        "protocols",
        "services",
        "ssl",
    }, etc


def test_a_tampered_blob_cache_copy_is_fetched_again(executor) -> None:  # noqa: F811
    _, where = executor
    state = state_of(where)
    data = f"input {uuid.uuid4()}\n"
    spec = {"argv": ["/bin/cat", "in.txt"], "root": {"files": {"in.txt": data}}}
    assert execute(where, spec)["stdout"] == data
    cached = state / "blobs" / (digest := hashlib.sha256(data.encode()).hexdigest())[:2] / digest
    assert cached.read_text() == data
    cached.chmod(0o644)
    cached.write_text(data.replace("input", "TAMPER"))
    cached.chmod(0o444)
    # Both workers, whichever verified it before, must see the change.
    for _ in range(3):
        assert execute(where, spec)["stdout"] == data
    assert cached.read_text() == data
    logs = "".join(p.read_text() for p in state.glob("worker-*.log"))
    assert f"{cached} does not match its digest" in logs


def test_the_database_password_is_on_no_command_line(executor) -> None:  # noqa: F811
    _, where = executor
    state = state_of(where)
    password = (state / "pg-password").read_text().strip()
    assert len(password) >= 16
    seen = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
        except OSError:  # gone meanwhile
            continue
        seen += b"bgd" in text
        assert password.encode() not in text, cmdline
    assert seen, "BuildGrid is not running"
    assert password not in (state / "config.yml").read_text()
    assert (state / "pgpass").stat().st_mode & 0o077 == 0
    # The executor works without it: the database answered BuildGrid.
    assert execute(where, {"argv": ["/bin/true"], "root": {}})["status"] == "OK"

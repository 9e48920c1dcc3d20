"""An REAPI client that checks build-support/remote-exec end to end.

    build-support/remote_exec_smoke.py grpc://127.0.0.1:50561 [--instance go-static]
    build-support/remote_exec_smoke.py ADDRESS --sleep 30   # one long action, for kill tests

It runs on BuildGrid's venv (it re-executes itself there) and checks, through Execute:
- `/bin/sh -c 'echo hi; ls /work /root/.cache 2>&1; id -u'` exits 0, prints "hi", and sees
  neither /work nor /root/.cache; the same Execute again is an action-cache hit;
- an input root (a file, an executable), a working directory, exactly the Command's environment,
  an output file and an output directory come back as they should;
- an action over its timeout ends as DEADLINE_EXCEEDED.
Each check prints one line; the exit code is the number of failed checks.

    build-support/remote_exec_smoke.py ADDRESS --action < spec.json

runs one Action described in JSON, names used as given (hostile ones too), and prints its
ExecuteResponse as JSON, for the isolation tests (tests/integration/test_remote_exec_isolation.py):
  in:  {"argv": [...], "env": {...}, "workdir": "", "output_files": [], "output_directories": [],
        "output_paths": [], "timeout": 0, "root": TREE}
       TREE = {"files": {NAME: TEXT}, "executables": {NAME: TEXT}, "dirs": {NAME: TREE},
               "symlinks": {NAME: TARGET}}
  out: {"status": "OK", "message": "", "exit_code": 0, "stdout": "", "stderr": "",
        "files": {PATH: TEXT}, "symlinks": {PATH: TARGET}, "directories": {PATH: {REL: TEXT}},
        "blobs": [each output blob's text], "in_cas": [the "probe_cas" texts the CAS has]}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _ensure_buildgrid() -> None:
    try:
        import buildgrid  # noqa: F401
    except ImportError:
        venv = Path(os.environ.get("BUILDGRID_VENV", HERE.parent / ".pants.d" / "buildgrid-venv"))
        python = venv / "bin" / "python"
        if not python.exists():
            sys.exit(f"{python} is missing: run build-support/remote-exec start first")
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def main() -> int:
    _ensure_buildgrid()
    import grpc
    from buildgrid._protos.build.bazel.remote.execution.v2 import remote_execution_pb2 as re_pb2
    from buildgrid._protos.build.bazel.remote.execution.v2 import (
        remote_execution_pb2_grpc as re_grpc,
    )
    from buildgrid._protos.google.rpc import code_pb2
    from remote_exec_worker import CHANNEL_OPTIONS, Blob, Cas, digest_of, message_digest

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", help="grpc://HOST:PORT, as `build-support/remote-exec address`")
    parser.add_argument("--instance", default="go-static")
    parser.add_argument("--sleep", type=float, help="only run `sleep SECONDS` and report timings")
    parser.add_argument("--action", action="store_true", help="run the JSON Action on stdin")
    args = parser.parse_args()

    channel = grpc.insecure_channel(args.address.split("://", 1)[-1], options=CHANNEL_OPTIONS)
    cas = Cas(channel, args.instance)
    execution = re_grpc.ExecutionStub(channel)
    action_cache = re_grpc.ActionCacheStub(channel)
    failures = 0

    def check(ok: bool, what: str, detail: str = "") -> None:
        nonlocal failures
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {what}{'' if ok else ': ' + detail}", flush=True)

    def directory(files: dict[str, tuple[bytes, bool]], blobs: list) -> re_pb2.Digest:
        """A Directory of top-level files and one level of subdirectories ("dir/name")."""
        subdirs: dict[str, dict[str, tuple[bytes, bool]]] = {}
        root = re_pb2.Directory()
        for name, (data, executable) in sorted(files.items()):
            if "/" in name:
                top, rest = name.split("/", 1)
                subdirs.setdefault(top, {})[rest] = (data, executable)
                continue
            blobs.append(Blob(digest_of(data), data=data))
            root.files.add(name=name, digest=digest_of(data), is_executable=executable)
        for top, sub in sorted(subdirs.items()):
            root.directories.add(name=top, digest=directory(sub, blobs))
        digest, data = message_digest(root)
        blobs.append(Blob(digest, data=data))
        return digest

    def execute(argv, env=None, inputs=None, workdir="", outputs=(), dirs=(), timeout=0):
        """Uploads an Action and Executes it; returns (ExecuteResponse, seconds, action digest)."""
        blobs: list = []
        command = re_pb2.Command(
            arguments=argv,
            environment_variables=[
                re_pb2.Command.EnvironmentVariable(name=k, value=v)
                for k, v in sorted((env or {}).items())
            ],
            output_files=sorted(outputs),
            output_directories=sorted(dirs),
            working_directory=workdir,
        )
        command_digest, data = message_digest(command)
        blobs.append(Blob(command_digest, data=data))
        action = re_pb2.Action(
            command_digest=command_digest, input_root_digest=directory(inputs or {}, blobs)
        )
        if timeout:
            action.timeout.FromSeconds(timeout)
        action_digest, data = message_digest(action)
        blobs.append(Blob(action_digest, data=data))
        cas.upload(blobs)
        return run(action_digest)

    def run(action_digest):
        request = re_pb2.ExecuteRequest(
            instance_name=args.instance, action_digest=action_digest, skip_cache_lookup=False
        )
        started = time.monotonic()
        for operation in execution.Execute(request, timeout=600):
            if operation.done:
                break
        elapsed = time.monotonic() - started
        if operation.HasField("error"):
            raise SystemExit(f"Execute failed: {operation.error}")
        response = re_pb2.ExecuteResponse()
        operation.response.Unpack(response)
        return response, elapsed, action_digest

    def text(digest) -> str:
        return cas.read_blobs([digest])[digest.hash].decode()

    if args.action:
        print(json.dumps(run_spec(json.load(sys.stdin), cas, run, re_pb2, code_pb2, text)))
        return 0

    salt = {"SMOKE_RUN": str(uuid.uuid4())}  # a fresh action on every run: no stale cache hit
    path = {"PATH": "/usr/bin:/bin"}

    if args.sleep:
        response, elapsed, _ = execute(["/bin/sleep", f"{args.sleep:g}"], env=salt)
        meta = response.result.execution_metadata
        ran = meta.execution_completed_timestamp.ToNanoseconds()
        ran -= meta.execution_start_timestamp.ToNanoseconds()
        print(
            f"status={code_pb2.Code.Name(response.status.code)} exit={response.result.exit_code}"
            f" worker={meta.worker} wall={elapsed:.1f}s ran={ran / 1e9:.1f}s"
        )
        return 0 if response.status.code == code_pb2.OK else 1

    # 1. Isolation, and the action cache.
    argv = ["/bin/sh", "-c", "echo hi; ls /work /root/.cache 2>&1; id -u"]
    response, first, digest = execute(argv, env={**salt, **path})
    result = response.result
    out = text(result.stdout_digest)
    lines = out.splitlines()
    check(response.status.code == code_pb2.OK, "status OK", str(response.status))
    check(result.exit_code == 0, "exit code 0 (ls of missing paths fails: 2>&1 and `id` last)")
    check(lines[:1] == ["hi"], 'stdout starts with "hi"', repr(out))
    for hidden in ("/work", "/root/.cache"):
        check(
            f"cannot access '{hidden}': No such file or directory" in out,
            f"{hidden} is not visible in the sandbox",
            repr(out),
        )
    check(not response.cached_result, "first Execute ran on a worker", str(response))
    print(f"     ran on {result.execution_metadata.worker} as uid {lines[-1]}, {first:.2f} s")
    response, second, _ = run(digest)
    check(response.cached_result, "second Execute is an action-cache hit", str(response))
    check(text(response.result.stdout_digest) == out, "the cached stdout is the same")
    cached = action_cache.GetActionResult(
        re_pb2.GetActionResultRequest(instance_name=args.instance, action_digest=digest)
    )
    check(cached.exit_code == 0, "GetActionResult finds it too")
    print(f"     first Execute {first:.2f} s, cached {second:.3f} s")

    # 2. Inputs, working directory, environment, outputs; a big file goes through ByteStream.
    script = b'#!/bin/sh\necho "script saw FOO=$FOO"\n'
    big = bytes(range(256)) * (10 * 1024 + 7)  # 2.5 MiB
    response, elapsed, _ = execute(
        [
            "/bin/sh",
            "-c",
            "./tool.sh > out.txt && cat data.txt >> out.txt && mkdir -p d/e && pwd > d/e/pwd"
            " && env > d/env && ln -s out.txt d/link && cat big.bin data.txt > d/big.bin",
        ],
        env={**salt, **path, "FOO": "bar"},
        inputs={
            "src/tool.sh": (script, True),
            "src/data.txt": (b"data\n", False),
            "src/big.bin": (big, False),
        },
        workdir="src",
        outputs=["out.txt"],
        dirs=["d"],
    )
    result = response.result
    check(result.exit_code == 0, "inputs: exit code 0", text(result.stderr_digest))
    files = {f.path: text(f.digest) for f in result.output_files}
    check(
        files.get("out.txt") == "script saw FOO=bar\ndata\n",
        "output file from an executable input, in the working directory",
        repr(files),
    )
    trees = {
        d.path: cas.read_message(d.tree_digest, re_pb2.Tree) for d in result.output_directories
    }
    tree = trees.get("d")
    check(tree is not None, "output directory", repr(trees))
    if tree is not None:
        env_file = next(f for f in tree.root.files if f.name == "env")
        env = dict(line.split("=", 1) for line in text(env_file.digest).splitlines() if "=" in line)
        extra = set(env) - {"FOO", "PATH", "SMOKE_RUN", "PWD", "SHLVL", "OLDPWD", "_"}
        check(not extra and "HOME" not in env, "exactly the Command's environment", repr(env))
        check([s.name for s in tree.root.symlinks] == ["link"], "a symlink in an output dir")
        copy = next((f.digest for f in tree.root.files if f.name == "big.bin"), None)
        check(copy == digest_of(big + b"data\n"), "2.5 MiB in and out (ByteStream)", str(copy))
        pwd = text(tree.children[0].files[0].digest).strip() if tree.children else ""
        check(pwd.endswith("/src"), "working directory", pwd)

    # 3. The Action's timeout.
    response, elapsed, _ = execute(["/bin/sleep", "30"], env=salt, timeout=1)
    check(
        response.status.code == code_pb2.DEADLINE_EXCEEDED and elapsed < 15,
        f"timeout: DEADLINE_EXCEEDED after {elapsed:.1f} s",
        str(response.status),
    )
    print("remote-exec smoke: " + ("all checks passed" if not failures else f"{failures} failed"))
    return failures


def run_spec(spec: dict, cas, run, re_pb2, code_pb2, text) -> dict:
    """One Action from its JSON description (see the module docstring), and what came back."""
    from remote_exec_worker import Blob, digest_of, message_digest

    blobs: list = []

    def tree(node: dict):
        directory = re_pb2.Directory()
        for key, executable in (("files", False), ("executables", True)):
            for name, data in sorted(node.get(key, {}).items()):
                raw = data.encode()
                blobs.append(Blob(digest_of(raw), data=raw))
                directory.files.add(name=name, digest=digest_of(raw), is_executable=executable)
        for name, sub in sorted(node.get("dirs", {}).items()):
            directory.directories.add(name=name, digest=tree(sub))
        for name, target in sorted(node.get("symlinks", {}).items()):
            directory.symlinks.add(name=name, target=target)
        digest, data = message_digest(directory)
        blobs.append(Blob(digest, data=data))
        return digest

    env = {"ACTION_RUN": str(uuid.uuid4()), **spec.get("env", {})}  # never a cached result
    command = re_pb2.Command(
        arguments=spec["argv"],
        environment_variables=[
            re_pb2.Command.EnvironmentVariable(name=k, value=v) for k, v in sorted(env.items())
        ],
        output_files=spec.get("output_files", []),
        output_directories=spec.get("output_directories", []),
        output_paths=spec.get("output_paths", []),
        working_directory=spec.get("workdir", ""),
    )
    command_digest, data = message_digest(command)
    blobs.append(Blob(command_digest, data=data))
    action = re_pb2.Action(command_digest=command_digest, input_root_digest=tree(spec["root"]))
    if spec.get("timeout"):
        action.timeout.FromSeconds(spec["timeout"])
    action_digest, data = message_digest(action)
    blobs.append(Blob(action_digest, data=data))
    cas.upload(blobs)
    response, _, _ = run(action_digest)
    result = response.result

    def read(digest) -> str:
        return text(digest) if digest.hash else ""

    def flatten(t, directory, prefix: str, into: dict) -> None:
        children = {message_digest(c)[0].hash: c for c in t.children}
        for f in directory.files:
            into[prefix + f.name] = read(f.digest)
        for s in directory.symlinks:
            into[prefix + s.name] = "-> " + s.target
        for d in directory.directories:
            flatten(t, children[d.digest.hash], f"{prefix}{d.name}/", into)

    directories = {}
    for d in result.output_directories:
        t = cas.read_message(d.tree_digest, re_pb2.Tree)
        directories[d.path] = {}
        flatten(t, t.root, "", directories[d.path])
    files = {f.path: read(f.digest) for f in result.output_files}
    symlinks = {s.path: s.target for s in (*result.output_symlinks, *result.output_file_symlinks)}
    return {
        "status": code_pb2.Code.Name(response.status.code),
        "message": response.status.message,
        "exit_code": result.exit_code,
        "stdout": read(result.stdout_digest),
        "stderr": read(result.stderr_digest),
        "files": files,
        "symlinks": symlinks,
        "directories": directories,
        "blobs": [*files.values(), *(v for d in directories.values() for v in d.values())],
        # Which of these texts the CAS holds: a leak may be stored without being named.
        "in_cas": [
            t for t in spec.get("probe_cas", []) if not cas.find_missing([digest_of(t.encode())])
        ],
    }


if __name__ == "__main__":
    sys.exit(main())

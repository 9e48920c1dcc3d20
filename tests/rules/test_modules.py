"""Tier 2: third-party modules, go.sum, proxies, vendoring, go.work and host settings."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_static.core.gograph.goenv import GoEnv
from go_static.rules.modcache import ModuleCache, ModuleCacheRequest
from go_static.rules.plan import GoStaticBinaryFieldSet, GoStaticPlan, GoStaticPlanRequest
from go_static.rules.toolchain import wheel_dir

UUID_SUM = (
    "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
    "github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n"
)
GO_MOD = "module example.com/tp\n\ngo 1.21\n\nrequire github.com/google/uuid v1.6.0\n"
MAIN = (
    'package main\n\nimport (\n\t"fmt"\n\t"github.com/google/uuid"\n)\n\n'
    "func main() { fmt.Println(uuid.NameSpaceDNS) }\n"
)
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: connection refused


@pytest.fixture
def make_runner(make_rule_runner, tmp_path: Path):
    """A runner with a private store; `fresh_caches` also gives it an empty module cache, so
    downloads (or their failure) really happen."""

    def make(*options: str, env: dict[str, str] | None = None, fresh_caches: bool = False):
        caches = [f"--named-caches-dir={tmp_path / 'named_caches'}"] if fresh_caches else []
        return make_rule_runner(
            QueryRule(BuiltPackage, [GoStaticBinaryFieldSet]),
            QueryRule(GoStaticPlan, [GoStaticPlanRequest]),
            QueryRule(GoEnv, []),
            QueryRule(ModuleCache, [ModuleCacheRequest]),
            options=[*caches, *options],
            env=env,
            isolated_local_store=True,
            bootstrap_args=caches,
        )

    return make


def package(runner: RuleRunner, spec_path: str = "tp", name: str = "app") -> bytes:
    field_set = GoStaticBinaryFieldSet.create(
        runner.get_target(Address(spec_path, target_name=name))
    )
    built = runner.request(BuiltPackage, [field_set])
    return next(fc.content for fc in runner.request(DigestContents, [built.digest]))


def write(runner: RuleRunner, go_sum: str | None = UUID_SUM, **extra: str) -> None:
    files = {
        "tp/go.mod": GO_MOD,
        "tp/main.go": MAIN,
        "tp/BUILD": 'go_static_binary(name="app")\n',
        **extra,
    }
    if go_sum is not None:
        files["tp/go.sum"] = go_sum
    runner.write_files(files)


def test_missing_go_sum_entry_names_module_and_go_mod_tidy(tmp_path: Path, make_runner) -> None:
    runner = make_runner()
    write(runner, go_sum=None)
    with pytest.raises(ExecutionError) as caught:
        package(runner)
    message = str(caught.value)
    assert "tp:app: go list found errors" in message
    assert "Fix: go.sum has no entry for github.com/google/uuid; run `go mod tidy` in tp" in message


def test_mismatched_go_sum_names_module(tmp_path: Path, make_runner) -> None:
    runner = make_runner(fresh_caches=True)
    write(
        runner,
        go_sum=UUID_SUM.replace("NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr", "AAAAJDMOsjHA8n1jAhLSgzrAzy1Hgr"),
    )
    with pytest.raises(ExecutionError) as caught:
        package(runner)
    assert (
        "Fix: go.sum's hash for github.com/google/uuid@v1.6.0 differs from what was downloaded"
        in str(caught.value)
    )


def test_unreachable_proxy_is_named_with_its_source(tmp_path: Path, make_runner) -> None:
    runner = make_runner(env={"GOPROXY": UNREACHABLE}, fresh_caches=True)
    write(runner)
    with pytest.raises(ExecutionError) as caught:
        package(runner)
    assert (
        f"the module proxy could not be reached: GOPROXY={UNREACHABLE} (from environment)"
        in str(caught.value)
    )


def test_second_build_downloads_nothing(tmp_path: Path, make_runner) -> None:
    runner = make_runner(fresh_caches=True)
    write(runner)
    assert package(runner)[:4] == b"\x7fELF"
    # Same module cache, proxy now unreachable, sources changed: everything must come from cache.
    runner.configure(env={"GOPROXY": UNREACHABLE})
    write(runner, **{"tp/main.go": MAIN.replace("NameSpaceDNS", "NameSpaceURL")})
    assert package(runner)[:4] == b"\x7fELF"


def test_inputs_by_digest_give_builds_exactly_the_module_files_they_read(
    tmp_path: Path, make_runner
) -> None:
    # As on a remote worker: the build must not need the module cache `go list` filled.
    runner = make_runner("--go-static-toolchain-source=download", fresh_caches=True)
    write(runner)
    field_set = GoStaticBinaryFieldSet.create(runner.get_target(Address("tp", target_name="app")))
    plan = runner.request(GoStaticPlan, [GoStaticPlanRequest(field_set)])
    assert plan.cached_modules == ("github.com/google/uuid@v1.6.0",)
    # Emptied, as a worker other than the one that ran `go list` has it.
    for entry in (tmp_path / "named_caches" / "go_static_gomodcache").iterdir():
        subprocess.run(["chmod", "-R", "u+w", entry], check=True)
        shutil.rmtree(entry)
    cache = runner.request(ModuleCache, [ModuleCacheRequest(plan.module, plan.cached_modules)])
    files = {fc.path for fc in runner.request(DigestContents, [cache.digest])}
    assert "cache/download/github.com/google/uuid/@v/v1.6.0.ziphash" in files
    assert "cache/download/github.com/google/uuid/@v/v1.6.0.mod" in files
    assert "github.com/google/uuid@v1.6.0/uuid.go" in files
    # Nothing a proxy may answer differently tomorrow, and no zip: only what `go build` reads.
    assert not [f for f in files if f.endswith((".zip", ".info", "/list", ".lock"))]
    by_digest = package(runner)
    runner.configure(f"--named-caches-dir={tmp_path / 'named_caches'}")
    assert by_digest[:4] == b"\x7fELF" and by_digest == package(runner)


def go_vendor(tmp_path: Path, files: dict[str, str], *argv: str) -> dict[str, str]:
    """Run the real `go <argv>` (`mod vendor`, `work vendor`) on `files`; the vendor/ it wrote."""
    work = tmp_path / "vendoring"
    for name, content in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(content)
    subprocess.run(
        [os.path.join(wheel_dir("go", "bin"), "go"), *argv],
        cwd=work,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "",
            "GOMODCACHE": os.path.expanduser("~/.cache/pants/named_caches/go_static_gomodcache"),
        },
    )
    return {
        str(p.relative_to(work)): p.read_text() for p in (work / "vendor").rglob("*") if p.is_file()
    }


def plan_of(runner: RuleRunner, spec_path: str = "tp", name: str = "app") -> GoStaticPlan:
    target = runner.get_target(Address(spec_path, target_name=name))
    return runner.request(
        GoStaticPlan, [GoStaticPlanRequest(GoStaticBinaryFieldSet.create(target))]
    )


def test_vendored_module_builds_offline(tmp_path: Path, make_runner) -> None:
    files = {"go.mod": GO_MOD, "go.sum": UUID_SUM, "main.go": MAIN}
    vendored = {f"tp/{k}": v for k, v in go_vendor(tmp_path, files, "mod", "vendor").items()}
    runner = make_runner(env={"GOPROXY": UNREACHABLE}, fresh_caches=True)
    write(runner, **vendored)
    plan = plan_of(runner)
    assert plan.module.vendored and plan.module.mod_flag == "-mod=vendor"
    assert package(runner)[:4] == b"\x7fELF"


def test_a_workspace_vendored_with_go_work_vendor_builds_offline(
    tmp_path: Path, make_runner
) -> None:
    files = {
        "go.work": "go 1.22\n\nuse (\n\t./tp\n\t./lib\n)\n",
        "tp/go.mod": GO_MOD.replace("go 1.21", "go 1.22"),
        "tp/go.sum": UUID_SUM,
        "tp/main.go": MAIN.replace(
            '"github.com/google/uuid"', '"github.com/google/uuid"\n\t"example.com/lib/greet"'
        ).replace("fmt.Println(uuid.NameSpaceDNS)", "fmt.Println(uuid.NameSpaceDNS, greet.Hi)"),
        "lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
        "lib/greet/greet.go": 'package greet\n\nconst Hi = "hi"\n',
    }
    vendored = go_vendor(tmp_path, files, "work", "vendor")
    assert "## workspace" in vendored["vendor/modules.txt"]
    runner = make_runner(env={"GOPROXY": UNREACHABLE}, fresh_caches=True)
    runner.write_files({**files, **vendored, "tp/BUILD": 'go_static_binary(name="app")\n'})
    plan = plan_of(runner)
    assert plan.module.go_work == "go.work" and plan.module.mod_flag == "-mod=vendor"
    assert "vendor/github.com/google/uuid/uuid.go" in plan.input_files
    assert package(runner)[:4] == b"\x7fELF"


def test_go_work_is_ignored_with_workspace_off(tmp_path: Path, make_runner) -> None:
    runner = make_runner("--go-static-workspace=off")
    # Honouring this go.work would fail: it `use`s a directory that doesn't exist.
    write(
        runner,
        **{"go.work": "go 1.21\n\nuse ./does-not-exist\n", "tp/go.work": "go 1.21\n\nuse ./nope\n"},
    )
    assert package(runner)[:4] == b"\x7fELF"


def test_a_broken_go_work_fails_up_front_with_every_problem(tmp_path: Path, make_runner) -> None:
    runner = make_runner()
    write(runner, **{"go.work": "go 1.21\n\nuse ./does-not-exist\nuse ../outside\n"})
    with pytest.raises(ExecutionError) as caught:
        package(runner)
    message = str(caught.value)
    assert "tp:app: go.work: go.work:4 uses ../outside, which is outside the build root." in message
    assert "go.work uses does-not-exist/, which has no go.mod." in message
    assert "the module in tp/ is under go.work, which doesn't use it." in message
    assert "go work use ./tp" in message


def test_host_settings_never_override_the_mode(tmp_path: Path, make_runner) -> None:
    hostile = {
        "GOFLAGS": "-tags=netcgo -ldflags=-linkmode=external",
        "CGO_ENABLED": "1",
        "CC": "/bin/false",
        "GOOS": "windows",
    }
    runner = make_runner(env=hostile)
    write(runner)
    binary = package(runner)
    assert binary[:4] == b"\x7fELF" and b"netcgo" not in binary
    go_env = runner.request(GoEnv, [])
    assert {(s.name, s.source) for s in go_env.ignored} >= {(n, "environment") for n in hostile}
    assert not {s.name for s in go_env.passed} & set(hostile)


def test_env_vars_option_refuses_mode_owned_settings(tmp_path: Path, make_runner) -> None:
    runner = make_runner("--go-static-env-vars=+['GOFLAGS', 'CC=clang']")
    write(runner)
    with pytest.raises(ExecutionError) as caught:
        package(runner)
    message = str(caught.value)
    assert (
        "[go-static].env_vars names GOFLAGS, CC, which go_static_binary decides itself" in message
    )
    assert "Fix: remove them from [go-static].env_vars" in message


def test_env_vars_pass_through_from_environment_option_and_go_env_file(
    tmp_path: Path, make_runner
) -> None:
    env_file = tmp_path / "goenv"
    env_file.write_text("GOPRIVATE=corp.example\nGOFLAGS=-mod=mod\nGOSUMDB=sum.golang.org\n")
    runner = make_runner(
        "--go-static-env-vars=+['GONOSUMCHECK=1']",
        env={"GOENV": str(env_file), "GOSUMDB": "off", "GOPROXY": "https://proxy.golang.org"},
    )
    go_env = runner.request(GoEnv, [])
    passed = {s.name: (s.value, s.source) for s in go_env.passed}
    assert passed["GOPROXY"] == ("https://proxy.golang.org", "environment")
    assert passed["GOSUMDB"] == ("off", "environment")  # environment beats the file, as in go
    assert passed["GOPRIVATE"] == ("corp.example", f"go env file {env_file}")
    assert passed["GONOSUMCHECK"] == ("1", "pants.toml [go-static].env_vars")
    assert ("GOFLAGS", "-mod=mod", f"go env file {env_file}") in {
        (s.name, s.value, s.source) for s in go_env.ignored
    }


def test_local_replace_outside_the_build_root_is_refused(tmp_path: Path, make_runner) -> None:
    runner = make_runner()
    write(runner, **{"tp/go.mod": GO_MOD + "\nreplace example.com/x => ../../elsewhere\n"})
    with pytest.raises(
        ExecutionError,
        match=r"tp/go.mod replaces a module with ../../elsewhere, which is outside the build root",
    ):
        package(runner)


def test_absolute_replace_is_refused_too(tmp_path: Path, make_runner) -> None:
    # Go would read /opt/elsewhere from the host, outside the sandbox and every cache key.
    runner = make_runner()
    write(runner, **{"tp/go.mod": GO_MOD + "\nreplace example.com/x => /opt/elsewhere\n"})
    with pytest.raises(
        ExecutionError,
        match=r"tp/go.mod replaces a module with /opt/elsewhere, which is outside the build root",
    ):
        package(runner)

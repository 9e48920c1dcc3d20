"""Signing after the push (go_static.core.oci.sign): the options' forms, the cosign command lines
for key and keyless mode, and the real cosign against the real registry, offline: sign, attest,
verify, tamper, wrong key, failed step, republish without duplicates."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from go_tool_cache import build_go_tool
from oci_sample import INDEX_ANNOTATIONS, references, sample_images
from registry_lab import REPO_ROOT

from go_static.core.oci.cosign import cosign_tool
from go_static.core.oci.layout import image_or_index, layout_files
from go_static.core.oci.sign import (
    SignSettings,
    attest_argv,
    key_file_problems,
    key_problems,
    settings_problems,
    sign_argv,
    verify_argv,
)

PASSWORD = "correct horse battery staple"
GO_SUM_HASH = "h1:3ZnMJoDlQuAU0h1B2Cw3mStOsNJPnVCz2C2W6Ltk48A="
TOOLCHAIN_DIGEST = "b1c5cb1a2a7b5bcd0d49eb8fa5e4b2a0f03c1d3b1e8a8d0d8b2c8f1c6f1a9e2d"
MUSL = "1.2.5"
SIGNATURE_CLAIM = "https://sigstore.dev/cosign/sign/v1"


# --- the options, checked up front ---------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "cosign.key",
        "/etc/keys/cosign.key",
        "env://COSIGN_PRIVATE_KEY",
        "awskms://localhost:4566/alias/release",
        "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k/versions/1",
        "azurekms://vault.vault.azure.net/release",
        "hashivault://release",
        "k8s://ci/cosign",
    ],
)
def test_key_forms_cosign_understands_are_accepted(key: str) -> None:
    assert key_problems(key) == []


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("", "signing_key is empty"),
        ("env://1BAD", "not an environment variable name"),
        ("env://", "not an environment variable name"),
        ("s3://bucket/key", "'s3'"),
        ("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", "holds a key itself"),
        ("--output=/tmp/x", "starts with '-'"),
        ("cosign.key\n--yes", "control character"),
    ],
)
def test_bad_key_forms_are_problems_naming_the_option(key: str, said: str) -> None:
    (problem,) = key_problems(key)
    assert "[go-static].signing_key" in problem.what or "[go-static].sign" in problem.what
    assert said in problem.what
    assert problem.why and problem.fix


def test_every_option_problem_is_reported_at_once() -> None:
    settings = SignSettings(
        mode="keyless",
        key="cosign.key",
        fulcio_url="http://fulcio.example",
        rekor_url="https://user:pw@rekor.example",
        transparency_log=False,
    )
    problems = settings_problems(settings)
    whats = " | ".join(p.what for p in problems)
    assert len(problems) == 4, whats
    assert "signing_key is set" in whats
    assert "sign_fulcio_url" in whats and "sign_rekor_url" in whats
    assert "sign_transparency_log" in whats
    assert "pw" not in whats
    assert settings_problems(SignSettings(mode="sometimes"))[0].what.startswith("[go-static].sign")


def test_a_missing_key_file_or_variable_is_found_before_the_push(tmp_path: Path) -> None:
    (missing,) = key_file_problems("cosign.key", tmp_path, {})
    assert "'cosign.key'" in missing.what and "generate-key-pair" in missing.fix
    (unset,) = key_file_problems("env://RELEASE_KEY", tmp_path, {"RELEASE_KEY": ""})
    assert "env://RELEASE_KEY" in unset.what
    (tmp_path / "cosign.key").write_text("k")
    assert key_file_problems("cosign.key", tmp_path, {}) == []
    assert key_file_problems("awskms:///alias/x", tmp_path, {}) == []


# --- the command lines ---------------------------------------------------------------------------

IMAGE = "registry.example.com/app@sha256:" + "a" * 64


def test_key_mode_offline_argv() -> None:
    settings = SignSettings(mode="key", key="env://K", transparency_log=False)
    assert sign_argv("cosign", settings, IMAGE) == [
        "cosign", "sign", "--yes", "--key", "env://K",
        "--use-signing-config=false", "--tlog-upload=false", IMAGE,
    ]  # fmt: skip
    assert attest_argv("cosign", settings, IMAGE, "cyclonedx", "sbom.json", http=True) == [
        "cosign", "attest", "--yes", "--key", "env://K",
        "--use-signing-config=false", "--tlog-upload=false",
        "--allow-http-registry", "--allow-insecure-registry",
        "--type", "cyclonedx", "--predicate", "sbom.json", IMAGE,
    ]  # fmt: skip
    assert verify_argv("cosign", "k.pub", IMAGE, "slsaprovenance1", False) == [
        "cosign", "verify-attestation", "--type", "slsaprovenance1",
        "--key", "k.pub", "--insecure-ignore-tlog", IMAGE,
    ]  # fmt: skip


def test_key_mode_with_the_log_uses_cosign_s_signing_config() -> None:
    argv = sign_argv("cosign", SignSettings(mode="key", key="cosign.key"), IMAGE)
    assert argv == ["cosign", "sign", "--yes", "--key", "cosign.key", IMAGE]


def test_keyless_argv_public_good_and_private_instances() -> None:
    # The OIDC token is the CI's ambient one (cosign reads it): nothing of it is in the argv.
    assert sign_argv("cosign", SignSettings(mode="keyless"), IMAGE) == [
        "cosign", "sign", "--yes", IMAGE,
    ]  # fmt: skip
    private = SignSettings(
        mode="keyless", fulcio_url="https://fulcio.corp", rekor_url="https://rekor.corp"
    )
    assert settings_problems(private) == []
    assert sign_argv("cosign", private, IMAGE) == [
        "cosign", "sign", "--yes", "--use-signing-config=false",
        "--fulcio-url", "https://fulcio.corp", "--rekor-url", "https://rekor.corp", IMAGE,
    ]  # fmt: skip


def test_the_password_is_never_in_an_argv() -> None:
    settings = SignSettings(mode="key", key="cosign.key", transparency_log=False)
    argvs = [
        sign_argv("cosign", settings, IMAGE),
        attest_argv("cosign", settings, IMAGE, "cyclonedx", "x.json"),
    ]
    assert not any(PASSWORD in arg or "COSIGN_PASSWORD" in arg for argv in argvs for arg in argv)


# --- the real cosign and the real registry -------------------------------------------------------


@pytest.fixture(scope="module")
def cosign() -> str:
    return str(build_go_tool(cosign_tool()))


def run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COSIGN_PASSWORD": PASSWORD, **env},
    )


@pytest.fixture
def keys(cosign: str, tmp_path: Path) -> Path:
    for name in ("release", "other"):
        directory = tmp_path / name
        directory.mkdir()
        made = run([cosign, "generate-key-pair"], directory)
        assert made.returncode == 0, made.stderr
    return tmp_path


def predicates(directory: Path) -> tuple[Path, Path]:
    provenance = {
        "buildDefinition": {
            "buildType": "https://go-static.invalid/go_static_image/v1",
            "resolvedDependencies": [
                {"name": "golang.org/x/sys", "digest": {"goDirHash": GO_SUM_HASH}},
                {"name": "go1.27.3.linux-amd64.tar.gz", "digest": {"sha256": TOOLCHAIN_DIGEST}},
                {"name": "musl", "annotations": {"version": MUSL}},
            ],
        },
        "runDetails": {"byproducts": [{"name": "postlink", "annotations": {"passed": True}}]},
    }
    sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
        {"type": "library", "name": "musl", "version": MUSL},
    ]}  # fmt: skip
    (directory / "image.intoto.json").write_text(json.dumps(provenance))
    (directory / "sbom.cdx.json").write_text(json.dumps(sbom))
    return directory / "image.intoto.json", directory / "sbom.cdx.json"


def publish(
    layout: Path, name: str, crane: str, cosign: str, key: Path, cwd: Path, *extra: str, **env: str
) -> subprocess.CompletedProcess:
    provenance, sbom = predicates(cwd)
    argv = [
        sys.executable, "-m", "go_static.core.oci.cli", str(layout), name,
        "--crane", crane, "--tag", "v1", "--subject", "//app:image",
        "--sign", "key", "--cosign", cosign, "--key", str(key), "--no-tlog",
        "--attest", f"slsaprovenance1={provenance}", "--attest", f"cyclonedx={sbom}", *extra,
    ]  # fmt: skip
    pythonpath = str(REPO_ROOT / "pants-plugins")
    return run(argv, cwd, PYTHONPATH=pythonpath, **env)


def write_multi_layout(directory: Path) -> Path:
    files = layout_files(
        image_or_index(sample_images(), INDEX_ANNOTATIONS), references=references()
    )
    for path, data in files.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_bytes(data)
    return directory


def payloads(out: str) -> list[dict]:
    found = []
    for line in out.splitlines():
        if line.strip().startswith("{"):
            envelope = json.loads(line)
            found.append(json.loads(base64.b64decode(envelope["payload"])))
    return found


def referrers(cosign: str, image: str, cwd: Path) -> list[str]:
    """The artifact types attached to `image`, one entry per signature or attestation."""
    tree = run([cosign, "tree", image], cwd)
    assert tree.returncode == 0, tree.stderr
    return [line.split("🔗 ")[1].split(" ")[0] for line in tree.stdout.splitlines() if "🔗" in line]


@pytest.mark.gotools
def test_publish_signs_and_attests_a_multi_arch_image_verifiable_offline(
    registry, crane, cosign, keys, tmp_path
) -> None:
    layout = write_multi_layout(tmp_path / "layout")
    name = registry.name("signed")
    key, pub = keys / "release" / "cosign.key", keys / "release" / "cosign.pub"
    first = publish(layout, name, crane, cosign, key, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "cosign sign: done" in first.stdout
    assert "cosign attest --type slsaprovenance1: done" in first.stdout
    assert "cosign attest --type cyclonedx: done" in first.stdout
    tag = f"{name}:v1"

    verified = run(verify_argv(cosign, str(pub), tag, "", False), tmp_path)
    assert verified.returncode == 0, verified.stderr
    # cosign v3's `verify` lists every bundle by the key, the attestations too: the signature's
    # own claim is the one of type sign/v1.
    claims = json.loads(verified.stdout)
    (claim,) = [c for c in claims if c["critical"]["type"] == SIGNATURE_CLAIM]
    digest = claim["critical"]["image"]["docker-manifest-digest"]
    assert first.stdout.startswith(f"pushed {name}@{digest}")

    provenance = run(verify_argv(cosign, str(pub), tag, "slsaprovenance1", False), tmp_path)
    assert provenance.returncode == 0, provenance.stderr
    (statement,) = payloads(provenance.stdout)
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert statement["subject"][0]["digest"]["sha256"] == digest.removeprefix("sha256:")
    text = json.dumps(statement["predicate"])
    assert GO_SUM_HASH in text and TOOLCHAIN_DIGEST in text and MUSL in text

    sbom = run(verify_argv(cosign, str(pub), tag, "cyclonedx", False), tmp_path)
    assert sbom.returncode == 0, sbom.stderr
    (bom,) = payloads(sbom.stdout)
    assert bom["predicate"]["components"][0] == {"type": "library", "name": "musl", "version": MUSL}

    # A wrong key fails, for the signature and for each attestation.
    other = str(keys / "other" / "cosign.pub")
    for kind in ("", "slsaprovenance1", "cyclonedx"):
        wrong = run(verify_argv(cosign, other, tag, kind, False), tmp_path)
        assert wrong.returncode != 0, (kind, wrong.stdout)

    # Republish: everything is found by the key and skipped; the registry holds one of each.
    before = sorted(referrers(cosign, f"{name}@{digest}", tmp_path))
    assert len(before) == 3, before
    second = publish(layout, name, crane, cosign, key, tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("already in the registry, by this key") == 3, second.stdout
    assert sorted(referrers(cosign, f"{name}@{digest}", tmp_path)) == before

    # Tamper: another manifest under the tag. The signature was of the old digest: it fails.
    platform = json.loads(run([crane, "manifest", f"{name}@{digest}"], tmp_path).stdout)
    one = platform["manifests"][0]["digest"]
    retagged = run([crane, "tag", f"{name}@{one}", "v1"], tmp_path)
    assert retagged.returncode == 0, retagged.stderr
    for kind in ("", "slsaprovenance1", "cyclonedx"):
        tampered = run(verify_argv(cosign, str(pub), tag, kind, False), tmp_path)
        assert tampered.returncode != 0, (kind, tampered.stdout)


@pytest.mark.gotools
def test_a_failed_signing_step_leaves_the_tags_and_says_which_step(
    registry, crane, cosign, keys, tmp_path
) -> None:
    layout = write_multi_layout(tmp_path / "layout")
    name = registry.name("badpass")
    key = keys / "release" / "cosign.key"
    failed = publish(layout, name, crane, cosign, key, tmp_path, COSIGN_PASSWORD="wrong password")
    assert failed.returncode == 1
    err = failed.stderr
    assert "Traceback" not in err and "wrong password" not in err
    assert err.startswith("SigningError: //app:image: cosign sign of ")
    for step in ("cosign sign", "attest --type slsaprovenance1", "attest --type cyclonedx"):
        assert f"{step} of {name}@sha256:" in err, err
    assert "tags stay as the push left them" in err and "COSIGN_PASSWORD" in err
    # The push itself happened and moved the tag: the tag names the pushed image.
    pushed = failed.stdout.split()[1]
    tag_digest = run([crane, "digest", f"{name}:v1"], tmp_path).stdout.strip()
    assert pushed.endswith(tag_digest)


@pytest.mark.gotools
def test_a_missing_key_stops_before_the_push(registry, crane, cosign, tmp_path) -> None:
    layout = write_multi_layout(tmp_path / "layout")
    name = registry.name("nokey")
    failed = publish(layout, name, crane, cosign, tmp_path / "absent.key", tmp_path)
    assert failed.returncode == 1
    assert "is not a file" in failed.stderr and "Traceback" not in failed.stderr
    assert run([crane, "digest", f"{name}:v1"], tmp_path).returncode != 0

"""Tier 1: the fips, goamd64 and goarm64 intent -> mode, their contradictions, and the policy."""

from __future__ import annotations

import pytest

from elf_lab import GOROOT
from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import BuildMode, expectation_for, explain, resolve
from go_static.core.mode.cpu_level import oci_variant
from go_static.core.mode.fips import read_snapshots
from go_static.core.mode.intent import Intent, ModeError
from go_static.core.review.policy import Policy, intent_violations

ADDR = "src/go:app"
NO_CGO = GraphFacts(main_package="example.com/app")
# What Go 1.27's GOROOT/lib/fips140 holds (read from the real SDK in test_snapshots_of_the_sdk).
SNAPSHOTS = (
    ("certified", "v1.0.0-c2097c7c"),
    ("inprocess", "v1.26.0"),
    ("v1.0.0", "v1.0.0-c2097c7c"),
    ("v1.0.0-c2097c7c", "v1.0.0-c2097c7c"),
    ("v1.26.0", "v1.26.0"),
)


def mode(facts: GraphFacts = NO_CGO, **intent) -> BuildMode:
    return resolve(Intent(address=ADDR, fips_snapshots=SNAPSHOTS, **intent), facts)


def problems_of(facts: GraphFacts = NO_CGO, **intent) -> list[str]:
    with pytest.raises(ModeError) as e:
        mode(facts, **intent)
    assert e.value.codes == ("intent",)
    return [p.what for p in e.value.problems]


@pytest.mark.skipif(not GOROOT.is_dir(), reason="the plugin's Go SDK is not installed")
def test_snapshots_of_the_sdk() -> None:
    assert set(SNAPSHOTS) <= set(read_snapshots(str(GOROOT)) or ())
    assert read_snapshots("") is None  # a downloaded SDK: go judges the value itself


def test_fips_off_changes_nothing() -> None:
    m = mode()
    assert "GOFIPS140" not in m.go_env() and "GOEXPERIMENT" not in m.go_env()
    assert m.fips_module == "off" and expectation_for(m).fips == "off"
    assert not [d for d in m.decisions if d.setting in ("GOFIPS140", "GOEXPERIMENT")]


@pytest.mark.parametrize(
    "fips,version,label",
    [
        ("latest", None, "go-fips140 latest"),
        ("v1.0.0", "v1.0.0-c2097c7c", "go-fips140 v1.0.0-c2097c7c"),
        ("certified", "v1.0.0-c2097c7c", "go-fips140 v1.0.0-c2097c7c"),
        ("inprocess", "v1.26.0", "go-fips140 v1.26.0"),
    ],
)
def test_native_fips_stays_pure_go(fips: str, version: str | None, label: str) -> None:
    m = mode(fips=fips)
    assert (m.libc, m.cgo_enabled, m.go_env()["GOFIPS140"]) == ("none", False, fips)
    assert (m.fips_version, m.fips_module) == (version, label)
    exp = expectation_for(m)
    assert (exp.fips, exp.fips_version) == (fips, version)
    # go adds fips140v<major.minor> itself for a frozen module, and build info records it.
    implied = () if fips == "latest" else ("fips140v" + ".".join(version[1:].split(".")[:2]),)
    assert exp.tags == (*m.tags, *implied) and m.compile_flags() == ("-tags=netgo,osusergo",)
    (d,) = [d for d in m.decisions if d.setting == "GOFIPS140"]
    assert d.decided_by == "field fips" and "pure Go" in d.reason
    assert f"FIPS module {label}" in explain(m)


def test_unknown_fips_value_lists_what_the_sdk_has() -> None:
    (what,) = problems_of(fips="v9.9.9")
    assert "v9.9.9" in what
    with pytest.raises(ModeError) as e:
        mode(fips="v9.9.9")
    assert "'v1.0.0'" in e.value.problems[0].fix and "'boringcrypto'" in e.value.problems[0].fix


def test_fips_value_without_sdk_listing_is_judged_by_form() -> None:
    ok = resolve(Intent(address=ADDR, fips="v1.0.0"), NO_CGO)
    assert ok.fips_version is None and ok.go_env()["GOFIPS140"] == "v1.0.0"
    with pytest.raises(ModeError):
        resolve(Intent(address=ADDR, fips="1.0; rm -rf /"), NO_CGO)


def test_boringcrypto_needs_cgo_and_picks_musl() -> None:
    m = mode(fips="boringcrypto")
    assert (m.libc, m.cgo_enabled, m.go_env()["GOEXPERIMENT"]) == ("musl", True, "boringcrypto")
    (libc,) = [d for d in m.decisions if d.setting == "libc"]
    assert "boringcrypto" in libc.reason and libc.decided_by == "field libc + field fips"
    assert m.fips_module == "boringcrypto"


def test_every_fips_contradiction_at_once() -> None:
    found = problems_of(fips="boringcrypto", libc="none", goarch="riscv64")
    assert any('goarch="riscv64"' in w for w in found)
    assert any('needs cgo, but libc="none"' in w for w in found)
    (glibc,) = problems_of(fips="boringcrypto", libc="glibc")
    assert glibc == 'fips="boringcrypto" with libc="glibc" cannot be static.'
    purego = problems_of(fips="latest", build_tags=("purego",))
    assert purego == ['fips="latest" with build_tags containing "purego".']


@pytest.mark.parametrize(
    "intent,env,expected,variant",
    [
        ({}, {}, ("GOAMD64", "v1"), None),
        ({"goamd64": "v3"}, {"GOAMD64": "v3"}, ("GOAMD64", "v3"), "v3"),
        ({"goarch": "arm64", "goarm64": "v8.2,lse"}, {"GOARM64": "v8.2,lse"}, None, "v8.2"),
        ({"goarch": "arm64", "goarm64": "v9.0"}, {"GOARM64": "v9.0"}, ("GOARM64", "v9.0"), "v9"),
        ({"goarch": "arm64"}, {}, ("GOARM64", "v8.0"), None),
    ],
)
def test_cpu_levels(intent: dict, env: dict, expected: tuple | None, variant: str | None) -> None:
    m = mode(**intent)
    assert {k: v for k, v in m.go_env().items() if k in ("GOAMD64", "GOARM64")} == env
    if expected:
        assert m.cpu_level == expected == expectation_for(m).cpu_level
    level = intent.get("goamd64") or intent.get("goarm64")
    assert oci_variant(m.goarch, level) == variant
    assert bool([d for d in m.decisions if d.setting in ("GOAMD64", "GOARM64")]) == bool(level)


def test_cpu_level_contradictions_at_once() -> None:
    found = problems_of(goamd64="v3", goarm64="v8.1", build_tags=("a b",))
    assert 'goarm64="v8.1" on a goarch="amd64" target.' in found
    assert any("is not a Go build tag" in w for w in found)  # reported with the rest
    assert problems_of(goarch="arm64", goarm64="v9.7") == [
        "goarm64='v9.7' is not a GOARM64 level go accepts."
    ]
    assert problems_of(goarch="arm64", goarm64="v8.0,sve")[0].startswith("goarm64='v8.0,sve'")
    assert problems_of(goarch="arm64", goamd64="v2") == ['goamd64="v2" on a goarch="arm64" target.']


def test_require_fips_policy() -> None:
    policy = Policy(require_fips=("src/go/**",), origins=(("[go-static].require_fips", "x"),))
    (v,) = intent_violations(policy, mode(), None)
    assert v.code == "policy-fips" and 'set fips="latest"' in v.fix
    assert "[go-static].require_fips, set in x" in v.render(ADDR)
    assert intent_violations(policy, mode(fips="latest"), None) == ()
    assert intent_violations(Policy(require_fips=("other/**",)), mode(), None) == ()
    assert [x.code for x in intent_violations(Policy(require_fips=("*",)), mode(), None)] == [
        "policy-fips"
    ]

"""Tier 1: the whole intent -> mode table, including every contradiction. No Pants, no toolchain."""

from __future__ import annotations

import pytest

from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import BuildMode, explain, resolve
from go_static.core.mode.derive import profile_candidates
from go_static.core.mode.intent import Intent, ModeError
from go_static.core.mode.validate import validate_intent

ADDR = "src/go:app"
NO_CGO = GraphFacts(main_package="example.com/app", resolver_packages=("net", "os/user"))
CGO = GraphFacts(main_package="example.com/app", cgo_packages=("example.com/app/csum",))
DLOPEN = GraphFacts(
    main_package="example.com/app",
    cgo_packages=("example.com/app/plugin",),
    dlopen_packages=("example.com/app/plugin",),
)


def mode(facts: GraphFacts = NO_CGO, **intent) -> BuildMode:
    return resolve(Intent(address=ADDR, **intent), facts)


# (intent, facts) -> (libc, CGO_ENABLED, compiler, linkmode, extldflags, buildmode, scenario, tags)
TABLE = [
    ({}, NO_CGO, ("none", False, None, "internal", (), "exe", 6, ("netgo", "osusergo"))),
    ({}, CGO, ("musl", True, "zig", "external", ("-static",), "exe", 5, ("netgo", "osusergo"))),
    ({"resolver": "libc"}, NO_CGO, ("musl", True, "zig", "external", ("-static",), "exe", 3, ())),
    ({"resolver": "libc"}, CGO, ("musl", True, "zig", "external", ("-static",), "exe", 2, ())),
    (
        {"static_pie": True},
        NO_CGO,
        ("musl", True, "zig", "external", ("-static-pie",), "pie", 6, ("netgo", "osusergo")),
    ),
    (
        {"static_pie": True},
        CGO,
        ("musl", True, "zig", "external", ("-static-pie",), "pie", 5, ("netgo", "osusergo")),
    ),
    (
        {"libc": "none"},
        NO_CGO,
        ("none", False, None, "internal", (), "exe", 6, ("netgo", "osusergo")),
    ),
    (
        {"libc": "musl"},
        NO_CGO,
        ("musl", True, "zig", "external", ("-static",), "exe", 6, ("netgo", "osusergo")),
    ),
    (
        {"libc": "musl", "resolver": "libc"},
        NO_CGO,
        ("musl", True, "zig", "external", ("-static",), "exe", 3, ()),
    ),
    (
        {"libc": "musl"},
        CGO,
        ("musl", True, "zig", "external", ("-static",), "exe", 5, ("netgo", "osusergo")),
    ),
    (
        {"libc": "glibc"},
        NO_CGO,
        ("glibc", True, "gcc", "external", ("-static",), "exe", 6, ("netgo", "osusergo")),
    ),
    (
        {"libc": "glibc"},
        CGO,
        ("glibc", True, "gcc", "external", ("-static",), "exe", 5, ("netgo", "osusergo")),
    ),
    (
        {"libc": "glibc", "static_pie": True},
        CGO,
        ("glibc", True, "gcc", "external", ("-static-pie",), "pie", 5, ("netgo", "osusergo")),
    ),
    (
        {"allow_dlopen": True},
        DLOPEN,
        ("musl", True, "zig", "external", ("-static",), "exe", 4, ("netgo", "osusergo")),
    ),
    (
        {"allow_dlopen": True, "resolver": "libc"},
        DLOPEN,
        ("musl", True, "zig", "external", ("-static",), "exe", 1, ()),
    ),
    (
        {"allow_dlopen": True, "libc": "glibc"},
        DLOPEN,
        ("glibc", True, "gcc", "external", ("-static",), "exe", 4, ("netgo", "osusergo")),
    ),
]


@pytest.mark.parametrize("intent,facts,expected", TABLE, ids=[f"row{i}" for i in range(len(TABLE))])
def test_mode_table(intent, facts, expected) -> None:
    m = mode(facts, **intent)
    libc, cgo, compiler, linkmode, extldflags, buildmode, scenario, tags = expected
    assert (m.libc, m.cgo_enabled, m.c_compiler) == (libc, cgo, compiler)
    assert (m.linkmode, m.extldflags, m.buildmode) == (linkmode, extldflags, buildmode)
    assert (m.scenario, m.tags) == (scenario, tags)
    assert m.c_target == ("x86_64-linux-musl" if compiler == "zig" else None)
    assert m.go_env()["CGO_ENABLED"] == ("1" if cgo else "0")
    # Every choice carries a reason and who decided it.
    settings = {d.setting for d in m.decisions}
    assert {"libc", "CGO_ENABLED", "-linkmode", "scenario"} <= settings
    assert all(d.reason and d.decided_by for d in m.decisions)


def test_go_build_flags_put_mode_flags_before_the_targets_own() -> None:
    m = mode(CGO, static_pie=True, build_tags=("prod",), ldflags=("-s -w", "-X main.version=1.2"))
    assert m.go_build_flags() == (
        "-tags=netgo,osusergo,prod",
        "-ldflags=-linkmode=external -w -extldflags=-static-pie -s -w -X main.version=1.2",
        "-buildmode=pie",
    )


def test_internal_link_has_no_extldflags_and_default_buildmode() -> None:
    assert mode().go_build_flags() == ("-tags=netgo,osusergo", "-ldflags=-linkmode=internal")


def test_duplicate_tags_are_kept_once() -> None:
    assert mode(build_tags=("netgo", "prod", "prod")).tags == ("netgo", "osusergo", "prod")


def test_musl_cc_option_names_the_compiler() -> None:
    m = mode(CGO, musl_cc="musl-gcc")
    assert (m.c_compiler, m.c_target) == ("musl-gcc", None)
    assert any(
        d.setting == "CC" and d.decided_by == "option [go-static].musl_cc" for d in m.decisions
    )


def test_arm64_maps_to_zig_aarch64() -> None:
    assert mode(CGO, goarch="arm64").c_target == "aarch64-linux-musl"


def test_auto_explains_why_it_picked_musl() -> None:
    libc = next(d for d in mode(NO_CGO, static_pie=True).decisions if d.setting == "libc")
    assert libc.value == "musl" and "static-pie needs external linking" in libc.reason
    libc = next(d for d in mode(CGO).decisions if d.setting == "libc")
    assert "example.com/app/csum" in libc.reason and libc.decided_by == "field libc + go list"


def test_resolver_go_reason_names_the_imported_resolver_packages() -> None:
    tags = next(d for d in mode().decisions if d.setting == "-tags")
    assert "net, os/user imported" in tags.reason


def test_explain_lists_every_decision() -> None:
    m = mode(CGO)
    text = explain(m)
    assert text.startswith("src/go:app: scenario ⑤, goarch=amd64, libc=musl")
    for d in m.decisions:
        assert d.setting in text and d.reason in text


# --- contradictions: each fails before any compile, naming cause and fix -------------------------

CONTRADICTIONS = [
    ({"libc": "none"}, CGO, "cgo packages: example.com/app/csum", 'libc="auto"'),
    (
        {"libc": "none", "resolver": "libc"},
        NO_CGO,
        'resolver="libc" needs a C library',
        'resolver="go"',
    ),
    (
        {"libc": "none", "static_pie": True},
        NO_CGO,
        "static_pie=True needs a C toolchain",
        'libc="musl"',
    ),
    ({"libc": "glibc", "resolver": "libc"}, NO_CGO, "cannot be static", 'libc="musl"'),
    ({}, DLOPEN, "calls dlopen", "allow_dlopen=True"),
    ({"libc": "glibc"}, DLOPEN, "calls dlopen", "allow_dlopen=True"),
    ({"build_tags": ("netcgo",)}, NO_CGO, "'netcgo' but resolver=\"go\"", "Remove 'netcgo'"),
    (
        {"build_tags": ("osusercgo",)},
        NO_CGO,
        "'osusercgo' but resolver=\"go\"",
        "Remove 'osusercgo'",
    ),
    (
        {"resolver": "libc", "build_tags": ("netgo",)},
        NO_CGO,
        "'netgo' but resolver=\"libc\"",
        'resolver="go"',
    ),
    ({"build_tags": ("a b",)}, NO_CGO, "is not a Go build tag", "separate entries"),
    ({"build_tags": ("a,b",)}, NO_CGO, "is not a Go build tag", "['a', 'b']"),
    ({"ldflags": ("-linkmode=internal",)}, CGO, "sets -linkmode", "Remove -linkmode"),
    ({"ldflags": ("-linkmode external",)}, NO_CGO, "sets -linkmode", "Remove -linkmode"),
    ({"ldflags": ("-extldflags=-lfoo",)}, CGO, "sets -extldflags", "Remove -extldflags"),
    ({"ldflags": ("-s", "-extld=clang")}, CGO, "sets -extld", "Remove -extld"),
    ({"ldflags": ("-d",)}, NO_CGO, "sets -d", "Remove -d"),
    ({"ldflags": ("-X 'main.v=unbalanced",)}, NO_CGO, "does not parse", "Balance the quotes"),
    # Judged as go splits it (cmd/internal/quoted): a closing quote ends the word, so this is
    # -s and -linkmode=external, where shlex saw the one word -s-linkmode=external.
    ({"ldflags": ("'-s''-linkmode=external'",)}, CGO, "sets -linkmode", "Remove -linkmode"),
    ({"ldflags": ("-s '-extldflags=-lfoo'",)}, CGO, "sets -extldflags", "Remove -extldflags"),
    ({"ldflags": ("--linkmode=internal",)}, NO_CGO, "sets -linkmode", "Remove -linkmode"),
    ({"ldflags": ("-X main.v=a\x00b",)}, NO_CGO, "holds a control character", "Remove it"),
    (
        {"output_path": "bin/app", "goarch_parametrized": True},
        NO_CGO,
        "is the same for every goarch",
        "Put {goarch} in it",
    ),
    ({"goos": "darwin"}, NO_CGO, "GOOS=darwin is not supported", "Build on Linux"),
    ({"libc": "bsd"}, NO_CGO, "libc='bsd' is not one of", "Use one of"),
    ({"resolver": "nss"}, NO_CGO, "resolver='nss' is not one of", "Use one of"),
    ({"goarch": "mips"}, CGO, 'goarch="mips" is not supported', "Use one of amd64, arm64"),
    ({"goarch": "sparc64"}, NO_CGO, 'goarch="sparc64" is not supported', "riscv64"),
    ({"goarch": "ppc64le"}, CGO, 'for goarch="ppc64le": no C toolchain', 'Set libc="none"'),
    (
        {"goarch": "arm64", "musl_cc": "musl-gcc"},
        CGO,
        "[go-static].musl_cc is musl-gcc",
        '[go-static].musl_cc = "zig"',
    ),
    (
        {"goarch": "riscv64", "libc": "glibc", "static_pie": True},
        CGO,
        'cannot be linked for goarch="riscv64"',
        'Set libc="musl"',
    ),
]


@pytest.mark.parametrize("intent,facts,problem,fix", CONTRADICTIONS)
def test_contradictions_fail_up_front(intent, facts, problem, fix) -> None:
    with pytest.raises(ModeError) as caught:
        mode(facts, **intent)
    err = caught.value
    assert str(err).startswith(f"{ADDR}: ")
    assert any(problem in p.what and fix in p.fix for p in err.problems), err.problems
    assert all(p.why for p in err.problems)  # every failure says why it matters
    assert "\n  Why: " in str(err) and "\n  Fix: " in str(err)


def test_every_contradiction_is_reported_at_once() -> None:
    # Three independent problems, from the fields alone and against the graph: one run says all.
    with pytest.raises(ModeError) as caught:
        mode(
            CGO,
            libc="none",
            build_tags=("netcgo",),
            ldflags=("-linkmode=internal",),
        )
    whats = [p.what for p in caught.value.problems]
    assert len(whats) == 3, whats
    assert "build_tags contains 'netcgo'" in whats[0]
    assert "sets -linkmode" in whats[1]
    assert 'libc="none" but the dependency graph has cgo packages' in whats[2]
    # Each problem is a block of its own that names the target.
    assert str(caught.value).count(f"{ADDR}: ") == 3


def test_a_bad_ldflags_entry_waits_for_the_graph_so_nothing_hides_behind_it() -> None:
    # Before go list, only what would make the listing wrong fails; the rest is reported once,
    # with the graph's problems.
    intent = Intent(address=ADDR, libc="none", ldflags=("'-s''-linkmode=external'",))
    validate_intent(intent)
    with pytest.raises(ModeError) as caught:
        resolve(intent, CGO)
    whats = [p.what for p in caught.value.problems]
    assert len(whats) == 2, whats
    assert "sets -linkmode" in whats[0] and "['-s', '-linkmode=external']" in whats[0]
    assert 'libc="none" but the dependency graph has cgo packages' in whats[1]


def test_a_problem_that_breaks_go_list_fails_early_with_every_field_problem() -> None:
    intent = Intent(address=ADDR, build_tags=("a b",), ldflags=("-linkmode=internal",))
    with pytest.raises(ModeError) as caught:
        validate_intent(intent)
    whats = [p.what for p in caught.value.problems]
    assert len(whats) == 2 and "not a Go build tag" in whats[0] and "-linkmode" in whats[1]


def test_ldflags_reach_the_linker_as_the_words_they_mean() -> None:
    m = mode(CGO, ldflags=("-X 'main.greeting=hello world'", "-s"))
    assert m.linker_args() == (
        "-linkmode=external",
        "-w",
        "-extldflags=-static",
        "-X",
        "main.greeting=hello world",
        "-s",
    )


def test_an_unknown_choice_stops_before_checks_that_assume_known_ones() -> None:
    with pytest.raises(ModeError) as caught:
        mode(CGO, libc="uclibc", goarch="s390x", build_tags=("bad tag",))
    whats = [p.what for p in caught.value.problems]
    assert len(whats) == 2 and "uclibc" in whats[0] and "s390x" in whats[1], whats


def test_cgo_error_lists_packages_with_a_limit() -> None:
    many = GraphFacts(main_package="m", cgo_packages=tuple(f"example.com/p{i}" for i in range(8)))
    with pytest.raises(ModeError, match=r"p0, .*p4 \(\+3 more\)"):
        mode(many, libc="none")


def test_mode_is_frozen_and_hashable() -> None:
    m = mode(CGO)
    assert hash(m) == hash(mode(CGO))
    with pytest.raises(Exception):
        m.libc = "glibc"  # type: ignore[misc]


def test_uncheckable_arches_say_why() -> None:
    with pytest.raises(ModeError) as caught:
        mode(NO_CGO, goarch="s390x")
    assert "64-bit little-endian ELF only" in caught.value.problems[0].why


@pytest.mark.parametrize(
    "goarch, libc, cc, target",
    [
        ("arm64", "auto", "zig", "aarch64-linux-musl"),
        ("riscv64", "musl", "zig", "riscv64-linux-musl"),
        ("arm64", "glibc", "aarch64-linux-gnu-gcc", None),
        ("riscv64", "glibc", "riscv64-linux-gnu-gcc", None),
        ("amd64", "glibc", "gcc", None),  # the host's own arch: [go-static].glibc_cc
    ],
)
def test_goarch_picks_the_cross_toolchain(goarch, libc, cc, target) -> None:
    m = mode(CGO, goarch=goarch, libc=libc, goarch_declared=True)
    assert (m.goarch, m.c_compiler, m.c_target) == (goarch, cc, target)
    assert m.go_env()["GOARCH"] == goarch
    arch = next(d for d in m.decisions if d.setting == "GOARCH")
    assert (arch.value, arch.decided_by) == (goarch, "field goarch")
    assert ("cross-compiled" in arch.reason) == (goarch != "amd64")


def test_pure_go_arches_build_without_a_c_toolchain() -> None:
    m = mode(NO_CGO, goarch="ppc64le", goarch_declared=True)
    assert (m.cgo_enabled, m.c_compiler, m.linkmode, m.scenario) == (False, None, "internal", 6)


def test_static_pie_for_arm64_is_musl_through_zig() -> None:
    m = mode(NO_CGO, goarch="arm64", static_pie=True, goarch_declared=True)
    assert (m.libc, m.c_target, m.buildmode, m.extldflags) == (
        "musl",
        "aarch64-linux-musl",
        "pie",
        ("-static-pie",),
    )
    assert next(d for d in m.decisions if d.setting == "GOARCH").decided_by == "field goarch"
    assert next(d for d in mode(NO_CGO).decisions if d.setting == "GOARCH").decided_by == "host"


def test_zig_builds_drop_debug_info_for_reproducibility_and_say_why() -> None:
    zig = mode(CGO)
    assert zig.no_debug_info and "-w" in zig.ldflags
    assert zig.go_env()["CGO_CFLAGS"] == "-O2 -g0"
    why = next(d for d in zig.decisions if d.setting == "-w, CGO_CFLAGS")
    assert "zig builds its own musl with debug info" in why.reason and why.decided_by == "CC zig"
    # gcc/glibc's debug info holds no host path (Go maps its own), and internal links have no C.
    for other in (mode(CGO, libc="glibc"), mode(NO_CGO), mode(CGO, musl_cc="musl-gcc")):
        assert not other.no_debug_info and "-w" not in other.ldflags
        assert "CGO_CFLAGS" not in other.go_env()


@pytest.mark.parametrize(
    "pgo, main_dir, expected",
    [
        ("auto", "src/cmd/app", ["src/cmd/app/default.pgo"]),
        ("auto", "", ["default.pgo"]),
        ("auto", None, []),  # a main package from the module cache: go looks beside it
        ("off", "src/cmd/app", []),
        ("profiles/prod.pgo", "src/cmd/app", ["profiles/prod.pgo"]),
    ],
)
def test_the_profiles_a_pgo_setting_may_read(pgo, main_dir, expected) -> None:
    assert profile_candidates(Intent(address=ADDR, pgo=pgo, main_dir=main_dir)) == expected


def test_tzdata_embed_adds_timetzdata_after_the_other_tags_with_its_reason() -> None:
    m = mode(tzdata="embed", build_tags=("extra",))
    assert m.tags == ("netgo", "osusergo", "extra", "timetzdata")
    (decision,) = [d for d in m.decisions if d.setting == "tzdata"]
    assert decision.value == "timetzdata" and decision.decided_by == "field tzdata"
    assert "scratch image" in decision.reason


def test_tzdata_auto_and_off_add_no_tag_and_auto_says_where_it_is_decided() -> None:
    for value in ("auto", "off"):
        assert "timetzdata" not in mode(tzdata=value).tags
    (auto,) = [d for d in mode().decisions if d.setting == "tzdata"]
    assert "runtime-zoneinfo" in auto.reason and 'tzdata="embed"' in auto.reason
    assert "tzdata" in explain(mode())


def test_the_tags_decision_names_tzdata_among_what_decided_it() -> None:
    (pure,) = [d for d in mode(tzdata="embed").decisions if d.setting == "-tags"]
    assert pure.decided_by == "field resolver + field tzdata"
    (libc,) = [d for d in mode(resolver="libc", tzdata="embed").decisions if d.setting == "-tags"]
    assert (libc.value, libc.reason, libc.decided_by) == (
        "timetzdata",
        "Extra tags from tzdata.",
        "field tzdata",
    )

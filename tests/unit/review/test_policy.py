"""Tier 1: the repo policy, the report table and the baseline diff (no Pants)."""

from __future__ import annotations

import pytest

from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import resolve
from go_static.core.mode.intent import Intent
from go_static.core.review.linkage import (
    LinkageRow,
    changes,
    from_json,
    render_changes,
    table,
    to_json,
)
from go_static.core.review.policy import (
    Policy,
    address_matches,
    effective_max_size,
    intent_violations,
    origins_from_ranks,
    size_violation,
)
from go_static.core.sizes import format_size, parse_size

MiB = 2**20
CGO = GraphFacts(main_package="m", cgo_packages=("example.com/c",))
ORIGINS = origins_from_ranks(
    {
        "allowed_libcs": "CONFIG",
        "dlopen_allowlist": "FLAG",
        "require_static_pie": "ENVIRONMENT",
        "max_size": "HARDCODED",
    }
)


def mode(address: str = "src/go:app", facts: GraphFacts = CGO, **intent):
    return resolve(Intent(address=address, **intent), facts)


@pytest.mark.parametrize(
    "text,size",
    [
        ("20MiB", 20 * MiB),
        ("1.5GB", 1_500_000_000),
        ("900 KiB", 900 * 1024),
        ("123", 123),
        (4096, 4096),
    ],
)
def test_parse_size(text, size) -> None:
    assert parse_size(text, "max_size") == size


@pytest.mark.parametrize("bad", ["20 furlongs", "-1", "", "MiB", 0, "0", "0.4"])
def test_parse_size_rejects(bad) -> None:
    with pytest.raises(ValueError, match="max_size"):
        parse_size(bad, "max_size")


def test_origins_name_where_each_option_was_set() -> None:
    origins = dict(ORIGINS)
    assert origins["[go-static].allowed_libcs"] == "pants.toml (or another config file)"
    assert (
        origins["[go-static].dlopen_allowlist"] == "the command line (--go-static-dlopen-allowlist)"
    )
    assert (
        origins["[go-static].require_static_pie"]
        == "the environment (PANTS_GO_STATIC_REQUIRE_STATIC_PIE)"
    )
    assert origins["[go-static].max_size"] == "the default"


@pytest.mark.parametrize(
    "address,globs,matches",
    [
        ("src/go/plugins/x:y", ("src/go/plugins/**",), True),
        ("src/go/plugins:y", ("src/go/plugins/**",), True),
        ("src/go:y", ("src/go:*",), True),
        ("src/go/sub:y", ("src/go:*",), False),
        ("src/go:y", ("src/go:y",), True),
        ("src/go:y", (), False),
        ("anything:x", ("*",), True),
    ],
)
def test_address_globs(address, globs, matches) -> None:
    assert address_matches(address, globs) is matches


def test_allowed_libcs_names_option_origin_target_and_fix() -> None:
    policy = Policy(allowed_libcs=("none", "musl"), origins=ORIGINS)
    (v,) = intent_violations(policy, mode(libc="glibc"), None)
    assert v.code == "policy-libc"
    rendered = v.render("src/go:app")
    assert rendered.startswith(
        'src/go:app: resolves to libc="glibc", which the policy does not allow (allowed: none, '
        "musl)."
    )
    assert (
        "Policy: [go-static].allowed_libcs, set in pants.toml (or another config file)." in rendered
    )
    assert (
        'Fix: set libc="musl" on the target, or add "glibc" to [go-static].allowed_libcs.'
        in rendered
    )
    assert intent_violations(policy, mode(), None) == ()  # auto -> musl is allowed
    (none_only,) = intent_violations(Policy(allowed_libcs=("none",)), mode(), None)
    assert "drop the cgo dependencies" in none_only.fix


def test_dlopen_allowlist() -> None:
    dl = GraphFacts(main_package="m", cgo_packages=("c",), dlopen_packages=("c",))
    policy = Policy(dlopen_allowlist=("src/go/plugins/**",), origins=ORIGINS)
    (v,) = intent_violations(policy, mode("src/go:app", dl, allow_dlopen=True), None)
    assert v.code == "policy-dlopen" and 'add "src/go:app" to [go-static].dlopen_allowlist' in v.fix
    assert "set in the command line (--go-static-dlopen-allowlist)" in v.render("src/go:app")
    assert intent_violations(policy, mode("src/go/plugins/a:b", dl, allow_dlopen=True), None) == ()
    assert intent_violations(Policy(), mode("src/go:app", dl, allow_dlopen=True), None) == ()


def test_require_static_pie() -> None:
    (v,) = intent_violations(Policy(require_static_pie=True, origins=ORIGINS), mode(), None)
    assert (v.code, v.fix) == ("policy-static-pie", "set static_pie=True on the target.")
    assert intent_violations(Policy(require_static_pie=True), mode(static_pie=True), None) == ()


def test_max_size_may_tighten_but_not_loosen() -> None:
    policy = Policy(max_size=20 * MiB, origins=ORIGINS)
    (v,) = intent_violations(policy, mode(), 30 * MiB)
    assert v.code == "policy-max-size-loosened"
    assert f"set max_size to at most {20 * MiB} (bytes)" in v.fix
    assert intent_violations(policy, mode(), 10 * MiB) == ()
    assert effective_max_size(policy, 10 * MiB) == 10 * MiB
    assert effective_max_size(policy, None) == 20 * MiB
    assert effective_max_size(Policy(), None) is None


def test_size_violation_names_the_tighter_budget() -> None:
    policy = Policy(max_size=20 * MiB, origins=ORIGINS)
    assert size_violation(policy, None, 20 * MiB) is None
    over = size_violation(policy, None, 23 * MiB)
    assert over.code == "policy-max-size" and over.evidence == f"{23 * MiB} bytes (23.0 MiB)"
    assert "over its size budget of 20.0 MiB by 3.0 MiB" in over.why
    assert "the budget is [go-static].max_size, set in the default" in over.why
    assert "raise [go-static].max_size if the growth is intended" in over.fix
    tight = size_violation(policy, 10 * MiB, 12 * MiB)
    assert "the budget is the target's max_size field, set in its BUILD file" in tight.why


def row(target: str, **kw) -> LinkageRow:
    base = dict(
        scenario=6,
        libc="none",
        cgo=False,
        tags=("netgo", "osusergo"),
        linkmode="internal",
        size=3 * MiB,
        verdict="pass",
    )
    return LinkageRow(target, **{**base, **kw})


def test_table_has_the_issue_columns_in_text_and_markdown() -> None:
    rows = [
        row("a:x"),
        row(
            "b:y",
            scenario=5,
            libc="musl",
            cgo=True,
            linkmode="external",
            verdict="fail",
            problems=("nss-warning",),
        ),
    ]
    text = table(rows, markdown=False).splitlines()
    assert text[0].split() == [
        "target",
        "scenario",
        "libc",
        "cgo",
        "tags",
        "linkmode",
        "size",
        "runtime",
        "verdict",
        "vulns",
        "licenses",
    ]
    assert "⑤" in text[2] and "fail (nss-warning)" in text[2]
    md = table(rows, markdown=True).splitlines()
    assert md[0].startswith("| target | scenario |") and md[1] == "|" + "---|" * len(
        text[0].split()
    )


def test_baseline_diff_shows_only_what_changed() -> None:
    old = from_json(to_json([row("a:x"), row("b:y"), row("gone:z")]), "old.json")
    new = [
        row("a:x"),
        row(
            "b:y",
            scenario=5,
            libc="musl",
            cgo=True,
            cgo_packages=("github.com/mattn/go-sqlite3",),
            linkmode="external",
            size=3 * MiB + int(3.1 * MiB),
        ),
        row("new:w"),
    ]
    found = changes(old, new)
    assert "a:x" not in found
    assert found["b:y"] == [
        "moved from scenario ⑥ to ⑤",
        "new cgo package in its graph: github.com/mattn/go-sqlite3",
        "libc changed from none to musl",
        "linkmode changed from internal to external",
        "size grew by 3.1 MiB (3.0 MiB → 6.1 MiB, +103.3%)",
    ]
    assert found["gone:z"] == ["binary removed"]
    assert found["new:w"][0].startswith("new binary: scenario ⑥")
    md = render_changes(found, markdown=True)
    assert md.startswith("**Linkage changes since the baseline (3 binaries):**") and "- `b:y`" in md
    assert render_changes({}, markdown=False) == "No linkage changes since the baseline."


def test_small_size_changes_are_noise() -> None:
    old = from_json(to_json([row("a:x", size=10 * MiB)]), "old.json")
    assert changes(old, [row("a:x", size=10 * MiB + 4096)]) == {}


def test_baseline_must_be_a_report() -> None:
    with pytest.raises(ValueError, match="is not JSON"):
        from_json("{", "x.json")
    with pytest.raises(ValueError, match="is not a go-static report"):
        from_json('{"targets": {}}', "x.json")
    # The right schema but no usable rows: still a clear error, not a KeyError.
    for broken in (
        '{"schema": "go-static-report/1"}',
        '{"schema": "go-static-report/1", "targets": {"a": 1}}',
    ):
        with pytest.raises(ValueError, match='has no "targets" table of rows'):
            from_json(broken, "x.json")


def test_format_size() -> None:
    assert [format_size(n) for n in (12, 2048, 3 * MiB, 5 * 2**30)] == [
        "12 B",
        "2.0 KiB",
        "3.0 MiB",
        "5.0 GiB",
    ]

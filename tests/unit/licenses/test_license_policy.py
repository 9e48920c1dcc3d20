"""The licence policy: the option's validation, expressions judged, and every problem at once."""

from __future__ import annotations

import json

import pytest

from go_static.core.gograph.graph import GoPackage
from go_static.core.licenses.policy import (
    LicenseError,
    LicensePolicy,
    LicenseScanError,
    ModuleLicense,
    import_chain,
    judge,
    parse_scan,
)


def _scan(*files: dict) -> str:
    return json.dumps([{"dir": "/m/x@v1.0.0", "files": list(files)}])


def test_a_file_covered_above_the_threshold_gives_its_ids() -> None:
    out = _scan({"name": "LICENSE", "percent": 98.8, "matches": [{"id": "MIT"}]})
    assert parse_scan(out)["/m/x@v1.0.0"] == ModuleLicense("MIT", ("LICENSE",))


def test_deprecated_ids_are_read_as_spdx_defines_them() -> None:
    out = _scan({"name": "COPYING", "percent": 100, "matches": [{"id": "GPL-3.0"}]})
    assert parse_scan(out)["/m/x@v1.0.0"].expression == "GPL-3.0-only"


@pytest.mark.parametrize(
    "files",
    [
        (),  # no licence file
        ({"name": "LICENSE", "percent": 60.0, "matches": [{"id": "MIT"}]},),  # below 75%
        ({"name": "LICENSE", "percent": 100, "matches": [{"id": "Not-A-Licence"}]},),
        ({"name": "LICENSE", "percent": 100, "matches": [], "error": "too large"},),
        # one known file does not make the module known when another file is not
        (
            {"name": "LICENSE", "percent": 100, "matches": [{"id": "MIT"}]},
            {"name": "COPYING", "percent": 10, "matches": [{"id": "GPL-2.0"}]},
        ),
    ],
)
def test_an_unrecognised_licence_stays_unknown(files: tuple) -> None:
    lic = parse_scan(_scan(*files))["/m/x@v1.0.0"]
    assert lic.expression is None and lic.shown == "unknown"


def test_several_licence_files_all_apply() -> None:
    out = _scan(
        {"name": "LICENSE-MIT", "percent": 100, "matches": [{"id": "MIT"}]},
        {"name": "LICENSE-APACHE", "percent": 100, "matches": [{"id": "Apache-2.0"}]},
    )
    assert parse_scan(out)["/m/x@v1.0.0"].expression == "Apache-2.0 AND MIT"


@pytest.mark.parametrize("out", ["", "{}", "[1]", '[{"files": []}]'])
def test_malformed_scan_output_is_an_error(out: str) -> None:
    with pytest.raises(LicenseScanError):
        parse_scan(out)


def test_every_bad_option_entry_is_reported_at_once() -> None:
    with pytest.raises(LicenseError) as e:
        LicensePolicy.from_option(
            {"allowed": ["MIT", "mit"], "denied": ["MIT", "GPL3"], "unknown": "maybe", "deny": []}
        )
    text = str(e.value)
    for part in ("'deny'", "'mit'", "'GPL3'", "both allows and denies MIT", "'maybe'"):
        assert part in text
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("policy", "expression", "ok"),
    [
        ({"denied": ["GPL-3.0-only"]}, "MIT", True),
        ({"denied": ["GPL-3.0-only"]}, "GPL-3.0-only", False),
        ({"denied": ["GPL-3.0"]}, "GPL-3.0-only", False),  # the deprecated id, as SPDX reads it
        ({"denied": ["GPL-2.0-only"]}, "BSD-3-Clause OR GPL-2.0-only", True),  # zstd: pick BSD
        ({"denied": ["GPL-2.0-only"]}, "MIT AND GPL-2.0-only", False),
        ({"allowed": ["MIT", "BSD-3-Clause"]}, "Apache-2.0", False),
        ({"allowed": ["MIT", "BSD-3-Clause"]}, "BSD-3-Clause", True),
        ({}, "(((", False),  # an expression that doesn't parse is never permitted
    ],
)
def test_expressions_are_judged_as_a_user_can_choose(
    policy: dict, expression: str, ok: bool
) -> None:
    assert LicensePolicy.from_option(policy).permits(expression) is ok


def _pkg(path: str, module: str, deps: tuple[str, ...]) -> GoPackage:
    return GoPackage(
        path,
        "p",
        None,
        False,
        module == "example.com/app",
        deps,
        (),
        (),
        (),
        (),
        module_path=module,
    )


PACKAGES = {
    p.import_path: p
    for p in (
        _pkg(
            "example.com/app/cmd/app",
            "example.com/app",
            ("example.com/app/internal/db", "example.com/gpl/driver", "golang.org/x/text/width"),
        ),
        _pkg("example.com/app/internal/db", "example.com/app", ("example.com/gpl/driver",)),
        _pkg("example.com/gpl/driver", "example.com/gpl", ()),
        _pkg("golang.org/x/text/width", "golang.org/x/text", ()),
    )
}


def test_the_import_chain_walks_direct_imports_from_the_main_package() -> None:
    chain = import_chain(PACKAGES, "example.com/app/cmd/app", "example.com/gpl")
    assert chain == (
        "example.com/app/cmd/app",
        "example.com/app/internal/db",
        "example.com/gpl/driver",
    )
    assert import_chain(PACKAGES, "example.com/app/cmd/app", "example.com/absent") == ()


def test_a_denied_licence_names_module_licence_chain_and_fix_and_all_problems_at_once() -> None:
    policy = LicensePolicy.from_option(
        {"denied": ["GPL-3.0-only"], "unknown": "fail"}, "pants.toml"
    )
    chain = import_chain(PACKAGES, "example.com/app/cmd/app", "example.com/gpl")
    verdict = judge(
        policy,
        {
            "example.com/gpl@v1.2.0": ModuleLicense("GPL-3.0-only", ("COPYING",)),
            "golang.org/x/text@v0.21.0": ModuleLicense("BSD-3-Clause", ("LICENSE",)),
            "example.com/odd@v0.1.0": ModuleLicense(None, ("LICENSE",)),
        },
        {"example.com/gpl": chain},
    )
    assert len(verdict.problems) == 2 and not verdict.warnings
    text = "\n".join(p.render("//app:app") for p in verdict.problems)
    assert "example.com/gpl@v1.2.0 is licensed GPL-3.0-only, which is denied" in text
    assert (
        "example.com/app/cmd/app -> example.com/app/internal/db -> example.com/gpl/driver" in text
    )
    assert (
        "drop or replace the import of example.com/gpl/driver in example.com/app/internal/db"
        in text
    )
    assert "[go-static].licenses, set in pants.toml" in text
    assert "example.com/odd@v0.1.0 has no licence the detector recognises" in text
    assert "x/text" not in text


@pytest.mark.parametrize(
    ("unknown", "problems", "warnings"), [("fail", 1, 0), ("warn", 0, 1), ("allow", 0, 0)]
)
def test_unknown_licences_do_what_the_option_says(
    unknown: str, problems: int, warnings: int
) -> None:
    verdict = judge(
        LicensePolicy.from_option({"unknown": unknown}), {"m@v1.0.0": ModuleLicense(None)}
    )
    assert (len(verdict.problems), len(verdict.warnings)) == (problems, warnings)


def test_the_standard_library_s_fix_does_not_ask_to_drop_an_import() -> None:
    verdict = judge(
        LicensePolicy.from_option({"allowed": ["MIT"]}),
        {"stdlib@go1.27.3": ModuleLicense("BSD-3-Clause")},
    )
    (problem,) = verdict.problems
    assert problem.fix.startswith("Go's standard library is in every Go binary")

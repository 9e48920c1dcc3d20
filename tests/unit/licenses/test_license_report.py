"""The report's licence column, its JSON round trip, and the diff's new-licence note."""

from __future__ import annotations

from go_static.core.names import PASS
from go_static.core.review.linkage import LinkageRow, changes, from_json, table, to_json

BSD = (("golang.org/x/text@v0.21.0", "BSD-3-Clause"), ("musl@1.2.5", "MIT"))
GPL = ("github.com/ethereum/go-ethereum@v1.17.10", "GPL-3.0-only AND LGPL-3.0-only")


def _row(licenses: tuple[tuple[str, str], ...]) -> LinkageRow:
    return LinkageRow("src/app:app", scenario=6, libc="none", verdict=PASS, licenses=licenses)


def test_the_column_lists_each_licence_once() -> None:
    header, line = table(
        [_row((*BSD, ("golang.org/x/net@v0.30.0", "BSD-3-Clause")))], False
    ).splitlines()
    assert header.split()[-1] == "licenses"
    assert line.split()[-1] == "BSD-3-Clause,MIT"


def test_the_json_keeps_each_module_s_licence() -> None:
    rows = from_json(to_json([_row(BSD)]), "r.json")
    assert rows["src/app:app"].licenses == BSD


def test_the_diff_names_a_new_licence_and_the_module_that_brings_it() -> None:
    baseline = from_json(to_json([_row(BSD)]), "old.json")
    found = changes(baseline, [_row((*BSD, GPL))])
    assert found == {
        "src/app:app": [
            "new licence in the binary: GPL-3.0-only AND LGPL-3.0-only "
            "(github.com/ethereum/go-ethereum@v1.17.10)"
        ]
    }
    assert changes(baseline, [_row(BSD)]) == {}


def test_a_baseline_from_before_licences_does_not_flag_every_licence() -> None:
    baseline = from_json(to_json([_row(())]), "old.json")
    assert changes(baseline, [_row(BSD)]) == {}

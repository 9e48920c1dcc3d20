"""Tier 3: policy through `./pants check ::`, and the report goal run twice against a baseline."""

from __future__ import annotations

import json
import shutil

from pants_harness import fresh_distdir, run_pants

STRICT = "--pants-config-files=+['tests/fixtures/strict-policy.toml']"


def test_check_enforces_a_config_file_policy() -> None:
    result = run_pants(STRICT, "check", "::")
    assert result.returncode == 1
    err = result.stderr
    for target in ("src/go:cgocalc-glibc", "src/go/cmd/sqlite:sqlite-glibc"):
        assert (
            f'{target}: resolves to libc="glibc", which the policy does not allow (allowed: none, '
            "musl)." in err
        )
    assert "Policy: [go-static].allowed_libcs, set in pants.toml (or another config file)." in err
    assert 'Fix: set libc="musl" on the target, or add "glibc" to [go-static].allowed_libcs.' in err
    assert "✓ src/go:cgocalc-musl: static, musl" in err + result.stdout
    assert "Traceback" not in err


def test_check_passes_on_the_samples_and_writes_nothing() -> None:
    result = run_pants("check", "::")
    assert result.returncode == 0, result.stderr
    assert "✓ go-static succeeded." in result.stderr


def test_report_twice_with_a_baseline_shows_the_diff() -> None:
    dist = fresh_distdir()
    try:
        first = run_pants(
            "go-static-report", "src/go::", f"--go-static-report-output-file={dist}/linkage.md"
        )
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines()[0].split() == [
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
        assert (dist / "linkage.md").read_text().startswith("| target | scenario | libc |")
        baseline = json.loads((dist / "linkage.json").read_text())
        # The state before a change that added go-sqlite3 to this binary:
        old = baseline["targets"]["src/go/cmd/sqlite:sqlite-musl"]
        old.update(
            scenario=6,
            libc="none",
            cgo=False,
            cgo_packages=[],
            linkmode="internal",
            size=old["size"] - int(3.1 * 2**20),
        )
        (dist / "old.json").write_text(json.dumps(baseline))

        second = run_pants(
            "go-static-report",
            "src/go::",
            f"--go-static-report-baseline={dist}/old.json",
            f"--go-static-report-output-file={dist}/diff.md",
        )
        assert second.returncode == 0, second.stderr
        assert second.stdout.splitlines()[0] == "Linkage changes since the baseline (1 binary):"
        for line in (
            "- src/go/cmd/sqlite:sqlite-musl",
            "  - moved from scenario ⑥ to ⑤",
            "  - new cgo package in its graph: github.com/mattn/go-sqlite3",
            "  - libc changed from none to musl",
            "  - size grew by 3.1 MiB",
        ):
            assert any(out.startswith(line) for out in second.stdout.splitlines()), line
        assert (
            (dist / "diff.md")
            .read_text()
            .startswith("**Linkage changes since the baseline (1 binary):**")
        )
    finally:
        shutil.rmtree(dist, ignore_errors=True)

"""Check that a built binary is really static: `python -m go_static.check BINARY [options]`.

Needs only pyelftools (no Pants): `PYTHONPATH=pants-plugins python -m go_static.check BINARY`.
Exit status: 0 pass, 1 violations, 2 unusable input (missing, unreadable, not a 64-bit LE ELF).
`--json` prints the same report schema the go_static_binary rule writes (`report.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from go_static.core.arches import SUPPORTED_GOARCHES
from go_static.core.checker.elf import elf_facts
from go_static.core.checker.elf_header import ElfError
from go_static.core.checker.expectation import Expectation, Verdict
from go_static.core.checker.report import SCHEMA, binary_report
from go_static.core.checker.verdict import evaluate
from go_static.core.names import STATIC_LIBCS

EXIT_PASS, EXIT_FAIL, EXIT_UNUSABLE = 0, 1, 2


def format_human(output: str, result: Verdict) -> str:
    """One header line, then one line per violation (code, evidence, why, fix), then notes."""
    n = len(result.violations)
    head = f"{result.status.upper()} {output}: {result.summary_line()}"
    lines = [head + (f" -- {n} violation{'s' if n != 1 else ''}" if n else "")]
    lines += [f"  {v.code}: {v.evidence} -- {v.why}. Fix: {v.fix}" for v in result.violations]
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        # As a module argv[0] is check.py; inside the PEX it is the .pex file users typed.
        prog="python -m go_static.check"
        if sys.argv[0].endswith(".py")
        else os.path.basename(sys.argv[0]),
        description="Fail unless BINARY is a static ELF executable: no PT_INTERP, no DT_NEEDED, "
        "no glibc NSS/dlopen link warnings, the expected C library.",
    )
    p.add_argument("binary")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--allow-dlopen", action="store_true", help="accept dlopen (it fails at run time)"
    )
    p.add_argument("--static-pie", action="store_true", help="expect a static-pie (ET_DYN) binary")
    p.add_argument(
        "--link-log", metavar="FILE", help="the linker's output, to check glibc warnings"
    )
    p.add_argument(
        "--expect-libc", choices=STATIC_LIBCS, help="fail unless this C library is detected"
    )
    p.add_argument(
        "--forbid-host-paths",
        action="store_true",
        help="fail if the binary holds build-host paths (Pants sandboxes, venvs, site-packages)",
    )
    p.add_argument(
        "--expect-goarch",
        choices=SUPPORTED_GOARCHES,
        help="fail unless the ELF's machine (and Go build info, if any) is this GOARCH",
    )
    return p


def _unusable(args: argparse.Namespace, reason: str) -> int:
    if args.json:
        unusable = {"schema": SCHEMA, "output": args.binary, "verdict": "error", "error": reason}
        print(json.dumps(unusable, indent=2))
    print(f"go_static.check: {args.binary}: {reason}", file=sys.stderr)
    return EXIT_UNUSABLE


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    link_log = ""
    if args.link_log:
        try:
            with open(args.link_log, encoding="utf-8", errors="replace") as f:
                link_log = f.read()
        except OSError as e:
            return _unusable(args, f"cannot read link log {args.link_log}: {e.strerror or e}")
    try:
        facts = elf_facts(args.binary, hash_file=args.json)  # the text report shows no sha256
    except ElfError as e:
        return _unusable(args, str(e))
    expectation = Expectation(
        libc=args.expect_libc,
        goarch=args.expect_goarch,
        static_pie=args.static_pie,
        allow_dlopen=args.allow_dlopen,
        forbid_host_paths=args.forbid_host_paths,
    )
    result = evaluate(facts, expectation, link_log)
    if args.json:
        print(json.dumps(binary_report(result, args.binary), indent=2))
    else:
        print(format_human(args.binary, result))
    return EXIT_PASS if result.passed else EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())

"""The entry point: parse the arguments, run the command, turn every outcome into an exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from secgate.cli.attest import cmd_attest, cmd_keygen, cmd_verify_attestation
from secgate.cli.baseline import cmd_baseline
from secgate.cli.check import cmd_check
from secgate.cli.db import cmd_db
from secgate.cli.evaluate import cmd_evaluate
from secgate.cli.exitcodes import EXIT_ERROR
from secgate.cli.explain import cmd_explain
from secgate.cli.init import cmd_init
from secgate.cli.merge import cmd_merge
from secgate.cli.output import print_error, print_internal_error, print_interrupted
from secgate.cli.parser import build_parser
from secgate.cli.rules import cmd_rules
from secgate.cli.scanners import cmd_scanners
from secgate.errors import SecgateError

COMMANDS = {
    "check": cmd_check,
    "evaluate": cmd_evaluate,
    "merge": cmd_merge,
    "baseline": cmd_baseline,
    "scanners": cmd_scanners,
    "db": cmd_db,
    "rules": cmd_rules,
    "explain": cmd_explain,
    "init": cmd_init,
    "keygen": cmd_keygen,
    "attest": cmd_attest,
    "verify-attestation": cmd_verify_attestation,
}


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command line with *argv*; return the exit code (never raises SystemExit)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])  # until parsed
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version exit 0 through argparse
            return int(exc.code or 0)
        debug = bool(getattr(args, "debug", False))  # before or after the subcommand
        if args.command is None:
            parser.print_help(out)
            return EXIT_ERROR
        return COMMANDS[args.command](args, out)
    except SecgateError as exc:
        print_error(err, exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print_interrupted(err)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - last resort: one line, exit 2, never a pass
        print_internal_error(err, exc, debug=debug)
        return EXIT_ERROR


def console_main() -> None:
    """Entry point of the ``secgate`` console script."""
    sys.exit(main())

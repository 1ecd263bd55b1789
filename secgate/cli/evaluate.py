"""``secgate evaluate``: re-judge a saved JSON report with a policy, without scanning."""

from __future__ import annotations

import argparse
from typing import TextIO

from secgate.cli.output import emit
from secgate.cli.parser import baseline_arg


def cmd_evaluate(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.engine import evaluate  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    host = make_plugin_host()
    verdict = evaluate(
        args.report_file,
        config=args.config,
        stage=args.stage,
        fail_on=args.fail_on,
        baseline=baseline_arg(args),
        host=host,
        vex=args.vex,
    )
    emit(verdict, args, host, stdout)
    return verdict.exit_code

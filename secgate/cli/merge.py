"""``secgate merge``: join the JSON reports of ``check --shard K/N`` runs into one verdict."""

from __future__ import annotations

import argparse
from typing import TextIO

from secgate.cli.output import emit


def cmd_merge(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415
    from secgate.shards import merge  # noqa: PLC0415

    host = make_plugin_host()
    verdict = merge(args.reports, config=args.config, stage=args.stage, host=host, vex=args.vex)
    emit(verdict, args, host, stdout)
    return verdict.exit_code

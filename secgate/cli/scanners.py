"""``secgate scanners``: the registered scanners and whether they can run here."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from secgate.cli.exitcodes import EXIT_PASS


def cmd_scanners(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415
    from secgate.selection import probe  # noqa: PLC0415

    host = make_plugin_host()
    rows: list[dict[str, Any]] = []
    for name, info in host.scanners().items():
        scanner = info.cls()
        availability = probe(scanner)
        ok, why = availability.ok, (None if availability.ok else availability.describe())
        try:
            version = scanner.version()
        except Exception:  # noqa: BLE001 - same
            version = None
        dist = (
            f"{info.distribution} {info.distribution_version}"
            if info.distribution
            else f"(plugin {info.plugin})"
        )
        rows.append(
            {
                "name": name,
                "version": version,
                "distribution": dist,
                "available": ok,
                "reason": why,
                "description": info.cls.description,
            }
        )
    if args.format == "json":
        stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_PASS
    if not rows:
        stdout.write("no scanners registered: pip install 'secgate-ci[all]'\n")
        return EXIT_PASS
    width = max(len(r["name"]) for r in rows)
    vwidth = max(len(r["version"] or "-") for r in rows)
    dwidth = max(len(r["distribution"]) for r in rows)
    for row in rows:
        state = "ready" if row["available"] else f"cannot run: {row['reason']}"
        stdout.write(
            f"{row['name']:<{width}}  {row['version'] or '-':<{vwidth}}  "
            f"{row['distribution']:<{dwidth}}  {state}\n"
        )
    return EXIT_PASS

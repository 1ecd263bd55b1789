"""``secgate db``: import or inspect the offline vulnerability database."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from secgate.cli.exitcodes import EXIT_PASS
from secgate.errors import UsageError


def cmd_db(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.deps import osv  # noqa: PLC0415

    if args.db_command == "update":
        imported = osv.update_database(args.source)
        p = imported.provenance
        stdout.write(
            f"imported {p.records} advisories from {p.source}"
            f" (newest record {p.export_date:%Y-%m-%d})\n"
            if p.export_date
            else f"imported {p.records} advisories from {p.source}\n"
        )
        for skipped in p.skipped:
            stdout.write(f"warning: record skipped: {skipped}\n")
        stdout.write(f"database: {imported.path}\n")
        return EXIT_PASS
    if args.db_command == "status":
        installed = osv.current_database()
        if installed is None:
            raise osv.DatabaseError(
                f"no offline vulnerability database in {osv.store_dir()}; import one with "
                "`secgate db update --from PATH` (or `secgate db update` with network)"
            )
        p = installed.provenance
        age = p.age_days()
        row: dict[str, Any] = {
            "source": p.source,
            "path": str(installed.path),
            "imported_at": p.imported_at.isoformat() if p.imported_at else None,
            "export_date": p.export_date.isoformat() if p.export_date else None,
            "records": p.records,
            "withdrawn": p.withdrawn,
            "skipped": len(p.skipped),
            "age_days": round(age, 1) if age is not None else None,
        }
        if args.format == "json":
            stdout.write(json.dumps(row, indent=2) + "\n")
            return EXIT_PASS
        stdout.write(
            f"source:      {p.source}\n"
            f"path:        {installed.path}\n"
            f"imported:    {p.imported_at:%Y-%m-%d %H:%M} UTC\n"
            if p.imported_at
            else f"source:      {p.source}\npath:        {installed.path}\n"
        )
        stdout.write(
            f"export date: {p.export_date:%Y-%m-%d} (newest record)\n"
            if p.export_date
            else "export date: unknown (no dated record)\n"
        )
        stdout.write(
            f"records:     {p.records} ({p.withdrawn} withdrawn, {len(p.skipped)} skipped)\n"
        )
        stdout.write(
            f"age:         {age:.0f} days\n" if age is not None else "age:         unknown\n"
        )
        return EXIT_PASS
    raise UsageError("secgate db: expected an action: update or status")

"""``secgate rules``: list every scanner's rules; import a gitleaks rule file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from secgate.cli.exitcodes import EXIT_PASS
from secgate.errors import SecgateError, UsageError


def cmd_rules(args: argparse.Namespace, stdout: TextIO) -> int:
    action = getattr(args, "rules_command", None) or "list"
    if action == "import-gitleaks":
        return _cmd_import_gitleaks(args, stdout)
    if action != "list":  # pragma: no cover - argparse only lets known actions through
        raise UsageError(f"secgate rules: unknown action {action!r}")
    rows, missing = _rule_rows(args)
    if getattr(args, "rules_format", "text") == "json":
        stdout.write(json.dumps({"rules": rows, "unavailable": missing}, indent=2) + "\n")
        return EXIT_PASS
    if rows:
        table = [
            (
                row["id"],
                row["scanner"],
                row["severity"] or "varies",
                ", ".join(f"CWE-{n}" for n in row["cwe"]) or "-",
                row["description"],
            )
            for row in rows
        ]
        widths = [max(len(cells[i]) for cells in table) for i in range(4)]
        for cells in table:
            head = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
            stdout.write(f"{head}  {cells[4]}\n")
    else:
        stdout.write("no rules: no selected scanner lists any\n")
    for entry in missing:
        stdout.write(f"(scanner {entry['scanner']} not available: {entry['reason']})\n")
    return EXIT_PASS


def _rule_rows(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Every rule of the selected scanners, and the scanners that could not list theirs."""
    from secgate.engine import resolve_config, scanner_options  # noqa: PLC0415
    from secgate.errors import ConfigError  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415
    from secgate.selection import probe  # noqa: PLC0415

    host = make_plugin_host()
    registry = host.scanners()
    wanted = list(dict.fromkeys(args.rules_scanners or registry))
    unknown = [name for name in wanted if name not in registry]
    if unknown:
        known = ", ".join(registry) or "none installed"
        raise UsageError(f"--scanner: unknown scanner {unknown[0]!r} (registered: {known})")
    loaded = resolve_config([Path.cwd()], args.rules_config)
    source = str(loaded.path) if loaded.path else None
    options = scanner_options(host, loaded.config, loaded)
    rows: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    for name in wanted:
        scanner = registry[name].cls()
        availability = probe(scanner)
        if not availability.ok:
            missing.append({"scanner": name, "reason": availability.describe()})
            continue
        try:
            infos = scanner.rules(options[name])
        except SecgateError as exc:
            raise ConfigError(f"{source or 'config'}: scanner {name}: {exc}") from None
        for info in infos:
            rows.append(
                {
                    "id": info.id,
                    "scanner": info.scanner or name,
                    "severity": info.severity.value if info.severity is not None else None,
                    "cwe": list(info.cwe),
                    "description": info.description,
                }
            )
    rows.sort(key=lambda row: (row["scanner"], row["id"]))
    return rows, missing


def _cmd_import_gitleaks(args: argparse.Namespace, stdout: TextIO) -> int:
    import tomllib  # noqa: PLC0415

    from secgate.atomic import atomic_write_text  # noqa: PLC0415
    from secgate.errors import ConfigError  # noqa: PLC0415
    from secgate.secrets.rules import (  # noqa: PLC0415
        detect_format,
        parse_gitleaks,
        rules_to_toml,
    )

    source = Path(args.file)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    if detect_format(data) != "gitleaks":
        raise ConfigError(f"{source}: this is already a secgate rule file (it has `schema`)")
    rules, notes = parse_gitleaks(data, str(source))
    for note in notes:
        stdout.write(f"note: {note}\n")
    if args.output:
        header = (
            f"Converted from gitleaks rules in {source.name} by `secgate rules import-gitleaks`."
        )
        atomic_write_text(Path(args.output), rules_to_toml(rules, header=header))
        stdout.write(f"wrote {len(rules)} rule(s) to {args.output}\n")
        target = args.output
    else:
        stdout.write(f"{source}: {len(rules)} gitleaks rule(s) load without change\n")
        target = str(source)
    stdout.write(
        f"use it with:\n  [tool.secgate.scanners.secrets]\n  rules = [{json.dumps(target)}]\n"
    )
    return EXIT_PASS
